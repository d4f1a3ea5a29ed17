"""Shared fixtures: every test gets its own store in tmp_path and a fixed now."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from opsdesk.cli import app

# The official calendar cache (see opsdesk.sla._cache_file) goes to a folder of this test run.
os.environ["OPSDESK_CACHE_DIR"] = tempfile.mkdtemp(prefix="opsdesk-cache-")

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)  # a Monday, working hours
runner = CliRunner()


@pytest.fixture(autouse=True)
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "opsdesk.db"
    monkeypatch.setenv("OPSDESK_DB", str(db))
    monkeypatch.setenv("OPSDESK_NOW", NOW.isoformat())
    monkeypatch.setenv("OPSDESK_USER", "tester")
    monkeypatch.delenv("OPSDESK_FORCE_TERMINAL", raising=False)
    monkeypatch.delenv("OPSDESK_DEBUG", raising=False)
    return db


def run(*args: str, now: datetime | None = None, env: dict[str, str] | None = None):
    """Invoke the CLI; ``now`` moves the fixed clock for this one command."""
    extra = dict(env or {})
    if now is not None:
        extra["OPSDESK_NOW"] = now.isoformat()
    return runner.invoke(app, list(args), env=extra or None)


def ok(*args: str, now: datetime | None = None) -> str:
    result = run(*args, now=now)
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(args: list[str], message: str, db: Path, code: int = 1, now: datetime | None = None) -> None:
    """The command fails with exactly this one-line message and writes nothing."""
    before = snapshot(db)
    result = run(*args, now=now)
    assert result.exit_code == code, result.output
    assert result.stderr == f"Error: {message}\n"
    assert "Traceback" not in result.output
    assert snapshot(db) == before


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=TZ)


def snapshot(db: Path) -> str:
    """A digest of every row of every table: equal before and after means nothing was written."""
    conn = sqlite3.connect(db)
    try:
        digest = hashlib.sha256()
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                digest.update(repr((name, row)).encode())
        return digest.hexdigest()
    finally:
        conn.close()


@pytest.fixture
def contract(store_env: Path) -> Path:
    """A store with the contract (12 months from 2026-09-01) and the five systems."""
    ok(
        "init",
        "--name",
        "智慧医疗运维",
        "--hospital",
        "广东省人民医院",
        "--vendor",
        "某某科技",
        "--start",
        "2026-09-01",
    )
    return store_env

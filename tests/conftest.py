"""Shared fixtures: every test gets its own store and a fixed now.

The store is an SQLite file in tmp_path. When ``OPSDESK_TEST_PG`` names a PostgreSQL database
(``postgresql+psycopg://user@host:port/dbname``), every test that is not marked ``sqlite_only``
runs a second time against a fresh schema of that database (see ``.ci/postgres.sh``).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from opsdesk import clock
from opsdesk.cli.app import app

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)  # a Monday, working hours
CREATED = datetime(2026, 8, 31, 9, 0, tzinfo=TZ)  # when the `contract` fixture records the contract
runner = CliRunner()
PG = os.environ.get("OPSDESK_TEST_PG")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        only_sqlite = PG is None or metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if only_sqlite else ["sqlite", "pg"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(autouse=True)
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str):
    """The database of this test: a file Path, or (backend pg) the URL of a fresh PostgreSQL schema."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # opsdesk's own folder (PostgreSQL backups)
    monkeypatch.setattr(clock, "_fixed", NOW)  # the clock seam: in this process only, never from the shell
    if backend == "pg":
        yield from _pg_schema(monkeypatch)
        return
    db = tmp_path / "opsdesk.db"
    monkeypatch.setenv("OPSDESK_DB", str(db))
    monkeypatch.setenv("OPSDESK_USER", "tester")
    monkeypatch.delenv("OPSDESK_FORCE_TERMINAL", raising=False)
    monkeypatch.delenv("OPSDESK_DEBUG", raising=False)
    yield db


def _pg_schema(monkeypatch: pytest.MonkeyPatch):
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"
    monkeypatch.setenv("OPSDESK_DB", url)
    monkeypatch.setenv("OPSDESK_USER", "tester")
    monkeypatch.delenv("OPSDESK_FORCE_TERMINAL", raising=False)
    monkeypatch.delenv("OPSDESK_DEBUG", raising=False)
    try:
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '30s'")  # a connection a test left open fails it, not hangs it
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(*args: str, now: datetime | None = None, env: dict[str, str] | None = None):
    """Invoke the CLI; ``now`` moves the fixed clock for this one command."""
    with clock.fixed(now) if now is not None else nullcontext():
        return runner.invoke(app, list(args), env=env or None)


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


def snapshot(db: Path | str) -> str:
    """A digest of every row of every table: equal before and after means nothing was written."""
    if isinstance(db, str):
        return _pg_snapshot(db)
    conn = sqlite3.connect(db)
    try:
        digest = hashlib.sha256()
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                digest.update(repr((name, row)).encode())
        return digest.hexdigest()
    finally:
        conn.close()


def connect(db: Path | str):
    """A raw connection to the test's database, bypassing opsdesk (to tamper, or to look):
    ``sqlite3`` for a file; for PostgreSQL a psycopg connection taking the same ``?`` placeholders."""
    if not isinstance(db, str):
        return sqlite3.connect(db)
    import psycopg

    plain, _, query = db.replace("postgresql+psycopg://", "postgresql://").partition("?")
    schema = query.rsplit("%3D", 1)[1]
    # autocommit: a look must not leave a transaction open (it would hold locks the teardown waits for)
    return _QmarkConnection(psycopg.connect(plain, options=f"-csearch_path={schema}", autocommit=True))


def rehash(conn) -> None:
    """What a forger with the code would do after editing events: recompute every hash and link."""
    from opsdesk.store.history import EVENT_FIELDS, GENESIS, digest

    prev = GENESIS
    for row in conn.execute(f"SELECT {', '.join(EVENT_FIELDS)} FROM event ORDER BY id").fetchall():
        content = (*row[:-1], prev)
        prev = digest(*content)
        conn.execute("UPDATE event SET prev_hash = ?, hash = ? WHERE id = ?", (content[-1], prev, row[0]))
    conn.commit()


class _QmarkConnection:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql.replace("?", "%s"), params)

    def commit(self) -> None:
        """Each statement committed already."""

    def close(self) -> None:
        self.conn.close()


def check_schema(columns_of) -> None:
    """Every table of the models has exactly their columns, NOT NULL where they say so;
    ``columns_of(table name)`` gives {column: is NOT NULL} as the database has it."""
    from sqlmodel import SQLModel

    import opsdesk.store.models  # noqa: F401 - registers the tables

    for table in SQLModel.metadata.sorted_tables:
        columns = columns_of(table.name)
        expected = {c.name: (not c.nullable and not c.primary_key) for c in table.columns}
        assert set(columns) == set(expected), table.name
        for name, not_null in expected.items():
            if not_null:
                assert columns[name], f"{table.name}.{name} should be NOT NULL"


def _pg_snapshot(url: str) -> str:
    import psycopg

    plain, _, query = url.replace("postgresql+psycopg://", "postgresql://").partition("?")
    schema = query.rsplit("%3D", 1)[1]
    digest = hashlib.sha256()
    with psycopg.connect(plain) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name", (schema,)
        ).fetchall()
        for (name,) in tables:
            for row in conn.execute(f'SELECT * FROM {schema}."{name}" ORDER BY 1'):
                digest.update(repr((name, row)).encode())
    return digest.hexdigest()


@pytest.fixture
def contract(store_env: Path) -> Path:
    """A store with the contract (12 months from 2026-09-01) and the five systems, recorded before the
    service starts: a test may then record its entries at any moment of the service (recorded times
    never go backwards, `verify` checks)."""
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
        now=CREATED,
    )
    return store_env

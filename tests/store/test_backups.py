"""Backups and restores that lose nothing: a restore under concurrent writers, a diverged or doctored
backup refused, a backup private from its first byte, and --keep counting only complete backups.
Backups taken while another process writes, and restore refusals, are in test_concurrency.py."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, connect, ok, refused, run

WORKER = Path(__file__).parents[1] / "workers" / "log_tickets.py"


def _symptoms(conn) -> set[str]:
    try:
        return {r[0] for r in conn.execute("SELECT symptom FROM ticket").fetchall()}
    finally:
        conn.close()


def _tickets(db) -> int:
    conn = connect(db)
    try:
        return conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_a_restore_under_concurrent_writers_loses_no_acknowledged_write(contract, tmp_path):
    """Every "Opened fault N" a writer was given is in the copy kept aside or in the restored store."""
    ok("fault", "open", "queue", "before the backup")
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    env = {k: v for k, v in os.environ.items() if k != "OPSDESK_DB"}
    writers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(contract), "120", f"w{i}", NOW.isoformat()],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(3)
    ]
    deadline = time.monotonic() + 120
    while _tickets(contract) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    out = ok("restore", str(backup), "--force")
    aside = Path(out.splitlines()[-1].removeprefix("The previous database is kept at "))
    outputs = [w.communicate(timeout=600)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], outputs
    answered = [line.split("\t") for out in outputs for line in out.splitlines() if "\tOpened fault " in line]
    assert len(answered) == 360
    kept, restored = _symptoms(sqlite3.connect(aside)), _symptoms(connect(contract))
    assert [s for s, _ in answered if s not in kept | restored] == []
    assert any(s in kept for s, _ in answered) and any(s in restored for s, _ in answered)  # it ran mid-way
    assert json.loads(ok("verify", "--json"))["ok"]
    assert json.loads(ok("--db", str(aside), "verify", "--json"))["ok"]


def test_a_diverged_backup_is_refused(contract, tmp_path):
    ok("fault", "open", "queue", "a")
    base = tmp_path / "base.db"
    ok("backup", str(base))
    ok("fault", "open", "queue", "live only")  # event 8 here
    other = tmp_path / "other.db"
    ok("--db", str(other), "restore", str(base))
    ok("--db", str(other), "fault", "open", "queue", "elsewhere")  # event 8 there
    ok("--db", str(other), "fault", "open", "queue", "elsewhere again")
    diverged = tmp_path / "diverged.db"
    ok("--db", str(other), "backup", str(diverged))
    refused(
        ["restore", str(diverged)],
        f"{diverged} holds a different history: from event 10 on, it and this database disagree (one of them was "
        "changed after they parted); restoring it would drop this database's records since; add --force to "
        "replace it anyway (the current content is kept aside)",
        contract,
    )
    assert ok("restore", str(diverged), "--force").startswith(f"Restored {diverged}")
    assert "elsewhere again" in _symptoms(connect(contract))


def test_a_backup_with_a_trigger_or_view_is_refused(contract, tmp_path):
    ok("fault", "open", "queue", "x")
    backup = tmp_path / "t.db"
    ok("backup", str(backup))
    conn = sqlite3.connect(backup)
    conn.execute("CREATE TRIGGER rewrite AFTER INSERT ON note BEGIN UPDATE note SET text = 'x'; END")
    conn.execute("CREATE VIEW everything AS SELECT * FROM ticket")
    conn.commit()
    conn.close()
    refused(
        ["restore", str(backup), "--force"],
        f"{backup} holds trigger 'rewrite', view 'everything', which opsdesk does not make; it restores only its "
        "own tables and indexes, so nothing was restored",
        contract,
    )


def test_a_backup_is_private_from_its_first_byte_and_a_failed_one_leaves_nothing(contract, tmp_path, monkeypatch):
    from opsdesk.errors import StoreError
    from opsdesk.store import backups

    folder = tmp_path / "kept"
    seen = []

    def fails(path):
        seen.append(stat.S_IMODE(os.stat(path).st_mode))
        raise StoreError("the disk is full")

    whole = backups._single_file
    monkeypatch.setattr(backups, "_single_file", fails)
    assert run("backup", str(folder / "b.db")).stderr == "Error: the disk is full\n"
    assert seen == [0o600] and list(folder.iterdir()) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    monkeypatch.setattr(backups, "_single_file", whole)
    ok("backup", str(folder / "b.db"))
    assert [p.name for p in folder.iterdir()] == ["b.db"] and stat.S_IMODE((folder / "b.db").stat().st_mode) == 0o600


@pytest.mark.sqlite_only  # the backups folder beside the database file
def test_keep_counts_only_complete_backups_of_this_contract(contract, tmp_path):
    ok("backup")
    folder = contract.parent / "backups"
    first = next(folder.iterdir())
    stem = first.name[: -len("-YYYYmmdd-HHMMSS-mmm-xxxxxxxx.db")]
    killed = folder / f"{stem}-20200101-000000.db"
    killed.write_bytes(b"SQLite format 3\x00" + bytes(100))  # an interrupted backup under a backup's name
    other = tmp_path / "other.db"
    ok("--db", str(other), "init", "--name", "别的合同", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01")
    theirs = folder / f"{stem}-20200102-000000.db"
    ok("--db", str(other), "backup", str(theirs))
    out = ok("backup", "--keep", "1")
    assert f"Kept {killed.name}: not a complete backup of this contract, so not counted" in out
    assert killed.exists() and theirs.exists() and not first.exists()
    assert len(list(folder.glob(f"{stem}-2026*.db"))) == 1


@pytest.mark.sqlite_only  # the backups folder beside the database file
def test_keep_removes_a_killed_backups_partial_files_not_a_running_ones(contract):
    import fcntl

    ok("backup")
    folder = contract.parent / "backups"
    stem = next(folder.iterdir()).name[: -len("-YYYYmmdd-HHMMSS-mmm-xxxxxxxx.db")]
    killed = folder / f".{stem}-20261206-100000-000-0badf00d.db.1234abcd.partial"
    older = folder / f".{stem}-20261205-100000.db.partial"  # as an older version named it
    running = folder / f".{stem}-20261207-095959-999-c0ffee00.db.5678abcd.partial"
    for path in (killed, Path(f"{killed}-journal"), older, running, Path(f"{running}-journal")):
        path.write_bytes(b"SQLite format 3\x00")
    with running.open("rb") as held:  # a backup writing it now holds its lock, however long it takes
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        out = ok("backup", "--keep", "2")
        assert f"Removed 2 partial file(s) left by a backup killed earlier ({older.name}, {killed.name})\n" in out
        assert not killed.exists() and not Path(f"{killed}-journal").exists() and not older.exists()
        assert running.exists() and Path(f"{running}-journal").exists()
    assert "partial file(s)" in ok("backup", "--keep", "2")  # its writer gone, it is a killed backup's
    assert not running.exists() and not Path(f"{running}-journal").exists()

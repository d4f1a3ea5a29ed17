"""Nothing lost, nothing faked: concurrent engineers on one store, a crash mid-import, backups while
another process writes, and what a backup or restore refuses (more backups: test_backups.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, connect, ok, run, snapshot

WORKER = Path(__file__).parents[1] / "workers" / "log_tickets.py"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "OPSDESK_DB"}


@pytest.mark.slow
def test_four_engineers_at_once(contract):
    """4 processes x 250 faults on one store: 1000 faults, a valid chain, no 'database is locked'."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(contract), "250", f"eng{i}", NOW.isoformat()],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert all("locked" not in out for out in outputs)
    data = json.loads(ok("verify", "--json"))
    assert data["ok"] and data["counts"]["ticket"] == 1000
    conn = connect(contract)
    assert conn.execute("SELECT count(DISTINCT actor) FROM event WHERE action = 'fault.open'").fetchone() == (4,)


def _bugs_csv(path: Path, count: int) -> Path:
    lines = ["Bug编号,所属产品,Bug标题,严重程度,Bug状态,由谁创建,创建日期"]
    lines += [f"{i},智能候诊(#3),故障{i},3,激活,王护士,2026-11-02 09:{i % 60:02d}:00" for i in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _writing(db: Path | str) -> bool:
    """Whether an uncommitted transaction is well under way: SQLite's pages spill into the WAL,
    or a PostgreSQL transaction has written rows."""
    if isinstance(db, Path):
        wal = Path(f"{db}-wal")
        return wal.exists() and wal.stat().st_size > 256 * 1024
    conn = connect(db)
    try:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
            "AND datname = current_database()"
        ).fetchone() != (0,)
    finally:
        conn.close()


@pytest.mark.slow
def test_import_killed_midway_leaves_nothing_half_done(contract, tmp_path):
    ok("import", "map", "智能候诊", "queue")
    bugs = _bugs_csv(tmp_path / "bugs.csv", 4000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "--db", str(contract), "import", "zentao-bugs", str(bugs)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not _writing(contract):
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed; give it more rows"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    data = json.loads(ok("verify", "--json"))
    # all or nothing: a kill can still land between the commit and the exit (the moment before the
    # commit is pinned down by test_team.test_a_killed_import_skips_no_number)
    assert data["ok"] and data["counts"]["ticket"] in (0, 4000)
    if data["counts"]["ticket"] == 0:
        assert ok("import", "zentao-bugs", str(bugs)).startswith("4000 fault(s) were created")
    assert json.loads(ok("verify", "--json"))["counts"]["ticket"] == 4000


@pytest.mark.slow
def test_backup_while_another_process_writes(contract, tmp_path):
    writer = subprocess.Popen(
        [sys.executable, str(WORKER), str(contract), "150", "writer", NOW.isoformat()],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    backups = []
    for n in range(3):
        time.sleep(0.5)
        target = tmp_path / f"b{n}.db"
        ok("backup", str(target))
        backups.append(target)
    assert writer.wait(timeout=600) == 0, writer.stdout.read()
    for target in backups:
        restored = tmp_path / f"restored-{target.name}"
        out = ok("--db", str(restored), "restore", str(target))
        assert out.startswith(f"Restored {target}")
        assert json.loads(ok("--db", str(restored), "verify", "--json"))["ok"]


@pytest.mark.sqlite_only  # names of backup files beside the database file
def test_backup_keep_and_restore_refusals(contract, tmp_path):
    for _ in range(3):
        ok("fault", "open", "queue", "x")
    out = ok("backup", "--keep", "2")
    assert out.startswith("Backed up ") and str(contract.parent / "backups") in out
    assert run("backup", str(contract)).stderr == f"Error: {contract} already exists; choose another backup file name\n"
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    result = run("restore", str(bad))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {bad} is not an SQLite file, so not an opsdesk backup; nothing was restored\n",
    )
    tampered = _tampered_backup(tmp_path / "t.db", "UPDATE ticket SET symptom = 'y' WHERE id = 1")
    result = run("restore", str(tampered))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tampered} is not a sound opsdesk database: ticket 1 differs")
    assert json.loads(ok("fault", "show", "1", "--json"))["symptom"] == "x"
    older = tmp_path / "older.db"
    ok("backup", str(older))
    ok("fault", "open", "queue", "after the backup")
    result = run("restore", str(older))
    assert result.stderr == (
        f"Error: {older} has 11 history events, this database 12: restoring it loses the 1 "
        "newest; add --force if that is intended\n"
    )
    assert ok("restore", str(older), "--force").startswith(f"Restored {older}")
    other = tmp_path / "other.db"
    ok("--db", str(other), "init", "--name", "别的合同", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01")
    result = run("restore", str(other))
    assert result.stderr.startswith(
        f"Error: {other} holds the contract '别的合同' (from 2026-09-01), not '智慧医疗运维'"
    )


@pytest.mark.sqlite_only  # a PostgreSQL store's backups go to opsdesk's folder (test_pg covers their names)
def test_backups_in_the_same_millisecond_get_their_own_names_and_keep(contract):
    folder = contract.parent / "backups"
    for _ in range(3):
        ok("backup")  # the tests' clock stands still: every backup is taken in the same millisecond
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and all(re.fullmatch(r"opsdesk-20261207-100000-000-[0-9a-f]{8}\.db", n) for n in names)
    first = min(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    legacy = [
        folder / "opsdesk-20261206-090000.db",
        folder / "opsdesk-20261206-090000-2.db",
    ]  # as older versions named them
    for old in legacy:
        old.write_bytes(first.read_bytes())
    out = ok("backup", "--keep", "3")  # the newest three: two of the first three, and the one just taken
    assert "Removed 3 older backup(s), keeping the newest 3" in out
    assert not first.exists() and not any(old.exists() for old in legacy)
    assert len(list(folder.iterdir())) == 3


@pytest.mark.slow
def test_four_backups_at_once_for_twenty_rounds(contract, tmp_path):
    """Every backup that reports success is a complete, restorable file; none is 0 bytes; nothing
    partial is left; a failure would say why in one line."""
    from opsdesk.store.engine import check_backup

    ok("fault", "open", "queue", "x")
    events = json.loads(ok("verify", "--json"))["events"]
    at = Path(__file__).parents[1] / "workers" / "at.py"
    command = [sys.executable, str(at), NOW.isoformat(), "--db", str(contract), "backup", "--keep", "1000"]
    written = []
    for _ in range(20):  # the same fixed clock in every process: all four start in the same millisecond
        procs = [
            subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert (proc.returncode, err) == (0, ""), err  # none failed; a failure would be one "Error: ..." line
            written.append(Path(out.splitlines()[0].split(" to ", 1)[1]))
    assert len(set(written)) == 80
    folder = written[0].parent
    assert sorted(folder.iterdir()) == sorted(written)  # no partial file left, nothing else
    for path in written:
        assert path.stat().st_size > 0
        assert check_backup(path).events == events  # what a restore proves before it takes a backup in
    restored = tmp_path / "restored.db"
    assert ok("--db", str(restored), "restore", str(written[-1])).startswith(f"Restored {written[-1]}")


@pytest.mark.sqlite_only  # the backup file is tampered with through sqlite3
def test_restore_of_a_backup_with_a_mangled_schema_names_it(contract, tmp_path):
    ok("fault", "open", "queue", "x")
    mangled = _tampered_backup(tmp_path / "mangled.db", "ALTER TABLE event DROP COLUMN happened_at")
    before = snapshot(contract)
    result = run("restore", str(mangled))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {mangled} is not a sound opsdesk database (no such column: happened_at); nothing was restored\n",
    )
    assert snapshot(contract) == before


def _tampered_backup(path, sql: str):
    """A backup of the test's store, then changed behind opsdesk's back."""
    ok("backup", str(path))
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()
    return path

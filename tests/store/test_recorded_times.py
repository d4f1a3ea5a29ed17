"""The time each entry is recorded, which nobody can set (not the shell, not a machine with a wrong
clock), and what verify says of a recorded time that goes backwards or of a file with no contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from opsdesk import clock
from tests.conftest import NOW, connect, ok, rehash, run


def recorded_times(db) -> list[str]:
    conn = connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT recorded_at FROM event ORDER BY id").fetchall()]
    finally:
        conn.close()


def test_no_environment_variable_sets_the_recorded_time(contract):
    """The shell cannot backdate: OPSDESK_NOW is no longer read; the entry is recorded at the clock's time
    and an --at months back is flagged late."""
    result = run(
        "fault", "open", "queue", "x", "--at", "2026-10-02 10:00", env={"OPSDESK_NOW": "2026-10-02T10:05+08:00"}
    )
    assert result.exit_code == 0, result.output
    assert recorded_times(contract)[-1] == NOW.isoformat()
    assert json.loads(ok("fault", "show", "1", "--json"))["late"]


def test_verify_names_the_first_event_recorded_backwards(contract):
    ok("fault", "open", "queue", "x", "--at", "09:00")
    ok("fault", "open", "queue", "y", "--at", "09:10")
    ok("fault", "respond", "1", "--at", "09:20")
    conn = connect(contract)
    # a few minutes' clock adjustment is tolerated
    conn.execute("UPDATE event SET recorded_at = ? WHERE id = 8", ((NOW - timedelta(minutes=4)).isoformat(),))
    rehash(conn)
    assert json.loads(ok("verify", "--json"))["ok"]
    # an entry written with a backdated clock, its chain recomputed by a forger: still caught
    conn.execute("UPDATE event SET recorded_at = '2026-10-02T10:05:00+08:00' WHERE id = 9")
    rehash(conn)
    conn.close()
    result = run("verify")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: history check failed: event 9 (fault.respond ticket 1) was recorded at 2026-10-02T10:05+08:00, "
        "before event 7 (2026-12-07T10:00+08:00): recorded times go backwards\n"
    )


def test_postgresql_records_the_servers_time(contract, backend, monkeypatch):
    """With the real clock, a PostgreSQL store records the database server's time, not the machine's."""
    if backend != "pg":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(clock, "_fixed", None)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 1, tzinfo=UTC))  # a machine with a wrong clock
    ok("fault", "open", "queue", "x", "--at", "2026-11-01 08:00")
    recorded = datetime.fromisoformat(recorded_times(contract)[-1])
    assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=1)


def test_verify_fails_on_a_file_that_holds_no_contract(store_env, tmp_path):
    from opsdesk.store.engine import SqliteStore

    empty = tmp_path / "empty.db"
    SqliteStore.open(empty, create=True).close()
    result = run("--db", str(empty), "verify")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: this database has no contract yet; create it with `opsdesk init` (see `opsdesk init --help`)\n",
    )

"""The time each entry is recorded, which nobody can set (not the shell, not a machine with a wrong
clock), and what verify says of a recorded time that goes backwards or of a file with no contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from opsdesk import clock
from tests.conftest import NOW, at, connect, ok, refused, rehash, run


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
    conn.execute("UPDATE event SET recorded_at = ? WHERE id = 10", ((NOW - timedelta(minutes=4)).isoformat(),))
    rehash(conn)
    assert json.loads(ok("verify", "--json"))["ok"]
    # an entry written with a backdated clock, its chain recomputed by a forger: still caught
    conn.execute("UPDATE event SET recorded_at = '2026-10-02T10:05:00+08:00' WHERE id = 11")
    rehash(conn)
    conn.close()
    result = run("verify")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: history check failed: event 11 (fault.respond ticket 1) was recorded at 2026-10-02T10:05+08:00, "
        "before event 9 (2026-12-07T10:00+08:00): recorded times go backwards\n"
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


# A clock that runs ahead: refused where the command takes its recorded time, named by verify when forced in.


def clock_of(backend: str) -> str:
    return "the database server's clock" if backend == "pg" else "this machine's clock"


def test_a_clock_far_ahead_is_refused(contract, backend):
    """400 days fast: the fault would be recorded after the contract's end, and every honest entry after it
    would look backdated."""
    ok("fault", "open", "queue", "x", "--at", "09:00")
    refused(
        ["fault", "open", "queue", "y"],
        f"{clock_of(backend)} reads 2028-01-10 10:00, 399 days after the last entry (2026-12-07 10:00) and after "
        "the contract's end (2027-08-31): set the clock right and try again; nothing was recorded",
        contract,
        now=at("2028-01-10", "10:00"),
    )
    assert "x" in ok("fault", "list", now=at("2028-01-10", "10:00"))  # reading is not recording


def test_a_clock_ahead_within_the_service_is_refused(contract, backend):
    ok("fault", "open", "queue", "x", "--at", "09:00")
    refused(
        ["fault", "open", "queue", "y"],
        f"{clock_of(backend)} reads 2027-03-01 10:00, 84 days after the last entry (2026-12-07 10:00), more than "
        "60 days during the service: set the clock right and try again; nothing was recorded",
        contract,
        now=at("2027-03-01", "10:00"),
    )


def test_a_desk_idle_over_a_holiday_or_before_the_service_still_records(contract):
    """The contract was recorded on 2026-08-31, before the service: the first entry may come months later.
    Once the service has begun, a desk idle for 59 days (a long holiday and more) still records."""
    ok("fault", "open", "queue", "x", "--at", "09:00")  # 98 days after the contract's record
    ok("fault", "open", "queue", "y", "--at", "09:00", now=NOW + timedelta(days=59))
    assert recorded_times(contract)[-1] == (NOW + timedelta(days=59)).isoformat()


def test_a_clock_past_the_contract_and_its_acceptance_is_refused(contract, backend, tmp_path):
    """After the service, entries are recorded for 90 days (the final acceptance); not after."""
    ok("fault", "open", "queue", "x", "--at", "09:00", now=at("2027-08-30", "10:00"))
    ok("report", "monthly", "2027-08", "-o", str(tmp_path / "aug.xlsx"), now=at("2027-10-20", "10:00"))
    refused(
        ["fault", "respond", "1", "--at", "2027-08-30 10:30"],
        f"{clock_of(backend)} reads 2027-12-01 10:00, after the contract's end (2027-08-31) and the 90 days after "
        "it: set the clock right and try again; nothing was recorded",
        contract,
        now=at("2027-12-01", "10:00"),
    )


def _three_entries() -> None:
    ok("fault", "open", "queue", "x", "--at", "09:00")  # event 9, recorded at 10:00
    ok("fault", "open", "bi", "y", "--at", "09:10", now=NOW + timedelta(minutes=10))  # event 10
    ok("fault", "respond", "1", "--at", "09:20", now=NOW + timedelta(minutes=20))  # event 11


def test_verify_names_the_entry_that_ran_ahead_not_the_honest_one_after_it(contract):
    """An entry written with a fast clock before this rule (or forced in by someone with the file): the
    honest entries after it are not to blame."""
    _three_entries()
    ok("fault", "respond", "2", "--at", "09:30", now=NOW + timedelta(minutes=30))  # event 12
    conn = connect(contract)
    conn.execute("UPDATE event SET recorded_at = '2027-06-01T10:00:00+08:00' WHERE id = 10")
    rehash(conn)
    conn.close()
    jumped = (
        "Error: history check failed: event 10 (fault.open ticket 2) was recorded at 2027-06-01T10:00+08:00, later "
        "than the events on both sides of it (event 11 after it: 2026-12-07T10:20+08:00): recorded times jump ahead\n"
    )
    result = run("verify")
    assert (result.exit_code, result.stderr) == (1, jumped)
    conn = connect(contract)
    conn.execute("DELETE FROM event WHERE id = 12")  # the jump is the last but one: still the one named
    conn.execute("UPDATE ticket SET responded_at = NULL, responded_rec = NULL WHERE id = 2")
    conn.commit()
    conn.close()
    result = run("verify")
    assert (result.exit_code, result.stderr) == (1, jumped)


def test_verify_names_an_entry_recorded_after_the_contract_and_its_acceptance(contract):
    _three_entries()
    conn = connect(contract)
    conn.execute("UPDATE event SET recorded_at = '2028-01-10T10:00:00+08:00' WHERE id = 10")
    rehash(conn)
    conn.close()
    result = run("verify")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: history check failed: event 10 (fault.open ticket 2) was recorded at 2028-01-10T10:00+08:00, after "
        "the contract's end and the 90 days that follow it (until 2027-11-29): a clock ran ahead\n",
    )


def test_verify_still_names_an_entry_backdated_between_honest_ones(contract):
    """Event 10 went back alone: the event after it is back up with the ones before, so 10 is named."""
    _three_entries()
    conn = connect(contract)
    conn.execute(
        "UPDATE event SET recorded_at = '2026-10-02T10:05:00+08:00', happened_at = '2026-10-02T10:00:00+08:00' "
        "WHERE id = 10"
    )
    rehash(conn)
    conn.close()
    result = run("verify")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: history check failed: event 10 (fault.open ticket 2) was recorded at 2026-10-02T10:05+08:00, "
        "before event 9 (2026-12-07T10:00+08:00): recorded times go backwards\n",
    )


def test_after_the_service_a_desk_idle_longer_than_60_days_still_records(contract):
    """The idle rule holds during the service: after it, the final acceptance may come 77 days later."""
    ok("fault", "open", "queue", "x", "--at", "09:00", now=at("2027-08-30", "10:00"))
    ok("fault", "respond", "1", "--at", "2027-08-30 10:30", now=at("2027-11-15", "10:00"))

"""The provable history: tampering with plain sqlite3 is caught by `opsdesk verify`, naming what is bad."""

from __future__ import annotations

import json

import pytest

from tests.conftest import connect, ok, run
from tests.conftest import rehash as _rehash


def _store_with_faults(db):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:00")
    ok("fault", "respond", "1", "--at", "09:05")
    ok("fault", "open", "bi", "大屏无数据", "--at", "09:30")
    return connect(db)


def verify_error(contract) -> str:
    result = run("verify")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr


def test_clean_history_verifies(contract):
    _store_with_faults(contract)
    data = json.loads(ok("verify", "--json"))
    assert data["ok"] is True
    assert data["events"] == 11  # contract, 5 systems, 2 calendar years, open, respond, open
    assert data["counts"]["ticket"] == 2
    assert len(data["head_hash"]) == 64


def test_changed_record_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE ticket SET symptom = '一切正常' WHERE id = 1")
    conn.commit()
    assert verify_error(contract) == (
        "Error: history check failed: ticket 1 differs from its history in symptom "
        "(history says symptom='叫号屏黑屏'; the table holds '一切正常')\n"
    )


def test_changed_event_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("""UPDATE event SET after = replace(after, '09:05', '09:01') WHERE id = 10""")
    conn.commit()
    assert verify_error(contract) == (
        "Error: history check failed: event 10 (fault.respond ticket 1) was altered: its hash does not match its content\n"
    )


def test_deleted_event_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("DELETE FROM event WHERE id = 9")
    conn.commit()
    assert verify_error(contract) == "Error: history check failed: event 9 is missing (the next event is 10)\n"


def test_reordered_events_are_caught(contract):
    conn = _store_with_faults(contract)
    rows = conn.execute(
        "SELECT id, recorded_at, actor, action, entity, entity_id, happened_at, before, after "
        "FROM event WHERE id IN (9, 11) ORDER BY id"
    ).fetchall()
    for (target_id, *_), (_, *content) in zip(rows, reversed(rows), strict=True):
        conn.execute(
            "UPDATE event SET recorded_at=?, actor=?, action=?, entity=?, entity_id=?, happened_at=?, "
            "before=?, after=? WHERE id=?",
            (*content, target_id),
        )
    conn.commit()
    assert verify_error(contract).startswith("Error: history check failed: event 9 (fault.open ticket 2) was altered")


def test_rehashed_forgery_still_fails_replay(contract):
    """Someone who edits a record AND its creating event and recomputes every hash still cannot hide a
    record edit that no event explains; here the record changes with no event at all."""
    conn = _store_with_faults(contract)
    conn.execute(
        "INSERT INTO note (ticket_id, at, recorded_at, by, text) VALUES "
        "(1, '2026-12-07T09:10:00+08:00', '2026-12-07T09:10:00+08:00', 'x', 'slipped in')"
    )
    conn.commit()
    assert (
        verify_error(contract) == "Error: history check failed: note 1 exists but no event in the history created it\n"
    )


def test_rehashed_second_creation_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE event SET before = NULL WHERE id = 10")  # the respond now claims to create ticket 1
    _rehash(conn)
    assert verify_error(contract) == "Error: history check failed: event 10 creates ticket 1, which already exists\n"


def test_rehashed_change_of_nothing_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE event SET entity_id = 7 WHERE id = 10")
    _rehash(conn)
    assert verify_error(contract) == (
        "Error: history check failed: event 10 changes ticket 7, which no earlier event created\n"
    )


def test_rehashed_wrong_before_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("""UPDATE event SET before = '{"responded_at":"2026-01-01T00:00:00+08:00"}' WHERE id = 10""")
    _rehash(conn)
    assert verify_error(contract) == (
        "Error: history check failed: event 10 says ticket 1 had responded_at='2026-01-01T00:00:00+08:00', "
        "but the history before it says None\n"
    )


def test_rehashed_unknown_kind_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE event SET entity = 'invoice' WHERE id = 11")
    _rehash(conn)
    assert verify_error(contract) == "Error: history check failed: event 11 names an unknown kind of record 'invoice'\n"


def test_first_bad_event_is_named_whatever_kind_of_fault(contract):
    """A forgery that fits the chain at event 9 but breaks the replay, followed by a plainly altered
    event 11: the replay problem comes first in the history, so it is the one named."""
    conn = _store_with_faults(contract)
    conn.execute("UPDATE event SET entity = 'invoice' WHERE id = 9")
    _rehash(conn)
    conn.execute("UPDATE event SET actor = 'someone else' WHERE id = 11")
    conn.commit()
    assert verify_error(contract) == "Error: history check failed: event 9 names an unknown kind of record 'invoice'\n"
    conn.execute("UPDATE event SET actor = 'someone else' WHERE id = 6")
    conn.commit()
    assert verify_error(contract).startswith("Error: history check failed: event 6 (")


def test_every_difference_is_listed_in_record_order(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE ticket SET symptom = 'x' WHERE id = 2")
    conn.execute("UPDATE ticket SET symptom = 'y' WHERE id = 1")
    conn.commit()
    data = json.loads(run("verify", "--json").stdout)
    assert data["ok"] is False
    assert [p.split(" differs")[0] for p in data["problems"]] == ["ticket 1", "ticket 2"]
    assert data["events"] == 11 and len(data["head_hash"]) == 64


# Typed comparison: a value must be of its column's type, not merely equal to the history in Python.


def test_a_boolean_held_as_text_is_named(contract, backend):
    """`UPDATE system SET active='yes'` took system 3 out of every query that filters `active = 1`, while
    verify (Python truth) passed. On PostgreSQL 'yes' is read as true: the system stays in scope."""
    conn = _store_with_faults(contract)
    head = json.loads(ok("verify", "--json"))["head_hash"]
    conn.execute("UPDATE system SET active = 'yes' WHERE id = 3")
    conn.commit()
    if backend == "pg":
        assert json.loads(ok("verify", "--json"))["ok"]
        return
    message = "history check failed: system 3 differs from its history in active (history says active=True; the table holds 'yes')"
    assert verify_error(contract) == f"Error: {message}\n"
    result = run("verify", "--anchor", f"11:{head}")
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")
    conn.execute("UPDATE system SET active = 2 WHERE id = 3")  # true to Python, false to `active = 1`
    conn.commit()
    assert verify_error(contract) == f"Error: {message.replace(chr(39) + 'yes' + chr(39), '2')}\n"


@pytest.mark.sqlite_only  # PostgreSQL refuses text in an integer column (SQLite makes 1.0 and "1" the integer 1)
def test_text_in_an_integer_column_is_named(contract):
    conn = _store_with_faults(contract)
    conn.execute("UPDATE ticket SET system_id = 'queue' WHERE id = 1")
    conn.commit()
    assert verify_error(contract) == (
        "Error: history check failed: ticket 1 differs from its history in system_id "
        "(history says system_id=1; the table holds 'queue')\n"
    )


def test_a_moment_without_its_offset_is_named(contract):
    """The same moment to Python once read in the contract's zone, but text that sorts and filters differently."""
    conn = _store_with_faults(contract)
    conn.execute("UPDATE ticket SET reported_at = '2026-12-07T09:00:00', responded_at = '2026-12-07 09:05:00+08:00'")
    conn.commit()
    assert verify_error(contract) == (
        "Error: history check failed: ticket 1 differs from its history in reported_at, responded_at (history says "
        "reported_at='2026-12-07T09:00:00+08:00', responded_at='2026-12-07T09:05:00+08:00'; "
        "the table holds reported_at='2026-12-07T09:00:00', responded_at='2026-12-07 09:05:00+08:00')\n"
    )


def test_a_stored_value_must_have_its_columns_type():
    from datetime import date

    from opsdesk.store import stored_values as sv

    assert [sv._sqlite_boolean(v) for v in (0, 1)] == [False, True]
    assert [sv._pg_boolean(v) for v in (False, True)] == [False, True]
    assert sv._integer(3) == 3 and sv._real(2) == 2.0 and sv._real(2.5) == 2.5 and sv._text("x") == "x"
    assert sv.date_text(date(2026, 12, 7)) == sv.date_text("2026-12-07") == "2026-12-07"
    assert sv._moment_text("2026-12-07T09:00:00+08:00") == "2026-12-07T09:00:00+08:00"
    wrong = [
        sv._sqlite_boolean("yes"),
        sv._sqlite_boolean(2),
        sv._sqlite_boolean(1.0),
        sv._pg_boolean(1),
        sv._integer(True),
        sv._integer(1.0),
        sv._integer("1"),
        sv._real("2"),
        sv._text(1),
        sv._text(b"x"),
        sv.date_text("20261207"),
        sv.date_text(20261207),
        sv._moment_text("2026-12-07T09:00:00"),
        sv._moment_text("2026-12-07T09:00+08:00"),
        sv._moment_text("2026-12-07 09:00:00+08:00"),
        sv._moment_text("soon"),
    ]
    assert all(isinstance(v, sv.Mistyped) for v in wrong)
    assert not any(v == v for v in wrong)  # a mistyped value equals nothing, not even itself
    assert sv.same(2.0, 2, real=True) and not sv.same(2.0, 2) and not sv.same(True, 1) and not sv.same(1, 1.0)


def test_every_column_of_every_record_has_a_typed_reading():
    from opsdesk.store.models import ENTITIES
    from opsdesk.store.stored_values import columns_of

    for model in ENTITIES.values():
        for dialect in ("sqlite", "postgresql"):
            assert columns_of(model, dialect).names  # an unknown column type raises TypeError

"""What a tired user or a wrong path must never do: write where it should not, accept nonsense times."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import at, ok, run, snapshot


def one_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_foreign_sqlite_file_is_refused_and_untouched(tmp_path):
    other = tmp_path / "patients.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = snapshot(other)
    for args in (
        ["status"],
        ["verify"],
        ["init", "--name", "n", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01"],
    ):
        message = one_line(run("--db", str(other), *args), 1)
        assert message == (
            f"Error: {other} is an SQLite database but not opsdesk's (it holds patients); "
            "point --db at an opsdesk database or at a new file\n"
        )
    assert snapshot(other) == before


def test_empty_file_is_not_given_a_schema_by_a_read(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    assert one_line(run("--db", str(empty), "status"), 1) == (
        f"Error: {empty} holds no opsdesk data yet; create the contract with `opsdesk init`\n"
    )
    assert empty.stat().st_size == 0


@pytest.mark.sqlite_only  # a file left behind or not
def test_refused_init_leaves_no_file(store_env):
    one_line(run("init", "--name", " ", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01"), 2)
    one_line(
        run("init", "--name", "n", "--hospital", "h", "--vendor", "v", "--start", "2026-09-01", "--months", "0"), 2
    )
    assert not store_env.exists()


def test_usage_errors_are_one_line(contract):
    assert one_line(run("fault", "respond", "abc"), 2).startswith("Error: Invalid value for 'ID': ")
    assert one_line(run("fault", "resolve", "1"), 2) == (
        "Error: Missing option '--cause'. (see `opsdesk fault resolve -h`)\n"
    )
    assert (
        one_line(run("fault", "list", "--bogus"), 2) == "Error: No such option: --bogus (see `opsdesk fault list -h`)\n"
    )
    assert one_line(run("fault", "open", "queue", "x", "--by", "张伟"), 2) == (
        "Error: No such option: --by here; who records goes before the command: `opsdesk --by NAME fault open ...` "
        "(or set OPSDESK_USER)\n"
    )


def test_times_refused(contract):
    for text, message in [
        ("", "Error: the time is empty; use now, 14:30 (today)"),
        ("1999-01-01 10:00", "Error: time '1999-01-01 10:00' is outside the years 2000-2099"),
        ("-99999999d", "Error: time '-99999999d' is too far back"),
    ]:
        assert one_line(run("fault", "open", "queue", "x", "--at", text), 2).startswith(message)
    assert one_line(run("fault", "open", "queue", "x", "--at", "2026-08-31 10:00"), 1) == (
        "Error: 2026-08-31 10:00 is before the contract's service starts (2026-09-01); "
        "opsdesk records the contract's service only\n"
    )
    assert (
        one_line(run("fault", "show", "99999999999999999999999"), 2)
        == "Error: a number or date given is out of range\n"
    )
    assert one_line(run("--by", "  ", "fault", "open", "queue", "x"), 2) == (
        "Error: --by (or OPSDESK_USER) is empty; give the name of who is recording\n"
    )


def test_order_holds_through_edits_and_remote(contract):
    ok("fault", "open", "queue", "x", "--at", "09:00")
    one_line(run("fault", "remote", "1", "--at", "09:10"), 1)
    ok("fault", "respond", "1", "--at", "09:05")
    ok("fault", "arrive", "1", "--at", "09:30")
    assert one_line(run("fault", "edit", "1", "--reason", "记录有误", "--resolved", "09:20"), 1) == (
        "Error: fault 1: the resolution (2026-12-07 09:20) cannot come before the arrival on site "
        "(2026-12-07 09:30); give a time on or after 2026-12-07 09:30\n"
    )
    assert one_line(run("fault", "edit", "1", "--reason", "记录有误"), 2).startswith(
        "Error: nothing to change; give at least one of --symptom, --kind, --at,"
    )


def test_vendor_staff_cannot_confirm(contract):
    ok("staff", "add", "张伟", "--role", "驻场工程师", "--phone", "1", "--email", "z@x.cn", "--onsite")
    ok("fault", "open", "queue", "x", "--at", "09:00")
    ok("fault", "respond", "1", "--at", "09:05")
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", "09:30")
    assert one_line(run("fault", "confirm", "1", "--by", "张伟"), 1) == (
        "Error: 张伟 is on the vendor's staff roster; a record is confirmed by a named hospital person\n"
    )
    assert json.loads(ok("fault", "show", "1", "--json"))["result"] is None  # nothing invented


def test_working_time_is_shown_in_working_days(contract):
    ok("fault", "open", "queue", "x", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:01"))
    text = ok("fault", "show", "1")
    # reported Mon 11-02 09:00, due Wed 11-04 09:00; now Mon 12-07 10:00: 24 working days + 1 h late
    assert (
        "resolution\t2 working days\tworking\t2026-11-04 09:00\t-\t25 working days 1h00m\t"
        "OVERDUE after 周三 11-04 09:00 (23 working days 1h00m)" in text
    )

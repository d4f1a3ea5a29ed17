"""A fault's owner: someone on the staff roster, on duty that day."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOW, at, ok, refused, run


@pytest.fixture
def staffed(contract):
    """The contract with two engineers: 张伟 from the start, 李娜 only in October."""
    ok(
        "staff",
        "add",
        "张伟",
        "--role",
        "驻场工程师",
        "--phone",
        "138 0013 8000",
        "--email",
        "zw@example.com",
        "--onsite",
    )
    ok(
        "staff",
        "add",
        "李娜",
        "--role",
        "驻场工程师",
        "--phone",
        "13900139000",
        "--email",
        "ln@example.com",
        "--onsite",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
    )
    return contract


def test_open_with_an_owner_then_assign_list_and_show(staffed):
    out = ok("fault", "open", "queue", "叫号屏黑屏", "--owner", "张伟")
    assert "owner 张伟" in out
    ok("fault", "open", "cdss", "知识库检索慢")
    ok("fault", "open", "bi", "大屏不刷新", "--at", "2026-10-20 09:00", "--owner", "李娜")
    assert json.loads(ok("fault", "show", "1", "--json"))["owner"] == "张伟"
    assert "owner: 张伟" in ok("fault", "show", "1")

    assert ok("fault", "assign", "2", "张伟") == "Fault 2: owned by 张伟\n"
    mine = [f["id"] for f in json.loads(ok("fault", "list", "--owner", "张伟", "--json"))]
    assert mine == [1, 2]
    assert [f["id"] for f in json.loads(ok("fault", "list", "--owner", "李娜", "--json"))] == [3]
    result = run("fault", "list", "--mine", "--json", env={"OPSDESK_USER": "张伟"})
    assert result.exit_code == 0, result.output
    assert [f["id"] for f in json.loads(result.stdout)] == [1, 2]

    # the owner is on record in the history, and the history still replays
    events = json.loads(ok("fault", "show", "2", "--json"))["history"]
    assert [e["action"] for e in events] == ["fault.open", "fault.assign"]
    assert "History verified" in ok("verify")


def test_status_and_list_show_the_owner(staffed):
    ok("fault", "open", "queue", "叫号屏黑屏", "--owner", "张伟")
    header, row = ok("status").split("# Open faults: 1, most urgent first\n")[1].splitlines()[:2]
    columns = header.split("\t")
    assert columns[-2:] == ["owner", "symptom"]
    assert row.split("\t")[columns.index("owner")] == "张伟"
    assert json.loads(ok("status", "--json"))["open"][0]["owner"] == "张伟"
    assert "\t张伟\t" in ok("fault", "list")


def test_an_owner_not_on_the_roster_or_not_on_duty_is_refused(staffed):
    roster = "`opsdesk staff list` shows who is"
    refused(
        ["fault", "open", "queue", "x", "--owner", "王五"],
        f"王五 is not on the staff roster; the owner must be on it ({roster}, `opsdesk staff add` puts a person on it)",
        staffed,
    )
    refused(
        ["fault", "open", "queue", "x", "--owner", "李娜"],
        f"李娜 is not on duty on 2026-12-07 (on the staff roster from 2026-10-01 to 2026-10-31); {roster}",
        staffed,
    )
    ok("fault", "open", "queue", "叫号屏黑屏")
    refused(
        ["fault", "assign", "1", "李娜"],
        f"李娜 is not on duty on 2026-12-07 (on the staff roster from 2026-10-01 to 2026-10-31); {roster}",
        staffed,
    )
    refused(
        ["fault", "assign", "1", "王五"],
        f"王五 is not on the staff roster; the owner must be on it ({roster}, `opsdesk staff add` puts a person on it)",
        staffed,
    )
    ok("fault", "assign", "1", "张伟")
    refused(["fault", "assign", "1", "张伟"], "fault 1 is already owned by 张伟", staffed)
    refused(["fault", "assign", "9", "张伟"], "no fault 9; `opsdesk fault list` shows the faults on record", staffed)
    refused(["fault", "list", "--owner", "王五"], f"王五 is not on the staff roster; {roster}", staffed)
    refused(
        ["fault", "list", "--mine"],
        "--mine: you are recording as 'tester' (--by / OPSDESK_USER), who is not on the staff roster; set "
        "OPSDESK_USER to your roster name (`opsdesk staff list`)",
        staffed,
    )
    refused(
        ["fault", "list", "--mine", "--owner", "张伟"],
        "Invalid value: give either --owner NAME or --mine, not both (see `opsdesk fault list -h`)",
        staffed,
        code=2,
    )


def test_a_confirmed_fault_keeps_its_owner(staffed):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "09:00", "--owner", "张伟")
    ok("fault", "respond", "1", "--at", "09:05")
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", "09:30")
    ok("fault", "confirm", "1", "--by", "信息科陈主任")
    refused(
        ["fault", "assign", "1", "张伟"],
        "fault 1 was confirmed by 信息科陈主任 at 2026-12-07 10:00; its owner can no longer change",
        staffed,
    )


def test_the_owner_is_checked_on_the_day_reported(staffed):
    """A fault logged late, for a day the owner was on duty, takes them; today does not matter."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-10-15 10:00", "--owner", "李娜", now=NOW)
    assert json.loads(ok("fault", "show", "1", "--json"))["owner"] == "李娜"
    ok("fault", "open", "queue", "x", "--at", "2026-10-15 10:00", "--owner", "张伟", now=at("2026-10-15", "10:30"))

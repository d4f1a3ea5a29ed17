"""The calendar commands (swapped days, overrides, years not yet confirmed) and the SLA report."""

from __future__ import annotations

import json

from tests.conftest import at, ok, run


def test_calendar_show_marks_swapped_days(contract):
    data = json.loads(ok("calendar", "show", "2026-10", "--json"))
    days = {d["day"]: d for d in data["days"]}
    assert data["confirmed"] is True
    assert days["2026-10-01"]["working"] is False
    assert days["2026-10-07"]["kind"] == "swapped_off"
    assert days["2026-10-10"] == {
        "day": "2026-10-10",
        "working": True,
        "kind": "swapped_workday",
        "reason": days["2026-10-10"]["reason"],
    }
    assert days["2026-10-11"]["kind"] == "weekend"
    assert ok("calendar", "show", "2026-10").splitlines()[0] == "# Calendar 2026-10"


def test_overrides_move_deadlines_and_are_listed(contract):
    assert (
        ok("calendar", "add-holiday", "2026-12-07", "--note", "院庆停诊") == "2026-12-07 is now a day off (院庆停诊)\n"
    )
    assert ok("calendar", "add-workday", "2026-12-06", "--note", "补班") == "2026-12-06 is now a working day (补班)\n"
    out = ok("fault", "open", "queue", "x", "--at", "2026-12-04 17:30", now=at("2026-12-04", "17:31"))
    # Fri 30 min + Sun 12-06 (worked) 10 h + Mon 12-07 off + Tue 9 h 30 min = 20 h
    assert "resolve by 2026-12-08 17:30" in out
    check = json.loads(ok("calendar", "check", "2026", "--json"))["years"][0]
    assert [(c["day"], c["working"]) for c in check["changes"]] == [("2026-12-06", True), ("2026-12-07", False)]
    result = run("calendar", "add-holiday", "2026-10-01", "--note", "x")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 2026-10-01 is already a day off in the official calendar")


def test_unconfirmed_year_is_flagged_until_confirmed(contract):
    out = ok("fault", "open", "queue", "跨年故障", "--at", "2026-12-31 17:00", now=at("2026-12-31", "17:01"))
    assert "calendar 2027 is not officially published yet" in out
    show = json.loads(ok("fault", "show", "1", "--json"))
    assert show["clocks"]["resolution"]["unconfirmed_years"] == [2027]
    assert ok("calendar", "confirm", "2027") == "Calendar 2027 confirmed; reports no longer flag it\n"
    show = json.loads(ok("fault", "show", "1", "--json"))
    assert show["clocks"]["resolution"]["unconfirmed_years"] == []
    result = run("calendar", "confirm", "2026")
    assert result.exit_code == 1
    assert "2026 is already confirmed" in result.stderr


def test_report_sla_json(contract):
    ok("fault", "open", "queue", "x", "--at", "2026-12-04 17:30", now=at("2026-12-04", "17:31"))
    ok("fault", "respond", "1", "--at", "2026-12-04 18:30", now=at("2026-12-04", "18:31"))
    data = json.loads(ok("report", "sla", "--month", "2026-12", "--json"))
    response = data["summary"][0]
    assert (response["clock"], response["breached"], response["compliance"]) == ("response", 1, 0.0)
    assert [b["id"] for b in data["breaches"]] == [1]
    assert json.loads(ok("report", "sla", "--from", "2026-11-01", "--to", "2026-11-30", "--json"))["tickets"] == 0
    result = run("report", "sla", "--month", "2026-12", "--from", "2026-12-01", "--to", "2026-12-02")
    assert result.exit_code == 2


def test_override_that_changes_recorded_verdicts_needs_retroactive(contract):
    ok("fault", "open", "queue", "x", "--at", "2026-11-30 16:00", now=at("2026-11-30", "16:01"))
    ok("fault", "respond", "1", "--at", "2026-11-30 16:20", now=at("2026-11-30", "16:21"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-12-02 17:00",
        now=at("2026-12-02", "17:01"),
    )  # 2 h + 10 h + 9 h = 21 h: breached by 1 h
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["state"] == "breached"
    result = run("calendar", "add-holiday", "2026-12-01", "--note", "停电")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: making 2026-12-01 a day off changes the SLA verdict of 1 fault(s) on record (1; 0 confirmed); "
        "add --retroactive to apply it anyway (the change stays visible in the history)\n"
    )
    out = ok("calendar", "add-holiday", "2026-12-01", "--note", "停电", "--retroactive")
    assert out.endswith("SLA verdicts changed for fault(s): 1\n")
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["state"] == "met"

"""The fault lifecycle through the CLI: happy paths, every refusal, and nothing written on refusal."""

from __future__ import annotations

import json

import pytest

from tests.conftest import at, connect, ok, refused, run

FRI = "2026-12-04"


def open_fault(*extra: str, when: str = "17:30", day: str = FRI) -> str:
    return ok("fault", "open", "queue", "叫号屏黑屏", "--at", f"{day} {when}", *extra, now=at(day, when))


def show(ticket_id: int = 1) -> dict:
    return json.loads(ok("fault", "show", str(ticket_id), "--json"))


def test_open_prints_id_and_deadlines(contract):
    out = open_fault("--reporter", "王护士", "--channel", "phone", "--ref", "BUG-7")
    assert out == (
        "Opened fault 1 (queue, fault) reported 2026-12-04 17:30 (inside working hours)\n"
        "  respond by 2026-12-04 18:00 · on site by 2026-12-04 18:30 · resolve by 2026-12-08 17:30\n"
    )
    data = show()
    assert (data["reporter"], data["channel"], data["ref"], data["status"]) == ("王护士", "phone", "BUG-7", "open")
    assert data["late"] == []


def test_outside_hours_targets_and_kinds(contract):
    out = ok(
        "fault",
        "open",
        "cdss",
        "用药提示错误",
        "--kind",
        "系统错误",
        "--at",
        "2026-12-05 10:00",
        now=at("2026-12-05", "10:05"),
    )
    assert "(cdss, defect) reported 2026-12-05 10:00 (outside working hours)" in out
    assert "respond by 2026-12-05 11:00 · on site by 2026-12-05 12:00 · resolve by 2026-12-07 18:00" in out


def test_full_lifecycle_met(contract):
    open_fault()
    assert "response met" in ok("fault", "respond", "1", "--at", f"{FRI} 17:40", now=at(FRI, "17:41"))
    assert "arrival met" in ok("fault", "arrive", "1", "--at", f"{FRI} 18:10", now=at(FRI, "18:11"))
    out = ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "进程挂死",
        "--action",
        "重启",
        "--at",
        "2026-12-07 09:00",
        now=at("2026-12-07", "09:01"),
    )
    assert out.startswith("Fault 1: resolved at 2026-12-07 09:00 — resolution met")
    assert ok("fault", "confirm", "1", "--by", "李工", "--comment", "已恢复") == (
        "Fault 1: confirmed by 李工 at 2026-12-07 10:00\n"
    )
    data = show()
    assert data["status"] == "confirmed"
    assert {k: c["state"] for k, c in data["clocks"].items()} == {
        "response": "met",
        "arrival": "met",
        "resolution": "met",
    }
    assert data["clocks"]["resolution"]["elapsed_minutes"] == 30 + 60  # Fri 17:30-18:00, Mon 08:00-09:00
    assert [h["action"] for h in data["history"]] == [
        "fault.open",
        "fault.respond",
        "fault.arrive",
        "fault.resolve",
        "fault.confirm",
    ]
    assert ok("verify").startswith("History verified: 13 events")


def test_remote_resolution_before_arrival_deadline_needs_no_arrival(contract):
    open_fault()
    ok("fault", "respond", "1", "--at", f"{FRI} 17:35", now=at(FRI, "17:36"))
    ok("fault", "remote", "1", "--at", f"{FRI} 17:36", now=at(FRI, "17:36"))
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", f"{FRI} 18:20", now=at(FRI, "18:21"))
    assert show()["clocks"]["arrival"]["state"] == "not_applicable"


def test_running_and_overdue_clocks(contract):
    open_fault()  # now is Mon 2026-12-07 10:00
    clocks = show()["clocks"]
    assert clocks["response"]["state"] == "overdue"
    assert clocks["response"]["margin_minutes"] == -(64 * 60)  # deadline Fri 18:00, now Mon 10:00
    assert clocks["resolution"]["state"] == "running"
    assert clocks["resolution"]["margin_minutes"] == 20 * 60 - (30 + 120)


def test_late_entry_is_flagged(contract):
    """Late: recorded after the deadline of the step's clock (response 30 min here), not at a fixed hour."""
    ok("fault", "open", "bi", "大屏无数据", "--at", f"{FRI} 09:00", now=at(FRI, "09:31"))  # after 09:30
    assert show()["late"] == ["reported"]
    assert json.loads(ok("fault", "list", "--late", "--json"))[0]["id"] == 1
    ok("fault", "open", "bi", "大屏无数据", "--at", f"{FRI} 09:00", now=at(FRI, "09:30"))  # still inside it
    assert show(2)["late"] == []


def test_a_breached_response_entered_afterwards_is_marked_late(contract):
    """A response 54 minutes after the report (target 30), entered afterwards: marked; the same typed as it
    happened: not marked (it was late, not recorded late)."""
    ok("fault", "open", "bi", "大屏无数据", "--at", f"{FRI} 09:00", now=at(FRI, "09:01"))
    ok("fault", "respond", "1", "--at", f"{FRI} 09:54", now=at(FRI, "10:20"))
    assert show()["late"] == ["responded"]
    assert show()["clocks"]["response"]["state"] == "breached"
    ok("fault", "open", "bi", "另一故障", "--at", f"{FRI} 09:00", now=at(FRI, "09:02"))
    ok("fault", "respond", "2", "--at", f"{FRI} 09:54", now=at(FRI, "09:55"))
    assert show(2)["late"] == []
    ok("fault", "open", "bi", "第三个", "--at", f"{FRI} 09:00", now=at(FRI, "09:03"))
    ok("fault", "respond", "3", "--at", f"{FRI} 09:10", now=at(FRI, "09:40"))  # met, but typed after 09:30
    assert show(3)["late"] == ["responded"]
    resolve = ["--cause", "c", "--action", "a", "--at", f"{FRI} 11:00"]
    ok("fault", "arrive", "3", "--at", f"{FRI} 09:40", now=at(FRI, "09:41"))
    ok("fault", "resolve", "3", *resolve, now=at(FRI, "13:00"))  # two hours on, well inside its working days
    assert show(3)["late"] == ["responded"]


def test_note_and_edit_keep_history(contract, store_env):
    open_fault("--reporter", "王护士")
    ok("fault", "note", "1", "已联系厂商")
    assert ok("fault", "edit", "1", "--reason", "记录有误", "--reporter", "王护士长", "--at", f"{FRI} 17:20") == (
        "Fault 1: changed report time, reporter (old values kept in the history): response overdue → overdue "
        "(deadline 2026-12-04 18:00 → 2026-12-04 17:50); arrival overdue → overdue (deadline 2026-12-04 18:30 → "
        "2026-12-04 18:20); resolution running → running (deadline 2026-12-08 17:30 → 2026-12-08 17:20)\n"
    )
    data = show()
    assert data["reporter"] == "王护士长"
    assert data["reported_at"] == "2026-12-04T17:20:00+08:00"
    assert data["notes"][0]["text"] == "已联系厂商"
    conn = connect(store_env)
    before, after = conn.execute("SELECT before, after FROM event WHERE action='fault.edit'").fetchone()
    assert json.loads(before) == {"reporter": "王护士", "reported_at": "2026-12-04T17:30:00+08:00"}
    assert json.loads(after) == {"reporter": "王护士长", "reported_at": "2026-12-04T17:20:00+08:00"}


def _confirmed(contract):
    open_fault()
    ok("fault", "respond", "1", "--at", f"{FRI} 17:40", now=at(FRI, "17:41"))
    ok("fault", "arrive", "1", "--at", f"{FRI} 18:10", now=at(FRI, "18:11"))
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", "2026-12-07 09:00")
    ok("fault", "confirm", "1", "--by", "李工")


def test_confirmed_record_refuses_edit_and_takes_a_visible_correction(contract):
    _confirmed(contract)
    refused(
        ["fault", "edit", "1", "--reason", "记录有误", "--cause", "x"],
        "fault 1 was confirmed by 李工 at 2026-12-07 10:00 and cannot be edited; record a visible correction "
        'with `opsdesk fault correct 1 --reason "..."` and the same options',
        contract,
    )
    out = ok("fault", "correct", "1", "--reason", "到场时间记错", "--arrived", f"{FRI} 18:05")
    assert out == "Fault 1: corrected arrived (correction 1: 到场时间记错): no verdict changes\n"
    data = show()
    assert data["arrived_at"] == "2026-12-04T18:05:00+08:00"
    assert data["corrections"][0]["changes"] == {
        "arrived_at": ["2026-12-04T18:10:00+08:00", "2026-12-04T18:05:00+08:00"]
    }
    assert "correction 1 by tester" in ok("fault", "show", "1")
    assert "(到场时间记错): arrived_at: 2026-12-04 18:10 → 2026-12-04 18:05" in ok("fault", "show", "1")
    assert ok("verify").startswith("History verified")


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ["fault", "open", "pacs", "x"],
            "no system 'pacs'; known systems: queue, cdss, face, bi, avatar "
            "(add one with `opsdesk system add CODE NAME`)",
            1,
        ),
        (["fault", "respond", "9"], "no fault 9; `opsdesk fault list` shows the faults on record", 1),
        (
            ["fault", "respond", "1", "--at", f"{FRI} 17:00"],
            "fault 1: the response (2026-12-04 17:00) cannot come before the report (2026-12-04 17:30); "
            "give a time on or after 2026-12-04 17:30",
            1,
        ),
        (
            ["fault", "arrive", "1"],
            "fault 1 has no response yet; record it first with `opsdesk fault respond 1 --at TIME`",
            1,
        ),
        (
            ["fault", "confirm", "1", "--by", "李工"],
            "fault 1 is not resolved yet; the hospital confirms a fault after it is resolved",
            1,
        ),
        (
            ["fault", "respond", "1", "--at", "2026-12-07 10:06"],
            "time '2026-12-07 10:06' (2026-12-07 10:06) is in the future; record what has happened, "
            "at most 5 minutes ahead of now (2026-12-07 10:00)",
            2,
        ),
        (
            ["fault", "respond", "1", "--at", "soon"],
            "cannot read time 'soon'; use now, 14:30 (today), yesterday 17:50, 2026-11-25 14:30 (or 2026/11/25 "
            "14:30), 11-25 14:30 (the latest such day), ISO 8601 such as 2026-11-25T14:30+08:00, or -20m / -2h (ago)",
            2,
        ),
        (
            ["fault", "open", "queue", "x", "--kind", "bug"],
            "unknown kind 'bug'; use fault (故障), defect (系统错误) or data (数据错误)",
            2,
        ),
        (
            ["fault", "open", "queue", "x", "--channel", "fax"],
            "unknown channel 'fax'; use one of phone, platform, onsite, wechat, email (电话 / 平台 / 现场 / 微信 / 邮件)",
            2,
        ),
        (["fault", "open", "queue", "   "], "the symptom cannot be empty", 2),
        (
            ["fault", "respond", "1", "--at", "2026-02-30 10:00"],
            "no such date '2026-02-30' in '2026-02-30 10:00'; use a real calendar date YYYY-MM-DD",
            2,
        ),
        (["fault", "list", "--month", "2026-13"], "cannot read month '2026-13'; use YYYY-MM, e.g. 2026-12", 2),
    ],
)
def test_refusals_write_nothing(contract, args, message, code):
    open_fault()
    refused(args, message, contract, code)


def test_already_resolved_and_double_steps(contract):
    _confirmed(contract)
    open_fault(when="17:50")
    ok("fault", "respond", "2", "--at", f"{FRI} 17:55")
    refused(
        ["fault", "respond", "2"],
        "fault 2 already has its responded time (2026-12-04 17:55); change it with "
        "`opsdesk fault edit 2 --responded TIME`",
        contract,
    )
    ok("fault", "resolve", "2", "--cause", "c", "--action", "a")
    refused(
        ["fault", "arrive", "2"],
        "fault 2 is already resolved (at 2026-12-07 10:00); fix a wrong time with `opsdesk fault edit 2`",
        contract,
    )
    refused(
        ["fault", "respond", "1"],
        "fault 1 was confirmed by 李工 at 2026-12-07 10:00; it cannot be changed. "
        "Record a visible correction with `opsdesk fault correct 1 --reason ...`",
        contract,
    )


def test_list_filters_and_json(contract):
    open_fault()
    ok("fault", "open", "bi", "报表错误", "--kind", "data", "--at", "2026-11-20 10:00", now=at("2026-11-20", "10:01"))
    assert [f["id"] for f in json.loads(ok("fault", "list", "--json"))] == [2, 1]
    assert [f["id"] for f in json.loads(ok("fault", "list", "--system", "bi", "--json"))] == [2]
    assert [f["id"] for f in json.loads(ok("fault", "list", "--kind", "data", "--json"))] == [2]
    assert [f["id"] for f in json.loads(ok("fault", "list", "--month", "2026-12", "--json"))] == [1]
    assert [f["id"] for f in json.loads(ok("fault", "list", "--open", "--breached", "--json"))] == [2, 1]
    plain = ok("fault", "list")
    assert plain.splitlines()[0] == "# 2 fault(s)"
    assert plain.splitlines()[1].split("\t")[:3] == ["id", "system", "kind"]


def test_status_morning_view(contract):
    open_fault()
    data = json.loads(ok("status", "--json"))
    assert data["today"] == {"working": True, "kind": "working", "reason": data["today"]["reason"]}
    assert [f["id"] for f in data["open"]] == [1]
    assert [f["id"] for f in data["breaches_this_month"]] == [1]
    response = data["sla_this_month"][0]
    assert (response["clock"], response["overdue"], response["compliance"]) == ("response", 1, 0.0)
    text = ok("status")
    assert "# Open faults: 1" in text and "OVERDUE" in text


def test_explain_ledger_over_national_day(contract):
    ok("fault", "open", "face", "考勤离线", "--at", "2026-09-30 16:00", now=at("2026-09-30", "16:01"))
    ok("fault", "respond", "1", "--at", "2026-09-30 16:10", now=at("2026-09-30", "16:11"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-10-09 16:00",
        now=at("2026-10-09", "16:01"),
    )
    data = json.loads(ok("fault", "explain", "1", "--json"))
    assert data["deadline"] == "2026-10-09T16:00:00+08:00"
    counted = [(d["day"], d["minutes"]) for d in data["days"] if d["counted"]]
    assert counted == [("2026-09-30", 120), ("2026-10-08", 600), ("2026-10-09", 480)]
    reasons = {d["day"]: d["reason"] for d in data["days"]}
    assert "国庆" in reasons["2026-10-01"]
    assert data["total_minutes"] == 1200
    ok("contract", "set", "workday_start", "09:00")  # from now on: the ledger keeps the hours that judged it
    assert json.loads(ok("fault", "explain", "1", "--json"))["total_minutes"] == 1200


def test_init_twice_refused(contract):
    refused(
        ["init", "--name", "x", "--hospital", "y", "--vendor", "z", "--start", "2026-11-01"],
        "this database already holds the contract '智慧医疗运维'; use another --db for another contract",
        contract,
    )


def test_systems(contract):
    assert [s["code"] for s in json.loads(ok("system", "list", "--json"))] == ["queue", "cdss", "face", "bi", "avatar"]
    assert ok("system", "add", "pacs", "影像归档") == "Added system pacs: 影像归档\n"
    assert ok("system", "rename", "pacs", "影像归档与通信") == "Renamed system pacs: 影像归档与通信\n"
    refused(
        ["system", "add", "pacs", "x"],
        "system 'pacs' already exists; rename it with `opsdesk system rename pacs NAME`",
        contract,
    )


@pytest.mark.sqlite_only  # no file at all: PostgreSQL has its own test (test_pg)
def test_no_contract_and_no_database(store_env, tmp_path):
    result = run("fault", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no opsdesk database at {store_env}; create one with `opsdesk init`")
    assert not store_env.exists()


def test_bad_db_paths(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text")
    result = run("--db", str(junk), "status")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {junk} is not an opsdesk database (not an SQLite file); point --db at the right file\n",
    )
    result = run("--db", str(tmp_path), "status")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path} is a directory; --db needs a database file path, e.g. {tmp_path / 'opsdesk.db'}\n"
    )


def test_db_path_and_version(store_env):
    assert ok("db", "path") == f"{store_env}\n"
    assert ok("--version").startswith("opsdesk ")


def test_by_option_records_actor(contract, store_env):
    ok("--by", "张工", "fault", "open", "queue", "x")
    conn = connect(store_env)
    assert conn.execute("SELECT actor FROM event ORDER BY id DESC LIMIT 1").fetchone() == ("张工",)


def test_a_fix_after_hours_on_the_deadline_day_is_met_and_never_late_0m(contract):
    # Reported Sat 10:00: the clock waits for Mon 08:00; 20 working hours end Tue 18:00.
    ok("fault", "open", "bi", "驾驶舱白屏", "--at", "2026-12-05 10:00", now=at("2026-12-05", "10:00"))
    opened = ok("fault", "show", "1", now=at("2026-12-05", "10:01"))
    assert "a fix until 2026-12-09 08:00 still meets it" in opened
    ok("fault", "respond", "1", "--at", "2026-12-05 10:20", now=at("2026-12-05", "10:20"))
    out = ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "缓存",
        "--action",
        "重启",
        "--at",
        "2026-12-08 18:30",
        now=at("2026-12-08", "18:30"),
    )
    assert "resolution met (deadline 2026-12-08 18:00, met until 2026-12-09 08:00)" in out
    assert (
        "  resolution: resolved at 2026-12-08 18:30, after 18:00 but before any more working time passed: met "
        "(it held until 2026-12-09 08:00)\n"
    ) in ok("fault", "show", "1", now=at("2026-12-08", "18:31"))
    clock = show()["clocks"]["resolution"]
    assert (clock["state"], clock["margin_minutes"]) == ("met", 0)
    assert (clock["deadline"], clock["met_until"]) == ("2026-12-08T18:00:00+08:00", "2026-12-09T08:00:00+08:00")
    ok("fault", "edit", "1", "--reason", "记录有误", "--resolved", "2026-12-09 08:01", now=at("2026-12-09", "08:02"))
    assert show()["clocks"]["resolution"]["state"] == "breached"
    for command in (["fault", "show", "1"], ["fault", "list"], ["status"], ["report", "sla", "--month", "2026-12"]):
        text = ok(*command, now=at("2026-12-09", "08:02"))
        assert "late 0m" not in text and "OVERDUE 0m" not in text
        assert "late 1m" in text or command == ["report", "sla", "--month", "2026-12"]


def test_the_arrival_rate_leaves_no_visit_due_out_of_its_denominator(contract):
    day = "2026-12-07"  # a Monday
    for n, (arrived, resolved) in enumerate([("09:40", "10:30"), (None, "09:50"), (None, "11:00")], start=1):
        ok("fault", "open", "queue", f"故障{n}", "--at", f"{day} 09:00", now=at(day, "09:00"))
        ok("fault", "respond", str(n), "--at", f"{day} 09:10", now=at(day, "09:10"))
        if arrived:
            ok("fault", "arrive", str(n), "--at", f"{day} {arrived}", now=at(day, arrived))
        ok(
            "fault",
            "resolve",
            str(n),
            "--cause",
            "c",
            "--action",
            "a",
            "--at",
            f"{day} {resolved}",
            now=at(day, resolved),
        )
    # 1: arrived in time (met); 2: resolved remotely before the arrival deadline (n/a); 3: neither (breached).
    summary = json.loads(ok("report", "sla", "--month", "2026-12", "--json", now=at(day, "12:00")))["summary"]
    arrival = next(r for r in summary if r["clock"] == "arrival")
    assert (arrival["met"], arrival["not_applicable"], arrival["breached"]) == (1, 1, 1)
    assert arrival["compliance"] == 50.0  # met / (met + breached), not (met + n/a) / 3
    row = next(
        ln
        for ln in ok("report", "sla", "--month", "2026-12", now=at(day, "12:00")).splitlines()
        if ln.startswith("arrival")
    )
    assert row.split("\t")[:9] == ["arrival", "3", "1", "1", "1", "0", "0", "0", "50.0%"]


def test_explain_a_running_clock_counts_what_passed_and_projects_the_rest(contract):
    # Reported Mon 19:30 (after hours); now Wed 10:00: Tue 10 h and Wed 2 h have passed, Wed's 8 h to come.
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-12-07 19:30", now=at("2026-12-07", "19:30"))
    data = json.loads(ok("fault", "explain", "1", "--json", now=at("2026-12-09", "10:00")))
    assert data["elapsed_minutes"] == 12 * 60 and data["deadline"] == "2026-12-09T18:00:00+08:00"
    days = {d["day"]: d for d in data["days"]}
    assert days["2026-12-07"]["why"] == "reported at 19:30, after working hours"
    assert (days["2026-12-09"]["minutes"], days["2026-12-09"]["projected_minutes"]) == (120, 480)
    assert days["2026-12-08"]["minutes"] == 600 and "2026-12-10" not in days
    text = ok("fault", "explain", "1", now=at("2026-12-09", "10:00"))
    assert "So far 1 working day 2h00m of 2 working days; the rest is a projection" in text
    assert "Total" not in text


def test_explain_names_why_a_day_did_not_count(contract):
    # Fri 10-09 17:00: Sat 10-10 is a swapped working day (调休上班), Sun a weekend.
    ok("fault", "open", "face", "考勤离线", "--at", "2026-10-09 17:00", now=at("2026-10-09", "17:00"))
    explained = json.loads(ok("fault", "explain", "1", "--json", now=at("2026-10-13", "09:00")))
    days = {d["day"]: d["why"] for d in explained["days"]}
    assert days["2026-10-10"].startswith("swapped working day")
    assert days["2026-10-11"].startswith("weekend")


def test_fault_show_names_the_override_that_re_judged_it(contract):
    # Reported Mon 12-07 09:00, resolved Wed 12-09 10:00: 21 working hours, late by 1 h. Making Tue 12-08
    # a day off afterwards (院方停诊) leaves 11 working hours: met. The ticket says what re-judged it.
    ok("fault", "open", "bi", "大屏无数据", "--at", "2026-12-07 09:00", now=at("2026-12-07", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-12-07 09:10", now=at("2026-12-07", "09:10"))
    ok("fault", "arrive", "1", "--at", "2026-12-07 09:50", now=at("2026-12-07", "09:50"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-12-09 10:00",
        now=at("2026-12-09", "10:00"),
    )
    assert show()["clocks"]["resolution"]["state"] == "breached" and show()["rejudged"] == []
    ok("calendar", "add-holiday", "2026-12-08", "--note", "院方停诊", "--retroactive", now=at("2026-12-10", "09:00"))
    data = json.loads(ok("fault", "show", "1", "--json", now=at("2026-12-10", "09:05")))
    assert data["clocks"]["resolution"]["state"] == "met"
    (r,) = data["rejudged"]
    assert (r["what"], r["before"], r["after"]) == (
        "calendar override 2026-12-08 day off (院方停诊)",
        ["met", "met", "breached"],
        ["met", "met", "met"],
    )
    text = ok("fault", "show", "1", now=at("2026-12-10", "09:05"))
    assert "re-judged by calendar override 2026-12-08 day off (院方停诊), recorded 2026-12-10 09:00" in text
    assert "resolution breached → met" in text


def test_show_says_since_when_a_clock_is_overdue_and_that_the_fault_was_handled_remotely(contract):
    ok("fault", "open", "bi", "驾驶舱白屏", "--at", "2026-12-07 09:00", now=at("2026-12-07", "09:00"))
    shown = ok("fault", "show", "1", now=at("2026-12-07", "10:00"))
    assert "OVERDUE after 09:30 (30m)" in shown
    ok("fault", "respond", "1", "--at", "2026-12-07 10:05", now=at("2026-12-07", "10:05"))
    ok("fault", "remote", "1", "--at", "2026-12-07 10:06", now=at("2026-12-07", "10:06"))
    shown = ok("fault", "show", "1", now=at("2026-12-07", "10:10"))
    assert "late 35m" in shown and "  handled remotely from 2026-12-07 10:06\n" in shown


def test_show_names_the_steps_typed_in_after_their_deadlines(contract):
    ok("fault", "open", "bi", "驾驶舱白屏", "--at", "2026-12-07 09:00", now=at("2026-12-07", "09:05"))
    ok("fault", "respond", "1", "--at", "2026-12-07 09:10", now=at("2026-12-07", "11:00"))
    assert "  late entry: the response: it was recorded after its clock's deadline, later than it happened\n" in ok(
        "fault", "show", "1", now=at("2026-12-07", "11:01")
    )
    ok("fault", "arrive", "1", "--at", "2026-12-07 09:40", now=at("2026-12-07", "11:02"))
    assert (
        "  late entry: the response and the arrival: they were recorded after their clocks' deadlines, later than "
        "they happened\n" in ok("fault", "show", "1", now=at("2026-12-07", "11:03"))
    )


def test_a_fault_logged_late_says_which_clocks_have_already_run_out(contract):
    out = ok("fault", "open", "bi", "驾驶舱白屏", "--at", "2026-12-07 09:00", now=at("2026-12-07", "10:10"))
    assert out.endswith(
        "  response OVERDUE after 09:30 (40m) · arrival OVERDUE after 10:00 (10m): if it was done, "
        "record it with --at\n"
    )
    assert "OVERDUE" not in ok("fault", "open", "bi", "另一故障", now=at("2026-12-07", "10:11"))


def test_in_the_deadline_minute_no_screen_or_json_calls_a_clock_overdue(contract):
    """Reported 07:37 (outside hours, response due 08:37): a look a few hundred ms into 08:37 finds it
    running (a response in that minute is met); from 08:38 it is overdue, by one minute."""
    from datetime import timedelta

    into = timedelta(milliseconds=300)
    opened = ok("fault", "open", "queue", "叫号屏黑屏", "--at", "-60m", now=at("2026-12-07", "08:37") + into)
    assert "OVERDUE" not in opened
    minute = json.loads(ok("fault", "show", "1", "--json", now=at("2026-12-07", "08:37") + into))
    assert (minute["clocks"]["response"]["state"], minute["breached"]) == ("running", False)
    assert "OVERDUE" not in ok("fault", "show", "1", now=at("2026-12-07", "08:37") + into)
    assert "OVERDUE" not in ok("fault", "list", "--open", now=at("2026-12-07", "08:37") + into)
    late = ok("fault", "show", "1", now=at("2026-12-07", "08:38") + into)
    assert "OVERDUE after 08:37 (1m)" in late
    ok("fault", "respond", "1", now=at("2026-12-07", "08:37") + into)
    assert show()["clocks"]["response"]["state"] == "met"


def test_a_visit_after_a_remote_fix_may_be_recorded_and_changes_no_verdict(contract, store_env):
    """Fixed remotely at 09:40, before the 10:00 arrival deadline (arrival not applicable); the engineer
    visits at 11:00 anyway: the visit is recorded, and no verdict moves. Without remote handling the
    resolved fault takes no arrival."""
    day = "2026-12-07"
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", f"{day} 09:00", now=at(day, "09:00"))
    ok("fault", "respond", "1", "--at", f"{day} 09:05", now=at(day, "09:05"))
    ok("fault", "remote", "1", "--at", f"{day} 09:06", now=at(day, "09:06"))
    ok("fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", f"{day} 09:40", now=at(day, "09:40"))
    before = {name: c["state"] for name, c in show()["clocks"].items()}
    assert before == {"response": "met", "arrival": "not_applicable", "resolution": "met"}
    ok("fault", "arrive", "1", "--at", f"{day} 11:00", now=at(day, "11:00"))
    data = show()
    assert data["arrived_at"] == "2026-12-07T11:00:00+08:00"
    assert {name: c["state"] for name, c in data["clocks"].items()} == before
    ok("fault", "open", "queue", "另一故障", "--at", f"{day} 09:00", now=at(day, "11:01"))
    ok("fault", "respond", "2", "--at", f"{day} 09:05", now=at(day, "11:01"))
    ok("fault", "resolve", "2", "--cause", "c", "--action", "a", "--at", f"{day} 09:40", now=at(day, "11:01"))
    refused(
        ["fault", "arrive", "2", "--at", f"{day} 11:00"],
        "fault 2 is already resolved (at 2026-12-07 09:40); fix a wrong time with `opsdesk fault edit 2`",
        store_env,
        now=at(day, "11:02"),
    )

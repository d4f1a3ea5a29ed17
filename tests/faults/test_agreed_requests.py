"""Mistakes and agreed exceptions, undone in the open: void, waive an arrival, pause and resume the
resolution clock (each changing no figure until the hospital agrees), reopen, edits shown with
their values before and after, the duplicate warning; every refusal exact and writing nothing."""

from __future__ import annotations

import json
from datetime import datetime

import openpyxl

from tests.conftest import at, connect, ok, refused, run

FRI = "2026-12-04"


def sla(*extra: str) -> dict:
    data = json.loads(ok("report", "sla", "--month", "2026-12", "--json", *extra))
    return {(r["clock"], r["kind"]): r for r in data["summary"]} | {
        "tickets": data["tickets"],
        "breaches": [b["id"] for b in data["breaches"]],
    }


def late_response_fault() -> None:
    """Fault 1, Friday 17:30: responded 18:30 (30 minutes late), on site 18:40, resolved 19:00."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", f"{FRI} 17:30", now=at(FRI, "17:31"))
    ok("fault", "respond", "1", "--at", f"{FRI} 18:30", now=at(FRI, "18:31"))
    ok("fault", "arrive", "1", "--at", f"{FRI} 18:40", now=at(FRI, "18:41"))
    ok("fault", "resolve", "1", "--cause", "进程挂死", "--action", "重启", "--at", f"{FRI} 19:00", now=at(FRI, "19:01"))


def test_a_void_changes_no_figure_until_the_hospital_agrees_then_leaves_every_figure(contract, tmp_path):
    late_response_fault()
    before = sla()
    assert (before["tickets"], before[("response", None)]["breached"], before["breaches"]) == (1, 1, [1])
    assert ok("fault", "void", "1", "--reason", "测试工单") == (
        "Exception 1: void of fault 1 requested; no figure changes until the hospital agrees "
        "(`opsdesk confirm exception 1 --by NAME`, or --refuse)\n"
    )
    assert sla() == before  # pending: nothing changes
    pending = json.loads(ok("confirm", "pending", "--json"))
    assert {
        "kind": "exception",
        "id": 1,
        "system": "queue",
        "date": "2026-12-07T10:00:00+08:00",
        "summary": "void of fault 1: 测试工单",
        "objections": [],
    } in pending
    assert ok("confirm", "exception", "1", "--by", "信息科陈主任") == (
        "Exception 1: agreed by 信息科陈主任 at 2026-12-07 10:00; every figure of fault 1 now counts it\n"
    )
    after = sla()
    response = after[("response", None)]
    assert (after["tickets"], after["breaches"], response["tickets"], response["compliance"]) == (0, [], 0, None)
    assert (response["exceptions"], response["compliance_as_recorded"], response["as_recorded"]) == (
        1,
        0.0,
        {"breached": 1},
    )
    assert sla("--as-recorded")["breaches"] == [1]  # the figure as recorded: one flag away
    status = json.loads(ok("status", "--json"))
    assert status["breaches_this_month"] == [] and status["sla_this_month"][0]["exceptions"] == 1
    shown = json.loads(ok("fault", "show", "1", "--json"))
    assert (shown["voided"], shown["exceptions"], shown["breached"], shown["breached_as_recorded"]) == (
        True,
        [1],
        False,
        True,
    )
    assert "1\tqueue\tfault\t2026-12-04 17:30\tvoid\t" in ok("fault", "list")
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    sheet = list(openpyxl.load_workbook(out)["豁免与作废记录"].iter_rows(values_only=True))
    row = dict(zip(sheet[0], sheet[1], strict=False))  # by column title: the layout may move columns
    assert [row[k] for k in ("编号", "报障编号", "系统", "申请类型", "申请理由")] == [
        1,
        1,
        "智能候诊信息系统",
        "作废",
        "测试工单",
    ]
    assert [row[k] for k in ("院方意见", "院方处理人", "处理时间", "对结论的影响")] == [
        "同意",
        "信息科陈主任",
        datetime(2026, 12, 7, 10, 0),
        "不计入统计（原：响应 超时，到场 超时，修复 达标）",
    ]
    assert ok("verify").startswith("History verified")


def test_an_open_fault_void_by_agreement_leaves_the_top_of_the_list_and_its_row_shows_no_lateness(contract, tmp_path):
    """Fault 1 (open since Friday, every clock long overdue) is voided by agreement: `fault list --open`
    puts the live fault 2 first, and the workbook's row of fault 1 says no 响应超 N 小时."""
    ok("fault", "open", "queue", "测试工单", "--at", f"{FRI} 09:00", now=at(FRI, "09:01"))
    ok("fault", "open", "cdss", "用药提示错误", "--at", "09:50", now=at("2026-12-07", "09:50"))
    ids = [line.split("\t")[0] for line in ok("fault", "list", "--open").splitlines()[2:]]
    assert ids == ["1", "2"]  # most overdue first
    ok("fault", "void", "1", "--reason", "测试工单")
    ok("confirm", "exception", "1", "--by", "信息科陈主任")
    ids = [line.split("\t")[0] for line in ok("fault", "list", "--open").splitlines()[2:]]
    assert ids == ["2", "1"]
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    sheet = list(openpyxl.load_workbook(out)["SLA明细"].iter_rows(values_only=True))
    row = dict(zip(sheet[0], sheet[1], strict=False))  # by column title (an empty column is left out)
    assert (row["编号"], row["作废"], row.get("超时情况")) == (1, "是", None)


def test_a_paused_fault_says_paused_and_keeps_its_time_left(contract):
    """Reported Monday 09:00 (due Wednesday 09:00), paused by agreement from 10:00: an hour later and
    three hours later it shows "paused" with the same 19 working hours left, not a deadline that moves
    every minute; resumed Tuesday 08:00, it runs again with a deadline that stays."""
    day = "2026-12-07"
    ok("fault", "open", "cdss", "知识库检索超时", "--at", f"{day} 09:00", now=at(day, "09:00"))
    ok("fault", "respond", "1", "--at", f"{day} 09:05", now=at(day, "09:05"))
    ok("fault", "arrive", "1", "--at", f"{day} 09:30", now=at(day, "09:30"))
    ok("fault", "pause", "1", "--reason", "等待厂商补丁", "--at", f"{day} 10:00", now=at(day, "10:00"))
    ok("confirm", "exception", "1", "--by", "信息科陈主任", now=at(day, "10:01"))
    for hhmm in ("11:00", "13:00"):
        shown = ok("fault", "show", "1", now=at(day, hhmm))
        assert "resolution\t2 working days\tworking\tpaused\t-\t1h00m\tpaused, 1 working day 9h00m left" in shown
        listed = ok("fault", "list", "--open", now=at(day, hhmm))
        assert "paused (1 working day 9h00m left)" in listed
        clock = json.loads(ok("fault", "show", "1", "--json", now=at(day, hhmm)))["clocks"]["resolution"]
        assert (clock["state"], clock["paused_now"], clock["margin_minutes"]) == ("running", True, 19 * 60)
    ok("fault", "resume", "1", "--at", "2026-12-08 08:00", now=at("2026-12-08", "08:00"))
    for hhmm in ("09:00", "10:00"):
        clock = json.loads(ok("fault", "show", "1", "--json", now=at("2026-12-08", hhmm)))["clocks"]["resolution"]
        assert (clock["paused_now"], clock["deadline"]) == (False, "2026-12-09T17:00:00+08:00")


def test_a_refused_request_changes_nothing(contract, store_env):
    late_response_fault()
    before = sla()
    ok("fault", "waive", "1", "arrival", "--reason", "院方同意远程处理")
    refused(
        ["confirm", "exception", "1", "--by", "陈主任", "--refuse"],
        "a refusal needs the hospital's reason: --comment TEXT",
        store_env,
        code=2,
    )
    assert ok("confirm", "exception", "1", "--by", "陈主任", "--refuse", "--comment", "实际需要到场") == (
        "Exception 1: refused by 陈主任 at 2026-12-07 10:00 (实际需要到场); no figure changes\n"
    )
    assert sla() == before
    assert json.loads(ok("confirm", "pending", "--json"))[-1]["kind"] == "fault"  # no longer pending
    listed = json.loads(ok("fault", "exceptions", "--json"))
    assert [(x["state"], x["refused_by"], x["refuse_reason"]) for x in listed] == [
        ("refused", "陈主任", "实际需要到场")
    ]
    refused(
        ["confirm", "exception", "1", "--by", "陈主任"],
        "exception 1 was already refused by 陈主任 at 2026-12-07 10:00",
        store_env,
    )
    ok("fault", "waive", "1", "arrival", "--reason", "补充院方书面同意")  # a refused request may be asked again
    ok("confirm", "record", "exception", "2", "--by", "陈主任")  # the same confirmation as any record
    arrival = sla()[("arrival", None)]
    assert (arrival["breached"], arrival["waived"], arrival["compliance"], arrival["exceptions"]) == (0, 1, None, 1)


def test_an_agreed_pause_of_three_working_hours_moves_the_deadline_by_three_working_hours_across_a_holiday(
    contract,
):
    """Reported Wednesday 2026-09-30 14:00 (2 working days): 4 h that day, 国庆 1-7 October off, then
    10 h on 8 October and 6 h on 9 October: due 2026-10-09 14:00. Paused from 30 September 16:00 to
    8 October 09:00: 2 + 1 = 3 working hours, so due 17:00."""
    day = "2026-09-30"
    ok("fault", "open", "cdss", "知识库检索超时", "--at", f"{day} 14:00", now=at(day, "14:01"))
    ok("fault", "respond", "1", "--at", f"{day} 14:10", now=at(day, "14:11"))
    assert ok("fault", "pause", "1", "--reason", "等待厂商补丁", "--at", f"{day} 16:00", now=at(day, "16:01")) == (
        "Fault 1: resolution clock paused from 2026-09-30 16:00 (exception 1); the pause counts once the hospital "
        "agrees (`opsdesk confirm exception 1 --by NAME`)\n"
    )
    assert ok("fault", "resume", "1", "--at", "2026-10-08 09:00", now=at("2026-10-08", "09:01")) == (
        "Fault 1: resolution clock runs again from 2026-10-08 09:00; the pause held 3h00m of working time "
        "(exception 1, pending)\n"
    )
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "补丁",
        "--action",
        "安装补丁",
        "--at",
        "2026-10-09 16:00",
        now=at("2026-10-09", "16:01"),
    )
    clock = json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]
    assert (clock["deadline"], clock["state"], clock["paused_minutes"]) == ("2026-10-09T14:00:00+08:00", "breached", 0)
    ok("confirm", "exception", "1", "--by", "信息科陈主任", now=at("2026-10-10", "09:00"))
    data = json.loads(ok("fault", "show", "1", "--json"))
    clock, recorded = data["clocks"]["resolution"], data["clocks_as_recorded"]["resolution"]
    assert (clock["deadline"], clock["state"], clock["paused_minutes"]) == ("2026-10-09T17:00:00+08:00", "met", 180)
    assert (recorded["deadline"], recorded["state"]) == ("2026-10-09T14:00:00+08:00", "breached")
    ledger = json.loads(ok("fault", "explain", "1", "--json"))
    paused = {
        d["day"]: (d["minutes"], d["paused_minutes"]) for d in ledger["days"] if d["counted"] or d["paused_minutes"]
    }
    assert paused == {"2026-09-30": (120, 120), "2026-10-08": (540, 60), "2026-10-09": (480, 0)}
    assert (ledger["total_minutes"], ledger["paused_minutes"], ledger["deadline"]) == (
        1140,
        180,
        "2026-10-09T17:00:00+08:00",
    )
    text = ok("fault", "explain", "1")
    assert "2026-10-08 Thu\t08:00–18:00\t540\t\t1 working day 1h00m\t60\n" in text
    assert text.endswith(
        "Paused by agreement (2026-09-30 16:00–2026-10-08 09:00): 3h00m of working time not counted; the deadline "
        "moved by as much (exceptions 1)\n"
    )
    as_recorded = json.loads(ok("fault", "explain", "1", "--as-recorded", "--json"))
    assert (as_recorded["total_minutes"], as_recorded["paused_minutes"]) == (1320, 0)


def test_reopen_runs_the_clock_again_from_the_report_and_shows_what_it_cleared(contract, store_env):
    late_response_fault()
    assert ok("fault", "reopen", "1", "--reason", "故障复现") == (
        "Fault 1: reopened; the resolution clock runs from the report: 1 working day 7h30m left "
        "(deadline 2026-12-08 17:30)\n"
    )
    data = json.loads(ok("fault", "show", "1", "--json"))
    assert (data["status"], data["clocks"]["resolution"]["state"], data["cause"]) == ("open", "running", None)
    assert [(e["action"], e["field"], e["before"], e["after"]) for e in data["edits"]] == [
        ("fault.reopen", "resolved", "2026-12-04T19:00:00+08:00", None),
        ("fault.reopen", "cause", "进程挂死", None),
        ("fault.reopen", "action", "重启", None),
    ]
    assert data["notes"][0]["text"] == "reopened (resolved at 2026-12-04 19:00): 故障复现"
    refused(["fault", "reopen", "1", "--reason", "x"], "fault 1 is not resolved; there is nothing to reopen", store_env)
    ok("fault", "resolve", "1", "--cause", "配置错误", "--action", "修正配置")
    ok("fault", "confirm", "1", "--by", "陈主任")
    refused(
        ["fault", "reopen", "1", "--reason", "x"],
        "fault 1 was confirmed by 陈主任 at 2026-12-07 10:00 and cannot be reopened; record a visible correction "
        'with `opsdesk fault correct 1 --reason "..."`',
        store_env,
    )
    assert ok("verify").startswith("History verified")


def test_edits_are_shown_with_their_values_and_a_verdict_changing_edit_is_in_the_workbooks(
    contract, store_env, tmp_path
):
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-25 14:00", now=at("2026-11-25", "14:01"))
    ok("fault", "respond", "1", "--at", "2026-11-25 14:10", now=at("2026-11-25", "14:11"))
    ok("fault", "arrive", "1", "--at", "2026-11-25 14:40", now=at("2026-11-25", "14:41"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "挂死",
        "--action",
        "重启",
        "--at",
        "2026-11-27 16:30",
        now=at("2026-11-27", "16:31"),
    )
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["state"] == "breached"
    refused(["fault", "edit", "1", "--reason", "记录有误", "--cause", ""], "--cause cannot be empty", store_env, code=2)
    earlier = ("--resolved", "2026-11-27 13:30", "--reporter", "王护士")
    ok("fault", "edit", "1", "--reason", "记录有误", *earlier, now=at("2026-11-27", "17:00"))
    data = json.loads(ok("fault", "show", "1", "--json"))
    assert [(e["field"], e["before"], e["after"], e["by"], e["recorded_at"]) for e in data["edits"]] == [
        ("reporter", None, "王护士", "tester", "2026-11-27T17:00:00+08:00"),
        ("resolved", "2026-11-27T16:30:00+08:00", "2026-11-27T13:30:00+08:00", "tester", "2026-11-27T17:00:00+08:00"),
    ]
    text = ok("fault", "show", "1")
    assert "# Edits\nevent\trecorded\tby\taction\tfield\tbefore\tafter\n" in text
    assert "\tfault.edit\tresolved\t2026-11-27 16:30\t2026-11-27 13:30\n" in text
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(out))
    rows = list(openpyxl.load_workbook(out)["修改记录"].iter_rows(values_only=True))
    edited = (13, "维护记录（报障） 1")  # both fields of the one edit that changed the verdict
    assert rows[1:] == [
        (*edited, "报修人", None, "王护士", "修复：超时 → 达标", "tester", datetime(2026, 11, 27, 17, 0)),
        (
            *edited,
            "修复时间",
            "2026-11-27 16:30",
            "2026-11-27 13:30",
            "修复：超时 → 达标",
            "tester",
            datetime(2026, 11, 27, 17, 0),
        ),
    ]
    ok(
        "fault", "edit", "1", "--reason", "记录有误", "--dept", "门诊部", now=at("2026-11-27", "17:10")
    )  # changes no verdict: not listed
    ok("report", "monthly", "2026-11", "-o", str(out), "--force")
    assert len(list(openpyxl.load_workbook(out)["修改记录"].iter_rows(values_only=True))) == 3


def test_a_similar_open_fault_is_warned_of_at_the_door(contract):
    ok("fault", "open", "queue", "3号诊区叫号屏黑屏", "--at", f"{FRI} 15:00", now=at(FRI, "15:01"))
    result = run("fault", "open", "queue", "3号诊区叫号屏幕黑屏", "--at", f"{FRI} 16:00", now=at(FRI, "16:01"))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: open fault 1 (queue, reported 2026-12-04 15:00) looks alike: '3号诊区叫号屏黑屏'; if it is the same "
        'fault, ask to void this one: opsdesk fault void 2 --duplicate-of 1 --reason "重复报障"\n'
    )
    for args in (
        ("cdss", "3号诊区叫号屏黑屏", "15:30"),
        ("queue", "驾驶舱数据延迟", "15:40"),
        ("queue", "3号诊区叫号屏黑屏", "20:30"),
    ):  # another system, another symptom, hours later
        system, symptom, when = args
        assert run("fault", "open", system, symptom, "--at", f"{FRI} {when}", now=at(FRI, when)).stderr == ""


def test_a_duplicate_said_in_other_chinese_words_is_warned_of(contract):
    """ "数字人播报无声音" and, 3 minutes later, "门诊大厅数字人没有声音" on the same system: the same fault in
    other words (5 of the shorter's 8 characters shared), warned of; "导诊问答库未更新" is another fault."""
    ok("fault", "open", "avatar", "数字人播报无声音", "--at", f"{FRI} 15:00", now=at(FRI, "15:00"))
    result = run("fault", "open", "avatar", "门诊大厅数字人没有声音", "--at", f"{FRI} 15:03", now=at(FRI, "15:03"))
    assert result.stderr.startswith("Warning: open fault 1 (avatar, reported 2026-12-04 15:00) looks alike")
    other = run("fault", "open", "avatar", "导诊问答库未更新", "--at", f"{FRI} 15:05", now=at(FRI, "15:05"))
    assert other.stderr == ""


def test_bad_requests_are_refused_and_write_nothing(contract, store_env):
    late_response_fault()  # fault 1: resolved
    ok("fault", "open", "queue", "叫号语音不播报", "--at", "2026-12-07 09:00")  # fault 2: open, on site in time
    ok("fault", "respond", "2", "--at", "2026-12-07 09:10")
    ok("fault", "arrive", "2", "--at", "2026-12-07 09:40")
    db = store_env
    refused(
        ["fault", "waive", "2", "arrival", "--reason", "x"],
        "fault 2's arrival was met (on site at 2026-12-07 09:40, deadline 2026-12-07 10:00); there is nothing to waive",
        db,
    )
    refused(
        ["fault", "waive", "1", "response", "--reason", "x"],
        "cannot waive 'response': only the arrival can be waived (a resolution clock is paused with "
        "`opsdesk fault pause`)",
        db,
        code=2,
    )
    refused(
        ["fault", "pause", "1", "--reason", "x"],
        "fault 1 is resolved (at 2026-12-04 19:00); its clock has stopped and cannot be paused. If the fix did not "
        "hold, reopen it: `opsdesk fault reopen 1 --reason ...`",
        db,
    )
    refused(
        ["fault", "pause", "2", "--reason", "x", "--at", "2026-12-07 08:59"],
        "fault 2 was reported at 2026-12-07 09:00; a pause cannot start before the report",
        db,
    )
    refused(["fault", "resume", "2"], "fault 2 is not paused; pause it with `opsdesk fault pause 2 --reason ...`", db)
    refused(["fault", "pause", "2", "--reason", " "], "--reason cannot be empty", db, code=2)
    ok("fault", "pause", "2", "--reason", "等待院方决定", "--at", "2026-12-07 09:30")
    refused(
        ["fault", "pause", "2", "--reason", "x"],
        "fault 2 is already paused since 2026-12-07 09:30 (exception 1); resume it first with `opsdesk fault resume 2`",
        db,
    )
    refused(
        ["fault", "resume", "2", "--at", "2026-12-07 09:29"],
        "fault 2 was paused at 2026-12-07 09:30 (exception 1); the resume cannot come before it",
        db,
    )
    ok("fault", "resume", "2", "--at", "2026-12-07 09:45")
    refused(
        ["fault", "pause", "2", "--reason", "x", "--at", "2026-12-07 09:40"],
        "fault 2's last pause ended at 2026-12-07 09:45; a new pause starts at or after it",
        db,
    )
    refused(
        ["fault", "void", "2", "--reason", "x", "--duplicate-of", "2"],
        "fault 2 cannot duplicate itself; give the id of the fault it repeats",
        db,
        code=2,
    )
    refused(
        ["fault", "void", "2", "--reason", "x", "--duplicate-of", "9"],
        "no fault 9; `opsdesk fault list` shows the faults on record",
        db,
    )
    ok("fault", "void", "2", "--reason", "重复", "--duplicate-of", "1")
    refused(
        ["fault", "void", "2", "--reason", "x"],
        "fault 2 already has a void request pending (exception 2); the hospital agrees with "
        "`opsdesk confirm exception 2 --by NAME` or refuses it (--refuse)",
        db,
    )
    refused(
        ["confirm", "exception", "2", "--by", "tester"],
        "tester is recording this (--by / OPSDESK_USER); the confirmer must be the hospital person, not whoever "
        "types it in",
        db,
    )
    ok("confirm", "exception", "2", "--by", "陈主任")
    refused(
        ["confirm", "exception", "2", "--by", "陈主任"],
        "exception 2 was already agreed by 陈主任 at 2026-12-07 10:00",
        db,
    )
    refused(
        ["fault", "void", "2", "--reason", "x"],
        "fault 2 is void already, by agreement (exception 2, agreed by 陈主任 at 2026-12-07 10:00)",
        db,
    )
    refused(
        ["fault", "pause", "2", "--reason", "x"],
        "fault 2 is void by agreement (exception 2); it is no longer judged",
        db,
    )
    refused(
        ["confirm", "exception", "7", "--by", "陈主任"],
        "no exception request 7; `opsdesk fault exceptions` lists them",
        db,
    )


def test_the_hospital_agrees_through_the_workbook(contract, tmp_path):
    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    ws = wb["豁免与作废记录"]
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("记录键") + 1).value == "exception:1"
    ws.cell(2, head.index("院方确认人（填写）") + 1).value = "信息科陈主任"
    ws.cell(2, head.index("院方答复（填写：确认/不确认）") + 1).value = "确认"
    wb.save(out)
    assert ok("confirm", "import", str(out)).startswith("Read 1 filled row(s)")
    assert json.loads(ok("fault", "exceptions", "--json"))[0]["state"] == "agreed"
    assert sla()["tickets"] == 0


def test_verify_replays_the_requests_and_names_a_tampered_one(contract, store_env):
    late_response_fault()
    ok("fault", "open", "queue", "叫号语音不播报", "--at", "2026-12-07 09:00")
    ok("fault", "pause", "2", "--reason", "等待院方决定", "--at", "2026-12-07 09:30")
    ok("confirm", "exception", "1", "--by", "陈主任")
    ok("fault", "resume", "2", "--at", "2026-12-07 09:50")
    ok("fault", "void", "1", "--reason", "测试")
    ok("confirm", "exception", "2", "--by", "陈主任", "--refuse", "--comment", "不是测试")
    ok("fault", "reopen", "1", "--reason", "复现")
    assert json.loads(ok("verify", "--json"))["counts"]["exception_request"] == 2
    conn = connect(store_env)
    conn.execute("UPDATE exception_request SET resumed_at = '2026-12-07T09:59:00+08:00' WHERE id = 1")
    conn.commit()
    conn.close()
    result = run("verify")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: history check failed: exception_request 1 differs from its history in resumed_at "
        "(history says resumed_at='2026-12-07T09:50:00+08:00'; the table holds '2026-12-07T09:59:00+08:00')\n"
    )


def test_an_open_fault_void_by_agreement_is_not_missing_evidence(contract):
    ok("fault", "open", "queue", "测试工单", "--at", "2026-12-07 09:00")
    evidence = json.loads(ok("report", "milestones", "--json"))["milestones"][2]["missing"]
    assert "1 fault(s) still open" in evidence
    ok("fault", "void", "1", "--reason", "测试工单")
    ok("confirm", "exception", "1", "--by", "陈主任")
    assert "1 fault(s) still open" not in json.loads(ok("report", "milestones", "--json"))["milestones"][2]["missing"]


def test_a_reopen_never_makes_the_figures_better_and_is_listed_with_the_edits(contract, store_env, tmp_path):
    """Reported Monday 2026-11-02 09:00 (due Wednesday 09:00), resolved Friday 10:00: late. Reopened
    Friday 11:00:20; the next resolution cannot be dated before the reopen (to the minute), by
    `fault resolve` or `fault edit`, so the breach cannot be traded for an earlier fix."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:01"))
    ok("fault", "respond", "1", "--at", "2026-11-02 09:10", now=at("2026-11-02", "09:11"))
    ok("fault", "arrive", "1", "--at", "2026-11-02 09:40", now=at("2026-11-02", "09:41"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "挂死",
        "--action",
        "重启",
        "--at",
        "2026-11-06 10:00",
        now=at("2026-11-06", "10:01"),
    )
    reopened = at("2026-11-06", "11:00").replace(second=20)
    ok("fault", "reopen", "1", "--reason", "未修好", now=reopened)
    message = (
        "fault 1 was reopened at 2026-11-06 11:00 (its fix of 2026-11-06 10:00 did not hold); a resolution "
        "after the reopen cannot be dated before it: give a time on or after 2026-11-06 11:00"
    )
    later = at("2026-11-06", "11:30")
    refused(
        ["fault", "resolve", "1", "--cause", "配置", "--action", "修正", "--at", "2026-11-03 10:00"],
        message,
        store_env,
        now=later,
    )
    refused(
        [
            "fault",
            "edit",
            "1",
            "--reason",
            "记录有误",
            "--resolved",
            "2026-11-03 10:00",
            "--cause",
            "配置",
            "--action",
            "修正",
        ],
        message,
        store_env,
        now=later,
    )
    ok("fault", "resolve", "1", "--cause", "配置", "--action", "修正", "--at", "2026-11-06 11:00", now=later)
    assert json.loads(ok("fault", "show", "1", "--json"))["clocks"]["resolution"]["state"] == "breached"
    refused(
        ["fault", "edit", "1", "--reason", "记录有误", "--resolved", "2026-11-05 10:00"], message, store_env, now=later
    )
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(out))
    rows = list(openpyxl.load_workbook(out)["修改记录"].iter_rows(values_only=True))
    reopen = (13, "维护记录（报障） 1")
    change, when = "修复：超时 → 已超时（未完成）", datetime(2026, 11, 6, 11, 0, 20)
    assert rows[0][:5] == ("编号", "修改对象", "字段", "原值", "修改为")
    assert [r[:5] for r in rows[1:]] == [
        (*reopen, field, before, "（重新打开，修复被撤回）")
        for field, before in (("修复时间", "2026-11-06 10:00"), ("原因分析", "挂死"), ("处理过程", "重启"))
    ]
    assert {r[5:] for r in rows[1:]} == {(change, "tester", when)}


def test_a_fault_is_not_resolved_while_its_clock_is_paused(contract, store_env):
    """Paused 2026-10-09 10:00 to 12:00: a resolution at 11:00 (inside) or 09:30 (before the pause) is
    refused, by `fault resolve` and `fault edit`; at 12:00 it is accepted. A refused pause never
    stopped the clock."""
    day = "2026-10-09"
    ok("fault", "open", "cdss", "知识库检索超时", "--at", "2026-10-08 14:00", now=at("2026-10-08", "14:01"))
    ok("fault", "respond", "1", "--at", "2026-10-08 14:10", now=at("2026-10-08", "14:11"))
    ok("fault", "pause", "1", "--reason", "等待厂商补丁", "--at", f"{day} 10:00", now=at(day, "10:01"))
    resolve = ["fault", "resolve", "1", "--cause", "补丁", "--action", "安装补丁", "--at"]
    refused(
        [*resolve, f"{day} 09:30"],
        "fault 1's resolution clock is paused since 2026-10-09 10:00 (exception 1); "
        "it cannot be resolved before its pause: give a time on or after 2026-10-09 10:00",
        store_env,
        now=at(day, "10:30"),
    )
    ok("fault", "resume", "1", "--at", f"{day} 12:00", now=at(day, "12:01"))
    message = (
        "fault 1's resolution clock was paused from 2026-10-09 10:00 to 2026-10-09 12:00 (exception 1); it "
        "cannot be resolved while paused or before the pause: give a time on or after 2026-10-09 12:00"
    )
    for when in ("11:00", "09:30"):
        refused([*resolve, f"{day} {when}"], message, store_env, now=at(day, "12:30"))
    ok(*resolve, f"{day} 12:00", now=at(day, "12:30"))
    refused(
        ["fault", "edit", "1", "--reason", "记录有误", "--resolved", f"{day} 11:00"],
        message,
        store_env,
        now=at(day, "12:40"),
    )
    ok("fault", "open", "cdss", "知识库无法登录", "--at", f"{day} 09:00", now=at(day, "12:41"))
    ok("fault", "respond", "2", "--at", f"{day} 09:10", now=at(day, "12:41"))
    ok("fault", "pause", "2", "--reason", "等待院方", "--at", f"{day} 10:00", now=at(day, "12:42"))
    ok("fault", "resume", "2", "--at", f"{day} 12:00", now=at(day, "12:42"))
    ok("confirm", "exception", "2", "--by", "陈主任", "--refuse", "--comment", "无需等待", now=at(day, "12:43"))
    ok("fault", "resolve", "2", "--cause", "账号锁定", "--action", "解锁", "--at", f"{day} 11:00", now=at(day, "12:44"))


def test_a_request_may_be_decided_in_the_minute_it_was_made(contract, store_env):
    """The request's time is the real clock's (with seconds), the decision's is cut to the minute:
    they compare at the minute."""
    late_response_fault()
    asked = at("2026-12-07", "13:14").replace(second=40)
    ok("fault", "void", "1", "--reason", "测试工单", now=asked)
    refused(
        ["confirm", "exception", "1", "--by", "信息科王", "--at", "2026-12-07 13:13"],
        "exception 1 was requested at 2026-12-07 13:14; it cannot be decided before",
        store_env,
        now=asked.replace(second=50),
    )
    assert ok("confirm", "exception", "1", "--by", "信息科王", now=asked.replace(second=50)) == (
        "Exception 1: agreed by 信息科王 at 2026-12-07 13:14; every figure of fault 1 now counts it\n"
    )


def _fill(path, sheet: str, key: str, who: str, comment: str, answer: str = "不确认") -> None:
    """The hospital fills in a row's confirmation block (found by its key and column titles)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head.index("记录键") + 1).value == key)
    ws.cell(row, head.index("院方答复（填写：确认/不确认）") + 1).value = answer
    ws.cell(row, head.index("院方确认人（填写）") + 1).value = who
    ws.cell(row, head.index("意见（填写）") + 1).value = comment
    wb.save(path)


def test_the_hospital_refuses_through_the_workbook(contract, store_env, tmp_path):
    """不确认 beside a name refuses the request, its comment the reason, as `confirm exception --refuse`
    does; on a record that cannot be refused it is an objection. Never an agreement."""
    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    before = sla()
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    _fill(out, "豁免与作废记录", "exception:1", "信息科陈主任", "属于真实故障")
    _fill(out, "SLA明细", "fault:1", "信息科陈主任", "问题未解决")
    assert ok("confirm", "import", str(out)) == (
        f"Read 2 filled row(s) from {out}: 0 confirmed, 1 refused, 1 objected to, 0 already answered\n"
        "Objection — sheet SLA明细 row 2 (fault:1): 信息科陈主任 answered '问题未解决'; nothing confirmed "
        "(`opsdesk confirm pending` lists it)\n"
    )
    listed = json.loads(ok("fault", "exceptions", "--json"))
    assert [(x["state"], x["refused_by"], x["refuse_reason"]) for x in listed] == [
        ("refused", "信息科陈主任", "属于真实故障")
    ]
    assert sla() == before
    fault = json.loads(ok("fault", "show", "1", "--json"))
    assert fault["confirmed_by"] is None
    pending = json.loads(ok("confirm", "pending", "--json"))
    assert [p["objections"] for p in pending if p["kind"] == "fault"] == [["信息科陈主任: 问题未解决"]]
    assert ok("confirm", "import", str(out)).startswith(
        f"Read 2 filled row(s) from {out}: 0 confirmed, 0 refused, 0 objected to, 2 already answered\n"
    )  # the same file twice changes nothing
    _fill(out, "豁免与作废记录", "exception:1", "信息科陈主任", "同意", answer="确认")
    refused(
        ["confirm", "import", str(out)],
        "sheet 豁免与作废记录 row 2: exception 1 was already refused by 信息科陈主任; the workbook now agrees to it, "
        "and an answer is not changed",
        store_env,
    )
    assert ok("verify").startswith("History verified")


def _exception_rows(path) -> list[dict]:
    sheet = list(openpyxl.load_workbook(path)["豁免与作废记录"].iter_rows(values_only=True))
    return [dict(zip(sheet[0], row, strict=False)) for row in sheet[1:]]


def test_a_pending_or_refused_request_is_not_described_as_agreed(contract, tmp_path):
    """对结论的影响 of a refused request says it changes nothing; a pending one's says what it would
    change once agreed; a pause just begun says the deadline moves by the time it holds. The monthly
    sheet keeps the columns of the hospital's answer (不同意理由...) before any answer."""
    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    ok("fault", "open", "queue", "叫号语音不播报", "--at", "2026-12-07 09:00")
    ok("fault", "respond", "2", "--at", "2026-12-07 09:10")
    ok("fault", "pause", "2", "--reason", "等待院方决定")
    listed = ok("fault", "exceptions")
    assert (
        "\tpending\ttester\t2026-12-07 10:00\t-\t等待院方决定\tresolution deadline moves by the working time "
        "paused (none yet)\n" in listed
    )
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    rows = _exception_rows(out)
    assert {"院方处理人", "处理时间", "不同意理由"} <= rows[0].keys()
    assert [r["对结论的影响"] for r in rows] == [
        "待院方同意；同意后：不计入统计（原：响应 超时，到场 超时，修复 达标）",
        "待院方同意；同意后：修复期限顺延暂停期间的工作时间（目前无）",
    ]
    ok("confirm", "exception", "1", "--by", "陈主任", "--refuse", "--comment", "不是测试")
    assert "\trefused\ttester\t2026-12-07 10:00\t陈主任\t测试工单\tnone: refused (不是测试)\n" in ok(
        "fault", "exceptions"
    )
    assert json.loads(ok("fault", "exceptions", "--json"))[0]["changes"] == []
    ok("report", "monthly", "2026-12", "-o", str(out), "--force")
    rows = _exception_rows(out)
    assert (rows[0]["院方意见"], rows[0]["不同意理由"], rows[0]["对结论的影响"]) == (
        "不同意",
        "不是测试",
        "无（未获同意）",
    )


def test_an_agreed_waiver_is_counted_alike_on_the_cover_and_the_summary(contract, tmp_path):
    late_response_fault()
    ok("fault", "waive", "1", "arrival", "--reason", "院方同意远程处理")
    ok("confirm", "exception", "1", "--by", "陈主任")
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True) if r[0]}
    arrival = next(text for title, text in cover.items() if str(title).startswith("到场"))
    sheet = list(wb["汇总"].iter_rows(values_only=True))
    summary = {row[0]: dict(zip(sheet[0], row, strict=False)) for row in sheet[1:]}
    assert summary["到场"]["无需到场"] == 1 and arrival.endswith("无需到场 1）"), arrival


def test_reopen_at_records_when_the_fault_came_back(contract, store_env):
    """Resolved Friday 19:00; the fault came back Monday 08:30, recorded at 10:00 with --at: the reopen is
    dated 08:30 (so is its note), none before the fix is taken, and the next fix comes after it."""
    late_response_fault()
    refused(
        ["fault", "reopen", "1", "--reason", "故障复现", "--at", f"{FRI} 18:59"],
        "fault 1 was resolved at 2026-12-04 19:00; a reopen cannot come before the fix it undoes: give --at on or "
        "after 2026-12-04 19:00",
        store_env,
    )
    ok("fault", "reopen", "1", "--reason", "故障复现", "--at", "2026-12-07 08:30")
    data = json.loads(ok("fault", "show", "1", "--json"))
    assert data["notes"][0]["at"] == "2026-12-07T08:30:00+08:00"
    reopened = [h for h in data["history"] if h["action"] == "fault.reopen"]
    assert reopened[0]["happened_at"] == "2026-12-07T08:30:00+08:00"
    refused(
        ["fault", "resolve", "1", "--cause", "c", "--action", "a", "--at", "2026-12-07 08:00"],
        "fault 1 was reopened at 2026-12-07 08:30 (its fix of 2026-12-04 19:00 did not hold); a resolution after "
        "the reopen cannot be dated before it: give a time on or after 2026-12-07 08:30",
        store_env,
    )

"""Edits that would improve a verdict the hospital has already seen are correction requests (SPEC,
decided 2026-12-05): nothing changes until the hospital agrees, a refusal changes nothing for good;
edits that worsen a verdict or touch none apply at once; every edit gives a reason and says which
verdicts it changes. Written from the other side first: each way the vendor alone could move a
figure the hospital has seen."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import openpyxl
import pytest

from tests.conftest import TZ, at, ok, refused, run, snapshot

NOV2 = at("2026-11-02", "10:00")


def sla(month: str = "2026-09", now: datetime = NOV2) -> dict:
    data = json.loads(ok("report", "sla", "--month", month, "--json", now=now))
    return {r["clock"] + (f" {r['kind']}" if r["kind"] else ""): r["compliance"] for r in data["summary"]} | {
        "breaches": [b["id"] for b in data["breaches"]]
    }


def late_arrival(ticket: int = 1) -> None:
    """A fault reported Wednesday 2026-09-30 18:00 (outside hours: on site by 20:00), responded at
    18:20, on site 7 days late (2026-10-07 18:55), resolved 19:30 that day (国庆: no working time yet)."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-09-30 18:00", now=at("2026-09-30", "18:01"))
    ok("fault", "respond", str(ticket), "--at", "2026-09-30 18:20", now=at("2026-09-30", "18:21"))
    ok("fault", "arrive", str(ticket), "--at", "2026-10-07 18:55", now=at("2026-10-07", "18:56"))
    resolve = ("fault", "resolve", str(ticket), "--cause", "进程挂死", "--action", "重启", "--at", "2026-10-07 19:30")
    ok(*resolve, now=at("2026-10-07", "19:31"))


def on_time(ticket: int, day: str = "2026-09-29", recorded: datetime | None = None) -> None:
    """A fault with every clock met (reported 10:00, on site 10:30, fixed 12:00), recorded at ``recorded``
    (default: as it happened) and the minutes after."""

    def when(hhmm: str, n: int) -> datetime:
        return at(day, hhmm) if recorded is None else recorded + timedelta(minutes=n)

    ok("fault", "open", "cdss", "知识库检索慢", "--at", f"{day} 10:00", now=when("10:01", 0))
    ok("fault", "respond", str(ticket), "--at", f"{day} 10:10", now=when("10:11", 1))
    ok("fault", "arrive", str(ticket), "--at", f"{day} 10:30", now=when("10:31", 2))
    resolve = ("fault", "resolve", str(ticket), "--cause", "索引", "--action", "重建", "--at", f"{day} 12:00")
    ok(*resolve, now=when("12:01", 3))


AFTER = at("2026-10-07", "20:00")  # on_time(2) recorded after late_arrival(): recorded times never go back


def hospital_refuses(kind: str = "waiver") -> None:
    """The hospital refuses a request of fault 1 (an arrival waiver, or a void), on 2026-10-08."""
    ask = ["waive", "1", "arrival"] if kind == "waiver" else ["void", "1"]
    ok("fault", *ask, "--reason", "远程处理即可", now=at("2026-10-08", "09:00"))
    refuse = ["--refuse", "--comment", "不同意"]
    ok("confirm", "exception", "1", "--by", "陈主任", *refuse, now=at("2026-10-08", "10:00"))


def refused_waiver() -> None:
    hospital_refuses("waiver")


EDIT_ARRIVAL = ["fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 18:55"]
ASKED = (
    "Fault 1: nothing changed yet: correction request 2 (arrived) would change arrival breached → met, and the "
    "hospital has seen its verdicts (its arrival waiver (exception 1) was refused by 陈主任 at 2026-10-08 10:00); "
    "it counts once the hospital agrees (`opsdesk confirm exception 2 --by NAME`, or --refuse)\n"
)


def test_the_edit_of_a_refused_waivers_arrival_is_a_pending_correction_until_the_hospital_agrees(contract, store_env):
    late_arrival()
    on_time(2, recorded=AFTER)
    refused_waiver()
    before = sla()
    assert (before["arrival"], before["breaches"]) == (50.0, [1])
    assert ok(*EDIT_ARRIVAL, now=NOV2) == ASKED
    assert sla() == before  # pending: no figure moves
    shown = json.loads(ok("fault", "show", "1", "--json", now=NOV2))
    assert (shown["arrived_at"], shown["edits"]) == ("2026-10-07T18:55:00+08:00", [])
    asked = json.loads(ok("fault", "exceptions", "--pending", "--json", now=NOV2))
    assert [(x["id"], x["type"], x["reason"], x["state"]) for x in asked] == [
        (2, "correction", "到场时间记错", "pending")
    ]
    assert [(c["clock"], c["before"], c["after"]) for c in asked[0]["changes"]] == [("arrival", "breached", "met")]
    assert "2\t1\tqueue\tcorrection arrived 2026-09-30 18:55\tpending\t" in ok("fault", "exceptions", now=NOV2)
    pending = json.loads(ok("confirm", "pending", "--json", now=NOV2))
    assert {
        "kind": "exception",
        "id": 2,
        "system": "queue",
        "date": "2026-11-02T10:00:00+08:00",
        "summary": "correction of fault 1: 到场时间记错",
        "objections": [],
    } in pending
    assert ok("confirm", "exception", "2", "--by", "陈主任", now=at("2026-11-03", "10:00")) == (
        "Exception 2: agreed by 陈主任 at 2026-11-03 10:00; every figure of fault 1 now counts it\n"
    )
    after = sla(now=at("2026-11-03", "10:05"))
    assert (after["arrival"], after["breaches"]) == (100.0, [])
    shown = json.loads(ok("fault", "show", "1", "--json", now=at("2026-11-03", "10:05")))
    assert shown["arrived_at"] == "2026-09-30T18:55:00+08:00"
    assert [(e["field"], e["before"], e["after"], e["recorded_at"]) for e in shown["edits"]] == [
        ("arrived", "2026-10-07T18:55:00+08:00", "2026-09-30T18:55:00+08:00", "2026-11-03T10:00:00+08:00")
    ]
    assert shown["notes"][-1]["text"] == "edited arrived: correction 2 agreed by 陈主任: 到场时间记错"
    agreed = json.loads(ok("fault", "exceptions", "--json", now=at("2026-11-03", "10:05")))[-1]
    assert (agreed["state"], [(c["before"], c["after"]) for c in agreed["changes"]]) == (
        "agreed",
        [("breached", "met")],
    )
    assert ok("verify", now=at("2026-11-03", "10:05")).startswith("History verified")


def test_a_refused_correction_leaves_the_figures_unchanged_for_good(contract, store_env):
    late_arrival()
    refused_waiver()
    before = sla()
    ok(*EDIT_ARRIVAL, now=NOV2)
    decided = at("2026-11-03", "10:00")
    assert ok("confirm", "exception", "2", "--by", "陈主任", "--refuse", "--comment", "到场记录属实", now=decided) == (
        "Exception 2: refused by 陈主任 at 2026-11-03 10:00 (到场记录属实); no figure changes\n"
    )
    later = at("2026-12-01", "10:00")
    assert sla(now=later) == before
    refused(
        ["confirm", "exception", "2", "--by", "陈主任"],
        "exception 2 was already refused by 陈主任 at 2026-11-03 10:00",
        store_env,
        now=later,
    )
    assert json.loads(ok("fault", "show", "1", "--json", now=later))["arrived_at"] == "2026-10-07T18:55:00+08:00"
    # asking again is a new request, pending like the first: still no figure moves
    out = ok(*EDIT_ARRIVAL, now=later)
    assert out.startswith("Fault 1: nothing changed yet: correction request 3 (arrived)")
    assert sla(now=later) == before


def test_a_second_correction_waits_for_the_first_and_nothing_is_written(contract, store_env):
    late_arrival()
    refused_waiver()
    ok(*EDIT_ARRIVAL, now=NOV2)
    refused(
        ["fault", "edit", "1", "--reason", "记错", "--arrived", "2026-09-30 19:00"],
        "fault 1 already has a correction request pending (exception 2); the hospital agrees with "
        "`opsdesk confirm exception 2 --by NAME` or refuses it (--refuse)",
        store_env,
        now=NOV2,
    )


def test_an_edit_that_worsens_or_touches_no_verdict_applies_at_once_and_says_so(contract, store_env):
    on_time(1)
    hospital_refuses("void")  # the hospital has seen it, and the edit only worsens
    out = ok("fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-29 11:30", now=NOV2)
    assert out == ("Fault 1: changed arrived (old values kept in the history): arrival met → breached\n")
    out = ok("fault", "edit", "1", "--reason", "补充科室", "--dept", "门诊部", now=NOV2 + timedelta(minutes=1))
    assert out == "Fault 1: changed dept (old values kept in the history): no verdict changes\n"
    shown = json.loads(ok("fault", "show", "1", "--json", now=NOV2 + timedelta(minutes=2)))
    assert (shown["arrived_at"], shown["dept"]) == ("2026-09-29T11:30:00+08:00", "门诊部")
    assert [n["text"] for n in shown["notes"]] == ["edited arrived: 到场时间记错", "edited dept: 补充科室"]
    assert json.loads(ok("fault", "exceptions", "--pending", "--json", now=NOV2 + timedelta(minutes=2))) == []


def test_every_edit_needs_a_reason(contract, store_env):
    on_time(1)
    result = run("fault", "edit", "1", "--dept", "门诊部", now=NOV2)
    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.stderr
    refused(
        ["fault", "edit", "1", "--reason", " ", "--dept", "门诊部"],
        "--reason cannot be empty",
        store_env,
        code=2,
        now=NOV2,
    )


def monthly(month: str, now: datetime, tmp_path) -> None:
    ok("report", "monthly", month, "-o", str(tmp_path / f"{month}.xlsx"), now=now)


def test_a_reported_month_makes_an_improving_edit_a_request_but_a_worsening_one_applies(contract, store_env, tmp_path):
    late_arrival()
    on_time(2, recorded=AFTER)
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    before = sla()
    out = ok("fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 18:55", now=NOV2)
    assert out == (
        "Fault 1: nothing changed yet: correction request 1 (arrived) would change arrival breached → met, and the "
        "hospital has seen its verdicts (the monthly report of 2026-09 was delivered at 2026-10-09 09:00); it "
        "counts once the hospital agrees (`opsdesk confirm exception 1 --by NAME`, or --refuse)\n"
    )
    assert sla() == before
    out = ok("fault", "edit", "2", "--reason", "到场时间记错", "--arrived", "2026-09-29 11:30", now=NOV2)
    assert out == "Fault 2: changed arrived (old values kept in the history): arrival met → breached\n"
    assert sla()["arrival"] == 0.0  # applied at once


def test_a_fault_recorded_into_a_month_already_reported_waits_for_the_hospital_to_be_met(contract, store_env, tmp_path):
    """September was reported without fault 1 (recorded later, as a fault forgotten): recorded overdue it
    only worsens the month; a step or an edit that would make it met pads a month the hospital has seen,
    so it is asked as a correction."""
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    before = sla(now=at("2026-10-10", "09:00"))
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-09-30 18:00", now=at("2026-10-10", "09:00"))
    refused(
        ["fault", "respond", "1", "--at", "2026-09-30 18:20"],
        "fault 1: a response dated 2026-09-30 18:20 would change response overdue → met, but the hospital has "
        "seen the fault without it since (the monthly report of 2026-09 was delivered at 2026-10-09 09:00, before "
        "the fault was recorded); ask for it as a correction the hospital agrees to: `opsdesk fault edit 1 "
        '--responded "2026-09-30 18:20" --reason "..."`',
        store_env,
        now=at("2026-10-10", "09:01"),
    )
    out = ok("fault", "edit", "1", "--reason", "补录", "--responded", "2026-09-30 18:20", now=at("2026-10-10", "09:02"))
    assert out.startswith("Fault 1: nothing changed yet: correction request 1 (responded) would change response")
    assert sla(now=at("2026-10-10", "09:03"))["breaches"] == [1]  # counted against the vendor meanwhile
    assert before["breaches"] == []


@pytest.mark.parametrize(
    ("options", "verdicts"),
    [
        (["--kind", "fault"], "resolution breached → met (deadline 2026-09-30 10:00 → 2026-10-08 10:00)"),
        (
            ["--at", "2026-09-29 10:30"],
            "response breached → met (deadline 2026-09-29 10:30 → 2026-09-29 11:00); arrival breached → breached "
            "(deadline 2026-09-29 11:00 → 2026-09-29 11:30); resolution breached → breached (deadline 2026-09-30 "
            "10:00 → 2026-09-30 10:30)",
        ),
        (["--resolved", "2026-09-29 10:40"], "resolution breached → met"),
        (["--responded", "2026-09-29 10:20"], "response breached → met"),
    ],
    ids=["kind", "report-time", "resolved", "responded"],
)
def test_every_field_that_improves_a_seen_verdict_is_asked(contract, store_env, tmp_path, options, verdicts):
    """A defect reported 09-29 10:00 (30 min to respond, 1 working day to fix), responded 10:45,
    resolved 09-30 10:50 (10h50m of working time): both late; the month was reported."""
    defect = ("cdss", "推荐错误", "--kind", "defect", "--at", "2026-09-29 10:00")
    ok("fault", "open", *defect, now=at("2026-09-29", "10:01"))
    ok("fault", "respond", "1", "--at", "2026-09-29 10:45", now=at("2026-09-29", "10:46"))
    ok("fault", "remote", "1", "--at", "2026-09-29 10:45", now=at("2026-09-29", "10:47"))
    fix = ("--cause", "规则", "--action", "修正", "--at", "2026-09-30 10:50")
    ok("fault", "resolve", "1", *fix, now=at("2026-09-30", "10:51"))
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    if options[0] == "--resolved":
        options = [*options, "--responded", "2026-09-29 10:20"]
        verdicts = "response breached → met; arrival breached → not_applicable; " + verdicts
    stored = snapshot(store_env)
    out = ok("fault", "edit", "1", "--reason", "记录有误", *options, now=NOV2)
    assert f"would change {verdicts}, and the hospital has seen its verdicts" in out
    assert out.startswith("Fault 1: nothing changed yet: correction request 1")
    assert snapshot(store_env) != stored  # the request is written, the ticket is not:
    assert json.loads(ok("fault", "show", "1", "--json", now=NOV2))["edits"] == []


def test_moving_a_fault_into_a_reported_month_is_asked(contract, store_env, tmp_path):
    """An on-time fault of October moved into September (reported) would raise September's rates."""
    late_arrival()
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    on_time(2, day="2026-10-12")
    out = ok("fault", "edit", "2", "--reason", "报修时间记错", "--at", "2026-09-30 10:00", now=NOV2)
    assert out.startswith("Fault 2: nothing changed yet: correction request 1 (report time) would change ")
    assert "(the monthly report of 2026-09 was delivered at 2026-10-09 09:00)" in out
    assert sla()["breaches"] == [1]


def test_a_confirmed_faults_improving_correction_is_asked_and_applied_as_a_correction(contract, store_env, tmp_path):
    late_arrival()
    ok("fault", "confirm", "1", "--by", "李工", now=at("2026-10-08", "09:00"))
    out = ok("fault", "correct", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 18:55", now=NOV2)
    assert out == (
        "Fault 1: nothing changed yet: correction request 1 (arrived) would change arrival breached → met, and the "
        "hospital has seen its verdicts (it was confirmed by 李工 at 2026-10-08 09:00); it counts once the "
        "hospital agrees (`opsdesk confirm exception 1 --by NAME`, or --refuse)\n"
    )
    assert json.loads(ok("fault", "show", "1", "--json", now=NOV2))["corrections"] == []
    ok("confirm", "record", "exception", "1", "--by", "陈主任", now=at("2026-11-03", "10:00"))  # as the workbook does
    shown = json.loads(ok("fault", "show", "1", "--json", now=at("2026-11-03", "10:01")))
    assert [(c["id"], c["reason"], c["changes"]) for c in shown["corrections"]] == [
        (
            1,
            "correction 1 agreed by 陈主任: 到场时间记错",
            {"arrived_at": ["2026-10-07T18:55:00+08:00", "2026-09-30T18:55:00+08:00"]},
        )
    ]
    assert shown["clocks"]["arrival"]["state"] == "met"
    # a correction that worsens applies at once, as a correction
    worse = ("--reason", "到场时间记错", "--arrived", "2026-09-30 21:00")
    out = ok("fault", "correct", "1", *worse, now=at("2026-11-04", "09:00"))
    assert out == "Fault 1: corrected arrived (correction 2: 到场时间记错): arrival met → breached\n"


def test_an_agreement_after_the_field_moved_is_refused_and_writes_nothing(contract, store_env):
    late_arrival()
    refused_waiver()
    ok(*EDIT_ARRIVAL, now=NOV2)
    ok("fault", "edit", "1", "--reason", "再核实", "--arrived", "2026-10-07 19:00", now=at("2026-11-02", "11:00"))
    refused(
        ["confirm", "exception", "2", "--by", "陈主任"],
        "fault 1's arrived changed since the correction was asked (from 2026-10-07T18:55:00+08:00, now "
        "2026-10-07T19:00:00+08:00); refuse it with --refuse --comment, and the vendor asks again",
        store_env,
        now=at("2026-11-03", "10:00"),
    )


def test_status_report_sla_and_the_next_monthly_report_show_figures_changed_since_the_report(
    contract, store_env, tmp_path
):
    late_arrival()
    on_time(2, recorded=AFTER)
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    ok("fault", "edit", "2", "--reason", "到场时间记错", "--arrived", "2026-09-29 11:30", now=NOV2)
    ok("fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 18:55", now=NOV2)
    ok("confirm", "exception", "1", "--by", "陈主任", now=at("2026-11-03", "10:00"))
    now = at("2026-11-03", "11:00")
    status = json.loads(ok("status", "--json", now=now))
    assert status["changed_since_report"] == {
        "report": "2026-09, delivered 2026-10-09 09:00",
        "edits": 2,
        "faults": [1, 2],
    }
    assert (
        "Figures changed since the last report (2026-09, delivered 2026-10-09 09:00): 2 (fault 1, 2; the next "
        "monthly report lists them)\n"
    ) in ok("status", now=now)
    text = ok("report", "sla", "--month", "2026-09", now=now)
    assert (
        "Changed after the hospital saw them (reported, confirmed or refused; `opsdesk fault show ID`): fault 2 "
        "arrival met → breached at 2026-11-02 10:00; fault 1 arrival breached → met at 2026-11-03 10:00\n"
    ) in text
    changed = json.loads(ok("report", "sla", "--month", "2026-09", "--json", now=now))["changed_after_seen"]
    assert [(c["fault"], c["fields"], c["changes"][0]["before"], c["changes"][0]["after"]) for c in changed] == [
        (2, {"arrived": ["2026-09-29T10:30:00+08:00", "2026-09-29T11:30:00+08:00"]}, "met", "breached"),
        (1, {"arrived": ["2026-10-07T18:55:00+08:00", "2026-09-30T18:55:00+08:00"]}, "breached", "met"),
    ]
    out = tmp_path / "nov.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(out), now=at("2026-12-01", "09:00"))
    rows = list(openpyxl.load_workbook(out)["修改记录"].iter_rows(values_only=True))
    assert [(r[1], r[3], r[4], r[5]) for r in rows[1:]] == [
        ("维护记录（报障） 2", "2026-09-29 10:30", "2026-09-29 11:30", "到场：达标 → 超时"),
        ("维护记录（报障） 1", "2026-10-07 18:55", "2026-09-30 18:55", "到场：超时 → 达标"),
    ]
    assert json.loads(ok("status", "--json", now=at("2026-12-01", "09:05")))["changed_since_report"]["edits"] == 0


def test_improves_is_a_rate_rising_or_a_deadline_moving_later():
    from opsdesk.faults.edits import VerdictChange, improves

    t = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    later = t + timedelta(hours=1)

    def change(before: str, after: str, deadline_after: datetime = t) -> bool:
        return improves(VerdictChange("arrival", before, after, t, deadline_after))  # type: ignore[arg-type]

    assert [change("breached", s) for s in ("met", "not_applicable", "running", "waived")] == [True] * 4
    assert [change("overdue", "running"), change("time_unknown", "met"), change("time_unknown", "running")] == [
        True
    ] * 3
    assert [change("not_applicable", "met"), change("running", "met")] == [True, True]
    assert [change("met", "breached"), change("met", "not_applicable"), change("running", "overdue")] == [False] * 3
    assert [change("breached", "overdue"), change("met", "met"), change("running", "not_applicable")] == [False] * 3
    assert [change("breached", "breached", later), change("met", "met", later)] == [True, True]
    assert change("met", "met", t - timedelta(hours=1)) is False


def test_the_workbook_shows_a_pending_correction_and_the_hospital_agrees_through_it(contract, store_env, tmp_path):
    from tests.reports.test_workbook_seal import SIGN, SIGNED, fill

    late_arrival()
    refused_waiver()
    ok(*EDIT_ARRIVAL, now=NOV2)
    out = tmp_path / "nov.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(out), now=at("2026-11-02", "11:00"))  # not of the fault's month
    out = tmp_path / "sep.xlsx"
    ok("report", "monthly", "2026-09", "-o", str(out), "--rev", "2", now=at("2026-11-02", "11:00"))
    sheet = list(openpyxl.load_workbook(out)["豁免与作废记录"].iter_rows(values_only=True))
    row = dict(zip(sheet[0], sheet[2], strict=False))
    assert [row[k] for k in ("编号", "报障编号", "申请类型", "申请理由", "院方意见", "对结论的影响")] == [
        2,
        1,
        "更正申请：到场时间 2026-10-07 18:55 → 2026-09-30 18:55",
        "到场时间记错",
        "待院方确认",
        "待院方同意；同意后：到场：超时 → 达标",
    ]
    fill(out, "豁免与作废记录", 3, **SIGN, **{SIGNED: "2026-11-03"})
    assert ok("confirm", "import", str(out), now=at("2026-11-03", "10:00")).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 1 already answered\n"
    )  # row 2, the waiver refused before, shows its answer (不确认, by whom, why): answered already
    assert sla(now=at("2026-11-03", "10:05"))["arrival"] == 100.0


def test_a_shorter_breach_of_a_seen_verdict_is_asked_though_the_verdict_stands(contract, store_env):
    """Arrival 7 days late, the waiver refused; an edit to 1 hour late keeps the breach but moves the
    month's longest and median times: the hospital agrees first."""
    late_arrival()
    refused_waiver()
    before = sla()
    out = ok("fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 21:00", now=NOV2)
    assert out == (
        "Fault 1: nothing changed yet: correction request 2 (arrived) would change arrival late 6d22h55m → late "
        "1h00m, and the hospital has seen its verdicts (its arrival waiver (exception 1) was refused by 陈主任 at "
        "2026-10-08 10:00); it counts once the hospital agrees (`opsdesk confirm exception 2 --by NAME`, or --refuse)\n"
    )
    assert sla() == before
    shown = json.loads(ok("fault", "show", "1", "--json", now=NOV2))
    assert shown["arrived_at"] == "2026-10-07T18:55:00+08:00"


def test_a_shorter_breach_not_yet_seen_applies_at_once_and_says_so(contract, store_env):
    late_arrival()
    out = ok("fault", "edit", "1", "--reason", "到场时间记错", "--arrived", "2026-09-30 21:00", now=NOV2)
    assert out == ("Fault 1: changed arrived (old values kept in the history): arrival late 6d22h55m → late 1h00m\n")


def test_a_step_dated_before_a_report_that_showed_it_overdue_is_asked_as_a_correction(contract, store_env, tmp_path):
    """September's report showed fault 1's response overdue; a response dated back into September
    would turn it met without the hospital: refused, pointing at the correction it agrees to. A step
    dated after the report, or one that improves nothing, is recorded as usual."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-09-29 10:00", now=at("2026-09-29", "10:01"))
    ok("fault", "open", "cdss", "知识库检索慢", "--at", "2026-09-30 10:00", now=at("2026-09-30", "10:01"))
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    before = sla()
    refused(
        ["fault", "respond", "1", "--at", "2026-09-29 10:10"],
        "fault 1: a response dated 2026-09-29 10:10 would change response overdue → met, but the hospital has "
        "seen the fault without it since (the monthly report of 2026-09 was delivered at 2026-10-09 09:00); ask "
        'for it as a correction the hospital agrees to: `opsdesk fault edit 1 --responded "2026-09-29 10:10" '
        '--reason "..."`',
        store_env,
        now=NOV2,
    )
    assert sla() == before
    out = ok("fault", "edit", "1", "--reason", "漏记响应", "--responded", "2026-09-29 10:10", now=NOV2)
    assert out.startswith("Fault 1: nothing changed yet: correction request 1 (responded) would change response")
    # dated after the report: what the hospital saw was true then; recorded as usual (late)
    out = ok("fault", "respond", "2", "--at", "2026-10-09 10:00", now=NOV2)
    assert out.startswith("Fault 2: responded at 2026-10-09 10:00")


def test_a_report_counts_as_seen_though_the_clock_was_put_back_before_it(contract, store_env, tmp_path):
    """The delivery is on record: a clock put back 4 minutes (inside verify's slack for NTP) does not make
    the report "not yet delivered"."""
    late_arrival()
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    out = ok(*EDIT_ARRIVAL, now=at("2026-10-09", "08:56"))
    assert out.startswith("Fault 1: nothing changed yet: correction request 1 (arrived) would change arrival")
    assert "the monthly report of 2026-09 was delivered at 2026-10-09 09:00" in out


def late_fix(ticket: int = 1) -> None:
    """A fault reported Monday 2026-09-28 10:00 (2 working days: due Wednesday 10:00), fixed Wednesday 15:00."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-09-28 10:00", now=at("2026-09-28", "10:01"))
    ok("fault", "respond", str(ticket), "--at", "2026-09-28 10:10", now=at("2026-09-28", "10:11"))
    ok("fault", "arrive", str(ticket), "--at", "2026-09-28 10:40", now=at("2026-09-28", "10:41"))
    resolve = ("fault", "resolve", str(ticket), "--cause", "进程挂死", "--action", "重启", "--at", "2026-09-30 15:00")
    ok(*resolve, now=at("2026-09-30", "15:01"))


def test_a_retroactive_day_off_or_term_that_improves_a_seen_verdict_is_refused(contract, store_env, tmp_path):
    """September's report showed fault 1's resolution breached; a day off on 2026-09-29, or a longer
    resolution target from September on, would make it met: refused, the store unchanged. A change
    that worsens (a shorter target) goes ahead."""
    late_fix()
    monthly("2026-09", at("2026-10-09", "09:00"), tmp_path)
    seen = "(the monthly report of 2026-09 was delivered at 2026-10-09 09:00)"
    refused(
        ["calendar", "add-holiday", "2026-09-29", "--note", "院方停诊", "--retroactive"],
        f"making 2026-09-29 a day off would change fault 1's resolution breached → met, a verdict the hospital has "
        f"seen {seen}; such a change needs the hospital's agreement, which opsdesk does not record for the "
        "calendar or the terms: nothing was recorded",
        store_env,
        now=NOV2,
    )
    set_term = ["contract", "set", "resolve_fault_days", "3", "--from", "2026-09-01", "--retroactive"]
    refused(
        set_term,
        f"the new resolve_fault_days would change fault 1's resolution breached → met, a verdict the hospital has "
        f"seen {seen}; such a change needs the hospital's agreement, which opsdesk does not record for the "
        "calendar or the terms: nothing was recorded",
        store_env,
        now=NOV2,
    )
    ok("contract", "set", "arrival_inside_min", "20", "--from", "2026-09-01", "--retroactive", now=NOV2)
    assert sla()["arrival"] == 0.0  # worse: applied (on site after 40 minutes, target now 20)

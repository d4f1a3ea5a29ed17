"""Every figure of every sheet agrees with `report sla --json` for the same period: the covers, the
SLA summaries, 故障统计, 月度SLA (month × system) and the fault sheets of the monthly report and the
acceptance evidence, read back with openpyxl, on a store with voids, waivers, pauses and reopens
(both backends) and on the demo. Agreed exceptions apply alike everywhere; pending and refused ones
nowhere; every request of a fault of the period is in its workbook, whenever it was made."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta

import openpyxl
import pytest

from tests.conftest import at, ok
from tests.reports.test_workbooks import rows

KINDS = {"故障": "fault", "系统错误": "defect", "数据错误": "data"}
CLOCKS = {"响应": "response", "到场": "arrival", "修复": "resolution"}
JUDGED = ("met", "breached", "overdue", "time_unknown")


def _rate(counts: Counter[str]) -> float | None:
    judged = sum(counts[s] for s in JUDGED)
    return None if not judged else round(100.0 * counts["met"] / judged, 1)


def _pct(cell) -> float | None:
    return None if cell is None else round(cell * 100, 1)


def _clock_key(text: str) -> tuple[str, str | None]:
    """响应 -> (response, None); 修复（故障） -> (resolution, fault)."""
    name, _, kind = text.partition("（")
    return CLOCKS[name], KINDS[kind.rstrip("）")] if kind else None


def _counts(row: dict, recorded: bool = False) -> Counter[str]:
    if recorded:
        return Counter(row["as_recorded"])
    return Counter({s: row[s] for s in ("met", "breached", "overdue", "time_unknown", "not_applicable", "waived")})


def _sum(rows_: list[dict], recorded: bool = False) -> Counter[str]:
    total: Counter[str] = Counter()
    for r in rows_:
        total.update(_counts(r, recorded))
    return total


def check_sla_sheet(ws, sla: dict) -> None:
    """汇总 / SLA达标: each clock's row, every figure, as the CLI gives it."""
    by_key = {(r["clock"], r["kind"]): r for r in sla["summary"]}
    shown = rows(ws)
    assert len(shown) == len(by_key)
    for row in shown:
        want = by_key[_clock_key(row["时限"])]
        assert (row["工单数"], row["达标"], row["超时"]) == (
            want["tickets"],
            want["met"],
            want["breached"] + want["overdue"],
        ), row["时限"]
        assert row["无需到场"] == want["not_applicable"] + want["waived"]
        assert (row["进行中"], row["时间未知"]) == (want["running"], want["time_unknown"])
        assert _pct(row["达标率"]) == want["compliance"]
        assert row["已同意豁免/作废数"] == want["exceptions"]
        assert _pct(row["原始达标率"]) == want["compliance_as_recorded"]


COVER_RATE = re.compile(r"达标率 (?P<rate>[\d.]+%|-)（达标 (?P<met>\d+)，超时 (?P<breached>\d+)(?P<rest>.*)）")


def check_cover_sla(ws, sla: dict) -> None:
    """The cover's SLA block: each clock's rate and counts in words."""
    by_key = {(r["clock"], r["kind"]): r for r in sla["summary"]}
    seen = 0
    for name, text in ws.iter_rows(values_only=True):
        if not name or "：≤" not in str(name):
            continue
        want = by_key[_clock_key(str(name).split("：")[0])]
        seen += 1
        if want["tickets"] == 0:
            assert text == "无工单"
            continue
        m = COVER_RATE.fullmatch(text)
        assert m, text
        rate = None if m["rate"] == "-" else float(m["rate"].rstrip("%"))
        assert (rate, int(m["met"]), int(m["breached"])) == (
            want["compliance"],
            want["met"],
            want["breached"] + want["overdue"],
        ), name
        rest = dict(re.findall(r"，(\D+) (\d+)", m["rest"]))
        na = want["not_applicable"] + want["waived"]
        assert int(rest.get("无需到场", 0)) == (na if want["clock"] == "arrival" else 0)
        assert int(rest.get("进行中", 0)) == want["running"]
        assert int(rest.get("时间未知", 0)) == want["time_unknown"]
    assert seen == len(by_key)


def _system_rates(sla: dict, code: str | None) -> dict[str, tuple[float | None, float | None]]:
    """A system's (or, None, the period's) rate per clock, after agreed exceptions and as recorded."""
    source = sla["summary"] if code is None else [r for r in sla["by_system"] if r["system"] == code]
    out = {}
    for clock in CLOCKS.values():
        mine = [r for r in source if r["clock"] == clock]
        out[clock] = (_rate(_sum(mine)), _rate(_sum(mine, recorded=True)))
    return out


def _tickets_by_kind(sla: dict, code: str | None) -> dict[str, int]:
    source = sla["summary"] if code is None else [r for r in sla["by_system"] if r["system"] == code]
    return {r["kind"]: r["tickets"] for r in source if r["clock"] == "resolution"}


def check_stats_sheet(ws, sla: dict, names: dict[str, str], agreed: dict[str | None, int]) -> None:
    """故障统计: each system's tickets by kind and its rates; the total the period's."""
    codes = {name: code for code, name in names.items()}
    for row in rows(ws):
        code = None if row["系统"] == "合计" else codes[row["系统"]]
        kinds = _tickets_by_kind(sla, code)
        assert (row["故障"], row["系统错误"], row["数据错误"]) == (
            kinds.get("fault", 0),
            kinds.get("defect", 0),
            kinds.get("data", 0),
        ), row["系统"]
        assert row["合计"] == sum(kinds.values())
        rates = _system_rates(sla, code)
        for title, clock in CLOCKS.items():
            assert _pct(row[f"{title}达标率"]) == rates[clock][0], (row["系统"], title)
            assert _pct(row[f"{title}达标率（原始）"]) == rates[clock][1], (row["系统"], title)
        assert row["已同意豁免/作废申请数"] == agreed.get(code, 0), row["系统"]


def check_month_sheet(ws, months: dict[str, dict], names: dict[str, str]) -> None:
    """月度SLA: each month × system row against `report sla --month` of that month (within the service)."""
    codes = {name: code for code, name in names.items()}
    shown = rows(ws)
    want_rows = [
        (month, r["system"])
        for month, sla in sorted(months.items())
        for r in sla["by_system"]
        if r["clock"] == "response" and r["tickets"]
    ]
    assert sorted((r["月份"], codes[r["系统"]]) for r in shown) == sorted(want_rows)
    for row in shown:
        sla, code = months[row["月份"]], codes[row["系统"]]
        mine = [r for r in sla["by_system"] if r["system"] == code]
        per = {clock: _sum([r for r in mine if r["clock"] == clock]) for clock in CLOCKS.values()}
        assert row["工单数"] == sum(r["tickets"] for r in mine if r["clock"] == "response")
        assert row["无需到场"] == per["arrival"]["not_applicable"] + per["arrival"]["waived"]
        for title, clock in CLOCKS.items():
            assert _pct(row[f"{title}达标率"]) == _rate(per[clock]), (row["月份"], row["系统"], title)
            assert row[f"{title}超时数"] == per[clock]["breached"] + per[clock]["overdue"], (row["月份"], title)
            assert (row.get(f"{title}时间未知数") or 0) == per[clock]["time_unknown"]


def check_fault_sheets(sheets: list, sla: dict) -> None:
    """The fault rows: every ticket of the period once; those not void are the figures' tickets, by
    kind; a breached one flagged exactly when the CLI lists it as a breach."""
    every = [r for ws in sheets for r in rows(ws) if r["编号"] != "本期无"]
    counted = [r for r in every if r["作废"] != "是"]
    assert len(counted) == sla["tickets"]
    by_kind = Counter(KINDS[r["类别"]] for r in counted)
    assert dict(by_kind) == {k: n for k, n in _tickets_by_kind(sla, None).items() if n}
    late = {
        r["编号"]
        for r in counted
        if any(r[title] in ("超时", "已超时（未完成）") for title in ("响应", "到场", "修复"))
    }
    assert late == {b["id"] for b in sla["breaches"]}


def _json(*args: str, now=None):
    return json.loads(ok(*args, "--json", now=now) if now else ok(*args, "--json"))


def _agreed_by_system(tickets: set[int]) -> dict[str | None, int]:
    out: Counter[str | None] = Counter()
    for x in _json("fault", "exceptions"):
        if x["fault"] in tickets and x["state"] == "agreed":
            out[x["system"]] += 1
            out[None] += 1
    return dict(out)


def check_monthly(path, month: str, now=None) -> None:
    sla = _json("report", "sla", "--month", month, now=now)
    data = _json("report", "monthly", month, now=now)
    names = {s["system"]: s["system_name"] for s in data["stats"] if s["system"] != "total"}
    tickets = {f["id"] for f in data["faults"]}
    wb = openpyxl.load_workbook(path)
    check_cover_sla(wb["封面"], sla)
    check_sla_sheet(wb["SLA达标"], sla)
    check_stats_sheet(wb["故障统计"], sla, names, _agreed_by_system(tickets))
    check_fault_sheets([wb["SLA明细"]], sla)
    check_monthly_counts(wb)
    kinds = _tickets_by_kind(sla, None)
    glance = dict(wb["封面"].iter_rows(values_only=True))
    assert glance["报障工单"] == (
        f"故障 {kinds['fault']}，系统错误 {kinds['defect']}，数据错误 {kinds['data']}，合计 {sla['tickets']}"
    )


def check_monthly_counts(wb) -> None:
    """The monthly cover's other counts are the sheets': check items, risks, training, integration work."""
    glance = dict(wb["封面"].iter_rows(values_only=True))
    verdicts = Counter(r["结论"] for r in rows(wb["巡检明细"]) if r["系统"] != "本期无")
    assert glance["巡检项"].startswith(f"正常 {verdicts['正常']}，警告 {verdicts['警告']}，异常 {verdicts['异常']}")
    risks = [r for r in rows(wb["风险与整改"]) if r["编号"] != "本期无"]
    done = sum(1 for r in risks if r["是否实施"] == "是")
    found = re.fullmatch(
        r"共 (\d+) 项（本月发现 (\d+)，以前月份遗留 (\d+)），月末已实施 (\d+)，未完成 (\d+)", glance["风险与整改"]
    )
    assert found, glance["风险与整改"]
    assert (int(found[1]), int(found[4]), int(found[5])) == (len(risks), done, len(risks) - done)
    training = [r for r in rows(wb["培训记录"]) if r["编号"] != "本期无"]
    assert glance["实施培训"].startswith(f"{len(training)} 次，{sum(r['参加人数'] for r in training)} 人次")
    work = [r for r in rows(wb["系统集成工作"]) if r["编号"] != "本期无"]
    assert glance["系统集成工作"].startswith(f"{len(work)} 项")


def check_acceptance(path, start: date, last: date, now=None) -> None:
    sla = _json("report", "sla", "--from", str(start), "--to", str(last), now=now)
    months = {}
    first = start
    while first <= last:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        to = min(following - timedelta(days=1), last)
        months[f"{first:%Y-%m}"] = _json("report", "sla", "--from", str(first), "--to", str(to), now=now)
        first = following
    wb = openpyxl.load_workbook(path)
    cover = wb["封面"]
    check_cover_sla(cover, sla)
    check_sla_sheet(wb["汇总"], sla)
    names = {r["code"]: r["name"] for r in _json("system", "list")}
    check_month_sheet(wb["月度SLA"], months, names)
    check_fault_sheets([wb["系统错误修复"], wb["系统数据修复"], wb["故障处理"]], sla)
    kinds = _tickets_by_kind(sla, None)
    glance = dict(cover.iter_rows(values_only=True))
    assert glance["维护记录（报障）"] == (
        f"{sla['tickets']} 条（系统错误 {kinds['defect']}，数据错误 {kinds['data']}，故障 {kinds['fault']}）"
    )
    # every request, correction and edit of a fault of the period is in the workbook, whenever made
    tickets = {r["编号"] for name in ("系统错误修复", "系统数据修复", "故障处理") for r in rows(wb[name])}
    asked = [x["id"] for x in _json("fault", "exceptions") if x["fault"] in tickets]
    shown = [r["编号"] for r in rows(wb["豁免与作废记录"]) if r["编号"] != "本期无"]
    assert shown == asked
    pending = rows(wb["未确认记录"])
    assert int(glance["尚未经院方确认的记录"].split(" ")[0]) == len([r for r in pending if r["记录类型"] != "本期无"])


IDENTIFYING = {"编号", "巡检项", "时间", "报障编号", "月份"}


def check_print_titles(wb) -> None:
    """A record sheet printed over several pages wide carries, on every page, the system and what
    identifies the record (its id, item or time)."""
    from openpyxl.utils import column_index_from_string

    for ws in wb.worksheets[1:]:
        if not ws.print_title_cols:
            continue
        last = ws.print_title_cols.split(":")[1].lstrip("$")
        repeated = [c.value for c in ws[1][: column_index_from_string(last)]]
        if ws.title in ("更正记录", "修改记录"):  # a record of a record: the fault it is of, by its number
            continue
        header = [c.value for c in ws[1]]
        assert ("系统" in repeated or "系统" not in header) and IDENTIFYING & set(repeated), (ws.title, repeated)


# -- a store with voids, waivers, pauses and reopens ------------------------------------------------


def _fault(system: str, symptom: str, reported: str, *steps: tuple[str, ...], kind: str = "fault") -> None:
    day, hhmm = reported.split()
    said = ok("fault", "open", system, symptom, "--kind", kind, "--at", reported, now=at(day, hhmm))
    n = re.search(r"\d+", said)[0]
    for step in steps:
        verb, moment, *rest = step
        day, hhmm = moment.split()
        ok("fault", verb, n, *rest, "--at", moment, now=at(day, hhmm))


def _resolve(moment: str) -> tuple[str, ...]:
    return ("resolve", moment, "--cause", "原因", "--action", "处理")


@pytest.fixture
def excepted(contract):
    """October to December: faults with a void agreed (asked in December, after the period), a void
    refused, an arrival waived, a pause agreed, a pause pending, a reopen, and plain ones."""
    _fault(
        "queue",
        "叫号屏黑屏",
        "2026-10-12 09:00",
        ("respond", "2026-10-12 09:10"),
        ("arrive", "2026-10-12 09:40"),
        _resolve("2026-10-12 11:00"),
    )
    _fault(
        "cdss",
        "检索超时",
        "2026-11-02 09:00",
        ("respond", "2026-11-02 10:30"),
        ("arrive", "2026-11-02 10:40"),
        _resolve("2026-11-02 11:00"),
    )  # 2: response breached; void agreed in December
    _fault(
        "face",
        "终端离线",
        "2026-11-03 09:00",
        ("respond", "2026-11-03 10:00"),
        ("arrive", "2026-11-03 10:20"),
        _resolve("2026-11-03 12:00"),
    )  # 3: response breached; void refused
    _fault(
        "bi",
        "大屏无数据",
        "2026-11-04 09:00",
        ("respond", "2026-11-04 09:05"),
        ("arrive", "2026-11-04 12:00"),
        _resolve("2026-11-04 13:00"),
        kind="data",
    )  # 4: arrival breached; waived
    _fault(
        "avatar",
        "数字人无响应",
        "2026-11-05 09:00",
        ("respond", "2026-11-05 09:05"),
        ("arrive", "2026-11-05 09:30"),
        kind="defect",
    )  # 5: paused, agreed; resolved late without it
    _fault(
        "queue",
        "语音不播报",
        "2026-11-09 09:00",
        ("respond", "2026-11-09 09:05"),
        ("remote", "2026-11-09 09:05"),
        _resolve("2026-11-09 09:30"),
    )  # 6: reopened, then resolved late
    _fault(
        "cdss",
        "禁忌提示未弹出",
        "2026-11-20 09:00",
        ("respond", "2026-11-20 09:05"),
        ("arrive", "2026-11-20 09:30"),
        kind="defect",
    )  # 7: a pause pending; resolved late
    _fault("face", "识别率骤降", "2026-11-30 17:00", ("respond", "2026-11-30 17:10"))  # 8: running into December
    ok("fault", "pause", "5", "--reason", "等待院方停机窗口", "--at", "2026-11-05 10:00", now=at("2026-11-05", "10:00"))
    ok("fault", "resume", "5", "--at", "2026-11-06 16:00", now=at("2026-11-06", "16:00"))
    ok(
        "fault",
        "resolve",
        "5",
        "--cause",
        "x",
        "--action",
        "y",
        "--at",
        "2026-11-06 17:00",
        now=at("2026-11-06", "17:00"),
    )
    ok("fault", "reopen", "6", "--reason", "故障复现", now=at("2026-11-10", "09:00"))
    ok(
        "fault",
        "resolve",
        "6",
        "--cause",
        "x",
        "--action",
        "y",
        "--at",
        "2026-11-12 17:00",
        now=at("2026-11-12", "17:00"),
    )
    ok("fault", "pause", "7", "--reason", "等待厂商补丁", "--at", "2026-11-20 10:00", now=at("2026-11-20", "10:00"))
    ok("fault", "resume", "7", "--at", "2026-11-23 10:00", now=at("2026-11-23", "10:00"))
    ok(
        "fault",
        "resolve",
        "7",
        "--cause",
        "x",
        "--action",
        "y",
        "--at",
        "2026-11-23 12:00",
        now=at("2026-11-23", "12:00"),
    )
    ok("fault", "waive", "4", "arrival", "--reason", "院方同意远程处理", now=at("2026-11-25", "09:00"))
    ok("fault", "void", "3", "--reason", "院内网络", now=at("2026-11-25", "09:05"))
    for n in ("1", "3"):  # the pause of 5, the waiver of 4; the pause of 7 is left pending
        ok("confirm", "exception", n, "--by", "信息科 陈主任", now=at("2026-11-26", "09:00"))
    ok(
        "confirm",
        "exception",
        "4",
        "--by",
        "信息科 陈主任",
        "--refuse",
        "--comment",
        "不同意",
        now=at("2026-11-26", "09:10"),
    )
    _fault(
        "queue",
        "排班数据丢失",
        "2026-12-02 09:00",
        ("respond", "2026-12-02 09:05"),
        ("remote", "2026-12-02 09:05"),
        _resolve("2026-12-02 09:40"),
        kind="data",
    )
    ok("fault", "void", "2", "--reason", "演练工单", now=at("2026-12-03", "09:00"))  # asked after November
    ok("confirm", "exception", "5", "--by", "信息科 陈主任", now=at("2026-12-03", "09:30"))
    return contract


def test_every_figure_of_the_monthly_report_agrees_with_report_sla(excepted, tmp_path):
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(out))
    check_monthly(out, "2026-11")
    wb = openpyxl.load_workbook(out)
    ws = wb["豁免与作废记录"]
    assert [r["报障编号"] for r in rows(ws)] == [5, 7, 4, 3, 2]
    pending = next(n for n, r in enumerate(rows(ws), start=2) if r["院方意见"] == "待院方确认")
    assert "期限" in rows(ws)[pending - 2]["对结论的影响"] and ws.row_dimensions[pending].height >= 30  # not cut off


def test_every_figure_of_the_acceptance_evidence_agrees_with_report_sla(excepted, tmp_path):
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    check_acceptance(out, date(2026, 9, 1), date(2026, 11, 30))
    months = {r["月份"]: r for r in rows(openpyxl.load_workbook(out)["月度SLA"]) if r["系统"] == "临床决策支持及知识库"}
    assert months["2026-11"]["工单数"] == 1  # fault 2 void (agreed in December), fault 7 counted


@pytest.mark.sqlite_only
def test_the_demo_agrees_with_itself_on_every_sheet(tmp_path, store_env):
    """The demo built a year ago today: its service ended yesterday, and its exception requests were
    all made today. Its last two months' reports and the acceptance evidence, every figure against the
    CLI; the last month's report runs to the service's last day and is final."""
    ok("demo", "--db", str(store_env), "--months", "12", "--replace")
    contract = _json("contract", "show")
    start, last = date.fromisoformat(contract["start"]), date.fromisoformat(contract["last_day"])
    assert last == date(2026, 12, 6)
    for month in ("2026-11", "2026-12"):
        out = tmp_path / f"{month}.xlsx"
        ok("report", "monthly", month, "-o", str(out))
        check_monthly(out, month)
    december = _json("report", "monthly", "2026-12")
    assert (december["since"], december["until"], december["interim"]) == (
        "2026-12-01T00:00:00+08:00",
        "2026-12-07T00:00:00+08:00",
        False,
    )
    assert not [p for p in december["plan"] if p["plan_kind"] == "inspection"]
    assert not [s for s in december["summary"] if s["db_conclusion"] == "gap"]
    gaps = _json("inspect", "gaps", "--month", "2026-12")  # the part month owes no inspection
    assert (gaps["inspections_due"], gaps["uninspected"]) == (False, [])
    acceptance = tmp_path / "a.xlsx"
    ok("report", "acceptance", "-o", str(acceptance))
    check_acceptance(acceptance, start, last)
    wb = openpyxl.load_workbook(acceptance)
    cover = dict(wb["封面"].iter_rows(values_only=True))
    assert cover["月度巡检"] == "12 个月 × 5 个系统，未巡检 0 次"
    assert wb["巡检记录"].print_title_cols == "$A:$C"  # 系统, 巡检项, 时间 beside every reading
    check_print_titles(wb)
    check_print_titles(openpyxl.load_workbook(tmp_path / "2026-12.xlsx"))

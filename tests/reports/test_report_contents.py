# ruff: noqa: F811 (the november fixture is imported from test_workbooks and asked for by name)
"""Workbooks a hospital signs without asking questions: readings, risks tied to their items, the
monthly report's cover and its month, the acceptance evidence's additions, and the paper."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.conftest import at, ok, refused, run
from tests.reports.test_workbooks import APP_ITEMS, DB_ITEMS, NOV, header, november, rows  # noqa: F401 (november: a fixture)


def _results(tmp_path, session: str = "480", verdict: str = "warn"):
    path = tmp_path / "readings.csv"
    path.write_text(
        "item,result,verdict,note,reading\n"
        + "".join(f"{i},正常,ok,,\n" for i in [*APP_ITEMS, *DB_ITEMS[:-2]])
        + "慢SQL,无,ok,,0\n"
        + f"会话数,接近上限,{verdict},,{session}\n",
        encoding="utf-8",
    )
    return path


def test_readings_are_recorded_shown_and_kept_with_their_threshold(contract, tmp_path):
    items = json.loads(ok("inspect", "template", "show", "queue", "--json"))
    assert {i["item"]: (i.get("unit"), i.get("threshold")) for i in items}["表空间使用率"] == ("%", "<85")
    ok("inspect", "queue", "--from-file", str(_results(tmp_path)), "--at", "2026-12-03 10:00")
    shown = json.loads(ok("inspect", "show", "1", "--json"))
    session = next(i for i in shown["items"] if i["item"] == "会话数")
    assert (session["reading"], session["unit"], session["threshold"]) == ("480", "个", "<400（上限500）")
    assert shown["unrisked"] == ["会话数"]
    text = ok("inspect", "show", "1")
    assert "480 个" in text and "warn (no risk recorded)" in text


def test_a_threshold_needs_a_unit(contract, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("section,item,standard,unit,threshold\ndb,会话数,低于上限,,400\n", encoding="utf-8")
    refused(
        ["inspect", "template", "set", "queue", str(path)],
        f"{path} row 2: a threshold (400) needs the unit of the reading",
        contract,
        code=2,
    )


def test_risks_are_graded_by_their_item_and_flag_the_items_without_one(contract, tmp_path):
    ok("inspect", "queue", "--from-file", str(_results(tmp_path, "500", "fail")), "--at", "2026-12-03 10:00")
    gaps = json.loads(ok("inspect", "gaps", "--json"))
    assert [(u["system"], u["item"], u["verdict"]) for u in gaps["items_without_risk"]] == [("queue", "会话数", "fail")]
    assert [u["item"] for u in json.loads(ok("status", "--json"))["items_without_risk"]] == ["会话数"]
    assert "Warned or failed items with no risk recorded in 2026-12: 1" in ok("inspect", "gaps")
    refused(
        ["inspect", "risk", "1", "会话数满", "--item", "会话数", "--level", "low", "--remedy", "调大上限"],
        "会话数 failed (异常): its risk is graded medium or high, never below a warning's (medium)",
        contract,
    )
    refused(
        ["inspect", "risk", "1", "x", "--item", "会话", "--remedy", "y"],
        "--item '会话' is not a check item of inspection 1; items: " + ", ".join([*APP_ITEMS, *DB_ITEMS]),
        contract,
        code=2,
    )
    refused(
        ["inspect", "risk", "1", "x", "--remedy", "y"],
        "give the risk's --level (high, medium or low), or --item to grade it by its check item",
        contract,
        code=2,
    )
    ok("inspect", "risk", "1", "会话数满", "--item", "会话数", "--remedy", "调大上限")
    assert json.loads(ok("inspect", "risks", "--json"))[0]["level"] == "high"
    assert json.loads(ok("inspect", "gaps", "--json"))["items_without_risk"] == []
    ok("inspect", "risk-done", "1", "--note", "已调整")
    ok("confirm", "risk", "1", "--by", "信息科 陈主任")
    assert json.loads(ok("inspect", "risks", "--json"))[0]["confirmed_by"] == "信息科 陈主任"


def test_report_settings_name_the_report_and_its_people(contract):
    refused(
        ["contract", "set", "report_prefix", "运维"],
        "report_prefix '运维' is not a number prefix: up to 20 letters, digits, - or _, e.g. YW",
        contract,
        code=2,
    )
    ok("contract", "set", "report_prefix", "GDYW")
    ok("contract", "set", "reviewer", "项目经理 赵敏")
    data = json.loads(ok("report", "monthly", NOV, "--json", "--by", "张伟", "--rev", "2"))
    assert (data["report_no"], data["rev"], data["prepared_by"], data["reviewed_by"]) == (
        "GDYW-2026-11",
        2,
        "张伟",
        "项目经理 赵敏",
    )
    assert json.loads(ok("contract", "show", "--json"))["report_settings"]["report_prefix"] == "GDYW"


def test_a_month_not_begun_is_refused_and_the_running_one_is_interim(contract, tmp_path):
    refused(
        ["report", "monthly", "2027-01"],
        "2027-01 has not begun (today is 2026-12-07); a monthly report covers a month that has started "
        "(the running one is an interim report)",
        contract,
    )
    out = tmp_path / "dec.xlsx"
    said = ok("report", "monthly", "2026-12", "-o", str(out)).splitlines()
    assert said[0].startswith(
        "Wrote the monthly report for 2026-12, interim: the month has not ended, data as of "
        "2026-12-07 10:00 (15 sheets)"
    )
    assert said[1].startswith("Recorded as delivered (interim): anchor ")
    cover = openpyxl.load_workbook(out)["封面"]
    assert cover["A2"].value == "期中报告：本月尚未结束，数据截至 2026-12-07 10:00"
    acceptance = tmp_path / "a.xlsx"
    ok("report", "acceptance", "-o", str(acceptance))
    delivered = rows(openpyxl.load_workbook(acceptance)["月度报告交付"])  # each month owed, and what was delivered
    assert [(r["月份"], r["类型"]) for r in delivered] == [
        ("2026-09", "未交付"),
        ("2026-10", "未交付"),
        ("2026-11", "未交付"),
        ("2026-12", "期中报告（月内）"),
    ]
    assert json.loads(ok("report", "monthly", NOV, "--json"))["interim"] is False


def test_the_month_only_what_came_after_is_labelled(november, tmp_path):
    ok("fault", "open", "queue", "月末报障", "--at", "2026-11-30 17:00", now=at("2026-11-30", "17:00"))
    ok("fault", "respond", "3", "--at", "2026-11-30 17:10", now=at("2026-11-30", "17:10"))
    ok("fault", "remote", "3", "--at", "2026-11-30 17:10", now=at("2026-11-30", "17:10"))
    ok(
        "fault",
        "resolve",
        "3",
        "--cause",
        "缓存",
        "--action",
        "清理",
        "--at",
        "2026-12-01 09:00",
        now=at("2026-12-01", "09:00"),
    )
    ok("inspect", "risk-done", "1", "--at", "2026-12-02 10:00", now=at("2026-12-02", "10:00"))
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", NOV, "-o", str(out))
    wb = openpyxl.load_workbook(out)
    fault = next(r for r in rows(wb["SLA明细"]) if r["编号"] == 3)
    assert fault["修复时间"] is None and fault["期后进展（报告期后发生）"] == "修复 2026-12-01 09:00（缓存；清理）"
    assert (fault["原因分析"], fault["处理过程"]) == (None, None)  # the fix and what it found: after the month
    risk = rows(wb["风险与整改"])[0]
    assert (risk["是否实施"], risk["期后进展（报告期后发生）"]) == ("否", "实施 2026-12-02 10:00")
    plan = rows(wb["下月工作计划"])
    assert plan[0]["类别"] == "风险整改" and plan[0]["备注"] == "高 已逾期"  # due 2026-11-30, open at the end
    assert next(r["内容"] for r in plan if r["类别"] == "巡检") == "完成 2026-12 月度巡检（含数据库环境）"


def test_summary_figures_equal_report_sla(november, tmp_path):
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", NOV, "-o", str(out))
    sla = json.loads(ok("report", "sla", "--month", NOV, "--json"))["summary"]
    sheet = rows(openpyxl.load_workbook(out)["SLA达标"])
    assert [(r["工单数"], r["达标"], r["超时"], r["无需到场"], r["达标率"]) for r in sheet] == [
        (
            s["tickets"],
            s["met"],
            s["breached"] + s["overdue"],
            s["not_applicable"],
            None if s["compliance"] is None else pytest.approx(s["compliance"] / 100),
        )
        for s in sla
    ]
    assert json.loads(ok("report", "monthly", NOV, "--json"))["clocks"] == sla
    accepted = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(accepted))
    whole = json.loads(ok("report", "sla", "--from", "2026-09-01", "--to", "2026-11-30", "--json"))["summary"]
    assert [(r["工单数"], r["达标"]) for r in rows(openpyxl.load_workbook(accepted)["汇总"])] == [
        (s["tickets"], s["met"]) for s in whole
    ]
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(out)["封面"].iter_rows(values_only=True) if r[0]}
    response = next(s for s in sla if s["clock"] == "response")
    assert cover["响应：≤30 分钟（工作期间）/ ≤1 小时（非工作期间）"] == (
        f"达标率 {response['compliance']:.1f}%（达标 {response['met']}，超时 {response['breached']}）"
    )


def test_on_paper(november, tmp_path):
    out, acc = tmp_path / "m.xlsx", tmp_path / "a.xlsx"
    ok("report", "monthly", NOV, "-o", str(out))
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(acc))
    for path in (out, acc):
        wb = openpyxl.load_workbook(path)
        cover = wb.worksheets[0]
        assert cover["A1"].font.name == "等线" and cover["A1"].font.bold
        assert cover.column_dimensions["A"].width >= 36  # the milestone labels are not cut off
        for ws in wb.worksheets[1:]:
            assert ws.oddHeader.left.text == "智慧医疗运维 · 广东省人民医院", ws.title
            assert ws.oddHeader.right.text, ws.title
            assert all(c.font.name == "等线" and c.font.bold for c in ws[1]), ws.title
            assert ws.print_title_rows == "$1:$1"
            for n, c in enumerate(ws[1], start=1):
                letter = openpyxl.utils.get_column_letter(n)
                if any(isinstance(x.value, __import__("datetime").datetime) for x in ws[letter][1:]):
                    assert ws.column_dimensions[letter].width >= 12, (ws.title, c.value)  # never ####
            second = ws.cell(2, 1)
            if second.value is not None:
                assert second.border.left.style == "thin"
            titles = [c.value for c in ws[1]]
            check = ws.cell(2, titles.index("校验") + 1) if "校验" in titles else None
            if check is not None and check.value is not None:  # both hashes on one line: the row keeps its height
                letter = check.column_letter
                assert len(check.value) == 25 and check.font.size == 8 and not check.alignment.wrap_text, ws.title
                assert ws.column_dimensions[letter].width >= 20, ws.title
            for chart in ws._charts:  # below its table, on the one page with it: not beside it, printed small
                assert chart.anchor._from.col == 0 and chart.anchor._from.row > ws.max_row, ws.title
                assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1), ws.title
    wb = openpyxl.load_workbook(acc)
    assert wb["故障处理"].print_title_cols == "$A:$C" and wb["故障处理"].freeze_panes == "D2"
    delivered = [(r["月份"], r["类型"]) for r in rows(wb["月度报告交付"])]  # the monthly report written above
    assert delivered == [("2026-09", "未交付"), ("2026-10", "未交付"), ("2026-11", "月报")]
    assert {r["系统"] for r in rows(wb["月度SLA"])} == {"智能候诊信息系统", "智能管理驾驶舱（BI大屏）"}
    readings = [r for r in rows(wb["巡检记录"]) if r["巡检项"] == "会话数"]
    assert readings[0]["阈值"] == "<400（上限500） 个" and readings[0]["告警未登记风险"] == "否"
    assert readings[1]["告警未登记风险"] == "是"  # bi's warning has no risk recorded
    risk = rows(wb["风险台账"])[0]
    assert (risk["记录键"], risk["风险"], risk["等级"]) == ("risk:1", "会话数接近上限", "高")


# the hospital's answer to an exception request: kept on the sheet before any answer, on purpose; and
# a fault's exception requests, on the streamed fault sheets (which keep every column) of a kind none has
ANSWER_COLUMNS = {
    "院方异议",
    "Hospital's objections",
    "院方处理人",
    "处理时间",
    "不同意理由",
    "Decided by",
    "Decided at",
    "Reason for refusal",
    "豁免/作废编号",
    "Exceptions",
}


def test_no_column_is_left_blank_in_the_demo(tmp_path):
    db = tmp_path / "demo.db"
    built = at("2026-11-29", "11:10")  # the same demo whenever the test runs
    ok("demo", "--db", str(db), "--months", "2", "--seed", "3", now=built)
    for args, name in ((["report", "monthly", "2026-11"], "m"), (["report", "acceptance"], "a")):
        for lang in ("zh", "en"):
            path = tmp_path / f"{name}-{lang}.xlsx"
            ok("--db", str(db), *args, "--lang", lang, "-o", str(path), now=built)
            for ws in openpyxl.load_workbook(path).worksheets[1:]:
                body = [r for r in ws.iter_rows(min_row=2, values_only=True)]
                if body and body[0][0] in ("本期无", "None in this period"):
                    continue
                blank = [
                    h
                    for n, h in enumerate(header(ws))
                    if all(r[n] in (None, "") for r in body)
                    and "填写" not in h
                    and "fill in" not in h
                    and h not in ANSWER_COLUMNS
                ]
                assert blank == [], f"{path.name} {ws.title}: {blank}"


def test_the_english_edition_is_english(november, tmp_path):
    out = tmp_path / "en.xlsx"
    ok("report", "monthly", NOV, "-o", str(out), "--lang", "en")
    wb = openpyxl.load_workbook(out)
    ws = wb["SLA detail"]
    assert ws.oddFooter.center.text == "Page &P of &N" and ws.cell(2, 1).font.name == "Calibri"
    assert {r["Response"] for r in rows(ws)} == {"met", "breached"}
    assert [r["Verdict"] for r in rows(wb["Inspection items"])][12] == "Warning"
    labels = [r[0] for r in wb["Cover"].iter_rows(values_only=True) if r[0]]
    assert not any("\u4e00" <= ch <= "\u9fff" for text in labels for ch in str(text)), labels
    assert run("report", "monthly", NOV, "--lang", "en", "-o", str(tmp_path / "x.xlsx")).exit_code == 0


def test_a_change_applied_for_after_the_month_is_not_shown_applied(november, tmp_path):
    ok("change", "implement", "1", "--at", "2026-11-26 10:00", now=at("2026-11-26", "10:05"))
    ok("change", "apply-acceptance", "1", "--at", "2026-12-11 10:00", now=at("2026-12-11", "10:05"))
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", NOV, "-o", str(out), now=at("2026-12-11", "10:10"))
    row = rows(openpyxl.load_workbook(out)["修改调整进度"])[0]
    assert row["验收"] != "已申请" and "申请验收" in row["期后进展（报告期后发生）"], row

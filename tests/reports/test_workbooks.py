"""The workbooks handed to the hospital: sheets, headers, exact cells, and confirmations read back."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime

import openpyxl
import pytest

from tests.conftest import at, ok, run, snapshot

APP_ITEMS = ["服务与进程状态", "与HIS等系统接口", "证书与许可有效期", "应用错误日志", "磁盘空间增长"]
DB_ITEMS = ["实例与监听状态", "表空间使用率", "备份成功情况", "恢复测试", "告警日志错误", "无效对象", "慢SQL", "会话数"]
NOV = "2026-11"


@pytest.fixture
def november(contract, tmp_path):
    """Two faults (one breached), two inspections, a risk, a change, integration work and training in November."""
    ok(
        "fault",
        "open",
        "queue",
        "=SUM(A1:A9)",
        "--at",
        "2026-11-02 09:00",
        "--reporter",
        "王护士",
        now=at("2026-11-02", "09:00"),
    )
    ok("fault", "respond", "1", "--at", "2026-11-02 09:10", now=at("2026-11-02", "09:10"))
    ok("fault", "arrive", "1", "--at", "2026-11-02 09:40", now=at("2026-11-02", "09:40"))
    ok(
        "fault",
        "resolve",
        "1",
        "--cause",
        "进程挂死",
        "--action",
        "重启",
        "--at",
        "2026-11-02 11:00",
        now=at("2026-11-02", "11:00"),
    )
    ok("fault", "open", "bi", "大屏无数据", "--kind", "data", "--at", "2026-11-03 17:30", now=at("2026-11-03", "17:30"))
    ok("fault", "respond", "2", "--at", "2026-11-03 18:30", now=at("2026-11-03", "18:30"))  # 60 min: late
    ok(
        "fault",
        "resolve",
        "2",
        "--cause",
        "ETL失败",
        "--action",
        "重跑",
        "--at",
        "2026-11-04 09:00",
        now=at("2026-11-04", "09:00"),
    )
    path = tmp_path / "r.csv"
    path.write_text(
        "item,result,verdict,note\n"
        + "".join(f"{i},正常,ok,\n" for i in [*APP_ITEMS, *DB_ITEMS[:-1]])
        + "会话数,480/500,warn,接近上限\n",
        encoding="utf-8",
    )
    # in the order they are recorded (recorded times never go backwards)
    ok(
        "change",
        "open",
        "cdss",
        "@新增提醒",
        "--type",
        "perfective",
        "--at",
        "2026-11-05 10:00",
        now=at("2026-11-05", "10:00"),
    )
    ok(
        "training",
        "add",
        "queue",
        "叫号培训",
        "--trainer",
        "张伟",
        "--attendees",
        "25",
        "--hours",
        "1.5",
        "--at",
        "2026-11-12 14:00",
        now=at("2026-11-12", "16:00"),
    )
    ok(
        "inspect",
        "queue",
        "--from-file",
        str(path),
        "--at",
        "2026-11-20 10:00",
        "--by",
        "张伟",
        now=at("2026-11-20", "10:30"),
    )
    ok(
        "inspect",
        "risk",
        "1",
        "会话数接近上限",
        "--level",
        "high",
        "--remedy",
        "调大会话上限",
        "--due",
        "2026-11-30",
        now=at("2026-11-20", "11:00"),
    )
    ok("inspect", "bi", "--from-file", str(path), "--at", "2026-11-21 10:00", now=at("2026-11-21", "10:30"))
    ok(
        "work",
        "log",
        "cdss",
        "+恢复演练",
        "--type",
        "restore-drill",
        "--minutes",
        "120",
        "--at",
        "2026-11-27 19:00",
        now=at("2026-11-27", "19:05"),
    )
    return contract


def header(ws) -> list:
    return [c.value for c in ws[1]]


def rows(ws) -> list[dict]:
    head = header(ws)
    return [dict(zip(head, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]


def test_monthly_report(november, tmp_path):
    out = tmp_path / "m.xlsx"
    assert ok("report", "monthly", NOV, "-o", str(out)).startswith(
        f"Wrote the monthly report for {NOV} (15 sheets) to {out}\nRecorded as delivered: anchor "
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "封面",
        "巡检汇总",
        "巡检明细",
        "风险与整改",
        "下月工作计划",
        "SLA达标",
        "故障统计",
        "SLA明细",
        "更正记录",
        "豁免与作废记录",
        "修改记录",
        "修改调整进度",
        "系统集成工作",
        "培训记录",
        "完整性",
    ]
    assert wb["封面"]["A1"].value == "运维月度巡检报告"
    summary = rows(wb["巡检汇总"])
    assert [(r["系统代码"], r["正常"], r["警告"], r["数据库环境结论"]) for r in summary] == [
        ("queue", 12, 1, "警告"),
        ("bi", 12, 1, "警告"),
        ("cdss", None, None, "未巡检"),
        ("face", None, None, "未巡检"),
        ("avatar", None, None, "未巡检"),
    ]
    assert summary[0]["时间"] == datetime(2026, 11, 20, 10, 0)
    assert header(wb["巡检汇总"])[-6:] == [
        "记录键",
        "校验",
        "院方答复（填写：确认/不确认）",
        "院方确认人（填写）",
        "确认日期（填写）",
        "意见（填写）",
    ]
    assert summary[0]["记录键"] == "inspection:1"
    items = rows(wb["巡检明细"])
    assert len(items) == 26 and items[12]["巡检项"] == "会话数" and items[12]["结论"] == "警告"
    risk = rows(wb["风险与整改"])[0]
    assert (risk["风险"], risk["等级"], risk["是否实施"]) == ("会话数接近上限", "高", "否")
    stats = {r["系统"]: r for r in rows(wb["故障统计"])}
    assert (
        stats["智能候诊信息系统"]["故障"],
        stats["智能管理驾驶舱（BI大屏）"]["数据错误"],
        stats["合计"]["合计"],
    ) == (1, 1, 2)
    assert stats["合计"]["响应达标率"] == pytest.approx(0.5)
    assert len(wb["故障统计"]._charts) == 2
    sla = rows(wb["SLA明细"])
    assert [(r["编号"], r["响应"], r["修复"]) for r in sla] == [(1, "达标", "达标"), (2, "超时", "达标")]
    assert sla[0]["报修时间"] == datetime(2026, 11, 2, 9, 0)
    assert wb["SLA明细"]["A3"].fill.fgColor.rgb.endswith("F8CBAD")  # the breached row is highlighted


def test_user_text_never_becomes_a_formula(november, tmp_path):
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", NOV, "-o", str(out))
    wb = openpyxl.load_workbook(out)
    cell = wb["SLA明细"]["C2"]
    assert (cell.value, cell.data_type) == ("=SUM(A1:A9)", "s")
    assert wb["修改调整进度"]["C2"].value == "@新增提醒"
    assert wb["系统集成工作"]["C2"].value == "+恢复演练"


def test_workbook_layout(november, tmp_path):
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", NOV, "-o", str(out))
    ws = openpyxl.load_workbook(out)["SLA明细"]
    assert ws.freeze_panes == "D2"  # id, system and symptom stay in view
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["A1"].font.bold and ws["A1"].font.name == "等线"
    assert ws.column_dimensions["C"].width >= 12  # the symptom column is sized for its text


def test_acceptance_evidence_and_integrity(november, tmp_path):
    out = tmp_path / "a.xlsx"
    text = ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    assert text.startswith("Wrote the acceptance evidence 2026-09-01 to 2026-11-30 (19 sheets, history anchor ")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "封面",
        "汇总",
        "月度SLA",
        "系统错误修复",
        "系统数据修复",
        "故障处理",
        "更正记录",
        "豁免与作废记录",
        "修改记录",
        "系统集成记录",
        "修改调整",
        "巡检覆盖",
        "巡检记录",
        "风险台账",
        "培训记录",
        "人员清单",
        "未确认记录",
        "月度报告交付",
        "完整性",
    ]
    assert [r["编号"] for r in rows(wb["故障处理"])] == [1]
    assert [r["编号"] for r in rows(wb["系统数据修复"])] == [2]
    coverage = {r["月份"]: r for r in rows(wb["巡检覆盖"])}
    assert list(coverage) == ["2026-09", "2026-10", "2026-11"]
    assert coverage["2026-11"]["智能候诊信息系统"] == datetime(2026, 11, 20)
    assert coverage["2026-11"]["临床决策支持及知识库"] == "未巡检"
    integrity = {r["记录类型"]: r["记录数"] for r in rows(wb["完整性"])}
    assert integrity["维护记录（报障）"] == 2
    assert integrity["历史记录链头哈希"] == json.loads(ok("verify", "--json"))["head_hash"]
    assert len(wb["汇总"]._charts) == 1
    assert len(rows(wb["未确认记录"])) == 6  # 2 faults, 2 inspections, 1 work entry, 1 training


def test_reports_as_json_write_no_workbook(november, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monthly = json.loads(ok("report", "monthly", NOV, "--json"))
    assert monthly["month"] == NOV and monthly["contract"]["start_date"] == "2026-09-01"
    assert [(f["id"], f["response_state"], f["resolution_state"]) for f in monthly["faults"]] == [
        (1, "met", "met"),
        (2, "breached", "met"),
    ]
    assert [(s["system"], s["db_conclusion"]) for s in monthly["summary"]][:3] == [
        ("queue", "warn"),
        ("bi", "warn"),
        ("cdss", "gap"),
    ]
    assert monthly["stats"][-1]["total"] == 2 and len(monthly["items"]) == 26
    accepted = json.loads(ok("report", "acceptance", "--to", "2026-11-30", "--json"))
    assert {k: [f["id"] for f in v] for k, v in accepted["faults"].items()} == {"defect": [], "data": [2], "fault": [1]}
    response = next(r for r in accepted["sla"] if r["clock"] == "response")
    assert (response["tickets"], response["met"], response["breached"]) == (2, 1, 1)
    assert accepted["head_hash"] == json.loads(ok("verify", "--json"))["head_hash"]
    assert len(accepted["pending"]) == 6
    text = json.dumps([monthly, accepted])
    assert '"_key"' not in text and '"_digest"' not in text
    assert list(tmp_path.glob("*.xlsx")) == []


def test_corrections_are_visible_in_both_workbooks(november, tmp_path):
    ok("fault", "confirm", "1", "--by", "信息科 陈主任", now=at("2026-11-05", "10:00"))
    ok(
        "fault",
        "correct",
        "1",
        "--reason",
        "到场时间记错",
        "--arrived",
        "2026-11-02 09:30",
        "--action",
        "重启服务",
        now=at("2026-11-06", "10:00"),
    )
    monthly, acceptance = tmp_path / "m.xlsx", tmp_path / "a.xlsx"
    ok("report", "monthly", NOV, "-o", str(monthly))
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(acceptance))
    for path, sheet in ((monthly, "SLA明细"), (acceptance, "故障处理")):
        wb = openpyxl.load_workbook(path)
        fault = next(r for r in rows(wb[sheet]) if r["编号"] == 1)
        assert (fault["到场时间"], fault["更正记录编号"]) == (datetime(2026, 11, 2, 9, 30), "1")
        assert [
            (r["编号"], r["更正对象"], r["字段"], r["原确认值"], r["更正为"], r["更正原因"])
            for r in rows(wb["更正记录"])
        ] == [
            (1, "维护记录（报障） 1", "处理过程", "重启", "重启服务", "到场时间记错"),
            (1, "维护记录（报障） 1", "到场时间", "2026-11-02 09:40", "2026-11-02 09:30", "到场时间记错"),
        ]
        assert rows(wb["更正记录"])[0]["更正时间"] == datetime(2026, 11, 6, 10, 0)
    ok("report", "monthly", "2026-12", "-o", str(tmp_path / "dec.xlsx"), now=at("2027-01-02", "10:00"))
    empty = openpyxl.load_workbook(tmp_path / "dec.xlsx")["更正记录"]  # a November fault: not December's
    assert [r["编号"] for r in rows(empty)] == ["本期无"]
    data = json.loads(ok("report", "monthly", NOV, "--json"))
    assert [(c["id"], c["field"], c["before"], c["after"]) for c in data["corrections"]][1] == (
        1,
        "arrived_at",
        "2026-11-02T09:40:00+08:00",
        "2026-11-02T09:30:00+08:00",
    )


def test_every_editable_fault_field_has_a_title_in_the_corrections_sheet():
    from opsdesk.faults.tickets import EDITABLE
    from opsdesk.reports.sheets import CORRECTED_FIELDS

    assert set(EDITABLE.values()) <= set(CORRECTED_FIELDS)


def test_english_edition(november, tmp_path):
    out = tmp_path / "en.xlsx"
    ok("report", "monthly", NOV, "-o", str(out), "--lang", "en")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Cover" and "SLA detail" in wb.sheetnames
    assert run("report", "monthly", NOV, "--lang", "fr").exit_code == 2
    acceptance = tmp_path / "en-acceptance.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(acceptance), "--lang", "en")
    for book in (wb, openpyxl.load_workbook(acceptance)):
        names = {s["name"] for s in json.loads(ok("system", "list", "--json"))}  # data, not labels
        for ws in book.worksheets[1:]:  # the cover is label/value pairs, not a header row
            chinese = [
                h for h in header(ws) if h and h not in names and any("\u4e00" <= ch <= "\u9fff" for ch in str(h))
            ]
            assert chinese == [], f"{ws.title}: {chinese}"
        assert not any(
            "\u4e00" <= ch <= "\u9fff" for row in book.worksheets[0].iter_rows() for ch in str(row[0].value or "")
        )
    filled = openpyxl.load_workbook(acceptance)
    ws = filled["Fault handling"]
    ws.cell(2, header(ws).index("Confirmed by (fill in)") + 1, "信息科 陈主任")
    ws.cell(2, header(ws).index("Answer (fill in: confirm / do not confirm)") + 1, "confirm")
    filled.save(acceptance)
    assert ok("confirm", "import", str(acceptance)).endswith(
        "1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


def _fill(path, sheet: str, row: int, who: str, comment: str = "", answer: str = "确认") -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    head = header(ws)
    ws.cell(row, head.index("院方答复（填写：确认/不确认）") + 1, answer)
    ws.cell(row, head.index("院方确认人（填写）") + 1, who)
    ws.cell(row, head.index("意见（填写）") + 1, comment)
    wb.save(path)


def test_confirmations_round_trip(november, tmp_path):
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    _fill(out, "故障处理", 2, "信息科 陈主任", "属实")
    _fill(out, "系统集成记录", 2, "信息科 黄工")
    assert (
        ok("confirm", "import", str(out))
        == f"Read 2 filled row(s) from {out}: 2 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )
    assert json.loads(ok("fault", "show", "1", "--json"))["confirmed_by"] == "信息科 陈主任"
    assert [r["kind"] for r in json.loads(ok("confirm", "pending", "--json"))].count("work") == 0
    before = snapshot(november)
    assert (
        ok("confirm", "import", str(out))
        == f"Read 2 filled row(s) from {out}: 0 confirmed, 0 refused, 0 objected to, 2 already answered\n"
    )
    assert snapshot(november) == before


def test_confirm_import_is_all_or_nothing(november, tmp_path):
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    _fill(out, "故障处理", 2, "信息科 陈主任")
    wb = openpyxl.load_workbook(out)
    ws = wb["系统数据修复"]
    ws.cell(2, header(ws).index("记录键") + 1, "fault:99")
    ws.cell(2, header(ws).index("院方确认人（填写）") + 1, "信息科 黄工")
    ws.cell(2, header(ws).index("院方答复（填写：确认/不确认）") + 1, "确认")
    wb.save(out)
    before = snapshot(november)
    result = run("confirm", "import", str(out))
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: sheet 系统数据修复 row 2: there is no fault 99 in this database\n",
    )
    assert snapshot(november) == before


def test_changed_record_refused_and_bad_files(november, tmp_path):
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    ok("fault", "edit", "1", "--reason", "记录有误", "--cause", "进程内存泄漏")
    _fill(out, "故障处理", 2, "信息科 陈主任")
    result = run("confirm", "import", str(out))
    assert result.stderr == (
        "Error: sheet 故障处理 row 2: 原因分析 reads '进程挂死' in the workbook but '进程内存泄漏' on record: "
        "fault 1 changed since the workbook was exported; export it again\n"
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(out.read_bytes()[:500])
    result = run("confirm", "import", str(broken))
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {broken} is not a readable .xlsx workbook (damaged, truncated or another format)\n",
    )


def test_milestones_report(contract):
    data = json.loads(ok("report", "milestones", "--json"))
    assert [m["percent"] for m in data["milestones"]] == [30, 30, 40]
    assert "Payment milestones" in ok("report", "milestones")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbooks(november, tmp_path):
    for args, name in ((["report", "monthly", NOV], "m.xlsx"), (["report", "acceptance"], "a.xlsx")):
        ok(*args, "-o", str(tmp_path / name))
        done = subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / name)],
            capture_output=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / name.replace(".xlsx", ".pdf")).stat().st_size > 1000


def test_open_risks_carry_into_the_next_month_and_no_overwrite(november, tmp_path):
    out = tmp_path / "dec.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    risks = rows(openpyxl.load_workbook(out)["风险与整改"])
    assert [(r["系统"], r["发现月份"], r["风险"], r["是否实施"]) for r in risks] == [
        ("智能候诊信息系统", "2026-11", "会话数接近上限", "否")
    ]
    result = run("report", "monthly", "2026-12", "-o", str(out))
    assert result.exit_code == 1 and "already exists (it may be a copy the hospital filled in)" in result.stderr
    assert ok("report", "monthly", "2026-12", "-o", str(out), "--force").startswith("Wrote")
    ws = openpyxl.load_workbook(out)["SLA明细"]
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.page_setup.fitToWidth == 2
    assert ws.print_title_cols == "$A:$C"  # wider than a page: id, system and symptom on every page


def test_unnamed_comment_is_reported_not_confirmed_and_dry_run(november, tmp_path):
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    ws = wb["故障处理"]
    ws.cell(2, header(ws).index("院方答复（填写：确认/不确认）") + 1, "不确认")
    ws.cell(2, header(ws).index("意见（填写）") + 1, "不同意，问题未解决")
    wb.save(out)
    _fill(out, "系统数据修复", 2, "信息科 黄工")
    before = snapshot(november)
    text = ok("confirm", "import", str(out), "--dry-run")
    assert text.startswith(
        f"Read 2 filled row(s) from {out}: 1 would be confirmed, 0 would be refused, 1 would be objected to, "
        "0 already answered\n"
    )
    assert (
        "Objection — sheet 故障处理 row 2 (fault:1): the hospital wrote, without a name, '不同意，问题未解决'" in text
    )
    assert snapshot(november) == before
    ok("confirm", "import", str(out))
    assert json.loads(ok("fault", "show", "1", "--json"))["confirmed_by"] is None
    assert json.loads(ok("fault", "show", "2", "--json"))["confirmed_by"] == "信息科 黄工"


@pytest.mark.sqlite_only
def test_every_kind_of_record_has_a_name_in_both_languages():
    """The 完整性 sheet names each kind of record: none may fall back to its code (entity.official_year)."""
    from opsdesk.labels import EN, ZH
    from opsdesk.store.models import ENTITIES

    assert [e for e in ENTITIES if f"v.entity.{e}" not in ZH or f"v.entity.{e}" not in EN] == []

"""What the hospital signs, proved: a confirmation binds to the row as the hospital read it (its
校验 check, sealed with a key that never leaves the store), so an edited row is refused or reported
and never confirmed; objections are kept; every workbook carries an anchor of the history that
`verify --against` holds the store to. Recorded times are in tests/store/test_recorded_times.py,
backups in tests/store/test_backups.py."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime

import openpyxl
import pytest

from tests.conftest import NOW, at, connect, ok, refused, rehash, run, snapshot
from tests.reports.test_workbooks import NOV, november  # noqa: F401  (the fixture every_kind builds on)
from tests.store.test_recorded_times import recorded_times

# -- a confirmation binds to what the hospital read -------------------------------------------------


@pytest.fixture
def signed(contract, tmp_path):
    """Two resolved faults (the second responded late) and the acceptance workbook exported at NOW."""
    ok("fault", "open", "queue", "叫号屏黑屏", "--at", "2026-11-02 09:00", now=at("2026-11-02", "09:00"))
    ok("fault", "respond", "1", "--at", "2026-11-02 09:10", now=at("2026-11-02", "09:10"))
    ok("fault", "resolve", "1", "--cause", "进程挂死", "--action", "重启", now=at("2026-11-02", "11:00"))
    ok("fault", "open", "bi", "大屏无数据", "--kind", "data", "--at", "2026-11-03 17:30", now=at("2026-11-03", "17:30"))
    ok("fault", "respond", "2", "--at", "2026-11-03 18:30", now=at("2026-11-03", "18:30"))
    ok("fault", "resolve", "2", "--cause", "ETL失败", "--action", "重跑", now=at("2026-11-04", "09:00"))
    out = tmp_path / "验收资料.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    return out


def fill(path, sheet: str, row: int, **cells) -> None:
    """Write into a workbook as the hospital (or someone else) would: column title -> value."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    for title, value in cells.items():
        ws.cell(row, head.index(title) + 1, value)
    wb.save(path)


WHO, ANSWER, SAYS, SIGNED = "院方确认人（填写）", "院方答复（填写：确认/不确认）", "意见（填写）", "确认日期（填写）"
SIGN = {WHO: "信息科 陈主任", ANSWER: "确认"}  # the hospital's person confirms


def test_an_edited_visible_cell_refuses_the_whole_file(signed, contract):
    fill(signed, "故障处理", 2, **SIGN)
    fill(signed, "系统数据修复", 2, **SIGN, 响应="达标")  # the verdict was 超时
    refused(
        ["confirm", "import", str(signed)],
        "sheet 系统数据修复 row 2: 响应 reads '达标' in the workbook but '超时' on record: the workbook was edited "
        "after it was exported (fault 2 is unchanged since); nothing was confirmed",
        contract,
    )
    fill(signed, "系统数据修复", 2, **{"响应": "超时", "修复时间": datetime(2026, 11, 3, 18, 0)})
    refused(
        ["confirm", "import", str(signed)],
        "sheet 系统数据修复 row 2: 修复时间 reads '2026-11-03 18:00' in the workbook but '2026-11-04 09:00' on "
        "record: the workbook was edited after it was exported (fault 2 is unchanged since); nothing was "
        "confirmed",
        contract,
    )
    fill(signed, "系统数据修复", 2, **{"修复时间": datetime(2026, 11, 4, 9, 0), "校验": "0123456789ab-0123456789ab"})
    refused(["confirm", "import", str(signed)], CHECK_EDITED.format(sheet="系统数据修复", key="fault:2"), contract)


CHECK_EDITED = (
    "sheet {sheet} row 2 ({key}): the check cell 校验 does not match the row (it was edited, or the "
    "workbook comes from another database or an older opsdesk); nothing was confirmed; export the "
    "workbook again"
)


def forge(path, sheet: str, row: int, **cells) -> None:
    """Edit a row as someone who knows how 校验 is made would: the cells, then the check recomputed
    from them with rowcheck.cells_check under a key of their own (the store's never leaves it), the
    record half kept."""
    from opsdesk.reports.seal import cell_text, cells_check

    fill(path, sheet, row, **cells)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    block = {"记录键", "校验", ANSWER, WHO, SAYS, SIGNED}
    shown = [cell_text(ws.cell(row, n + 1).value) for n, title in enumerate(head) if title and title not in block]
    key, check = ws.cell(row, head.index("记录键") + 1).value, ws.cell(row, head.index("校验") + 1).value
    digest = check.split("-")[1]
    ws.cell(row, head.index("校验") + 1, f"{cells_check(b'guessed', key, digest, shown)}-{digest}")
    wb.save(path)


@pytest.fixture
def every_kind(request, tmp_path):
    """The November records with a risk carried out, a change delivered and a pending pause of fault 3,
    exported for acceptance: a row of every kind confirm import accepts (inspections: the monthly's)."""
    request.getfixturevalue("november")
    ok("inspect", "risk-done", "1", "--note", "已调大", "--at", "2026-11-25 10:00", now=at("2026-11-25", "10:05"))
    ok("change", "implement", "1", "--at", "2026-11-26 10:00", now=at("2026-11-26", "10:05"))
    day = "2026-11-30"
    ok("fault", "open", "queue", "叫号卡顿", "--at", f"{day} 09:00", now=at(day, "09:00"))
    ok("fault", "respond", "3", "--at", f"{day} 09:05", now=at(day, "09:05"))
    ok("fault", "pause", "3", "--reason", "等待院方数据源", "--at", f"{day} 09:30", now=at(day, "09:30"))
    ok("fault", "resume", "3", "--at", f"{day} 11:30", now=at(day, "11:30"))
    ok("fault", "resolve", "3", "--cause", "网络", "--action", "换交换机", now=at(day, "12:00"))
    out = tmp_path / "every.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out))
    monthly = tmp_path / "monthly.xlsx"
    ok("report", "monthly", NOV, "-o", str(monthly))
    return out, monthly


EDITS = [  # (workbook, sheet, record key, a visible cell edited, what it read)
    (1, "风险与整改", "risk:1", {"等级": "低"}, "等级 reads '低' in the workbook but '高'"),
    (
        0,
        "风险台账",
        "risk:1",
        {"风险": "无风险", "等级": "低"},
        "风险 reads '无风险' in the workbook but '会话数接近上限'",
    ),
    (
        0,
        "豁免与作废记录",
        "exception:1",
        {"暂停工作时长（分钟）": 5},
        "暂停工作时长（分钟） reads '5' in the workbook but '120'",
    ),
    (0, "故障处理", "fault:1", {"故障现象": "无故障"}, "故障现象 reads '无故障' in the workbook but '=SUM(A1:A9)'"),
    (0, "修改调整", "change:1", {"需求名称": "无"}, "需求名称 reads '无' in the workbook but '@新增提醒'"),
    (0, "系统集成记录", "work:1", {"工作内容": "无"}, "工作内容 reads '无' in the workbook but '+恢复演练'"),
    (0, "培训记录", "training:1", {"参加人数": 250}, "参加人数 reads '250' in the workbook but '25'"),
    (1, "巡检汇总", "inspection:1", {"警告": 0}, "警告 reads '0' in the workbook but '1'"),
    (1, "SLA明细", "fault:2", {"响应": "达标"}, "响应 reads '达标' in the workbook but '超时'"),
]


def _row_of(path, sheet: str, key: str) -> int:
    ws = openpyxl.load_workbook(path)[sheet]
    column = [c.value for c in ws[1]].index("记录键")
    return [r[column] for r in ws.iter_rows(values_only=True)].index(key) + 1


@pytest.mark.parametrize(("book", "sheet", "key", "cells", "message"), EDITS, ids=[f"{e[1]}-{e[2]}" for e in EDITS])
def test_a_recomputed_check_does_not_hide_an_edited_row(every_kind, contract, book, sheet, key, cells, message):
    """Every kind is compared with the row the store renders now, whatever its 校验 says."""
    path = every_kind[book]
    row = _row_of(path, sheet, key)
    forge(path, sheet, row, **cells, **SIGN)
    kind, _, number = key.partition(":")
    result = run("confirm", "import", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: sheet {sheet} row {row}: {message}")
    assert result.stderr.endswith(
        f"the workbook was edited after it was exported ({kind} {number} is unchanged since); nothing was confirmed\n"
    )


def test_unedited_rows_of_every_kind_confirm(every_kind, contract):
    for book, sheet, key, _, _ in EDITS:
        fill(every_kind[book], sheet, _row_of(every_kind[book], sheet, key), **SIGN)
    assert ok("confirm", "import", str(every_kind[0])).endswith(
        ": 6 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )
    assert ok("confirm", "import", str(every_kind[1])).endswith(
        ": 2 confirmed, 0 refused, 0 objected to, 1 already answered\n"
    )
    assert ok("confirm", "import", str(every_kind[0])).endswith(
        ": 0 confirmed, 0 refused, 0 objected to, 6 already answered\n"
    )


def _check(path, sheet: str, row: int) -> str:
    ws = openpyxl.load_workbook(path)[sheet]
    return ws.cell(row, [c.value for c in ws[1]].index("校验") + 1).value


def test_who_changed_what_the_hospital_signed(signed, contract):
    """The decision table of confirmations.judge_row, one case at a time."""
    sheet, key = "故障处理", "fault:1"
    cells, record = _check(signed, sheet, 2).split("-")
    fill(signed, sheet, 2, **SIGN)
    for edited in (f"{cells}-{'0' * 12}", f"{'0' * 12}-{record}", record, "", f"{cells}-{record}x"):
        fill(signed, sheet, 2, 校验=edited)  # either half, cut to its record half, emptied, lengthened
        refused(["confirm", "import", str(signed)], CHECK_EDITED.format(sheet=sheet, key=key), contract)
    fill(signed, sheet, 2, 校验=record, 响应="超时")  # cut down and a verdict edited: the check cell is named
    refused(["confirm", "import", str(signed)], CHECK_EDITED.format(sheet=sheet, key=key), contract)
    fill(signed, sheet, 2, 校验=f"{cells}-{record}", 响应="达标", 确认时间=datetime(2026, 11, 2, 12, 0))
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: 确认时间 reads '2026-11-02 12:00' in the workbook but '' on record: the workbook "
        "was edited after it was exported (fault 1 is unchanged since); nothing was confirmed",
        contract,
    )
    fill(signed, sheet, 2, 确认时间="")
    ok(
        "fault", "edit", "1", "--reason", "记录有误", "--phone", "8001"
    )  # a field no sheet shows: the record changed, not the row
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: fault 1 changed since the workbook was exported; export it again",
        contract,
    )
    ok("fault", "edit", "1", "--reason", "记录有误", "--cause", "内存泄漏")
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: 原因分析 reads '进程挂死' in the workbook but '内存泄漏' on record: fault 1 changed "
        "since the workbook was exported; export it again",
        contract,
    )
    fill(signed, sheet, 2, 故障现象="无故障")  # both: the workbook's edit is named
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: 故障现象 reads '无故障' in the workbook but '叫号屏黑屏' on record: the workbook "
        "was edited after it was exported (fault 1 is unchanged since); nothing was confirmed",
        contract,
    )


def test_an_edited_row_without_an_answer_is_a_proposed_change_not_an_objection(signed, contract):
    fill(signed, "故障处理", 2, **SIGN)
    ok("confirm", "import", str(signed))
    fill(signed, "故障处理", 2, **{WHO: "", ANSWER: "", SAYS: "属实", "原因分析": "硬件故障"})  # confirmed already
    assert ok("confirm", "import", str(signed)) == (
        f"Read 1 filled row(s) from {signed}: 0 confirmed, 0 refused, 0 objected to, 0 already answered\n"
        "Edited after export — sheet 故障处理 row 2 (fault:1, confirmed already): 原因分析 reads '硬件故障' in the "
        "workbook but '进程挂死' on record\n"
    )
    fill(signed, "系统数据修复", 2, **{SAYS: "不同意", "原因分析": "无"})  # awaiting confirmation, no answer
    assert ok("confirm", "import", str(signed)).splitlines()[1:3] == [
        "Not taken — sheet 系统数据修复 row 2 (fault:2): no answer chosen in 院方答复（填写：确认/不确认） (确认 or "
        "不确认); only the answer confirms; its comment is kept as an objection; nothing confirmed",
        "Proposed by the hospital, not applied — sheet 系统数据修复 row 2 (fault:2): 原因分析 'ETL失败' → '无'",
    ]
    assert json.loads(ok("fault", "show", "2", "--json"))["confirmed_by"] is None
    assert json.loads(ok("fault", "show", "2", "--json"))["cause"] == "ETL失败"
    assert json.loads(ok("verify", "--json"))["counts"]["objection"] == 1


def test_the_signing_date_dates_the_confirmation(signed, contract):
    fill(signed, "故障处理", 2, **SIGN, **{SIGNED: datetime(2026, 12, 9)})
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: 确认日期 2026-12-09 is in the future; the hospital signs on or before today "
        "(2026-12-07)",
        contract,
    )
    fill(signed, "故障处理", 2, **{SIGNED: "2026-11-01"})
    refused(
        ["confirm", "import", str(signed)],
        "sheet 故障处理 row 2: fault 1: the confirmation (2026-11-01 23:59) cannot come before the resolution "
        "(2026-11-02 11:00); give a time on or after 2026-11-02 11:00",
        contract,
    )
    fill(signed, "故障处理", 2, **{SIGNED: datetime(2026, 12, 3)})
    assert ok("confirm", "import", str(signed)).startswith("Read 1 filled row(s)")
    shown = json.loads(ok("fault", "show", "1", "--json"))
    assert (shown["confirmed_by"], shown["confirmed_at"]) == ("信息科 陈主任", "2026-12-03T23:59:00+08:00")
    assert recorded_times(contract)[-1] == NOW.isoformat()  # recorded when it was imported


def test_an_edited_confirmed_row_is_reported(signed, contract):
    fill(signed, "故障处理", 2, **SIGN)
    ok("confirm", "import", str(signed))
    fill(signed, "故障处理", 2, **{"原因分析": "硬件故障"})
    before = snapshot(contract)
    text = ok("confirm", "import", str(signed))
    assert text == (
        f"Read 1 filled row(s) from {signed}: 0 confirmed, 0 refused, 0 objected to, 1 already answered\n"
        "Edited after export — sheet 故障处理 row 2 (fault:1, confirmed already): 原因分析 reads '硬件故障' in the "
        "workbook but '进程挂死' on record\n"
    )
    assert snapshot(contract) == before


def test_objections_are_kept_and_listed_in_pending(signed, contract):
    fill(signed, "系统数据修复", 2, **{SAYS: "不同意：数据仍未恢复"})
    ok("confirm", "import", str(signed))
    ok("confirm", "import", str(signed))  # twice: kept once
    pending = {(r["kind"], r["id"]): r for r in json.loads(ok("confirm", "pending", "--json"))}
    assert pending[("fault", 2)]["objections"] == ["不同意：数据仍未恢复"]
    assert pending[("fault", 1)]["objections"] == []
    assert "不同意：数据仍未恢复" in ok("confirm", "pending")
    assert json.loads(ok("verify", "--json"))["counts"]["objection"] == 1


# -- anchors: the history held to what the hospital signed -------------------------------------------


def integrity(path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    ws = wb["完整性"] if "完整性" in wb.sheetnames else wb["Integrity"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}


def test_every_workbook_carries_its_anchor_and_verify_against_it_passes(signed, contract, tmp_path):
    head = json.loads(ok("verify", "--json"))
    for lang in ("zh", "en"):
        monthly = tmp_path / f"monthly-{lang}.xlsx"
        ok("report", "monthly", "2026-11", "-o", str(monthly), "--lang", lang)
        sheet = integrity(monthly)
        key = "锚点（事件数:链头哈希）" if lang == "zh" else "anchor (events:head hash)"
        assert sheet[key] == f"{head['events']}:{head['head_hash']}"
        assert f"The first {head['events']} events still hash to {monthly}" in ok("verify", "--against", str(monthly))
        head = json.loads(ok("verify", "--json"))  # the delivery was recorded: one more event
    assert integrity(signed)["历史记录链头哈希"] and "still hash to" in ok("verify", "--against", str(signed))
    anchor = integrity(signed)["锚点（事件数:链头哈希）"]
    shown = ok("verify", "--anchor", anchor)  # two monthly reports recorded since: two events it does not hold
    assert f"(1 anchor(s), head {anchor.split(':')[1][:16]})\nUnprotected since " in shown


def test_monthly_reports_delivered_are_recorded_and_listed_for_acceptance(signed, contract, tmp_path):
    monthly = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(monthly))
    anchor = integrity(monthly)["锚点（事件数:链头哈希）"]
    conn = connect(contract)
    row = conn.execute("SELECT month, events, head_hash, sha256 FROM delivery").fetchall()
    action = conn.execute("SELECT action FROM event ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert [tuple(r) for r in row] == [
        (
            "2026-11",
            *map(int, anchor.split(":")[:1]),
            anchor.split(":")[1],
            hashlib.sha256(monthly.read_bytes()).hexdigest(),
        )
    ]
    assert action == ("report.delivered",)
    acceptance = tmp_path / "a.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(acceptance))
    listed = list(openpyxl.load_workbook(acceptance)["月度报告交付"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[3], r[5]) for r in listed] == [
        ("2026-09", "未交付", None, None),
        ("2026-10", "未交付", None, None),
        ("2026-11", "月报", anchor, "m.xlsx"),
    ]
    assert json.loads(ok("verify", "--json"))["counts"]["delivery"] == 1


def test_an_altered_anchor_fails(signed, contract):
    wb = openpyxl.load_workbook(signed)
    ws = wb["完整性"]
    for row in ws.iter_rows(min_row=2):
        if isinstance(row[1].value, str) and ":" in row[1].value:
            n, _ = row[1].value.split(":")
            row[1].value = f"{n}:{'ab' * 32}"
    wb.save(signed)
    result = run("verify", "--against", str(signed))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: history check failed: the history no longer matches {signed} from ")


def test_a_forger_who_recomputes_every_hash_passes_verify_but_not_the_anchor(signed, contract):
    """Change an old event and its record, recompute every later hash: the chain is consistent and
    replays, so `verify` passes; the head the hospital holds no longer matches."""
    events = json.loads(ok("verify", "--json"))["events"]
    assert events == 14  # few enough that the workbook anchors every event: the first changed one is named
    conn = connect(contract)
    after = conn.execute("SELECT after FROM event WHERE id = 9").fetchone()[0]
    conn.execute("UPDATE event SET after = ? WHERE id = 9", (after.replace("叫号屏黑屏", "叫号屏偶发闪烁"),))
    conn.execute("UPDATE ticket SET symptom = '叫号屏偶发闪烁' WHERE id = 1")
    rehash(conn)
    conn.close()
    assert json.loads(ok("verify", "--json"))["ok"]
    result = run("verify", "--against", str(signed))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: history check failed: the history no longer matches {signed} from event 9: the first 9 events no "
        "longer hash to its anchor 9:"
    )
    assert result.stderr.endswith(", the first 8 still do (an event was changed and the later hashes recomputed)\n")
    head = integrity(signed)["锚点（事件数:链头哈希）"]
    result = run("verify", "--anchor", head)
    assert result.stderr.startswith(
        f"Error: history check failed: the history no longer matches the anchor {head} from an event in 1..{events}"
    )


def test_removed_events_and_bad_anchors(signed, contract, tmp_path):
    head = integrity(signed)["锚点（事件数:链头哈希）"]
    n = int(head.split(":")[0])
    result = run("verify", "--anchor", f"{n + 5}:{'0' * 64}")
    assert result.stderr == (
        f"Error: history check failed: the history holds {n} events, but the anchor {n + 5}:{'0' * 64} anchors "
        f"{n + 5}: events {n + 1}..{n + 5} were removed\n"
    )
    result = run("verify", "--anchor", "12:abc")
    assert result.exit_code == 2
    assert "--anchor '12:abc': give N:HASH" in result.stderr
    notes = tmp_path / "notes.xlsx"
    notes.write_text("not a workbook")
    result = run("verify", "--against", str(notes))
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {notes} is not a readable .xlsx workbook (damaged, truncated or another format)\n",
    )


def test_an_honest_row_confirms_though_its_verdict_was_re_judged_since(signed, contract):
    """Exported, then an exception agreed that re-judges fault 1: the row is the store's own export
    (its seal matches) of the fault as it still is, so the hospital's signature holds; twice, too."""
    ok("fault", "waive", "1", "arrival", "--reason", "院方同意远程处理")
    ok("confirm", "exception", "1", "--by", "信息科 陈主任")
    fill(signed, "故障处理", 2, **SIGN)
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )
    assert ok("confirm", "import", str(signed)).endswith(
        ": 0 confirmed, 0 refused, 0 objected to, 1 already answered\n"
    )


def test_a_closed_month_report_confirms_rows_shown_as_at_the_month_end(signed, contract, tmp_path):
    ok("fault", "open", "queue", "月末报障", "--at", "2026-11-30 17:00", now=at("2026-11-30", "17:00"))
    ok("fault", "respond", "3", "--at", "2026-11-30 17:10", now=at("2026-11-30", "17:10"))
    ok(
        "fault",
        "resolve",
        "3",
        "--cause",
        "c",
        "--action",
        "a",
        "--at",
        "2026-12-01 10:00",
        now=at("2026-12-01", "10:00"),
    )
    monthly = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(monthly))  # fault 3 open at the month's end
    sheet = "SLA明细"
    fill(monthly, sheet, _row_of(monthly, sheet, "fault:3"), **SIGN)
    assert ok("confirm", "import", str(monthly)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )
    ok("fault", "correct", "3", "--reason", "补充", "--cause", "显示进程挂死")  # the confirmed record is corrected
    assert ok("confirm", "import", str(monthly)).endswith(
        ": 0 confirmed, 0 refused, 0 objected to, 1 already answered\n"
    )


def test_the_seal_never_leaves_the_store(signed, contract, tmp_path):
    import zipfile

    conn = connect(contract)
    secret = conn.execute("SELECT secret FROM workbook_seal").fetchone()[0]
    conn.close()
    assert len(secret) == 64
    monthly = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-11", "-o", str(monthly))
    for book in (signed, monthly):
        with zipfile.ZipFile(book) as z:
            assert not any(secret in z.read(name).decode("utf-8", "replace") for name in z.namelist())
    for args in (["report", "monthly", "2026-11", "--json"], ["report", "acceptance", "--json"], ["status", "--json"]):
        assert secret not in ok(*args)


def test_a_restored_store_keeps_its_seal_and_still_reads_its_workbooks(signed, contract, tmp_path):
    backup = tmp_path / "b.db"
    ok("backup", str(backup))
    ok("restore", str(backup), "--force")
    fill(signed, "故障处理", 2, **SIGN)
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


@pytest.mark.sqlite_only  # a backup is a SQLite file; this one is made older by hand
def test_a_backup_from_before_the_seal_leaves_the_seal_as_it_is(signed, contract, tmp_path):

    conn = connect(contract)
    secret = conn.execute("SELECT secret FROM workbook_seal").fetchone()[0]
    conn.close()
    backup = tmp_path / "old.db"
    ok("backup", str(backup))
    old = sqlite3.connect(backup)
    old.execute("DROP TABLE workbook_seal")
    old.execute("DELETE FROM schema_migrations WHERE name = 'm010_workbook_seal'")
    old.commit()
    old.close()
    ok("restore", str(backup), "--force")
    conn = connect(contract)
    assert conn.execute("SELECT secret FROM workbook_seal").fetchone()[0] == secret
    conn.close()
    fill(signed, "故障处理", 2, **SIGN)
    assert ok("confirm", "import", str(signed)).endswith(
        ": 1 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )


@pytest.mark.parametrize(
    ("comment", "refuses"),
    [
        ("不同意作废", True),
        ("“不同意”，未提供证明", True),
        ("驳回，未提供证明", True),
        ("不 同意", True),
        ("I disagree", True),
        ("Not agreed, no proof", True),
        ("No", True),
        ("否，理由不足", True),
        ("reject", True),
        ("同意", False),
        ("同意，无不同意见", False),
        ("已核实", False),
        ("Note: ok", False),
        ("None", False),
    ],
)
def test_what_reads_as_a_refusal(comment, refuses):
    from opsdesk.reports.confirm_import import is_refusal

    assert is_refusal(comment) is refuses


def test_the_seal_covers_the_column_titles(signed, contract):
    wb = openpyxl.load_workbook(signed)
    ws = wb["故障处理"]
    head = [c.value for c in ws[1]]
    ws.cell(1, head.index("响应") + 1, "响应（已豁免，不计超时）")
    wb.save(signed)
    fill(signed, "故障处理", 2, **SIGN)
    before = snapshot(contract)
    result = run("confirm", "import", str(signed))
    assert result.exit_code == 1 and result.stderr.startswith("Error: sheet 故障处理 row 2"), result.output
    assert "nothing was confirmed" in result.stderr
    assert snapshot(contract) == before


@pytest.mark.parametrize("edit", ["a column titled like the block", "an untitled column", "a column between"])
def test_a_column_the_hospital_adds_is_ignored_with_a_note(signed, contract, edit):
    wb = openpyxl.load_workbook(signed)
    ws = wb["故障处理"]
    head = [c.value for c in ws[1]]
    if edit == "a column between":
        ws.insert_cols(3)  # openpyxl moves the cells, not the filter or widths: enough for a reader
        ws.cell(1, 3, "科室核对")
        ws.cell(2, 3, "已核对")
        title = "科室核对"
    else:
        ws.cell(1, len(head) + 1, "Check" if "titled" in edit else None)
        ws.cell(2, len(head) + 1, "院方同意：不计超时")
        ws.cell(1, len(head) + 2, "" if "titled" in edit else "备注栏")  # a title after it: the column is read
        title = "Check" if "titled" in edit else f"(untitled column {openpyxl.utils.get_column_letter(len(head) + 1)})"
    wb.save(signed)
    fill(signed, "故障处理", 2, **SIGN)
    text = ok("confirm", "import", str(signed))
    assert text.startswith(f"Read 1 filled row(s) from {signed}: 1 confirmed, 0 refused, 0 objected to"), text
    assert f"Ignored — sheet 故障处理: column(s) {title}" in text
    assert json.loads(ok("fault", "show", "1", "--json"))["confirmed_by"] == "信息科 陈主任"

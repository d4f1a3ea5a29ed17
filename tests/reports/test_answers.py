"""The hospital's answer read exactly: the drop-down (确认 / 不确认) decides, never the words of a comment;
a name with no answer, an answer the product does not know or a date in no accepted form is reported
per row and not taken; an old workbook's comment confirms only when it plainly agrees; a row the
hospital edited without answering is the change it proposes; a workbook that is no export, too big or
a zip bomb is refused. Filled with openpyxl here, and through LibreOffice where it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from datetime import datetime

import openpyxl
import pytest

from tests.conftest import connect, ok, refused, run, snapshot
from tests.reports.test_workbook_seal import ANSWER, SAYS, SIGN, SIGNED, WHO, fill, signed  # noqa: F401

FAULTS = "故障处理"  # fault 1's sheet (a fault); fault 2 (data) is on 系统数据修复


@pytest.fixture
def book(request):
    """test_workbook_seal's ``book``: two resolved faults, the acceptance workbook exported at NOW."""
    return request.getfixturevalue("signed")


def fault(n: int) -> dict:
    return json.loads(ok("fault", "show", str(n), "--json"))


def objections() -> list[str]:
    return [o for p in json.loads(ok("confirm", "pending", "--json")) for o in p["objections"]]


# -- the workbook offers the answer ------------------------------------------------------------------


def test_every_record_row_has_an_answer_drop_down(book):
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        if "记录键" not in head:
            continue
        assert head[head.index("记录键") :] == ["记录键", "校验", ANSWER, WHO, SIGNED, SAYS], ws.title
        if ws.cell(2, 1).value == "本期无":
            continue
        letter = openpyxl.utils.get_column_letter(head.index(ANSWER) + 1)
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        cells = f"{letter}2:{letter}{ws.max_row}" if ws.max_row > 2 else f"{letter}2"
        assert [(dv.formula1, str(dv.sqref)) for dv in lists] == [('"确认,不确认"', cells)]
    assert "未确认记录" in wb.sheetnames and "记录键" in [c.value for c in wb["未确认记录"][1]]


def test_the_english_edition_offers_confirm_or_do_not_confirm(book, tmp_path):
    out = tmp_path / "en.xlsx"
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(out), "--lang", "en")
    ws = openpyxl.load_workbook(out)["Fault handling"]
    head = [c.value for c in ws[1]]
    assert head[-4:] == [
        "Answer (fill in: confirm / do not confirm)",
        "Confirmed by (fill in)",
        "Date confirmed (fill in)",
        "Comment (fill in)",
    ]
    assert [dv.formula1 for dv in ws.data_validations.dataValidation] == ['"confirm,do not confirm"']
    fill(
        out, "Fault handling", 2, **{head[-4]: "do not confirm", head[-3]: "Dr Chen", head[-1]: "Not confirmed: no log"}
    )
    assert ok("confirm", "import", str(out)).startswith(f"Read 1 filled row(s) from {out}: 0 confirmed, 0 refused, 1")
    assert fault(1)["confirmed_by"] is None and objections() == ["Dr Chen: Not confirmed: no log"]


# -- only the answer decides ---------------------------------------------------------------------------

OBJECTING = [
    "不确认：修复时间与科室记录不符",
    "不通过，逾期交付且未测试",
    "暂不确认，缺少备份日志截图",
    "有异议，到场时间不对",
    "不属实，当日无人到场",
    "Not confirmed: the fix did not hold",
]


@pytest.mark.parametrize("comment", OBJECTING)
def test_do_not_confirm_is_an_objection_whatever_the_comment(book, contract, comment):
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", ANSWER: "不确认", SAYS: comment})
    text = ok("confirm", "import", str(book))
    assert text == (
        f"Read 1 filled row(s) from {book}: 0 confirmed, 0 refused, 1 objected to, 0 already answered\n"
        f"Objection — sheet {FAULTS} row 2 (fault:1): 信息科 陈主任 answered {comment!r}; nothing confirmed "
        "(`opsdesk confirm pending` lists it)\n"
    )
    assert fault(1)["confirmed_by"] is None
    assert objections() == [f"信息科 陈主任: {comment}"]
    assert ok("confirm", "import", str(book)).startswith(  # twice: kept once
        f"Read 1 filled row(s) from {book}: 0 confirmed, 0 refused, 0 objected to, 1 already answered\n"
    )
    assert json.loads(ok("verify", "--json"))["counts"]["objection"] == 1
    again = book.with_name("again.xlsx")  # the next workbook shows the objection beside what awaits
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(again))
    ws = openpyxl.load_workbook(again)["未确认记录"]
    head = [c.value for c in ws[1]]
    shown = {ws.cell(r, head.index("记录键") + 1).value: ws.cell(r, head.index("院方异议") + 1).value for r in (2, 3)}
    assert shown == {"fault:1": f"信息科 陈主任: {comment}", "fault:2": None}


def test_confirm_confirms_and_the_comment_is_kept_with_it(book, contract):
    fill(book, FAULTS, 2, **SIGN, **{SAYS: "有异议但已解决"})  # the answer decides, not the words
    assert ok("confirm", "import", str(book)).startswith(f"Read 1 filled row(s) from {book}: 1 confirmed")
    shown = fault(1)
    assert (shown["confirmed_by"], shown["confirm_comment"]) == ("信息科 陈主任", "有异议但已解决")


@pytest.mark.parametrize("answer", ["确认", "不确认"])
def test_a_confirmer_whose_name_prints_as_another_is_refused(book, contract, answer):
    """A right-to-left override makes "信息科 \u202e任主陈" print as "信息科 陈主任": it answers nothing."""
    fill(book, FAULTS, 2, **{WHO: "信息科 \u202e任主陈", ANSWER: answer, SAYS: "修复时间与科室记录不符"})
    refused(
        ["confirm", "import", str(book)],
        f"sheet {FAULTS} row 2: 院方确认人 contains U+202E, a text-direction control, which can make one name "
        "print as another; a name takes visible characters only",
        contract,
    )


@pytest.mark.parametrize(
    ("cells", "why"),
    [
        (
            {WHO: "信息科 陈主任"},
            "no answer chosen in 院方答复（填写：确认/不确认） (确认 or 不确认); only the answer confirms; nothing confirmed",
        ),
        (
            {WHO: "信息科 陈主任", SAYS: "同意"},
            "no answer chosen in 院方答复（填写：确认/不确认） (确认 or 不确认); only the answer confirms; its comment "
            "is kept as an objection; nothing confirmed",
        ),
        (
            {WHO: "信息科 陈主任", ANSWER: "同意"},
            "the answer '同意' is neither 确认 nor 不确认 (confirm / do not confirm); choose one in "
            "院方答复（填写：确认/不确认）; nothing confirmed",
        ),
        (
            {WHO: "信息科 陈主任", ANSWER: "确认不了"},
            "the answer '确认不了' is neither 确认 nor 不确认 (confirm / do not confirm); choose one in "
            "院方答复（填写：确认/不确认）; nothing confirmed",
        ),
        (
            {ANSWER: "确认"},
            "院方答复（填写：确认/不确认） is 确认 but 院方确认人（填写） is empty; a record is confirmed by a named "
            "hospital person; nothing confirmed",
        ),
    ],
    ids=["a name alone", "a name and 同意", "an unknown answer", "确认 with more words", "确认 without a name"],
)
def test_a_row_without_a_known_answer_is_reported_not_guessed(book, contract, cells, why):
    fill(book, FAULTS, 2, **cells)
    fill(book, "系统数据修复", 2, **SIGN)  # the rest of the file is taken
    text = ok("confirm", "import", str(book))
    assert text.splitlines() == [
        f"Read 2 filled row(s) from {book}: 1 confirmed, 0 refused, 0 objected to, 0 already answered",
        f"Not taken — sheet {FAULTS} row 2 (fault:1): {why}",
    ]
    assert fault(1)["confirmed_by"] is None and fault(2)["confirmed_by"] == "信息科 陈主任"


def test_the_answer_is_read_whole_spaces_and_case_aside():
    from opsdesk.reports.answers import CONFIRM, REFUSE, read_answer

    assert [read_answer(v) for v in ("确认", " 确 认 ", "\u3000确认", "Confirm", "CONFIRM ")] == [CONFIRM] * 5
    assert [read_answer(v) for v in ("不确认", "不 确认", "do not confirm", "Do Not  Confirm")] == [REFUSE] * 4
    assert [read_answer(v) for v in (None, "", "  ")] == [None] * 3
    assert [read_answer(v) for v in ("确认？", "√", "同意", "不确认（见意见）", "confirmed", 1)] == [
        "确认？",
        "√",
        "同意",
        "不确认（见意见）",
        "confirmed",
        "1",
    ]


def test_do_not_confirm_refuses_an_exception_request_with_its_reason(contract, tmp_path):
    from tests.faults.test_agreed_requests import late_response_fault, sla

    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    before = sla()
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    fill(out, "豁免与作废记录", 2, **{WHO: "信息科陈主任", ANSWER: "不确认"})  # no reason: not refused
    assert ok("confirm", "import", str(out)).splitlines()[1] == (
        "Not taken — sheet 豁免与作废记录 row 2 (exception:1): 不确认 of an exception request needs the reason "
        "(the comment) to refuse it; kept as an objection, not refused"
    )
    assert json.loads(ok("fault", "exceptions", "--json"))[0]["state"] == "pending"
    fill(out, "豁免与作废记录", 2, **{SAYS: "确认属于真实故障"})  # the words say 确认; the answer refuses
    assert ok("confirm", "import", str(out)).startswith(f"Read 1 filled row(s) from {out}: 0 confirmed, 1 refused")
    listed = json.loads(ok("fault", "exceptions", "--json"))[0]
    assert (listed["state"], listed["refused_by"], listed["refuse_reason"]) == (
        "refused",
        "信息科陈主任",
        "确认属于真实故障",
    )
    assert sla() == before


# -- a workbook exported before the answer column -------------------------------------------------------


def old_workbook(path, db) -> None:
    """The workbook as opsdesk wrote it before the answer column: 院方确认人, 确认意见, 确认日期, and each
    row's 校验 sealed as it was then (every titled visible cell in column order)."""
    from opsdesk.reports.seal import cell_text, cells_check

    conn = connect(db)
    seal = bytes.fromhex(conn.execute("SELECT secret FROM workbook_seal").fetchone()[0])
    conn.close()
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        if ANSWER not in head:
            continue
        ws.cell(1, head.index(SAYS) + 1, "确认意见（填写）")
        ws.delete_cols(head.index(ANSWER) + 1)
        head = [c.value for c in ws[1]]
        block = {"记录键", "校验", WHO, "确认意见（填写）", SIGNED}
        for r in range(2, ws.max_row + 1):
            key, check = ws.cell(r, head.index("记录键") + 1).value, ws.cell(r, head.index("校验") + 1).value
            if not key:
                continue
            shown = [f"{t}\x1e{cell_text(ws.cell(r, n + 1).value)}" for n, t in enumerate(head) if t and t not in block]
            digest = check.split("-")[1]
            ws.cell(r, head.index("校验") + 1, f"{cells_check(seal, key, digest, shown)}-{digest}")
    wb.save(path)


def test_an_old_workbook_is_read_as_sealed(book, contract):
    old_workbook(book, contract)
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任"})
    assert ok("confirm", "import", str(book)).startswith(f"Read 1 filled row(s) from {book}: 1 confirmed")


def test_the_answer_column_cannot_be_taken_away_or_slipped_in(book, contract):
    """Could the vendor turn a 不确认 into a confirmation? Not by deleting the answer column (an old
    workbook's reading would take a name and no comment as agreement), nor by adding one to an old
    workbook (its rows were sealed before the column existed: they are read by their comments)."""
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", ANSWER: "不确认"})
    wb = openpyxl.load_workbook(book)
    ws = wb[FAULTS]
    ws.delete_cols([c.value for c in ws[1]].index(ANSWER) + 1)
    wb.save(book)
    refused(
        ["confirm", "import", str(book)],
        f"sheet {FAULTS} row 2: the answer column 院方答复（填写：确认/不确认） is missing from the sheet, but the "
        "workbook was exported with it; only the answer confirms: give the workbook as exported, or export it "
        "again",
        contract,
    )
    ok("report", "acceptance", "--to", "2026-11-30", "-o", str(book), "--force")
    old_workbook(book, contract)
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", "确认意见（填写）": "不确认：修复时间与科室记录不符"})
    wb = openpyxl.load_workbook(book)
    ws = wb[FAULTS]
    ws.cell(1, ws.max_column + 1, ANSWER)
    ws.cell(2, ws.max_column, "确认")
    wb.save(book)
    assert ok("confirm", "import", str(book)).startswith(
        f"Read 1 filled row(s) from {book}: 0 confirmed, 0 refused, 1 objected to"
    )
    assert fault(1)["confirmed_by"] is None


@pytest.mark.parametrize("comment", OBJECTING)
def test_an_old_workbooks_comment_that_does_not_plainly_agree_confirms_nothing(book, contract, comment):
    old_workbook(book, contract)
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", "确认意见（填写）": comment})
    assert ok("confirm", "import", str(book)).startswith(
        f"Read 1 filled row(s) from {book}: 0 confirmed, 0 refused, 1 objected to, 0 already answered\n"
        f"Objection — sheet {FAULTS} row 2 (fault:1): 信息科 陈主任 answered {comment!r}"
    )
    assert fault(1)["confirmed_by"] is None and objections() == [f"信息科 陈主任: {comment}"]


@pytest.mark.parametrize("comment", ["", "同意", "确认", "无异议", "OK", "ok。", "Agree", "confirmed"])
def test_an_old_workbooks_empty_or_agreeing_comment_confirms(book, contract, comment):
    old_workbook(book, contract)
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", "确认意见（填写）": comment})
    assert ok("confirm", "import", str(book)).startswith(f"Read 1 filled row(s) from {book}: 1 confirmed")
    assert fault(1)["confirmed_by"] == "信息科 陈主任"


# -- the date as the hospital types it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "dated"),
    [
        (datetime(2026, 11, 20), "2026-11-20T23:59:00+08:00"),
        (datetime(2026, 11, 20, 14, 30), "2026-11-20T14:30:00+08:00"),
        ("2026-11-20", "2026-11-20T23:59:00+08:00"),
        ("2026/11/20", "2026-11-20T23:59:00+08:00"),
        ("2026.11.20", "2026-11-20T23:59:00+08:00"),
        ("2026年11月20日", "2026-11-20T23:59:00+08:00"),
        ("2026年11月20日 14:30", "2026-11-20T14:30:00+08:00"),
        ("2026/11/20 9:05", "2026-11-20T09:05:00+08:00"),
        ("2026-12-1", "2026-12-01T23:59:00+08:00"),
        (" 2026 年 11 月 20 日 ", "2026-11-20T23:59:00+08:00"),
    ],
)
def test_the_signing_date_as_typed(book, contract, written, dated):
    fill(book, FAULTS, 2, **SIGN, **{SIGNED: written})
    assert ok("confirm", "import", str(book)).startswith(f"Read 1 filled row(s) from {book}: 1 confirmed")
    assert fault(1)["confirmed_at"] == dated


@pytest.mark.parametrize("written", ["20/11/2026", "11月20日", "昨天", "2026-11-31", "2026-11", "46346"])
def test_a_date_in_no_accepted_form_is_reported_naming_the_forms(book, contract, written):
    fill(book, FAULTS, 2, **SIGN, **{SIGNED: written})
    assert ok("confirm", "import", str(book)).splitlines()[1] == (
        f"Not taken — sheet {FAULTS} row 2 (fault:1): 确认日期 {written} is not a date in an accepted form (a date "
        "cell, 2026-11-20, 2026/11/20, 2026.11.20 or 2026年11月20日 (a time such as 14:30 may follow)); nothing "
        "confirmed"
    )
    assert fault(1)["confirmed_by"] is None


# -- sorted rows, edits proposed -------------------------------------------------------------------------


def test_sorted_rows_still_match(book, contract):
    wb = openpyxl.load_workbook(book)
    ws = wb["未确认记录"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 2
    for n, values in enumerate(reversed(rows), start=2):  # sorted the other way
        for m, v in enumerate(values, start=1):
            ws.cell(n, m, v)
    wb.save(book)
    head = [c.value for c in ws[1]]
    key_at = head.index("记录键") + 1
    assert [ws.cell(n, key_at).value for n in (2, 3)] == ["fault:2", "fault:1"]
    fill(book, "未确认记录", 2, **SIGN)
    assert ok("confirm", "import", str(book)).startswith(f"Read 1 filled row(s) from {book}: 1 confirmed")
    assert fault(2)["confirmed_by"] == "信息科 陈主任" and fault(1)["confirmed_by"] is None


def test_an_unanswered_edited_row_is_a_proposed_change_nothing_applied(book, contract):
    fill(book, FAULTS, 2, **{"原因分析": "交换机故障", "处理过程": "更换交换机"})
    before = snapshot(contract)
    text = ok("confirm", "import", str(book))
    assert text == (
        f"Read 0 filled row(s) from {book}: 0 confirmed, 0 refused, 0 objected to, 0 already answered\n"
        f"Proposed by the hospital, not applied — sheet {FAULTS} row 2 (fault:1): 原因分析 '进程挂死' → '交换机故障'; "
        "处理过程 '重启' → '更换交换机'\n"
    )
    assert snapshot(contract) == before
    listed = json.loads(ok("confirm", "import", str(book), "--json"))["proposed"]
    assert listed == [
        {
            "sheet": FAULTS,
            "row": 2,
            "record": "fault:1",
            "cells": [["原因分析", "进程挂死", "交换机故障"], ["处理过程", "重启", "更换交换机"]],
        }
    ]


def test_confirming_an_edited_row_still_refuses_the_file(book, contract):
    fill(book, FAULTS, 2, **SIGN, **{"原因分析": "交换机故障"})
    refused(
        ["confirm", "import", str(book)],
        f"sheet {FAULTS} row 2: 原因分析 reads '交换机故障' in the workbook but '进程挂死' on record: the workbook was "
        "edited after it was exported (fault 1 is unchanged since); nothing was confirmed",
        contract,
    )


# -- files that are not what they claim ------------------------------------------------------------------


def test_a_workbook_that_is_no_opsdesk_export_is_refused(contract, tmp_path):
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["院方确认人（填写）", "意见（填写）"])
    wb.active.append(["信息科 陈主任", "同意"])
    wb.save(plain)
    refused(
        ["confirm", "import", str(plain)],
        f"{plain} is not a workbook exported by opsdesk (no sheet has the 记录键 and 校验 columns); give the monthly "
        "report or acceptance workbook the hospital filled in",
        contract,
    )


def test_a_sheet_whose_answer_columns_were_retitled_refuses_the_file(book, contract):
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", ANSWER: "不确认", SAYS: "有异议"})
    wb = openpyxl.load_workbook(book)
    ws = wb[FAULTS]
    ws.cell(1, [c.value for c in ws[1]].index(WHO) + 1, "确认人")
    wb.save(book)
    refused(
        ["confirm", "import", str(book)],
        f"sheet {FAULTS} has the 记录键 column but no 院方确认人（填写） (Confirmed by) column: its answers cannot be "
        "read; give the workbook as exported, its columns' titles unchanged",
        contract,
    )


def test_a_zip_bomb_is_refused_before_it_is_opened(contract, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<row/>" * (2**20))  # 6 MiB of one repeated tag
    ratio = 6 * 2**20 // zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml").compress_size
    refused(
        ["confirm", "import", str(bomb)],
        f"{bomb}: its part xl/worksheets/sheet1.xml would expand {ratio} times (to 6.0 MiB); at most 100 times is "
        "read (MAX_XLSX_RATIO): it is not a workbook opsdesk exported",
        contract,
    )


def test_too_big_on_disk_or_expanded_is_refused(contract, tmp_path, monkeypatch):
    import opsdesk.xlsxfile

    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.truncate(64 * 2**20 + 1)  # sparse: no time spent writing it
    refused(
        ["confirm", "import", str(big)],
        f"{big} is 64.0 MiB on disk; a workbook read back may be at most 64.0 MiB (MAX_XLSX_BYTES): give the "
        "workbook opsdesk exported",
        contract,
    )
    small = tmp_path / "s.xlsx"
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", "x" * 3000)
    monkeypatch.setattr(opsdesk.xlsxfile, "MAX_XLSX_EXPANDED", 2000)
    refused(
        ["confirm", "import", str(small)],
        f"{small} would expand to 0.0 MiB; a workbook read back may expand to at most 0.0 MiB (MAX_XLSX_EXPANDED): "
        "it is not a workbook opsdesk exported",
        contract,
    )


# -- through LibreOffice ---------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")


def resave(path, tmp_path):
    """The workbook opened and saved again by LibreOffice (headless), as a hospital using it would."""
    out = tmp_path / "lo"
    out.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    saved = out / path.name
    assert saved.is_file(), done.stdout
    return saved


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the re-saved workbooks are not tried"
)
def test_a_workbook_filled_and_resaved_by_libreoffice_reads_the_same(book, contract, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb[FAULTS]
    head = [c.value for c in ws[1]]
    ws.insert_cols(2)  # the hospital's own column, between the record's
    ws.cell(1, 2, "科室核对")
    ws.cell(2, 2, "已核对")
    wb.save(book)
    fill(book, FAULTS, 2, **SIGN, **{SIGNED: "2026年11月20日"})
    fill(book, "系统数据修复", 2, **{WHO: "信息科 黄工", ANSWER: "不确认", SAYS: "不属实，数据仍未恢复"})
    saved = resave(book, tmp_path)
    lo = openpyxl.load_workbook(saved)
    assert [dv.formula1 for dv in lo[FAULTS].data_validations.dataValidation if dv.type == "list"] == ['"确认,不确认"']
    assert lo[FAULTS].cell(2, [c.value for c in lo[FAULTS][1]].index(SIGNED) + 1).value == "2026年11月20日"
    text = ok("confirm", "import", str(saved))
    assert text.splitlines() == [
        f"Read 2 filled row(s) from {saved}: 1 confirmed, 0 refused, 1 objected to, 0 already answered",
        "Objection — sheet 系统数据修复 row 2 (fault:2): 信息科 黄工 answered '不属实，数据仍未恢复'; nothing confirmed "
        "(`opsdesk confirm pending` lists it)",
        f"Ignored — sheet {FAULTS}: column(s) 科室核对 are not opsdesk's (added to the workbook)",
    ]
    assert fault(1)["confirmed_at"] == "2026-11-20T23:59:00+08:00" and fault(2)["confirmed_by"] is None
    del head


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the re-saved workbooks are not tried"
)
def test_a_libreoffice_resave_of_an_untouched_or_edited_workbook(book, contract, tmp_path):
    saved = resave(book, tmp_path)
    assert ok("confirm", "import", str(saved)) == (
        f"Read 0 filled row(s) from {saved}: 0 confirmed, 0 refused, 0 objected to, 0 already answered\n"
    )  # every row still matches its seal: nothing proposed
    fill(book, FAULTS, 2, **{"原因分析": "交换机故障"})
    fill(book, "系统数据修复", 2, **{WHO: "信息科 陈主任"})  # a name, no answer
    saved = resave(book, tmp_path)
    assert ok("confirm", "import", str(saved)).splitlines()[1:] == [
        "Not taken — sheet 系统数据修复 row 2 (fault:2): no answer chosen in 院方答复（填写：确认/不确认） (确认 or "
        "不确认); only the answer confirms; nothing confirmed",
        f"Proposed by the hospital, not applied — sheet {FAULTS} row 2 (fault:1): 原因分析 '进程挂死' → '交换机故障'",
    ]


# -- one answer per record -------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["确认 first", "不确认 first"])
def test_two_rows_of_one_record_that_disagree_refuse_the_file(book, contract, order):
    """Fault 1 is on its sheet and on 未确认记录: answered both ways, the file is refused, whichever
    sheet comes first; nothing is confirmed or objected."""
    ws = openpyxl.load_workbook(book)["未确认记录"]
    head = [c.value for c in ws[1]]
    keys = [ws.cell(r, head.index("记录键") + 1).value for r in range(2, ws.max_row + 1)]
    row = 2 + keys.index("fault:1")
    first, second = ("确认", "不确认") if order == "确认 first" else ("不确认", "确认")
    fill(book, FAULTS, 2, **{WHO: "信息科 陈主任", ANSWER: first, SAYS: "见说明"})
    fill(book, "未确认记录", row, **{WHO: "信息科 陈主任", ANSWER: second, SAYS: "见说明"})
    result_message = (
        f"sheet 未确认记录 row {row}: fault:1 is answered {second} here but {first} in sheet {FAULTS} row 2; a "
        "record has one answer: correct one of them"
        if order == "不确认 first"
        else f"sheet 未确认记录 row {row}: fault 1 was already confirmed by 信息科 陈主任; the workbook now refuses "
        "it, and an answer is not changed"
    )
    refused(["confirm", "import", str(book)], result_message, contract)


def test_a_pending_request_is_answered_on_the_unconfirmed_sheet(contract, tmp_path):
    from tests.faults.test_agreed_requests import late_response_fault, sla

    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    out = tmp_path / "a.xlsx"
    ok("report", "acceptance", "-o", str(out))
    ws = openpyxl.load_workbook(out)["未确认记录"]
    head = [c.value for c in ws[1]]
    keys = [ws.cell(r, head.index("记录键") + 1).value for r in range(2, ws.max_row + 1)]
    assert "exception:1" in keys
    fill(out, "未确认记录", 2 + keys.index("exception:1"), **{WHO: "信息科陈主任", ANSWER: "确认"})
    assert ok("confirm", "import", str(out)).startswith(f"Read 1 filled row(s) from {out}: 1 confirmed")
    assert json.loads(ok("fault", "exceptions", "--json"))[0]["state"] == "agreed"
    assert sla()["tickets"] == 0


def test_an_old_workbooks_refusal_of_an_exception_request(contract, tmp_path):
    from tests.faults.test_agreed_requests import late_response_fault

    late_response_fault()
    ok("fault", "void", "1", "--reason", "测试工单")
    ok("fault", "waive", "1", "arrival", "--reason", "院方同意远程")
    out = tmp_path / "m.xlsx"
    ok("report", "monthly", "2026-12", "-o", str(out))
    old_workbook(out, contract)
    fill(out, "豁免与作废记录", 2, **{WHO: "信息科陈主任", "确认意见（填写）": "不同意作废，属于真实故障"})
    fill(out, "豁免与作废记录", 3, **{WHO: "信息科陈主任", "确认意见（填写）": "有异议，需补充证明"})
    assert ok("confirm", "import", str(out)).startswith(
        f"Read 2 filled row(s) from {out}: 0 confirmed, 1 refused, 1 objected to, 0 already answered\n"
    )
    states = [(x["id"], x["state"]) for x in json.loads(ok("fault", "exceptions", "--json"))]
    assert states == [(1, "refused"), (2, "pending")]


def test_verify_against_a_zip_bomb_is_refused_too(contract, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<row/>" * (2**20))
    result = run("verify", "--against", str(bomb))
    assert result.exit_code == 1 and "(MAX_XLSX_RATIO): it is not a workbook opsdesk exported" in result.stderr


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the re-saved workbooks are not tried"
)
def test_sorted_and_resaved_by_libreoffice_with_dates_as_typed(book, contract, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb["未确认记录"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for n, values in enumerate(reversed(rows), start=2):  # sorted the other way
        for m, v in enumerate(values, start=1):
            ws.cell(n, m, v)
    wb.save(book)
    fill(book, "未确认记录", 2, **SIGN, **{SIGNED: "2026/11/20 14:30"})  # fault 2, after the sort
    fill(book, "未确认记录", 3, **{WHO: "信息科 陈主任", ANSWER: "不确认", SAYS: "暂不确认，缺少备份日志截图"})
    saved = resave(book, tmp_path)
    assert ok("confirm", "import", str(saved)).splitlines()[0] == (
        f"Read 2 filled row(s) from {saved}: 1 confirmed, 0 refused, 1 objected to, 0 already answered"
    )
    assert fault(2)["confirmed_at"] == "2026-11-20T14:30:00+08:00" and fault(1)["confirmed_by"] is None
    assert objections() == ["信息科 陈主任: 暂不确认，缺少备份日志截图"]

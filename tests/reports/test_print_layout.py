"""How a sheet the hospital answers on prints: the answer beside the record it answers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import openpyxl

from opsdesk.reports.confirm_block import Confirmation, block
from opsdesk.reports.workbook import PAGE_WIDTH, Column, SheetRow, Table, write

TZ = ZoneInfo("Asia/Shanghai")


def _sheet(tmp_path, text_width: int):
    """A sheet of four text columns of ``text_width`` characters each, then the confirmation block."""
    columns = [Column(f"c{n}", f"列{n}") for n in range(4)]
    rows = [
        SheetRow(
            {f"c{n}": "x" * text_width for n in range(4)},
            confirm=Confirmation(f"fault:{i}", "ab" * 6, None, None, None),
        )
        for i in range(1, 4)
    ]
    out = write(
        tmp_path / "w.xlsx", [Table("未确认记录", columns, rows, confirm=block("zh"), ident=2)], TZ, seal=b"k" * 32
    )
    ws = openpyxl.load_workbook(out)["未确认记录"]
    total = sum(ws.column_dimensions[c.column_letter].width for c in ws[1])
    return ws, total


def test_an_answer_sheet_a_little_wider_than_a_page_prints_one_page_wide(tmp_path):
    # cut in two, the answer would print on a page of its own, away from what it answers
    ws, total = _sheet(tmp_path, 28)
    assert PAGE_WIDTH < total <= PAGE_WIDTH * 1.1
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_cols is None


def test_a_much_wider_answer_sheet_repeats_its_identifying_columns(tmp_path):
    ws, total = _sheet(tmp_path, 50)
    assert total > PAGE_WIDTH * 1.1
    assert ws.page_setup.fitToWidth == 2 and ws.print_title_cols == "$A:$B"


def test_an_exception_request_is_answered_beside_its_type():
    # 编号, 报障编号 and 系统 alone: the answer page would not say whether 确认 agrees to a void or a waiver
    from opsdesk.reports.sheets import exceptions_table

    table = exceptions_table("zh", [])
    assert [c.title for c in table.columns[: table.ident]] == ["编号", "报障编号", "系统", "申请类型"]

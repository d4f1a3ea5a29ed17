"""One writer that turns report rows into a workbook a person can open, read, print and sign.

Header row styled and frozen, CJK-aware column widths, real Excel dates in local time,
auto-filter, A4 landscape fit to width with the header repeated, native bar charts, and
user text that looks like a formula kept as text. Record sheets carry a confirmation block
(:mod:`opsdesk.reports.confirm_block`) that ``opsdesk confirm import`` reads back
(:mod:`opsdesk.reports.workbook_read`).
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsdesk.errors import OpsdeskError
from opsdesk.outfile import output_file
from opsdesk.reports.confirm_block import INPUT_KEYS, Block, Confirmation, answer_list, block_cells

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = "1F4E78"
FILLS = {"bad": "F8CBAD", "warn": "FFE699", "good": "C6EFCE", "input": "FFF2CC"}
MAX_WIDTH = 60
TOKEN_WIDTH = 75  # a long unbroken token (a hash, an anchor N:HASH) gets its width rather than wrapping
CHECK_WIDTH = 20  # the 校验 cell, 12-12 hex digits in 8 pt
MIN_WIDTHS = {"datetime": 17, "date": 12, "percent": 8}  # never ####: a moment always has room
PAGE_WIDTH = 200  # what one A4 landscape page holds, in column-width units, at a scale still easy to read
ANSWER_SLACK = 1.1  # how much wider a sheet the hospital answers on may be and still print one page wide
# what XML 1.0 cannot carry: openpyxl's list (C0 controls), surrogates, U+FFFE and U+FFFF
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


Cell = str | int | float | date | None  # what a cell holds (bool is an int, datetime a date)


@dataclass(frozen=True)
class SheetRow:
    """One row of a :class:`Table`: its cells by column key, as shown, the fill that flags it (bad,
    warn), and on a sheet the hospital confirms on, the record's confirmation block."""

    cells: Mapping[str, Cell]
    fill: str | None = None
    confirm: Confirmation | None = None


@dataclass
class Column:
    key: str
    title: str
    kind: str = "text"  # text | datetime | date | int | float | percent | check (the 校验 cell)
    always: bool = False  # kept when no row fills it (where the hospital's answer goes, say)


@dataclass
class Chart:
    """A bar chart of some numeric columns against the first column of the table."""

    title: str
    value_columns: list[str]
    y_title: str = ""
    percent: bool = False
    skip_last: bool = False  # leave out a closing total row, which would dwarf the others


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: Iterable[SheetRow]
    confirm: Block | None = None  # the confirmation block's titles: a sheet the hospital answers on
    charts: list[Chart] = field(default_factory=list)
    ident: int = 1  # leading columns that identify a row: frozen, and repeated on every printed page
    drop_empty: bool = True  # leave out a column no row fills (rows given as a list only)


@dataclass
class Cover:
    """A cover: the title, label/value fields, headed blocks of them (a summary), notes, then the
    sign-off lines (a label and a box to sign in; a label ending in "\n" gets a tall box)."""

    name: str
    title: str
    fields: list[tuple[str, str]]
    signoff: list[str]
    notes: list[str] = field(default_factory=list)
    blocks: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    subtitle: str | None = None


@dataclass(frozen=True)
class Page:
    """What every printed page of a workbook carries, and its type."""

    header: str  # left of the page header: project and hospital
    period: str  # right of the page header
    font: str = "等线"  # named on every style: a bold cell that names no font falls back to a serif face
    empty: str = "本期无"  # the one row of a sheet with no records
    footer: str = "第 &P 页，共 &N 页"


Later = Callable[[], "Table | Cover"]  # a sheet built once the others are written (a summary of them)


class Book(list["Table | Cover | Later"]):
    """The sheets of a workbook, in order, with the :class:`Page` they are printed on."""

    def __init__(self, sheets: Iterable[Table | Cover | Later], page: Page):
        super().__init__(sheets)
        self.page = page


def text_width(text: str) -> int:
    """Display width: CJK and other wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def excel_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: callers pass local time
    if kind == "percent" and isinstance(value, int | float):
        return value / 100.0
    return value


def write(
    path: Path,
    sheets: list[Table | Cover | Later],
    tz,
    progress: Callable[[int], None] | None = None,
    seal: bytes | None = None,
) -> Path:
    """Write ``sheets`` to ``path`` (an .xlsx file); ``progress`` is called with rows written;
    ``seal``: the store's key for the 校验 cells of sheets the hospital confirms on.

    A sheet given as a function is built after the others, in its place in the workbook: it can
    summarise what their row iterators gathered while they were written (:class:`Later`).

    openpyxl lays out each sheet (header, widths, filter, print setup, charts) and the styles;
    the data rows are streamed as sheet XML into a temporary file and spliced into the saved
    workbook, so memory stays flat and no cell object is built per value.
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OpsdeskError(f"{path}: the workbook needs an .xlsx file name, e.g. report.xlsx")
    page = getattr(sheets, "page", None) or Page("", "")
    wb = Workbook()
    wb.remove(wb.active)
    _default_font(wb, page.font)
    styles = _Styles(wb, page.font)
    with tempfile.TemporaryDirectory(prefix="opsdesk-xlsx-") as tmp:
        places = [wb.create_sheet(f"_sheet{n}") for n in range(len(sheets))]
        later = [(ws, sheet) for ws, sheet in zip(places, sheets, strict=True) if callable(sheet)]
        data: dict[Any, tuple[Path, str]] = {}
        for ws, sheet in [(ws, s) for ws, s in zip(places, sheets, strict=True) if not callable(s)] + later:
            sheet = sheet() if callable(sheet) else sheet
            ws.title = sheet.name
            if isinstance(sheet, Cover):
                _cover(ws, sheet, page)
            else:
                rows = Path(tmp) / f"{len(data)}.xml"
                data[ws] = (rows, _table(ws, sheet, tz, styles, rows, progress, page, seal))
        styles.close()
        base = Path(tmp) / "layout.xlsx"
        wb.save(base)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with output_file(path, replace=True) as temp:  # renamed to `path` when complete (0600)
                _splice(base, temp, {ws.path.lstrip("/"): streamed for ws, streamed in data.items()})
        except OSError as exc:
            raise OpsdeskError(f"cannot write {path}: {exc.strerror}") from None
    return path


def _splice(base: Path, path: Path, rows: dict[str, tuple[Path, str]]) -> None:
    """Copy the laid-out workbook to ``path``, each table sheet's streamed rows after its header row
    and its dimension (the range it fills) widened to them."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            content = src.read(info)
            if info.filename not in rows:
                out.writestr(info, content)
                continue
            body_path, ref = rows[info.filename]
            head, tail = content.split(b"</sheetData>", 1)
            head = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), head, count=1)
            with out.open(info.filename, "w", force_zip64=True) as sheet, body_path.open("rb") as body:
                sheet.write(head)
                shutil.copyfileobj(body, sheet, 1 << 20)
                sheet.write(b"</sheetData>" + tail)


def _header_text(text: str) -> str:
    return text.replace("&", "&&")


def _print_setup(ws, page: Page, landscape: bool = True, pages_wide: int = 1) -> None:
    """A4, fit to ``pages_wide`` pages across (a wide table over two pages rather than in unreadable
    type), the project, hospital and period at the head of every page, page numbers at its foot."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddHeader.left.text = _header_text(page.header)
    ws.oddHeader.center.text = "&A"
    ws.oddHeader.right.text = _header_text(page.period)
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.center):
        part.font = page.font
        part.size = 9
    ws.oddFooter.center.text = page.footer


def _default_font(wb, name: str) -> None:
    """The workbook's own font (the Normal style's), so that every cell names it."""
    from openpyxl.styles import Font

    wb._fonts = type(wb._fonts)([Font(name=name, size=11)])  # index 0: the font of unstyled cells
    for style in wb._named_styles:
        if style.name == "Normal":
            style.font = Font(name=name, size=11)


def _cover(ws, cover: Cover, page: Page) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 64
    ws.merge_cells("A1:B1")
    ws["A1"] = cover.title
    ws["A1"].font = Font(name=page.font, size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    row = 2
    if cover.subtitle:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        _text_cell(ws.cell(row, 1), cover.subtitle)
        ws.cell(row, 1).font = Font(name=page.font, size=12, bold=True, color="C00000")
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
    row += 1

    def pairs(items: list[tuple[str, str]]) -> None:
        nonlocal row
        for name, text in items:
            label = ws.cell(row, 1, name)
            label.font, label.alignment, label.border = Font(name=page.font, bold=True), wrap, box
            _text_cell(ws.cell(row, 2), text)
            ws.cell(row, 2).alignment, ws.cell(row, 2).border = wrap, box
            lines = max(text_width(str(name)) // 34 + 1, text_width(str(text or "")) // 62 + 1)
            if lines > 1:
                ws.row_dimensions[row].height = 15 * lines + 3
            row += 1

    pairs(cover.fields)
    for heading, items in cover.blocks:
        row += 1
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = ws.cell(row, 1, heading)
        cell.font = Font(name=page.font, bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        row += 1
        pairs(items)
    for note in cover.notes:
        row += 1
        _text_cell(ws.cell(row, 1), note)
        ws.cell(row, 1).alignment = wrap
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = 15 * (text_width(note) // 96 + 1) + 3
    row += 1
    for sign in cover.signoff:
        row += 1
        tall = sign.endswith("\n")
        cell = ws.cell(row, 1, sign.rstrip("\n"))
        cell.font, cell.alignment = Font(name=page.font, bold=True), Alignment(vertical="top", wrap_text=True)
        ws.cell(row, 2).border = box
        ws.row_dimensions[row].height = 96 if tall else 40
    _print_setup(ws, page, landscape=False)


def _text_cell(cell, text: Any) -> None:
    cell.value = _ILLEGAL.sub("", text) if isinstance(text, str) else text
    if isinstance(text, str):
        cell.data_type = "s"  # never a formula, whatever the first character


def _filled(table: Table) -> list[Column]:
    """The table's columns, without those no row fills when the rows are a list (a streamed sheet
    keeps them all: its rows are read once)."""
    rows = table.rows
    if not table.drop_empty or not isinstance(rows, list | tuple) or not rows:
        return list(table.columns)
    keep = [
        c
        for n, c in enumerate(table.columns)
        if n < table.ident or c.always or any(r.cells.get(c.key) not in (None, "") for r in rows)
    ]
    return keep


def _table(ws, table: Table, tz, styles: _Styles, rows_file: Path, progress, page: Page, seal: bytes | None) -> str:
    """Lay out ``ws`` for ``table`` and stream its rows to ``rows_file``; returns the range filled."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from opsdesk.reports.seal import cell_text

    columns = _filled(table)
    visible = [(c.key, c.title, c.kind) for c in columns]
    if table.confirm:
        columns += [Column(key, title, kind) for key, title, kind in table.confirm.columns()]
    header_font = Font(name=page.font, bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    rows_seen: list[list[Cell]] = []  # the rows the widths are measured on
    widths = [max(min(text_width(c.title) * 7 // 8, 20) + 3, MIN_WIDTHS.get(c.kind, 0)) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(1, index, column.title)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cell.border = styles.border
    plan = [
        (c.kind, get_column_letter(n), "input" if c.key in INPUT_KEYS else None) for n, c in enumerate(columns, start=1)
    ]
    count = 0
    text_style = f' s="{styles.id("text", None, None)}"'
    with rows_file.open("w", encoding="utf-8", newline="") as out:
        for count, row in enumerate(table.rows, start=1):
            fill = row.fill
            r = count + 1
            got = row.cells.get
            values = [got(key) for key, _, _ in visible]
            if table.confirm is not None:  # the 校验 cell covers the row's visible cells as written
                shown = [
                    (title, cell_text(excel_value(_local(value, tz), kind)))
                    for value, (_, title, kind) in zip(values, visible, strict=True)
                ]
                values += block_cells(row.confirm, table.confirm, shown, seal)
            cells = []
            for value, (kind, letter, input_fill) in zip(values, plan, strict=True):
                cell_fill = fill or input_fill
                if type(value) is str and kind == "text" and cell_fill is None:  # most cells: plain text
                    cells.append(_text_xml(f"{letter}{r}", text_style, value))
                    continue
                value = _local(value, tz)
                style = styles.id(kind, value, cell_fill)
                cells.append(_cell_xml(f"{letter}{r}", excel_value(value, kind), style))
            lines = max((_lines(v) for v, (kind, _, _) in zip(values, plan, strict=True) if kind == "text"), default=1)
            height = f' ht="{14 * lines + 2}" customHeight="1"' if lines > 1 else ""  # no reader grows it itself
            out.write(f'<row r="{r}"{height}>{"".join(cells)}</row>')
            if count <= 300:
                widths = [max(w, _width_of(v, c.kind)) for w, v, c in zip(widths, values, columns, strict=True)]
                rows_seen.append(values)
            if progress and count % 500 == 0:
                progress(500)
        if count == 0:  # an empty sheet says so
            style = styles.id("text", None, None)
            empty = "".join(
                _cell_xml(f"{letter}2", page.empty if n == 0 else None, style) for n, (_, letter, _) in enumerate(plan)
            )
            out.write(f'<row r="2">{empty}</row>')
    if progress:
        progress(count % 500)
    widths = [
        min(w, TOKEN_WIDTH if w > MAX_WIDTH and c.kind == "text" and _one_token(rows_seen, n) else MAX_WIDTH)
        for n, (w, c) in enumerate(zip(widths, columns, strict=True))
    ]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if any(text_width(c.title) + 1 > w for c, w in zip(columns, widths, strict=True)):
        ws.row_dimensions[1].height = 30  # a title that wraps gets its second line
    ident = min(table.ident, len(columns))
    ws.freeze_panes = f"{get_column_letter(ident + 1)}2" if ident else "A2"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{max(count, 1) + 1}"
    ws.print_title_rows = "1:1"
    total, repeated = sum(widths), sum(widths[:ident])
    pages_wide = 1
    summary = bool(table.charts) and count <= 30  # a summary and its charts: one page, no chart cut in two
    # a sheet the hospital answers on, a little wider than a page, prints one page wide (a little smaller):
    # cut in two, its answer block would print on a page of its own, away from the record it answers
    fits = total <= PAGE_WIDTH * ANSWER_SLACK if table.confirm is not None else total <= PAGE_WIDTH
    if not fits and not summary:  # wider than a page: the identifying columns on every page
        ws.print_title_cols = f"A:{get_column_letter(ident)}"
        pages_wide = math.ceil((total - repeated) / (PAGE_WIDTH - repeated))
    _print_setup(ws, page, pages_wide=pages_wide)
    if table.confirm is not None:  # the answer: chosen from a drop-down
        answer_list(ws, get_column_letter(len(columns) - 3), count, table.confirm)
    for n, chart in enumerate(table.charts):
        _chart(ws, columns, chart, count, n)
    if summary:
        ws.page_setup.fitToHeight = 1
    return ws.auto_filter.ref


def _local(value: Cell, tz) -> Cell:
    """A moment in the workbook's time zone (Excel has none)."""
    return value.astimezone(tz) if isinstance(value, datetime) and value.tzinfo is not None else value


def _cell_xml(ref: str, value: Any, style: int) -> str:
    """One ``<c>`` element as openpyxl writes it: text inline (never a formula), moments as serial numbers."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, str):
        return _text_xml(ref, s, value)
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{s} t="n"><v>{value:.16g}</v></c>' if math.isfinite(value) else ""
    if isinstance(value, date):
        return f'<c r="{ref}"{s} t="n"><v>{_serial(value):.16g}</v></c>'
    return _cell_xml(ref, str(value), style)


def _text_xml(ref: str, s: str, value: str) -> str:
    text = _ILLEGAL.sub("", value[:32767])
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text.strip() != text and text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's (Windows) serial dates
_MARCH_1900 = date(1900, 3, 1).toordinal()


def _serial(moment: date) -> float:
    """Excel's serial number of a (naive) moment: openpyxl's ``to_excel``, the same float, faster."""
    day = moment.toordinal()
    if day < _MARCH_1900:  # Excel's phantom 1900-02-29
        from openpyxl.utils.datetime import to_excel

        return to_excel(moment)
    if not isinstance(moment, datetime):
        return day - _EPOCH
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 10**6
    return day - _EPOCH + seconds / 86400


NUMBER_FORMATS = {"datetime": DATETIME_FORMAT, "date": DATE_FORMAT, "percent": "0.0%"}


class _Styles:
    """Each (number format, fill) combination styled once on a scratch cell and registered with the
    workbook; a data cell names the registered style by its index (``s=`` in the sheet XML)."""

    def __init__(self, wb, font: str = "等线"):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self.scratch = wb.create_sheet("_styles")
        self.fills = {name: PatternFill("solid", fgColor=colour) for name, colour in FILLS.items()}
        self.ids: dict[tuple[str, str | None], int] = {}
        thin = Side(style="thin", color="A6A6A6")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name=font, size=10)
        self.small = Font(name=font, size=8)  # the 校验 cell: two hashes on one line in a narrow column
        self.text = Alignment(vertical="top", wrap_text=True)  # long text wraps inside its column
        self.number = Alignment(vertical="top")

    def id(self, kind: str, value: Any, fill: str | None) -> int:
        """The style index of a cell of ``kind`` holding ``value`` (a moment keeps its format in any column):
        thin borders, the workbook's font, text wrapped in its column."""
        if isinstance(value, date):
            kind = "datetime" if isinstance(value, datetime) else "date"
        key = (kind, fill)
        if key not in self.ids:
            cell = self.scratch.cell(len(self.ids) + 1, 1)
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
            if fill in self.fills:
                cell.fill = self.fills[fill]
            cell.border = self.border
            cell.font = self.small if kind == "check" else self.font
            cell.alignment = self.text if kind == "text" else self.number
            self.ids[key] = self.wb._cell_styles.add(cell._style)
        return self.ids[key]

    def close(self) -> None:
        self.wb.remove(self.scratch)


def _one_token(rows: list[list[Cell]], n: int) -> bool:
    """Whether a column's long values are single ASCII tokens (hashes), which wrap badly."""
    long = [str(r[n]) for r in rows if r[n] is not None and len(str(r[n])) > MAX_WIDTH - 3]
    return bool(long) and all(v.isascii() and " " not in v for v in long)


def _lines(value: Cell) -> int:
    """The lines a text cell wraps to in a column at most MAX_WIDTH wide (a hash gets its width)."""
    if not isinstance(value, str) or (value.isascii() and " " not in value):
        return 1
    return sum(max(1, math.ceil((text_width(part) * 7 // 8 + 3) / MAX_WIDTH)) for part in value.split("\n"))


def _width_of(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "check":  # written as CHECK-DIGEST, in 8 pt
        return CHECK_WIDTH
    if isinstance(value, str) and value.isascii() and " " not in value and len(value) > MAX_WIDTH - 3:
        return len(value) + 2  # a hash: every character is a full column unit
    if kind == "datetime" or isinstance(value, datetime):
        return 17
    if kind == "date" or isinstance(value, date):
        return 12
    if isinstance(value, float) and kind != "percent":
        return len(f"{value:.6g}") + 3
    return max(text_width(part) * 7 // 8 for part in str(value).split("\n")) + 3  # a CJK character is < 2 wide


def _chart(ws, columns: list[Column], chart: Chart, rows: int, n: int) -> None:
    from openpyxl.chart import BarChart, Reference

    if rows == 0:
        return
    bar = BarChart()
    bar.type = "col"
    bar.title = chart.title
    bar.y_axis.title = chart.y_title
    bar.height, bar.width = 8, 18
    keys = [c.key for c in columns]
    last = rows if chart.skip_last and rows > 1 else rows + 1
    for key in chart.value_columns:
        col = keys.index(key) + 1
        bar.add_data(Reference(ws, min_col=col, min_row=1, max_row=last), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    if chart.percent:
        bar.y_axis.number_format = "0%"
        bar.y_axis.scaling.min = 0
        bar.y_axis.scaling.max = 1
    # below the table, not beside it: beside it, a page fitted to the width printed table and chart small
    ws.add_chart(bar, f"A{rows + 3 + n * 18}")

"""One writer that turns report rows into a workbook a person can open, read, print and sign.

Header row styled and frozen, CJK-aware column widths, real Excel dates in local time,
auto-filter, A4 landscape fit to width with the header repeated, native bar charts, and
user text that looks like a formula kept as text. Record sheets carry a confirmation block
(记录键, 校验, 院方确认人, 确认意见) that ``opsdesk confirm import`` reads back.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsdesk.errors import InvalidInput, NotFound, OpsdeskError

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = "1F4E78"
FILLS = {"bad": "F8CBAD", "warn": "FFE699", "good": "C6EFCE", "input": "FFF2CC"}
MAX_WIDTH = 60
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # what XML cannot carry (openpyxl's list)


@dataclass
class Column:
    key: str
    title: str
    kind: str = "text"  # text | datetime | date | int | float | percent


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
    rows: Iterable[dict[str, Any]]
    highlight: Callable[[dict[str, Any]], str | None] | None = None
    confirm: tuple[str, ...] | None = None  # titles of key, digest, confirmer, comment (and signing date) columns
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Cover:
    name: str
    title: str
    fields: list[tuple[str, str]]
    signoff: list[str]
    notes: list[str] = field(default_factory=list)


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


Later = Callable[[], Table | Cover]  # a sheet built once the others are written (a summary of them)


def write(path: Path, sheets: list[Table | Cover | Later], tz, progress: Callable[[int], None] | None = None) -> Path:
    """Write ``sheets`` to ``path`` (an .xlsx file); ``progress`` is called with rows written.

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
    wb = Workbook()
    wb.remove(wb.active)
    styles = _Styles(wb)
    with tempfile.TemporaryDirectory(prefix="opsdesk-xlsx-") as tmp:
        places = [wb.create_sheet(f"_sheet{n}") for n in range(len(sheets))]
        later = [(ws, sheet) for ws, sheet in zip(places, sheets, strict=True) if callable(sheet)]
        data: dict[Any, tuple[Path, str]] = {}
        for ws, sheet in [(ws, s) for ws, s in zip(places, sheets, strict=True) if not callable(s)] + later:
            sheet = sheet() if callable(sheet) else sheet
            ws.title = sheet.name
            if isinstance(sheet, Cover):
                _cover(ws, sheet)
            else:
                rows = Path(tmp) / f"{len(data)}.xml"
                data[ws] = (rows, _table(ws, sheet, tz, styles, rows, progress))
        styles.close()
        base = Path(tmp) / "layout.xlsx"
        wb.save(base)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _splice(base, path, {ws.path.lstrip("/"): streamed for ws, streamed in data.items()})
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


def _print_setup(ws, landscape: bool = True, columns: int = 0) -> None:
    """A4, fit to width (a wide table over two pages rather than in unreadable type), page numbers."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 2 if columns > 14 else 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _cover(ws, cover: Cover) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 60
    ws.merge_cells("A1:B1")
    ws["A1"] = cover.title
    ws["A1"].font = Font(size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 36
    row = 3
    for name, text in cover.fields:
        ws.cell(row, 1, name).font = Font(bold=True)
        _text_cell(ws.cell(row, 2), text)
        row += 1
    for note in cover.notes:
        row += 1
        _text_cell(ws.cell(row, 1), note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    thin = Side(style="thin")
    row += 2
    for sign in cover.signoff:
        ws.cell(row, 1, sign).font = Font(bold=True)
        box = ws.cell(row, 2)
        box.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        ws.row_dimensions[row].height = 48
        row += 2
    _print_setup(ws, landscape=False)


def _text_cell(cell, text: Any) -> None:
    cell.value = text
    if isinstance(text, str):
        cell.data_type = "s"  # never a formula, whatever the first character


def _table(ws, table: Table, tz, styles: _Styles, rows_file: Path, progress) -> str:
    """Lay out ``ws`` for ``table`` and stream its rows to ``rows_file``; returns the range filled."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = list(table.columns)
    if table.confirm:
        key, digest, confirmer, comment, *signed = table.confirm
        columns += [Column("_key", key), Column("_digest", digest), Column("_confirmer", confirmer),
                    Column("_comment", comment),
                    *[Column("_confirm_date", title, "date") for title in signed]]  # fmt: skip
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    widths = [text_width(c.title) + 2 for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(1, index, column.title)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    plan = [(c.key, c.kind, get_column_letter(n), "input" if c.key in INPUT_KEYS else None)
            for n, c in enumerate(columns, start=1)]  # fmt: skip
    checked = table.confirm is not None  # the 校验 cell covers the row's visible cells as written
    count = 0
    with rows_file.open("w", encoding="utf-8", newline="") as out:
        for count, row in enumerate(table.rows, start=1):
            fill = table.highlight(row) if table.highlight else None
            r = count + 1
            cells, shown = [], []
            for key, kind, letter, input_fill in plan:
                value = row.get(key)
                if checked:
                    value = _checked(row, key, kind, value, tz, shown)
                cell_fill = fill or input_fill
                if type(value) is str and kind == "text" and cell_fill is None:  # most cells: plain text
                    cells.append(_text_xml(f"{letter}{r}", "", value))
                    continue
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(tz)
                style = styles.id(kind, value, cell_fill)
                cells.append(_cell_xml(f"{letter}{r}", excel_value(value, kind), style))
            out.write(f'<row r="{r}">{"".join(cells)}</row>')
            if count <= 300:
                widths = [max(w, _width_of(row.get(c.key), c.kind)) for w, c in zip(widths, columns, strict=True)]
            if progress and count % 500 == 0:
                progress(500)
    if progress:
        progress(count % 500)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    ws.print_title_rows = "1:1"
    _print_setup(ws, columns=len(columns))
    for n, chart in enumerate(table.charts):
        _chart(ws, table, columns, chart, count, n)
    return ws.auto_filter.ref


INPUT_KEYS = ("_confirmer", "_comment", "_confirm_date")  # what the hospital fills in


def _checked(row: dict[str, Any], key: str, kind: str, value: Any, tz, shown: list[str]) -> Any:
    """Gather a visible cell's text into ``shown``; the 校验 cell gets the fingerprint of them all."""
    from opsdesk.rowcheck import cell_text, cells_check

    if not key.startswith("_"):
        local = value.astimezone(tz) if isinstance(value, datetime) and value.tzinfo is not None else value
        shown.append(cell_text(excel_value(local, kind)))
    elif key == "_digest" and value is not None:
        return f"{cells_check(row['_key'], shown)}-{value}"
    return value


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

    def __init__(self, wb):
        from openpyxl.styles import PatternFill

        self.wb = wb
        self.scratch = wb.create_sheet("_styles")
        self.fills = {name: PatternFill("solid", fgColor=colour) for name, colour in FILLS.items()}
        self.ids: dict[tuple[str, str | None], int] = {}

    def id(self, kind: str, value: Any, fill: str | None) -> int:
        """The style index of a cell of ``kind`` holding ``value`` (a moment keeps its format in any column)."""
        if isinstance(value, date):
            kind = "datetime" if isinstance(value, datetime) else "date"
        elif kind not in NUMBER_FORMATS and fill is None:
            return 0
        key = (kind, fill)
        if key not in self.ids:
            cell = self.scratch.cell(len(self.ids) + 1, 1)
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
            if fill in self.fills:
                cell.fill = self.fills[fill]
            self.ids[key] = self.wb._cell_styles.add(cell._style)
        return self.ids[key]

    def close(self) -> None:
        self.wb.remove(self.scratch)


def _width_of(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "datetime":
        return 18
    if kind == "date":
        return 12
    if isinstance(value, date):
        return 12
    return text_width(str(value)) + 2


def _chart(ws, table: Table, columns: list[Column], chart: Chart, rows: int, n: int) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

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
    anchor_col = get_column_letter(len(columns) + 2)
    ws.add_chart(bar, f"{anchor_col}{2 + n * 18}")


# -- reading back ---------------------------------------------------------------------------


def read_rows(path: Path) -> list[tuple[str, list[str], list[tuple[int, tuple]]]]:
    """(sheet, header, [(row number, values)]) for every sheet of an .xlsx file."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise NotFound(f"no workbook at {path}")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)") from None
    try:
        out = []
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            out.append((ws.title, [str(h).strip() if h is not None else "" for h in header],
                        list(enumerate(rows, start=2))))  # fmt: skip
        return out
    finally:
        wb.close()

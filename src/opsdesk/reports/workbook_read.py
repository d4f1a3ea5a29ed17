"""A workbook read back: its sheets' header rows and, of the sheets asked for, their rows. The file is
held to :mod:`opsdesk.xlsxfile`'s limits before openpyxl opens it."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from opsdesk.errors import InvalidInput, Refused
from opsdesk.xlsxfile import MAX_XLSX_COLUMNS, check_xlsx

# what reading a damaged or foreign file raises: a bad zip, a cut-off stream, XML that does not parse
# (ParseError and lxml's XMLSyntaxError are SyntaxErrors), or parts openpyxl does not find or understand
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, KeyError, IndexError, OSError, ValueError, TypeError)

Sheet = tuple[str, list[str], list[tuple[int, tuple]]]  # (name, header, [(row number, values)])


def read_rows(path: Path, wanted: Callable[[list[str]], bool] | None = None) -> list[Sheet]:
    """(sheet, header, [(row number, values)]) for every sheet of an .xlsx file; with ``wanted``, the
    rows only of the sheets whose header it accepts (the others with none). A row is read as wide as
    the header: a cell beyond the last titled column is not read."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = check_xlsx(Path(path))
    unreadable = InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (*_BROKEN, InvalidFileException):
        raise unreadable from None
    try:
        out: list[Sheet] = []
        for ws in wb.worksheets:  # read_only: each sheet's XML is parsed here, row by row
            ws.reset_dimensions()  # the size a sheet declares is not trusted: rows are as wide as they are
            first = next(ws.iter_rows(max_row=1, values_only=True), None)
            header = [str(h).strip() if h is not None else "" for h in first or ()]
            while header and not header[-1]:
                header.pop()
            if not header:
                continue
            if len(header) > MAX_XLSX_COLUMNS:
                raise Refused(
                    f"{path}: sheet {ws.title} has {len(header)} columns; a sheet read back may have at most "
                    f"{MAX_XLSX_COLUMNS} (MAX_XLSX_COLUMNS)"
                )
            rows: list[tuple[int, tuple]] = []
            if wanted is None or wanted(header):
                body = ws.iter_rows(min_row=2, max_col=len(header), values_only=True)
                rows = [(n, row) for n, row in enumerate(body, start=2) if any(v is not None for v in row)]
            out.append((ws.title, header, rows))
        return out
    except _BROKEN:
        raise unreadable from None
    finally:
        wb.close()

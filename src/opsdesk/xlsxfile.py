"""A workbook brought back from outside (the hospital's filled-in copy, a file to verify against):
refused before any parser touches it when it is too big on disk or would expand too far.

An .xlsx file is a zip archive of XML parts. Its central directory declares each part's size before
and after compression; Python's ``zipfile`` (which openpyxl reads through) never expands a part
past its declared size (a part that would is a CRC error), so checking the declared sizes bounds
what reading the file can cost. A zip bomb (a few kilobytes that expand to gigabytes of XML) or a
sheet padded with a million empty rows is refused here in milliseconds, not after minutes of parsing.

The limits are far above anything opsdesk writes: the acceptance workbook of a synthetic store of
10,000 faults is 5.7 MB on disk and 71 MB expanded, no part compressed more than 16 to 1.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.infile import refuse_special

MAX_XLSX_BYTES = 64 * 2**20  # the file on disk: 64 MiB
MAX_XLSX_EXPANDED = 1024 * 2**20  # every part's declared uncompressed size, summed: 1 GiB
MAX_XLSX_RATIO = 100  # a part over 1 MiB expanded may be at most 100 times its compressed size
RATIO_FROM = 2**20  # smaller parts are not held to the ratio (a few kilobytes can do no harm)
MAX_XLSX_PARTS = 1000  # the zip's entries: a workbook of 30 sheets has about 80
MAX_XLSX_COLUMNS = 256  # a sheet's header row read back: an opsdesk record sheet has about 40


def check_xlsx(path: Path) -> Path:
    """``path`` if it is a file within the limits above; otherwise refused (exit 1), naming the limit,
    or, when it is no zip archive at all, reported as unreadable (exit 2). Reads only the zip's
    directory."""
    path = Path(path)
    refuse_special(path, "a workbook opsdesk exported (.xlsx)")  # a FIFO or a device: never opened
    if not path.is_file():
        raise NotFound(f"no workbook at {path}")
    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise Refused(
            f"{path} is {_mib(size)} on disk; a workbook read back may be at most {_mib(MAX_XLSX_BYTES)} "
            "(MAX_XLSX_BYTES): give the workbook opsdesk exported"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise Refused(f"{path} holds {len(parts)} parts; a workbook may hold at most {MAX_XLSX_PARTS} (MAX_XLSX_PARTS)")
    expanded = sum(p.file_size for p in parts)
    if expanded > MAX_XLSX_EXPANDED:
        raise Refused(
            f"{path} would expand to {_mib(expanded)}; a workbook read back may expand to at most "
            f"{_mib(MAX_XLSX_EXPANDED)} (MAX_XLSX_EXPANDED): it is not a workbook opsdesk exported"
        )
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            raise Refused(
                f"{path}: its part {part.filename} would expand {part.file_size // max(part.compress_size, 1)} "
                f"times (to {_mib(part.file_size)}); at most {MAX_XLSX_RATIO} times is read (MAX_XLSX_RATIO): "
                "it is not a workbook opsdesk exported"
            )
    return path


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"

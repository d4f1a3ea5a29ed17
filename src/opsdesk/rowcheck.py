"""What binds a confirmation to what the hospital read: each record row's check (校验).

A record sheet's 校验 cell holds two fingerprints, ``CELLS-RECORD``: ``CELLS`` covers the row's
visible cells as exported (the record key and every value as the workbook shows it), ``RECORD`` the
record's content (:func:`opsdesk.history.record_digest`). ``CELLS`` has no key: anyone can
recompute it, so ``confirm import`` also compares the row with the record rendered as it is now
(:mod:`opsdesk.reports.onrecord`); see :func:`opsdesk.confirmations.judge_row` for who is blamed.
Pure functions: no database, no openpyxl.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from typing import Any

_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # what the workbook cannot carry (workbook.py)


def cell_text(value: Any) -> str:
    """A cell's value as compared and fingerprinted: the same text whether taken from the value
    written or from the value read back (moments to the minute, whole floats as integers)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value.replace(tzinfo=None) + timedelta(seconds=30)).replace(second=0, microsecond=0)
        return f"{value:%Y-%m-%d}" if (value.hour, value.minute) == (0, 0) else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    return _ILLEGAL.sub("", str(value)[:32767]).strip()


def cells_check(key: str, cells: list[str]) -> str:
    """The fingerprint of a row's visible cells (each already :func:`cell_text`)."""
    content = "\x1f".join([key, *cells])
    return hashlib.sha256(content.encode()).hexdigest()[:12]


_CHECK = re.compile(r"([0-9a-f]{12})-([0-9a-f]{12})")


def split_check(text: str) -> tuple[str, str] | None:
    """A 校验 cell as (cells fingerprint, record fingerprint); None when it is not in the form an
    export writes (12 hex digits, '-', 12 hex digits): the cell itself was edited."""
    found = _CHECK.fullmatch(text)
    return (found[1], found[2]) if found else None

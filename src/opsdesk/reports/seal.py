"""What binds a confirmation to what the hospital read: each record row's check (校验).

A record sheet's 校验 cell holds two fingerprints, ``CELLS-RECORD``: ``RECORD`` is the record's
content (:func:`opsdesk.store.history.record_digest`); ``CELLS`` is the store's seal on the row as
exported: an HMAC, under a key only the store holds (:func:`opsdesk.store.history.workbook_seal`), of the
record key, ``RECORD`` and every visible cell that is not empty, each with its column's title, in
the order of the titles (:func:`row_check`): a column the hospital adds, empty in a row or ignored by
title, or a sheet sorted or with its columns moved, leaves the seal of the row as it was. Workbooks
written before kept every visible cell in column order (:func:`cells_check`), and are still read.
A row whose cells (or ``RECORD``) were edited in the workbook no longer matches its seal, and nobody
without the store can make one that does; a row that matches its seal is exactly as exported, so any
difference from the record rendered now
(:mod:`opsdesk.reports.onrecord`) is the store's. :func:`opsdesk.reports.confirm_import.judge_row` decides.
Pure functions: no database, no openpyxl.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
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


def cells_check(seal: bytes, key: str, digest: str, cells: list[str]) -> str:
    """The store's seal on a row: an HMAC, under the store's own key, of the record key, the record's
    digest and the row's visible cells (each already :func:`cell_text`). Without the key nobody can
    make the check of an edited row."""
    content = "\x1f".join([key, digest, *cells])
    return hmac.new(seal, content.encode(), hashlib.sha256).hexdigest()[:12]


def row_check(seal: bytes, key: str, digest: str, shown: Iterable[tuple[str, str]]) -> str:
    """The store's seal on a row as exported now: :func:`cells_check` of the row's non-empty visible
    cells as ``title\x1etext``, sorted, after a version mark (no cell of the older form lacks the
    \x1e between title and text, so neither form can stand for the other)."""
    cells = sorted(f"{title}\x1e{text}" for title, text in shown if text)
    return cells_check(seal, key, digest, ["v2", *cells])


_CHECK = re.compile(r"([0-9a-f]{12})-([0-9a-f]{12})")


def split_check(text: str) -> tuple[str, str] | None:
    """A 校验 cell as (cells fingerprint, record fingerprint); None when it is not in the form an
    export writes (12 hex digits, '-', 12 hex digits): the cell itself was edited."""
    found = _CHECK.fullmatch(text)
    return (found[1], found[2]) if found else None

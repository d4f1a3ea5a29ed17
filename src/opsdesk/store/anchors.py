"""Anchors: the history's length and head hash at a moment, held outside the store.

The hash chain alone proves only that the history is consistent with itself: anyone who can write
the store can change an old event and recompute every later hash. An anchor held elsewhere stops
that. Every workbook the hospital signs carries anchors on its integrity sheet (the event count
and head hash at export, and checkpoints along the way), and the acceptance workbook lists every
monthly report delivered with its anchor; ``opsdesk verify --against FILE.xlsx`` (or
``--anchor N:HASH`` read off paper) checks that the history's first N events still hash to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from opsdesk.errors import BadOption, InvalidInput, NotFound

CHECKPOINTS = 16  # anchors along the history on an integrity sheet, besides its head
_ANCHOR = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")


@dataclass(frozen=True)
class Anchor:
    """The first ``events`` events of the history hash to ``head``."""

    events: int
    head: str

    def __str__(self) -> str:
        return f"{self.events}:{self.head}"


@dataclass(frozen=True)
class Anchors:
    """The anchors a check holds the history to, and where they were read."""

    source: str  # the workbook, or "--anchor"
    anchors: tuple[Anchor, ...]

    @property
    def head(self) -> Anchor:
        return max(self.anchors, key=lambda a: a.events)


def parse_anchor(text: str) -> Anchor:
    """``N:HASH`` as printed on an integrity sheet (the event count, a colon, the 64-digit head hash)."""
    found = _ANCHOR.match(text or "")
    if not found:
        raise BadOption(
            f"--anchor {text!r}: give N:HASH, the event count and the 64-digit head hash as the "
            "integrity sheet prints them (e.g. 1806:96620b12...)"
        )
    return Anchor(int(found[1]), found[2].lower())


def checkpoint_counts(events: int) -> list[int]:
    """The event counts an integrity sheet anchors: evenly along the history, and its head."""
    return sorted({events * k // CHECKPOINTS for k in range(1, CHECKPOINTS + 1)} - {0})


def read_anchors(path: Path) -> Anchors:
    """Every anchor an exported workbook carries: its integrity sheet's (head and checkpoints) and,
    in an acceptance workbook, those of the monthly reports it lists."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from opsdesk.labels import label
    from opsdesk.xlsxfile import check_xlsx

    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no workbook at {path}")
    check_xlsx(path)  # too big, or a zip bomb: refused before openpyxl opens it
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, Exception) as exc:  # a zip error among them
        if isinstance(exc, NotFound):
            raise
        raise InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)") from None
    found: set[Anchor] = set()
    try:
        names = {label(lang, key) for lang in ("zh", "en") for key in ("sheet.integrity", "sheet.deliveries")}
        for ws in wb.worksheets:
            if ws.title not in names:
                continue
            for row in ws.iter_rows(values_only=True):
                for cell in row:
                    if isinstance(cell, str) and (hit := _ANCHOR.match(cell)):
                        found.add(Anchor(int(hit[1]), hit[2].lower()))
    finally:
        wb.close()
    if not found:
        raise InvalidInput(
            f"{path} carries no history anchor (its integrity sheet has no N:HASH); "
            "give a workbook exported by opsdesk, or --anchor N:HASH"
        )
    return Anchors(str(path), tuple(sorted(found, key=lambda a: a.events)))


def history_anchors(session) -> list[Anchor]:
    """The history's anchors now: :func:`checkpoint_counts` along it, the last one its head
    (``0:000...`` for an empty history)."""
    from sqlalchemy import bindparam, text

    conn = session.connection()
    events = conn.exec_driver_sql("SELECT count(*) FROM event").scalar()
    if not events:
        return [Anchor(0, "0" * 64)]
    counts = checkpoint_counts(events)
    query = text("SELECT id, hash FROM event WHERE id IN :ids ORDER BY id").bindparams(bindparam("ids", expanding=True))
    return [Anchor(n, h) for n, h in conn.execute(query, {"ids": counts})]


def record_delivery(desk, month: str, path: Path, anchor: Anchor):
    """Record a monthly report written for the hospital (a history event): the month, when, the
    anchor it carries, and the SHA-256 of the file as written."""
    import hashlib

    from opsdesk.store.models import Delivery

    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    delivery = Delivery(
        report="monthly",
        month=month,
        written_at=desk.local_now,
        events=anchor.events,
        head_hash=anchor.head,
        sha256=digest.hexdigest(),
        file=Path(path).name,
    )
    return desk.create(delivery, "report.delivered")

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
from dataclasses import dataclass, field
from pathlib import Path

from opsdesk.errors import BadOption, InvalidInput, NotFound, Refused
from opsdesk.infile import Limits, refuse_special

CHECKPOINTS = 16  # anchors along the history on an integrity sheet, besides its head
FULL = 64  # hex digits of a head hash
SHORTEST = 8  # hex digits of the shortest head accepted back (32 bits)
_ANCHOR = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")  # a workbook's cell
# Every form opsdesk prints an anchor in, full or cut short: `N:HASH` (integrity sheet, witness
# message, `report monthly`'s 16 digits), `N events, head HASH` (`verify`, `restore`), and
# `"events": N, "head_hash": "HASH"` (`verify --json`).
_FORMS = (
    re.compile(r"(?<![\w.-])(\d+)\s*:\s*([0-9a-fA-F]{8,64})(?![0-9a-zA-Z])"),
    re.compile(r"(?<![\w.-])(\d+) events?, (?:history )?head ([0-9a-fA-F]{8,64})(?![0-9a-zA-Z])"),
    re.compile(r'"events":\s*(\d+),\s*"head_hash":\s*"([0-9a-fA-F]{8,64})"'),
)
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})")


@dataclass(frozen=True)
class Anchor:
    """The first ``events`` events of the history hash to ``head`` (or, cut short, to a hash that
    begins with it)."""

    events: int
    head: str

    def __str__(self) -> str:
        return f"{self.events}:{self.head}"

    @property
    def shown(self) -> str:
        """As messages name it: ``N:`` and 16 hex digits."""
        return f"{self.events}:{self.head[:16]}…" if len(self.head) > 16 else str(self)

    @property
    def bits(self) -> int:
        """How many bits of the head it checks (256 in full)."""
        return 4 * len(self.head)

    def holds(self, head: str) -> bool:
        return head.startswith(self.head)


@dataclass(frozen=True)
class Anchors:
    """The anchors a check holds the history to, and where they were read."""

    source: str  # the workbook, the file, or "the anchor N:HASH"
    anchors: tuple[Anchor, ...]
    taken: dict[Anchor, str] = field(default_factory=dict)  # when each was taken, as its source says

    @property
    def head(self) -> Anchor:
        return max(self.anchors, key=lambda a: a.events)

    @property
    def shortest(self) -> Anchor:
        return min(self.anchors, key=lambda a: len(a.head))


def find_anchors(text: str) -> list[tuple[Anchor, str | None]]:
    """Every anchor in a text, in any form opsdesk prints, in the order they appear; each with the
    last moment (``YYYY-MM-DD HH:MM``) written before it, if any: when it was taken."""
    from bisect import bisect_right

    text = text or ""
    moments = [(m.start(), f"{m[1]} {m[2]}") for m in _MOMENT.finditer(text)]
    starts = [start for start, _ in moments]
    found: list[tuple[int, Anchor, str | None]] = []
    for form in _FORMS:
        for hit in form.finditer(text):
            before = bisect_right(starts, hit.start())
            at = moments[before - 1][1] if before else None
            found.append((hit.start(), Anchor(int(hit[1]), hit[2].lower()), at))
    return [(anchor, at) for _, anchor, at in sorted(found, key=lambda hit: hit[0])]


def parse_anchor(text: str) -> Anchor:
    """An anchor as opsdesk prints it anywhere: ``N:HASH`` (an integrity sheet, a witness message,
    `report monthly`), ``N events, head HASH`` (`verify`, `restore`); the head in full (64 hex
    digits) or cut short to at least 8."""
    found = find_anchors(text or "")
    if len(found) != 1:
        raise BadOption(
            f"--anchor {text!r}: give N:HASH, the event count and the head hash as opsdesk prints them, "
            f"in full (64 hex digits) or cut short to at least {SHORTEST} (e.g. 1806:96620b12... from an "
            "integrity sheet, a witness message or `report monthly`; `1806 events, head 96620b12...` from `verify`)"
        )
    return found[0][0]


# What `verify --against` reads as text: a message, a log, a chat or mailbox export (docs/trust.md).
AGAINST = Limits(
    give="a witness message or log saved as text, or a workbook opsdesk exported",
    noun="witness message or log",
    max_bytes=64 * 1024 * 1024,
    fewer="keep the part that holds the anchors",
)


def read_against(path: Path, text: str | None = None) -> Anchors:
    """The anchors of ``--against``: a workbook opsdesk exported, or any text holding anchors in a
    form opsdesk prints (a witness message as received, a mailbox or chat export, `witness log`);
    ``text`` given: read from standard input (``path`` names it)."""
    from opsdesk.infile import open_regular, read_bounded, size
    from opsdesk.textfile import decode

    if text is None:
        path = Path(path)
        if not path.exists():
            raise NotFound(f"no workbook or text file at {path}")
        with open_regular(path, AGAINST.give) as handle:
            zipped = handle.read(2) == b"PK"
        if zipped or path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_anchors(path)
        text, _ = decode(read_bounded(path, AGAINST, lines=False), path, "save the message as UTF-8 text")
    elif len(text) > AGAINST.max_bytes:
        raise InvalidInput(f"{path} is longer than {size(AGAINST.max_bytes)}; {AGAINST.fewer}")
    found = find_anchors(text)
    taken: dict[Anchor, str] = {}
    for anchor, at in found:  # the same anchor twice (a log and a message): the earliest time kept
        if at and (anchor not in taken or at < taken[anchor]):
            taken[anchor] = at
    if not found:
        raise InvalidInput(
            f"{path} holds no history anchor (N:HASH, as a witness message, an integrity sheet or `verify` "
            "print it); give the message as received, a workbook opsdesk exported, or --anchor N:HASH"
        )
    anchors = sorted({anchor for anchor, _ in found}, key=lambda a: (a.events, a.head))
    return Anchors(str(path), tuple(anchors), taken)


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
    refuse_special(path, "a workbook opsdesk exported (.xlsx)")
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
    except Exception:  # a sheet's XML read only now (read-only mode): damaged, or written by another tool
        raise InvalidInput(f"{path} is not a readable .xlsx workbook (damaged, truncated or another format)") from None
    finally:
        wb.close()
    if not found:
        raise InvalidInput(
            f"{path} carries no history anchor (its integrity sheet has no N:HASH); "
            "give a workbook exported by opsdesk, or --anchor N:HASH"
        )
    return Anchors(str(path), tuple(sorted(found, key=lambda a: a.events)))


@dataclass(frozen=True)
class Unprotected:
    """Events no anchor of a check holds: they agree with the history before them, and nothing
    outside the store says they were not rewritten."""

    first: int
    last: int
    since: str  # when the last anchor was taken, or the first such event's recorded time


def unprotected(session, held: Anchors, events: int) -> Unprotected | None:
    """The events after the latest of ``held``'s anchors (None when it holds them all)."""
    from sqlalchemy import text

    last = held.head
    if events <= last.events:
        return None
    since = held.taken.get(last)
    if since is None:
        recorded = session.execute(text("SELECT recorded_at FROM event WHERE id = :id"), {"id": last.events + 1})
        since = str(recorded.scalar())[:16].replace("T", " ")
    return Unprotected(last.events + 1, events, since)


def check_signed_workbook(session, path: Path) -> None:
    """Before a signed workbook's confirmations are imported: each anchor it carries must still be
    the head of the history at its count (the stored hash of event N), else the history changed
    under what the hospital signed, and nothing is imported. A rewrite that recomputed the hashes
    changes them; one that did not is what `verify` names. A workbook carrying no anchor is not
    held to any (the import judges its rows)."""
    from sqlalchemy import bindparam, text

    try:
        held = read_anchors(Path(path))
    except InvalidInput:
        return
    anchors = sorted(held.anchors, key=lambda a: a.events)
    conn = session.connection()
    events = conn.exec_driver_sql("SELECT count(*) FROM event").scalar() or 0
    query = text("SELECT id, hash FROM event WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    hashes = dict(conn.execute(query, {"ids": [a.events for a in anchors]}).all())
    intact = 0
    for anchor in anchors:
        if anchor.events == 0:
            continue
        after = f" (the first {intact} events still match)" if intact else ""
        if anchor.events > events:
            raise Refused(
                f"{Path(path).name} carries the anchor {anchor.shown} but the history now holds {events} events: "
                f"events were removed after it was exported{after}; nothing was confirmed "
                f"(`opsdesk verify --against {path}`)"
            )
        if not anchor.holds(hashes[anchor.events]):
            which = (
                f"event {anchor.events}"
                if intact + 1 == anchor.events
                else (f"an event in {intact + 1}..{anchor.events}")
            )
            raise Refused(
                f"{Path(path).name}: the history changed under its anchor {anchor.shown} (event {anchor.events} now "
                f"hashes to {hashes[anchor.events][:16]}…): {which} was rewritten after the workbook was "
                f"exported{after}; nothing was confirmed (`opsdesk verify --against {path}`)"
            )
        intact = anchor.events


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

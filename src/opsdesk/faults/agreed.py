"""The exceptions the hospital agreed to, as a ticket's clocks apply them.

The requests themselves (asked, agreed, refused) are :mod:`opsdesk.faults.requests`; this module
only reads the agreed ones, below :mod:`opsdesk.faults.tickets`, which judges every ticket after them.
A pending or refused request is never read here: it changes no figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from opsdesk.store.models import ExceptionRequest

TYPES = ("void", "waive_arrival", "pause")


@dataclass(frozen=True)
class Agreed:
    """A ticket's agreed exceptions: the void, the waived arrival, the pauses (start, end or None)."""

    void: int | None = None  # the request's id
    waive: int | None = None
    pauses: tuple[tuple[int, datetime, datetime | None], ...] = ()  # (request id, start, end)

    @property
    def ids(self) -> tuple[int, ...]:
        """The ids of the agreed requests, in order."""
        return tuple(sorted(i for i in (self.void, self.waive, *(p[0] for p in self.pauses)) if i is not None))

    @property
    def spans(self) -> tuple[tuple[datetime, datetime | None], ...]:
        return tuple((start, end) for _, start, end in self.pauses)

    @property
    def clocks(self) -> dict[str, int]:
        """How many agreed exceptions change each clock (a void takes the ticket out of all three)."""
        whole = 1 if self.void is not None else 0
        return {
            "response": whole,
            "arrival": whole + (self.waive is not None),
            "resolution": whole + len(self.pauses),
        }


def of_requests(requests: Iterable[ExceptionRequest]) -> Agreed | None:
    """The :class:`Agreed` that ``requests`` (of one ticket) make, or None if they make none."""
    void = waive = None
    pauses = []
    for r in sorted(requests, key=lambda r: r.id):
        if r.type == "void":
            void = r.id
        elif r.type == "waive_arrival":
            waive = r.id
        elif r.type == "pause":
            assert r.paused_at is not None  # a pause is asked with its start
            pauses.append((r.id, r.paused_at, r.resumed_at))
    if void is None and waive is None and not pauses:
        return None
    return Agreed(void, waive, tuple(pauses))


def agreed_exceptions(session: Session, ticket_id: int | None = None) -> dict[int, Agreed]:
    """Ticket id -> its agreed exceptions (of one ticket, or of every ticket that has any)."""
    query = select(ExceptionRequest).where(col(ExceptionRequest.confirmed_at).is_not(None))
    if ticket_id is not None:
        query = query.where(ExceptionRequest.ticket_id == ticket_id)
    grouped: dict[int, list[ExceptionRequest]] = {}
    for r in session.exec(query.order_by(col(ExceptionRequest.id))):
        grouped.setdefault(r.ticket_id, []).append(r)
    out = {}
    for key, requests in grouped.items():
        made = of_requests(requests)
        if made is not None:
            out[key] = made
    return out

"""Edits in the open: what each `fault edit` (or reopen) of an unconfirmed fault changed, the value
before and after, and the edits (and corrections) that changed a verdict, which the workbooks list
as they list corrections, so that no breach disappears without a trace; and when a verdict change
improves a figure (:func:`improves`), which :mod:`opsdesk.faults.corrections` asks the hospital about."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlmodel import col, select

from opsdesk.desk import Desk
from opsdesk.faults.tickets import EDITABLE
from opsdesk.faults.views import TicketTimes, clocks_of
from opsdesk.store.models import Event

if TYPE_CHECKING:
    from opsdesk.sla.clocks import ClockState, TicketClocks

    Verdict = ClockState | Literal["void"]  # "void": the ticket voided by agreement

EDIT_ACTIONS = ("fault.edit", "fault.reopen")
VERDICT_ACTIONS = (*EDIT_ACTIONS, "fault.correct")  # a correction of a confirmed fault changes verdicts too
FIELD_NAMES = {column: name for name, column in EDITABLE.items()}  # column -> the option's name
_ORDER = list(FIELD_NAMES)


@dataclass(frozen=True)
class FieldEdit:
    """One field an edit (or a reopen) changed: the value before and after (times as stored, ISO text)."""

    event: int
    action: str
    by: str
    at: datetime  # when it was recorded
    column: str  # resolved_at, cause...
    before: Any
    after: Any

    @property
    def name(self) -> str:
        """The field as `fault edit` names it (reported, resolved, cause...)."""
        return FIELD_NAMES[self.column]


def field_edits(events: Iterable[Event], actions: tuple[str, ...] = EDIT_ACTIONS) -> list[FieldEdit]:
    """The fields each edit or reopen (or other of ``actions``) among one ticket's ``events`` changed
    (bookkeeping columns left out)."""
    out = []
    for ev in events:
        if ev.action not in actions or not ev.before:
            continue
        before, after = json.loads(ev.before), json.loads(ev.after or "{}")
        for column in sorted((c for c in before if c in FIELD_NAMES), key=_ORDER.index):
            out.append(FieldEdit(ev.id, ev.action, ev.actor, ev.recorded_at, column, before[column], after.get(column)))
    return out


@dataclass(frozen=True)
class VerdictChange:
    """One clock whose verdict or deadline differs between two judgements of a ticket."""

    clock: str
    before: Verdict
    after: Verdict
    deadline_before: datetime
    deadline_after: datetime


_BAD = ("breached", "overdue", "time_unknown")  # in a rate's denominator, not met (time unknown: never met)


def _rank(state: str) -> int:
    """What a clock gives the vendor's rate (met / (met + breached + overdue + time unknown)): one of
    those not met 0, met 2, one left out of the rate (running, not applicable, waived, void) 1."""
    return 0 if state in _BAD else (2 if state == "met" else 1)


def improves(change: VerdictChange) -> bool:
    """Whether ``change`` is better for the vendor: a breach (breached, overdue; or a time unknown,
    which the rate counts as not met) becomes anything else,
    anything not met becomes met (a rate can only rise), or the state stays as good while the deadline
    moves later (more time: a breach shorter, a running clock further from one)."""
    before, after = _rank(change.before), _rank(change.after)
    return after > before or (after == before and change.deadline_after > change.deadline_before)


@dataclass(frozen=True)
class ShorterBreach:
    """A clock breached (or overdue) before and after an edit, late by less after it: its verdict
    stands, but the median and longest times the reports show improve."""

    clock: str
    late_before: timedelta
    late_after: timedelta
    working_day: timedelta | None  # a working clock's day (its lateness is working time), None for a wall clock


def shorter_breaches(before: TicketClocks, after: TicketClocks, working_day: timedelta) -> tuple[ShorterBreach, ...]:
    """The clocks late before and after, by less after."""
    late = ("breached", "overdue")
    return tuple(
        ShorterBreach(a.name, -a.margin, -b.margin, working_day if a.basis == "working" else None)
        for a, b in zip(before, after, strict=True)
        if a.state in late and b.state in late and -b.margin < -a.margin
    )


def verdict_changes(before: TicketClocks, after: TicketClocks) -> tuple[VerdictChange, ...]:
    """The clocks whose state or deadline differ."""
    return tuple(
        VerdictChange(a.name, a.state, b.state, a.deadline, b.deadline)
        for a, b in zip(before, after, strict=True)
        if a.state != b.state or a.deadline != b.deadline
    )


@dataclass(frozen=True)
class VerdictEdit:
    """An edit that changed a verdict (met <-> breached) or a deadline, judged when it was made."""

    ticket_id: int
    fields: tuple[FieldEdit, ...]
    changes: tuple[VerdictChange, ...]


def verdict_edits(
    desk: Desk, until: datetime | None = None, tickets: set[int] | None = None, since: datetime | None = None
) -> list[VerdictEdit]:
    """Every `fault edit`, reopen or correction recorded before ``until`` (and at or after ``since``;
    of ``tickets`` only, if given) that changed a verdict or a deadline: each ticket is replayed from
    its history and judged just before and just after the edit, at the moment it was recorded (a
    reopen: the fix withdrawn, the clock running again)."""
    query = select(col(Event.entity_id)).where(col(Event.action).in_(VERDICT_ACTIONS), col(Event.entity) == "ticket")
    if until is not None:
        query = query.where(Event.recorded_at < until)
    if since is not None:
        query = query.where(Event.recorded_at >= since)
    edited = sorted({i for i in desk.session.exec(query) if tickets is None or i in tickets})
    out: list[VerdictEdit] = []
    for chunk in range(0, len(edited), 500):
        ids = edited[chunk : chunk + 500]
        events = desk.session.exec(
            select(Event)
            .where(Event.entity == "ticket", col(Event.entity_id).in_(ids))
            .order_by(col(Event.entity_id), col(Event.id))
        )
        record: dict[str, Any] = {}
        for ev in events:
            if not ev.before:
                record = json.loads(ev.after or "{}")
                continue
            previous = dict(record)
            record.update(json.loads(ev.after or "{}"))
            if ev.action not in VERDICT_ACTIONS or (until is not None and ev.recorded_at >= until):
                continue
            if since is not None and ev.recorded_at < since:
                continue
            changes = verdict_changes(
                clocks_of(desk, as_ticket(previous), now=ev.recorded_at),
                clocks_of(desk, as_ticket(record), now=ev.recorded_at),
            )
            if changes:
                out.append(VerdictEdit(ev.entity_id, tuple(field_edits([ev], VERDICT_ACTIONS)), changes))
    return sorted(out, key=lambda e: e.fields[0].event if e.fields else 0)


def as_ticket(values: dict[str, Any]) -> TicketTimes:
    """A ticket's stored values (times as ISO text) as an object :func:`~opsdesk.faults.views.clocks_of` reads."""
    moments = {k: datetime.fromisoformat(v) for k, v in values.items() if k.endswith(("_at", "_rec")) and v}
    return cast(TicketTimes, SimpleNamespace(**{"source": None, "time_unknown": False, **values, **moments}))

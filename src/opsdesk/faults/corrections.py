"""Edits judged before they are made (SPEC, decided 2026-12-05): `fault edit` and `fault correct`.

Every edit gives a reason and says which verdicts it changes (``response met -> breached``). An edit
that worsens a verdict or touches none is made at once. One that would improve a verdict the
hospital has already seen is not made: it becomes a correction request (an exception request of
type ``correction``), applied only once the hospital agrees (`confirm exception N --by`, or the
workbook), never if it refuses. The hospital has seen a ticket's verdicts when the ticket was
confirmed, when a monthly report of its month was delivered (before the ticket was recorded too: the
month was seen without it), or when it
refused a request (void, waiver, pause, correction) of it. Moving a ticket's report time into or out
of a reported month changes that month's figures: it is asked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from opsdesk.contract.overrides import Guard, Rejudging
from opsdesk.desk import Desk, fmt, text_value
from opsdesk.errors import Refused
from opsdesk.faults.edits import (
    ShorterBreach,
    VerdictChange,
    VerdictEdit,
    as_ticket,
    improves,
    shorter_breaches,
    verdict_changes,
    verdict_edits,
)
from opsdesk.faults.requests import TYPE_NAMES, request_correction
from opsdesk.faults.tickets import EDITABLE, apply_edits, changed_fields, check_editable, get_ticket, parse_edits
from opsdesk.faults.views import TicketTimes, clocks_of
from opsdesk.store import history
from opsdesk.store.models import Correction, Delivery, ExceptionRequest, Ticket


@dataclass(frozen=True)
class EditOutcome:
    """What `fault edit` or `fault correct` did: the fields, the verdicts they change, and either the
    edit made (a correction entry for a confirmed fault) or the correction request that awaits the
    hospital (``seen``: what the hospital has seen, the reason it must agree)."""

    ticket_id: int
    fields: tuple[str, ...]  # as the options name them (reported, arrived, cause...)
    changes: tuple[VerdictChange, ...]  # the verdicts changed (or, asked, changed once agreed)
    shorter: tuple[ShorterBreach, ...] = ()  # breaches that stand, late by less
    request: ExceptionRequest | None = None
    seen: str | None = None
    correction: Correction | None = None


def edit(desk: Desk, ticket_id: int, reason: str, **fields: Any) -> EditOutcome:
    """Change an unconfirmed ticket (the old values stay in the history, the reason in a note), or
    ask the hospital to agree first when the change would improve a verdict it has seen."""
    return _edit(desk, ticket_id, reason, fields, confirmed=False)


def correct(desk: Desk, ticket_id: int, reason: str, **fields: Any) -> EditOutcome:
    """Correct a confirmed ticket with a visible correction entry (the confirmed values stay on
    record), or ask the hospital to agree first when it would improve a verdict (it confirmed them)."""
    return _edit(desk, ticket_id, reason, fields, confirmed=True)


def _edit(desk: Desk, ticket_id: int, reason: str, fields: dict[str, Any], *, confirmed: bool) -> EditOutcome:
    ticket = get_ticket(desk, ticket_id)
    check_editable(ticket, confirmed=confirmed)
    reason = text_value(reason, "--reason", required=True)
    edits = parse_edits(desk, ticket, fields)
    asked = changed_fields(ticket, edits)
    if not asked:
        raise Refused(f"fault {ticket_id} already has these values; nothing {'to correct' if confirmed else 'changed'}")
    names = tuple(name for name, column in EDITABLE.items() if column in asked)
    judged = judge_edits(desk, ticket, edits)
    changes, shorter, seen = judged.changes, judged.shorter, judged.seen
    if judged.asks_the_hospital:
        request = request_correction(desk, ticket, reason, asked)
        return EditOutcome(ticket_id, names, changes, shorter, request=request, seen=seen)
    correction = apply_edits(desk, ticket, edits, reason)
    return EditOutcome(ticket_id, names, changes, shorter, correction=correction)


@dataclass(frozen=True)
class JudgedEdit:
    """What changing a ticket's values would do to its verdicts, and whether the hospital must agree."""

    changes: tuple[VerdictChange, ...]
    shorter: tuple[ShorterBreach, ...]
    seen: str | None  # why the hospital has seen the verdicts, if it has
    moves_month: bool  # the report time moves into another month

    @property
    def asks_the_hospital(self) -> bool:
        """It would improve a verdict the hospital has seen (or move a ticket between reported months)."""
        return self.seen is not None and (
            any(improves(c) for c in self.changes) or bool(self.shorter) or self.moves_month
        )


def judge_edits(desk: Desk, ticket: Ticket, edits: dict[str, Any]) -> JudgedEdit:
    """Judge ``ticket`` before and after ``edits`` (column -> new value) at the moment recorded: the
    verdicts they change, breaches they shorten, and what the hospital has seen of it. Shared by
    `fault edit` / `fault correct` and the platform's re-imports."""
    after = as_ticket({**history.row_dict(ticket), **{k: history.to_json_value(v) for k, v in edits.items()}})
    clocks_before, clocks_after = clocks_of(desk, ticket), clocks_of(desk, after)
    changes = verdict_changes(clocks_before, clocks_after)
    day = desk.terms_at(ticket.reported_at).working_day_length
    named = {c.clock for c in changes}  # a clock whose deadline moved is named with it already
    shorter = tuple(s for s in shorter_breaches(clocks_before, clocks_after, day) if s.clock not in named)
    months = {_month(desk, ticket)}
    if "reported_at" in edits:
        months.add(_month(desk, after))
    return JudgedEdit(changes, shorter, seen_by_hospital(desk, ticket, months), len(months) > 1)


def _month(desk: Desk, ticket: Any) -> str:
    return f"{ticket.reported_at.astimezone(desk.tz):%Y-%m}"


def seen_by_hospital(desk: Desk, ticket: Ticket, months: set[str], at: datetime | None = None) -> str | None:
    """Why the hospital has seen ``ticket``'s verdicts by ``at`` (default: all on record), or None
    (``months``: the ticket's month, and the one an edit moves it to): it confirmed the ticket, a monthly
    report of one of ``months`` was delivered, or it refused a request of the ticket."""
    refusals = select(ExceptionRequest).where(
        ExceptionRequest.ticket_id == ticket.id, col(ExceptionRequest.refused_at).is_not(None)
    )
    return _seen(desk, ticket, months, at, _deliveries(desk), list(desk.session.exec(refusals)))


_NOT_MET = ("breached", "overdue", "time_unknown")  # what a rate counts against the vendor
STEP_NAMES = {"responded": "response", "arrived": "arrival", "remote": "remote handling", "resolved": "fix"}


def check_step(desk: Desk, ticket_id: int, step: str, at: datetime | str | None) -> None:
    """Refuse a step (respond, arrive, remote, resolve) dated before something the hospital saw of the
    fault without it (a delivered report of its month, a refusal), when the step would improve a verdict
    it saw (an overdue clock met): the hospital agrees to that first, as to an edit. A step dated after
    all it saw, or one that improves nothing, is recorded as usual."""
    ticket = get_ticket(desk, ticket_id)
    if getattr(ticket, f"{step}_at") is not None:
        return  # already recorded: the step itself refuses it
    moment = desk.moment(at)
    after = as_ticket({**history.row_dict(ticket), f"{step}_at": history.to_json_value(moment)})
    refusals = select(ExceptionRequest).where(
        ExceptionRequest.ticket_id == ticket.id, col(ExceptionRequest.refused_at).is_not(None)
    )
    months = {_month(desk, ticket)}
    shown = _seen_events(desk, ticket, months, None, _deliveries(desk), list(desk.session.exec(refusals)), since=moment)
    # what the hospital saw at each of those moments, without the step: a clock not met that it makes better
    judged = ((seen, _bettered(desk, ticket, after, when)) for when, seen in sorted(shown, key=lambda s: s[0]))
    seen, changes = next(((seen, changes) for seen, changes in judged if changes), (None, ()))
    if seen is None:
        return
    words = "; ".join(f"{c.clock} {c.before} → {c.after}" for c in changes)
    noun = STEP_NAMES[step]
    options = f'--{step} "{moment:%Y-%m-%d %H:%M}"'
    if step != "responded" and ticket.responded_at is None:
        options = "--responded TIME " + options
    raise Refused(
        f"fault {ticket_id}: {'an' if noun[0] in 'aeiou' else 'a'} {noun} dated {fmt(moment)} would change "
        f"{words}, but the hospital has seen the fault without it since ({seen}); ask for it as a correction "
        f'the hospital agrees to: `opsdesk fault edit {ticket_id} {options} --reason "..."`'
    )


def _bettered(desk: Desk, ticket: Ticket, after: TicketTimes, when: datetime) -> tuple[VerdictChange, ...]:
    """The clocks not met at ``when`` that ``after`` (the ticket with a step) makes better."""
    before, then = clocks_of(desk, ticket, now=when), clocks_of(desk, after, now=when)
    return tuple(c for c in verdict_changes(before, then) if c.before in _NOT_MET and improves(c))


CLOCKS = ("response", "arrival", "resolution")


def seen_guard(desk: Desk, what: str) -> Guard:
    """A guard for a retroactive change of the calendar or the terms (``what``, for people): refused when
    it would improve a verdict the hospital has seen. opsdesk does not yet record the hospital's
    agreement to such a change, so it is refused outright; one that worsens or touches only unseen
    faults goes ahead."""

    def guard(rejudged: list[Rejudging]) -> None:
        for ticket, before, after in rejudged:
            better = [
                f"{name} {b} → {a}"
                for name, b, a in zip(CLOCKS, before, after, strict=True)
                if improves(VerdictChange(name, b, a, ticket.reported_at, ticket.reported_at))
            ]
            seen = seen_by_hospital(desk, ticket, {_month(desk, ticket)}) if better else None
            if seen is not None:
                raise Refused(
                    f"{what} would change fault {ticket.id}'s {'; '.join(better)}, a verdict the hospital has seen "
                    f"({seen}); such a change needs the hospital's agreement, which opsdesk does not record for "
                    "the calendar or the terms: nothing was recorded"
                )

    return guard


def _deliveries(desk: Desk) -> list[Delivery]:
    return list(desk.session.exec(select(Delivery).order_by(col(Delivery.id))))


def _seen(
    desk: Desk,
    ticket: Ticket,
    months: set[str],
    at: datetime | None,
    deliveries: list[Delivery],
    refusals: list[ExceptionRequest],
) -> str | None:
    return next((reason for _, reason in _seen_events(desk, ticket, months, at, deliveries, refusals)), None)


def _seen_events(
    desk: Desk,
    ticket: Ticket,
    months: set[str],
    at: datetime | None,
    deliveries: list[Delivery],
    refusals: list[ExceptionRequest],
    since: datetime | None = None,
) -> Iterator[tuple[datetime, str]]:
    """Each moment the hospital was shown ``ticket``'s verdicts, by ``at`` (and after ``since``), with
    how: its confirmation, a delivered monthly report of ``months``, a refusal of one of its requests.
    ``at`` None: everything on record, whatever its recorded time (what is in the store has happened,
    even where a clock put back makes it look ahead of now)."""

    def between(moment: datetime) -> bool:
        return (at is None or moment <= at) and (since is None or moment > since)

    if ticket.confirmed_at is not None and between(ticket.confirmed_at):
        yield ticket.confirmed_at, f"it was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)}"
    own = _month(desk, ticket)
    for d in deliveries:  # a fault recorded into a month already reported: the month was seen without it
        written = d.written_at.astimezone(desk.tz)
        if d.month in months and between(written):
            before = d.month == own and written < ticket.reported_rec
            yield (
                written,
                (
                    f"the monthly report of {d.month} was delivered at {fmt(written)}"
                    + (", before the fault was recorded" if before else "")
                ),
            )
    for r in sorted(refusals, key=lambda r: r.id):
        if r.ticket_id == ticket.id and r.refused_at is not None and between(r.refused_at):
            yield (
                r.refused_at,
                (f"its {TYPE_NAMES[r.type]} (exception {r.id}) was refused by {r.refused_by} at {fmt(r.refused_at)}"),
            )


def last_delivery(desk: Desk) -> Delivery | None:
    """The monthly report delivered last (by now)."""
    delivered = [d for d in desk.session.exec(select(Delivery)) if d.written_at <= desk.local_now]
    return max(delivered, key=lambda d: (d.written_at, d.id), default=None)


def seen_edits(
    desk: Desk, *, since: datetime | None = None, until: datetime | None = None, tickets: set[int] | None = None
) -> list[VerdictEdit]:
    """The edits, reopens and corrections recorded in [``since``, ``until``) (of ``tickets`` only, if
    given) that changed a verdict the hospital had seen when they were made: figures changed since
    they were reported (an agreed correction request among them)."""
    edits = verdict_edits(desk, until=until, tickets=tickets, since=since)
    ids = sorted({e.ticket_id for e in edits})
    if not ids:
        return []
    by_id = {t.id: t for t in desk.session.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}
    refusals = list(desk.session.exec(select(ExceptionRequest).where(col(ExceptionRequest.refused_at).is_not(None))))
    deliveries = _deliveries(desk)
    out = []
    for e in edits:
        ticket = by_id[e.ticket_id]
        months = {_month(desk, ticket)}
        for f in e.fields:
            if f.column == "reported_at" and f.before:
                months.add(f"{datetime.fromisoformat(f.before).astimezone(desk.tz):%Y-%m}")
        if e.fields and _seen(desk, ticket, months, e.fields[0].at, deliveries, refusals) is not None:
            out.append(e)
    return out

"""The working calendar's local overrides (extra days off, extra working days) and the
confirmation of a year's calendar: what they change in the SLA verdicts on record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from opsdesk.desk import Desk, calendar_start, contract_end, text_value
from opsdesk.errors import Refused
from opsdesk.store.models import CalendarOverride, CalendarYear, Ticket

if TYPE_CHECKING:
    from opsdesk.sla.clocks import ClockState
    from opsdesk.sla.terms import SlaTerms

# A ticket a change re-judges, with its clock states (response, arrival, resolution) before and after.
Rejudging = tuple[Ticket, tuple["ClockState", ...], tuple["ClockState", ...]]
# Called with what a retroactive change re-judges, before it is recorded; raises to refuse it (the
# faults layer checks what the hospital has seen: :func:`opsdesk.faults.corrections.seen_guard`).
Guard = Callable[[list[Rejudging]], None]


def clock_states(
    desk: Desk, tickets: list[Ticket], calendar_for, terms_for: Callable[[Ticket], SlaTerms] | None = None
) -> dict[int, tuple[ClockState, ...]]:
    from opsdesk.sla.clocks import ticket_clocks

    out = {}
    for t in tickets:
        terms = terms_for(t) if terms_for is not None else desk.terms_at(t.reported_at)
        clocks = ticket_clocks(
            calendar_for(terms),
            terms,
            kind=t.kind,
            reported=t.reported_at,
            responded=t.responded_at,
            arrived=t.arrived_at,
            resolved=t.resolved_at,
            remote=t.remote_at is not None,
            now=desk.local_now,
        )
        out[t.id] = tuple(c.state for c in clocks)
    return out


def override_effects(desk: Desk, day: date, working: bool, note: str) -> list[Rejudging]:
    """Tickets whose SLA verdict would change if ``day`` became a working day (or a day off), with
    their states before and after."""
    from opsdesk.sla.workcalendar import Override

    start = datetime(day.year, day.month, day.day, tzinfo=desk.tz)
    candidates = list(
        desk.session.exec(
            select(Ticket).where(
                Ticket.reported_at < start + timedelta(days=1),
                (col(Ticket.resolved_at).is_(None)) | (col(Ticket.resolved_at) >= start - timedelta(days=1)),
            )
        )
    )
    if not candidates:
        return []
    overrides = desk._calendar_inputs[0]
    changed = [o for o in overrides if o.day != day] + [Override(day, working, note)]
    calendars: dict = {}

    def with_override(terms):
        if terms not in calendars:
            calendars[terms] = desk.calendar_with(terms, changed)
        return calendars[terms]

    before = clock_states(desk, candidates, desk.calendar_for)
    after = clock_states(desk, candidates, with_override)
    return [(t, before[t.id], after[t.id]) for t in candidates if before[t.id] != after[t.id]]


def add_override(
    desk: Desk, day: date, *, working: bool, note: str, retroactive: bool = False, guard: Guard | None = None
) -> tuple[CalendarOverride, list[Ticket]]:
    """An extra day off or extra working day, which wins over the official schedule.

    An override that would change the SLA verdict of tickets already on record is refused,
    naming them, unless ``retroactive``; then it applies and the history shows it.
    """
    first = calendar_start(desk.contract)
    if day < first:
        raise Refused(
            f"{day} is before the contract's calendar, which starts on {first} (the service starts "
            f"{desk.contract.start_date}); no deadline of the contract reaches it"
        )
    note = text_value(note, "--note", required=True)
    existing = desk.session.exec(select(CalendarOverride).where(CalendarOverride.day == day)).first()
    official = desk.calendar.official_day_kind(day)
    if existing is not None and existing.working == working and existing.note == note:
        raise Refused(f"{day} is already an override ({'working day' if working else 'day off'}: {existing.note})")
    if existing is None and official.working == working:
        raise Refused(
            f"{day} is already a {'working day' if working else 'day off'} in the official calendar "
            f"({official.reason}); no override needed"
        )
    rejudged = override_effects(desk, day, working, note)
    affected = [ticket for ticket, _, _ in rejudged]
    if affected and not retroactive:
        confirmed = sum(1 for t in affected if t.confirmed_at is not None)
        ids = ", ".join(str(t.id) for t in affected[:10]) + (", ..." if len(affected) > 10 else "")
        raise Refused(
            f"making {day} a {'working day' if working else 'day off'} changes the SLA verdict of "
            f"{len(affected)} fault(s) on record ({ids}; {confirmed} confirmed); add --retroactive to apply it "
            "anyway (the change stays visible in the history)"
        )
    if rejudged and guard is not None:
        guard(rejudged)
    if existing is not None:
        desk.update(existing, {"working": working, "note": note}, "calendar.override")
        return existing, affected
    return desk.create(CalendarOverride(day=day, working=working, note=note), "calendar.override"), affected


def confirm_year(desk: Desk, year: int) -> CalendarYear:
    """The user confirms a year's working calendar (overrides included) as official."""
    first, last = desk.contract.start_date.year, contract_end(desk.contract).year
    if not first <= year <= last:
        raise Refused(f"{year} is outside the contract ({first} to {last}); only its years need a calendar")
    if desk.calendar.is_year_confirmed(year):
        raise Refused(f"{year} is already confirmed (official in the holidays package or confirmed before)")
    return desk.create(
        CalendarYear(year=year, confirmed_by=desk.actor, confirmed_at=desk.local_now), "calendar.confirm"
    )


@dataclass(frozen=True)
class Rejudged:
    """A calendar override or a change of terms recorded after a ticket was reported that changed its
    verdicts: what re-judged it, when and by whom it was recorded, and the states before and after."""

    what: str  # for people: "calendar override 2026-12-24 day off (院方停诊)", "terms change from ..."
    recorded_at: datetime
    by: str
    before: tuple[ClockState, ...]  # response, arrival, resolution states without it
    after: tuple[ClockState, ...]  # ... and with it (as judged now)


def rejudged(desk: Desk, ticket: Ticket) -> list[Rejudged]:
    """What re-judged ``ticket``: each override (and each `contract set` in force at its report time)
    recorded after the report whose removal would change the ticket's verdicts, computed when read."""
    from opsdesk.store.models import Event

    now_states = clock_states(desk, [ticket], desk.calendar_for)[ticket.id]
    overrides = desk._calendar_inputs[0]
    out = []
    first = ticket.reported_at.date() - timedelta(days=1)
    last = (ticket.resolved_at or desk.local_now).date() + timedelta(days=1)
    rows = desk.session.exec(
        select(CalendarOverride).where(CalendarOverride.day >= first, CalendarOverride.day <= last)
    )
    for row in rows:
        recorded = desk.session.exec(
            select(Event)
            .where(Event.entity == "calendar_override", Event.entity_id == row.id)
            .order_by(col(Event.id).desc())
        ).first()
        if recorded is None or recorded.recorded_at <= ticket.reported_at:
            continue
        without = [o for o in overrides if o.day != row.day]
        states = clock_states(desk, [ticket], lambda terms, without=without: desk.calendar_with(terms, without))[
            ticket.id
        ]
        if states != now_states:
            kind = "working day" if row.working else "day off"
            out.append(
                Rejudged(
                    f"calendar override {row.day} {kind} ({row.note})",
                    recorded.recorded_at,
                    recorded.actor,
                    states,
                    now_states,
                )
            )
    out += _terms_rejudged(desk, ticket, now_states)
    return sorted(out, key=lambda r: r.recorded_at)


def _terms_rejudged(desk: Desk, ticket: Ticket, now_states: tuple[ClockState, ...]) -> list[Rejudged]:
    """The terms change in force at the report, if it was recorded after the report and judges otherwise."""
    from opsdesk.sla.clocks import ticket_clocks
    from opsdesk.store.models import Event, TermsChange

    history = desk.terms_history
    in_force = [i for i, (effective, _) in enumerate(history) if effective is None or effective <= ticket.reported_at]
    if len(in_force) < 2:
        return []
    index = in_force[-1]
    change = desk.session.exec(
        select(TermsChange).order_by(col(TermsChange.effective_from), col(TermsChange.id))
    ).all()[index - 1]
    recorded = desk.session.exec(
        select(Event).where(Event.entity == "terms_change", Event.entity_id == change.id)
    ).first()
    if recorded is None or recorded.recorded_at <= ticket.reported_at:
        return []
    earlier = history[in_force[-2]][1]
    t = ticket
    clocks = ticket_clocks(
        desk.calendar_for(earlier),
        earlier,
        kind=t.kind,
        reported=t.reported_at,
        responded=t.responded_at,
        arrived=t.arrived_at,
        resolved=t.resolved_at,
        remote=t.remote_at is not None,
        now=desk.local_now,
    )
    states = tuple(c.state for c in clocks)
    if states == now_states:
        return []
    what = f"terms change from {change.effective_from:%Y-%m-%d %H:%M}" + (f" ({change.note})" if change.note else "")
    return [Rejudged(what, recorded.recorded_at, recorded.actor, states, now_states)]

"""Fault tickets as they are judged: each ticket's three clocks (after the exceptions the hospital
agreed to), its late-recorded steps, the lists and filters over them, and the plain data of a ticket
for --json and the reports. The operations that change a ticket are in :mod:`opsdesk.faults.tickets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlmodel import col, select

from opsdesk.contract.systems import get_system, system_by_id, systems
from opsdesk.desk import Desk, month_bounds, text_value
from opsdesk.faults.agreed import Agreed, agreed_exceptions
from opsdesk.faults.tickets import KIND_NAMES, LATE_MARGIN, STEPS, normalise_kind
from opsdesk.store import history
from opsdesk.store.models import Correction, Event, Note, System, Ticket

if TYPE_CHECKING:  # the clocks are loaded when first judged (clocks_of), not by every command
    from opsdesk.sla.clocks import Clock, TicketClocks


@dataclass(frozen=True)
class FaultFilter:
    """Text filters of `fault list`: a text in the symptom, cause or notes; the reporter; the department."""

    search: str | None = None
    reporter: str | None = None
    dept: str | None = None

    def apply(self, query):
        if self.search:
            text = text_value(self.search, "--search", required=True)
            in_notes = select(Note.id).where(
                Note.ticket_id == col(Ticket.id), col(Note.text).contains(text, autoescape=True)
            )
            query = query.where(
                col(Ticket.symptom).contains(text, autoescape=True)
                | col(Ticket.cause).contains(text, autoescape=True)
                | in_notes.exists()
            )
        if self.reporter:
            query = query.where(Ticket.reporter == text_value(self.reporter, "--reporter", required=True))
        if self.dept:
            query = query.where(Ticket.dept == text_value(self.dept, "--dept", required=True))
        return query


class TicketTimes(Protocol):
    """What the clocks read of a ticket: a record, a plain row of one, or one replayed from its history."""

    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def time_unknown(self) -> bool: ...
    @property
    def reported_at(self) -> datetime: ...
    @property
    def responded_at(self) -> datetime | None: ...
    @property
    def arrived_at(self) -> datetime | None: ...
    @property
    def remote_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...


@dataclass
class FaultView:
    """A ticket with its system, its three clocks and its late-recorded steps."""

    ticket: Ticket
    system: System
    clocks: TicketClocks  # judged after the exceptions the hospital agreed to
    late: list[str] = field(default_factory=list)
    working_day: timedelta = timedelta(hours=10)  # length of one working day under the ticket's terms
    recorded: TicketClocks | None = None  # as recorded, before agreed exceptions (``clocks`` when none)
    agreed: Agreed | None = None  # the exceptions the hospital agreed to

    @property
    def is_open(self) -> bool:
        return self.ticket.resolved_at is None

    @property
    def voided(self) -> bool:
        """Void by agreement: the ticket leaves every figure."""
        return self.agreed is not None and self.agreed.void is not None

    @property
    def breached(self) -> bool:
        return not self.voided and any(c.state in ("breached", "overdue") for c in self.clocks)

    @property
    def breached_as_recorded(self) -> bool:
        return any(c.state in ("breached", "overdue") for c in self.recorded or self.clocks)


_STEP_COLUMNS = tuple((step, f"{step}_at", f"{step}_rec") for step in STEPS)


def late_steps(ticket: Ticket, clocks: TicketClocks) -> list[str]:
    """Steps recorded late: after the deadline of the clock they answer to (the response's for the
    report and the response, the arrival's for the arrival and remote handling, the resolution's for
    the fix), when their verdict could already be known, and more than :data:`LATE_MARGIN` after the
    moment they give (a step typed as it happens is not late, however late it happened)."""
    deadline = {
        "reported": clocks.response.met_until,
        "responded": clocks.response.met_until,
        "arrived": clocks.arrival.met_until,
        "remote": clocks.arrival.met_until,
        "resolved": clocks.resolution.met_until,
    }
    out = []
    platform = ticket.source == "zentao"
    for step, at_column, rec_column in _STEP_COLUMNS:
        if platform and step in ("reported", "resolved"):
            continue  # the platform recorded these when they happened
        at = getattr(ticket, at_column)
        rec = getattr(ticket, rec_column)
        if at is not None and rec is not None and rec > deadline[step] and rec - at > LATE_MARGIN:
            out.append(step)
    return out


def view(
    desk: Desk,
    ticket: Ticket,
    system: System | None = None,
    *,
    exceptions: dict[int, Agreed] | None = None,
    as_recorded: bool = False,
) -> FaultView:
    """A ticket judged after the exceptions the hospital agreed to (looked up unless ``exceptions``,
    ticket id -> :class:`Agreed`, is given), or ``as_recorded``, before them."""
    terms = desk.terms_at(ticket.reported_at)
    recorded = clocks_of(desk, ticket)
    agreed = None
    if not as_recorded:
        agreed = (exceptions if exceptions is not None else agreed_exceptions(desk.session, ticket.id)).get(ticket.id)
    clocks = recorded
    if agreed is not None and (agreed.pauses or agreed.waive is not None):
        clocks = clocks_of(desk, ticket, agreed=agreed)
    return FaultView(
        ticket,
        system or system_by_id(desk, ticket.system_id),
        clocks,
        late_steps(ticket, recorded),
        terms.working_day_length,
        recorded,
        agreed,
    )


def clocks_of(
    desk: Desk, ticket: TicketTimes, *, agreed: Agreed | None = None, now: datetime | None = None
) -> TicketClocks:
    """A ticket's three clocks at ``now`` (default: the desk's), after ``agreed``
    exceptions if given. ``ticket`` may be any object with the ticket's attributes."""
    from opsdesk.sla.clocks import ticket_clocks

    terms = desk.terms_at(ticket.reported_at)
    clocks = ticket_clocks(
        desk.calendar_for(terms),
        terms,
        kind=ticket.kind,
        reported=ticket.reported_at,
        responded=ticket.responded_at,
        arrived=ticket.arrived_at,
        resolved=ticket.resolved_at,
        remote=ticket.remote_at is not None,
        now=desk.local_now if now is None else now,
        pauses=agreed.spans if agreed is not None else (),
        arrival_waived=agreed is not None and agreed.waive is not None,
    )
    if ticket.time_unknown or (ticket.source == "zentao" and ticket.responded_at is None):
        clocks = _time_unknown(clocks)  # the platform does not record when anyone responded
    return clocks


def _time_unknown(clocks: TicketClocks) -> TicketClocks:
    """A ticket imported with a report date but no time: its response and arrival cannot be judged
    (never shown as met) until an engineer sets the real time with `fault edit --at`. An arrival
    the hospital agreed to waive stays waived."""
    from dataclasses import replace

    return replace(
        clocks,
        response=replace(clocks.response, state="time_unknown"),
        arrival=clocks.arrival if clocks.arrival.state == "waived" else replace(clocks.arrival, state="time_unknown"),
    )


def list_faults(
    desk: Desk,
    *,
    open_only: bool = False,
    system: str | None = None,
    kind: str | None = None,
    month: tuple[int, int] | None = None,
    breached: bool = False,
    late: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    where: FaultFilter | None = None,
    owner: str | None = None,
    as_recorded: bool = False,
) -> list[FaultView]:
    """Tickets matching the filters, oldest report first (``owner``: a name on the roster; judged
    after agreed exceptions, unless ``as_recorded``)."""
    views = each_fault(
        desk,
        open_only=open_only,
        system=system,
        kind=kind,
        month=month,
        since=since,
        until=until,
        where=where,
        owner=owner,
        as_recorded=as_recorded,
    )
    return [v for v in views if (v.breached or not breached) and (v.late or not late)]


def each_fault(
    desk: Desk,
    *,
    open_only: bool = False,
    system: str | None = None,
    kind: str | None = None,
    month: tuple[int, int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    light: bool = False,
    where: FaultFilter | None = None,
    owner: str | None = None,
    as_recorded: bool = False,
) -> Iterator[FaultView]:
    """The views :func:`list_faults` gives, one at a time from a query read in batches, so that a
    report over every ticket holds one batch rather than them all. With ``light`` each view's
    ticket is a read-only row with the ticket's attributes, not a record (nothing to edit or digest)."""
    desk.contract  # noqa: B018
    query = select(Ticket, System).join(System, col(Ticket.system_id) == col(System.id))
    if open_only:
        query = query.where(col(Ticket.resolved_at).is_(None))
    if system:
        query = query.where(Ticket.system_id == get_system(desk, system).id)
    if kind:
        query = query.where(Ticket.kind == normalise_kind(kind))
    if owner is not None:
        from opsdesk.contract.people import roster_name

        query = query.where(Ticket.owner == roster_name(desk, owner))
    if month:
        since, until = month_bounds(*month, desk.tz)
    if since is not None:
        query = query.where(Ticket.reported_at >= since.astimezone(desk.tz))
    if until is not None:
        query = query.where(Ticket.reported_at < until.astimezone(desk.tz))
    if where is not None:
        query = where.apply(query)
    query = query.order_by(col(Ticket.reported_at), col(Ticket.id)).execution_options(yield_per=FAULT_BATCH)
    agreed = {} if as_recorded else agreed_exceptions(desk.session)  # few: read once, not per ticket
    if not light:
        for t, s in desk.session.exec(query):
            yield view(desk, t, s, exceptions=agreed, as_recorded=as_recorded)
        return
    # Plain rows (attributes named as the ticket's columns) instead of ORM objects: a report that
    # only reads the tickets spends about half as long loading each.
    by_id = {s.id: s for s in systems(desk)}
    columns = Ticket.__table__.columns  # type: ignore[attr-defined]  # SQLModel does not declare __table__
    for row in desk.session.connection().execute(query.with_only_columns(*columns)):
        t = cast(Ticket, row)  # a row with the ticket's attributes, read as one
        yield view(desk, t, by_id[t.system_id], exceptions=agreed, as_recorded=as_recorded)


FAULT_BATCH = 2000


@dataclass(frozen=True)
class FaultTimeline:
    """What happened to one ticket beside its fields: notes, corrections, history events."""

    notes: list[Note]
    corrections: list[Correction]
    events: list[Event]  # oldest first


def timeline(desk: Desk, ticket_id: int) -> FaultTimeline:
    """Notes, corrections and history events of one ticket."""
    session = desk.session
    notes = list(
        session.exec(select(Note).where(col(Note.ticket_id) == ticket_id).order_by(col(Note.at), col(Note.id)))
    )
    corrections = list(
        session.exec(
            select(Correction)
            .where(Correction.entity == "ticket", Correction.entity_id == ticket_id)
            .order_by(col(Correction.id))
        )
    )
    return FaultTimeline(notes, corrections, history.events_of(session, "ticket", ticket_id))


def fault_status(ticket) -> str:
    """open, resolved or confirmed."""
    return "confirmed" if ticket.confirmed_at else ("resolved" if ticket.resolved_at else "open")


def urgency(v: FaultView) -> tuple[timedelta, int]:
    """Sort key, most urgent first: the smallest time left (most overdue) of any running clock; a fault
    void by agreement last (nothing of it is due)."""
    left = [c.margin for c in v.clocks if c.state in ("running", "overdue") and not v.voided]
    return (min(left) if left else timedelta.max, v.ticket.id)


def clock_dict(clock: Clock) -> dict[str, Any]:
    return {
        "name": clock.name,
        "basis": clock.basis,
        "target_minutes": int(clock.target.total_seconds() // 60),
        "deadline": clock.deadline,
        "met_until": clock.met_until,
        "actual": clock.actual,
        "elapsed_minutes": int(clock.elapsed.total_seconds() // 60),
        "margin_minutes": int(clock.margin.total_seconds() // 60),
        "state": clock.state,
        "unconfirmed_years": list(clock.unconfirmed_years),
        "paused_minutes": int(clock.paused.total_seconds() // 60),
        "paused_now": clock.paused_now,  # inside an agreed pause: margin stays, the deadline is as if resumed now
    }


def fault_dict(v: FaultView) -> dict[str, Any]:
    """A ticket as plain data for --json and reports."""
    t = v.ticket
    return {
        "id": t.id,
        "system": v.system.code,
        "system_name": v.system.name,
        "kind": t.kind,
        "kind_name": KIND_NAMES[t.kind],
        "status": fault_status(t),
        "symptom": t.symptom,
        "reporter": t.reporter,
        "dept": t.dept,
        "phone": t.phone,
        "channel": t.channel,
        "ref": t.ref,
        "impact": t.impact,
        "owner": t.owner,
        "reported_at": t.reported_at,
        "responded_at": t.responded_at,
        "arrived_at": t.arrived_at,
        "remote_at": t.remote_at,
        "resolved_at": t.resolved_at,
        "cause": t.cause,
        "action": t.action,
        "result": t.result,
        "confirmed_at": t.confirmed_at,
        "confirmed_by": t.confirmed_by,
        "confirm_comment": t.confirm_comment,
        "inside_hours": v.clocks.inside_hours,
        "time_unknown": t.time_unknown,  # reported with a date only: the report's time of day is not known
        "late": v.late,
        "breached": v.breached,
        "clocks": {c.name: clock_dict(c) for c in v.clocks},
        "voided": v.voided,
        "exceptions": list(v.agreed.ids) if v.agreed else [],
        "breached_as_recorded": v.breached_as_recorded,
        "clocks_as_recorded": {c.name: clock_dict(c) for c in v.recorded or v.clocks},
    }

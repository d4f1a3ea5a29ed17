"""Fault tickets (故障 / 系统错误 / 数据错误): from the first call to the hospital's confirmation,
and the views that judge them (their three clocks, their late-recorded steps).

Every operation takes a :class:`~opsdesk.records.Desk` and either succeeds completely, appending
its events to the history, or raises an :class:`~opsdesk.errors.OpsdeskError` and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from opsdesk import history
from opsdesk.agreed import Agreed, agreed_exceptions
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.models import Correction, Event, Note, System, Ticket
from opsdesk.records import Desk, check_confirmer, fmt, month_bounds, text_value
from opsdesk.systems import get_system, systems

LATE_AFTER = timedelta(hours=1)
KIND_NAMES = {"fault": "故障", "defect": "系统错误", "data": "数据错误"}
KIND_ALIASES = {
    "fault": "fault",
    "故障": "fault",
    "defect": "defect",
    "error": "defect",
    "系统错误": "defect",
    "data": "data",
    "数据错误": "data",
    "数据修复": "data",
}
CHANNELS = ("phone", "platform", "onsite", "wechat", "email")
STEPS = ("reported", "responded", "arrived", "remote", "resolved")
STEP_ACTIONS = {
    "responded": "fault.respond",
    "arrived": "fault.arrive",
    "remote": "fault.remote",
    "resolved": "fault.resolve",
}
EDITABLE = {
    "symptom": "symptom",
    "kind": "kind",
    "reported": "reported_at",
    "reporter": "reporter",
    "dept": "dept",
    "phone": "phone",
    "channel": "channel",
    "ref": "ref",
    "impact": "impact",
    "responded": "responded_at",
    "arrived": "arrived_at",
    "remote": "remote_at",
    "resolved": "resolved_at",
    "cause": "cause",
    "action": "action",
    "result": "result",
}


def normalise_kind(kind: str) -> str:
    found = KIND_ALIASES.get(kind.strip().lower())
    if found is None:
        raise InvalidInput(f"unknown kind {kind!r}; use fault (故障), defect (系统错误) or data (数据错误)")
    return found


def normalise_channel(channel: str | None) -> str | None:
    if channel is None:
        return None
    if channel.strip().lower() not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel.strip().lower()


def get_ticket(desk: Desk, ticket_id: int) -> Ticket:
    ticket = desk.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no fault {ticket_id}; `opsdesk fault list` shows the faults on record")
    return ticket


def open_fault(
    desk: Desk,
    system: str,
    symptom: str,
    *,
    kind: str = "fault",
    at: datetime | str | None = None,
    reporter: str | None = None,
    dept: str | None = None,
    phone: str | None = None,
    channel: str | None = None,
    ref: str | None = None,
    impact: str | None = None,
) -> Ticket:
    """Log a fault the moment it is reported."""
    desk.contract  # noqa: B018
    sys_row = get_system(desk, system)
    reported = desk.moment(at)
    ticket = Ticket(
        system_id=sys_row.id,
        kind=normalise_kind(kind),
        symptom=text_value(symptom, "the symptom", required=True),
        reporter=text_value(reporter, "--reporter"),
        dept=text_value(dept, "--dept"),
        phone=text_value(phone, "--phone"),
        channel=normalise_channel(channel),
        ref=text_value(ref, "--ref"),
        impact=text_value(impact, "--impact"),
        reported_at=reported,
        reported_rec=desk.local_now,
    )
    return desk.create(ticket, "fault.open", happened_at=reported)


def _open_ticket(desk: Desk, ticket_id: int, step: str) -> Ticket:
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)}; "
            f"it cannot be changed. Record a visible correction with `opsdesk fault correct {ticket_id} --reason ...`"
        )
    if ticket.resolved_at is not None and step != "resolved":
        raise Refused(
            f"fault {ticket_id} is already resolved (at {fmt(ticket.resolved_at)}); "
            f"fix a wrong time with `opsdesk fault edit {ticket_id}`"
        )
    return ticket


def check_order(ticket_id: int, values: dict[str, datetime | None]) -> None:
    """SPEC: reported <= responded <= arrived; reported <= remote, resolved; confirmed after resolved."""
    reported = values["reported_at"]
    pairs = [
        ("responded_at", "reported_at", "response", "report"),
        ("arrived_at", "responded_at", "arrival on site", "response"),
        ("arrived_at", "reported_at", "arrival on site", "report"),
        ("remote_at", "reported_at", "remote handling", "report"),
        ("resolved_at", "reported_at", "resolution", "report"),
        ("resolved_at", "responded_at", "resolution", "response"),
        ("resolved_at", "arrived_at", "resolution", "arrival on site"),
        ("remote_at", "responded_at", "remote handling", "response"),
        ("confirmed_at", "resolved_at", "confirmation", "resolution"),
    ]
    for later, earlier, later_name, earlier_name in pairs:
        a, b = values.get(later), values.get(earlier)
        if a is not None and b is not None and a < b:
            raise Refused(
                f"fault {ticket_id}: the {later_name} ({fmt(a)}) cannot come before the {earlier_name} "
                f"({fmt(b)}); give a time on or after {fmt(b)}"
            )
    if reported is None:
        raise Refused(f"fault {ticket_id} has no report time")


def _order_values(ticket: Ticket, **edits: Any) -> dict[str, Any]:
    values = {
        k: getattr(ticket, k)
        for k in ("reported_at", "responded_at", "arrived_at", "remote_at", "resolved_at", "confirmed_at")
    }
    values.update(edits)
    return values


def _step(desk: Desk, ticket_id: int, step: str, at: datetime | str | None, extra: dict | None = None) -> Ticket:
    ticket = _open_ticket(desk, ticket_id, step)
    column = f"{step}_at"
    current = getattr(ticket, column)
    if current is not None:
        raise Refused(
            f"fault {ticket_id} already has its {step} time ({fmt(current)}); "
            f"change it with `opsdesk fault edit {ticket_id} --{step} TIME`"
        )
    moment = desk.moment(at)
    if step in ("arrived", "remote", "resolved") and ticket.responded_at is None:
        raise Refused(
            f"fault {ticket_id} has no response yet; record it first with `opsdesk fault respond {ticket_id} --at TIME`"
        )
    check_order(ticket_id, _order_values(ticket, **{column: moment}))
    edits = {column: moment, f"{step}_rec": desk.local_now, **(extra or {})}
    desk.update(ticket, edits, STEP_ACTIONS[step], happened_at=moment)
    return ticket


def respond(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The engineer answered the report."""
    return _step(desk, ticket_id, "responded", at)


def arrive(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The engineer is on site."""
    return _step(desk, ticket_id, "arrived", at)


def remote(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The fault is being handled remotely (no visit needed if resolved before the arrival deadline)."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.arrived_at is not None:
        raise Refused(f"fault {ticket_id} already has an arrival on site ({fmt(ticket.arrived_at)}); it is not remote")
    return _step(desk, ticket_id, "remote", at)


def resolve(
    desk: Desk, ticket_id: int, *, cause: str, action: str, result: str | None = None, at: datetime | str | None = None
) -> Ticket:
    """Service restored: record the cause found and what was done."""
    extra = {
        "cause": text_value(cause, "--cause", required=True),
        "action": text_value(action, "--action", required=True),
        "result": text_value(result, "--result"),
    }
    return _step(desk, ticket_id, "resolved", at, extra)


def confirm(
    desk: Desk, ticket_id: int, *, by: str, comment: str | None = None, at: datetime | str | None = None
) -> Ticket:
    """The hospital's named person confirms the record (双方确认)."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} is already confirmed (by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)})"
        )
    if ticket.resolved_at is None:
        raise Refused(f"fault {ticket_id} is not resolved yet; the hospital confirms a fault after it is resolved")
    check_confirmer(desk, by)
    moment = desk.moment(at)
    check_order(ticket_id, _order_values(ticket, confirmed_at=moment))
    desk.update(
        ticket,
        {
            "confirmed_at": moment,
            "confirmed_by": text_value(by, "--by", required=True),
            "confirm_comment": text_value(comment, "--comment"),
        },
        "fault.confirm",
        happened_at=moment,
    )
    return ticket


def add_note(desk: Desk, ticket_id: int, text: str, at: datetime | str | None = None) -> Note:
    """A dated remark on a ticket's timeline (allowed at any stage, confirmed ones too)."""
    ticket = get_ticket(desk, ticket_id)
    moment = desk.moment(at)
    if moment < ticket.reported_at:
        raise Refused(f"fault {ticket_id} was reported at {fmt(ticket.reported_at)}; a note cannot come before it")
    note = Note(
        ticket_id=ticket_id,
        at=moment,
        recorded_at=desk.local_now,
        by=desk.actor,
        text=text_value(text, "the note", required=True),
    )
    return desk.create(note, "fault.note", happened_at=moment)


def _edits(desk: Desk, ticket: Ticket, fields: dict[str, Any]) -> dict[str, Any]:
    edits: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name not in EDITABLE:
            raise InvalidInput(f"cannot edit {name!r}; editable fields: {', '.join(EDITABLE)}")
        column = EDITABLE[name]
        if column.endswith("_at"):
            value = desk.moment(value)
        elif name == "kind":
            value = normalise_kind(value)
        elif name == "channel":
            value = normalise_channel(value)
        else:  # a resolved fault keeps its cause and action, as `fault resolve` requires them
            required = name == "symptom" or (name in ("cause", "action") and ticket.resolved_at is not None)
            value = text_value(value, f"--{name}", required=required)
        edits[column] = value
    if not edits:
        options = ", ".join("--at" if f == "reported" else f"--{f}" for f in EDITABLE)
        raise InvalidInput(f"nothing to change; give at least one of {options}")
    for step in ("arrived", "remote", "resolved"):
        if f"{step}_at" in edits and _order_values(ticket, **edits)["responded_at"] is None:
            raise Refused(f"fault {ticket.id} has no response; give --responded as well")
    check_order(ticket.id, _order_values(ticket, **edits))
    for step in STEPS:
        column = f"{step}_at"
        if column in edits and getattr(ticket, column) is None:
            edits[f"{step}_rec"] = desk.local_now
    if "reported_at" in edits and ticket.time_unknown:
        edits["time_unknown"] = False  # the real report time is now known
    return edits


def edit(desk: Desk, ticket_id: int, **fields: Any) -> list[str]:
    """Change an unconfirmed ticket; the old values stay in the history. Returns the fields changed."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)} and cannot be "
            f'edited; record a visible correction with `opsdesk fault correct {ticket_id} --reason "..."` '
            "and the same options"
        )
    edits = _edits(desk, ticket, fields)
    event = desk.update(ticket, edits, "fault.edit")
    if event is None:
        raise Refused(f"fault {ticket_id} already has these values; nothing changed")
    names = {column: name for name, column in EDITABLE.items()}
    return [names[c] for c in json.loads(event.after) if c in names]


def correct(desk: Desk, ticket_id: int, reason: str, **fields: Any) -> Correction:
    """Correct a confirmed ticket with a visible correction entry (the confirmed values stay on record)."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is None:
        raise Refused(f"fault {ticket_id} is not confirmed; change it with `opsdesk fault edit {ticket_id}`")
    reason = text_value(reason, "--reason", required=True)
    edits = _edits(desk, ticket, fields)
    before = history.row_dict(ticket)
    listed = {
        k: [before[k], history.to_json_value(v)] for k, v in edits.items() if before[k] != history.to_json_value(v)
    }
    if not listed:
        raise Refused(f"fault {ticket_id} already has these values; nothing to correct")
    correction = Correction(
        entity="ticket",
        entity_id=ticket_id,
        reason=reason,
        changes=json.dumps(listed, ensure_ascii=False, sort_keys=True),
        by=desk.actor,
        recorded_at=desk.local_now,
    )
    desk.create(correction, "fault.correct")
    desk.update(ticket, edits, "fault.correct")
    return correction


# -- views ------------------------------------------------------------------------------


@dataclass
class FaultView:
    """A ticket with its system, its three clocks and its late-recorded steps."""

    ticket: Ticket
    system: System
    clocks: Any  # sla.TicketClocks
    late: list[str] = field(default_factory=list)
    working_day: timedelta = timedelta(hours=10)  # length of one working day under the ticket's terms
    recorded: Any = None  # sla.TicketClocks as recorded, before agreed exceptions (``clocks`` when none)
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


def late_steps(ticket: Ticket) -> list[str]:
    """Steps recorded more than an hour after they happened."""
    out = []
    platform = ticket.source == "zentao"
    for step, at_column, rec_column in _STEP_COLUMNS:
        if platform and step in ("reported", "resolved"):
            continue  # the platform recorded these when they happened
        at = getattr(ticket, at_column)
        if at is None:
            continue
        rec = getattr(ticket, rec_column)
        if rec is not None and rec - at > LATE_AFTER:
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
    return FaultView(ticket, system or desk.session.get(System, ticket.system_id), clocks, late_steps(ticket),
                     terms.working_day_length, recorded, agreed)  # fmt: skip


def clocks_of(desk: Desk, ticket, *, agreed: Agreed | None = None, now: datetime | None = None):
    """A ticket's three clocks (sla.TicketClocks) at ``now`` (default: the desk's), after ``agreed``
    exceptions if given. ``ticket`` may be any object with the ticket's attributes."""
    from opsdesk.sla import ticket_clocks

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


def _time_unknown(clocks):
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
    as_recorded: bool = False,
) -> list[FaultView]:
    """Tickets matching the filters, oldest report first (judged after agreed exceptions, unless
    ``as_recorded``)."""
    views = each_fault(desk, open_only=open_only, system=system, kind=kind, month=month, since=since, until=until,
                       as_recorded=as_recorded)  # fmt: skip
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
    as_recorded: bool = False,
) -> Iterator[FaultView]:
    """The views :func:`list_faults` gives, one at a time from a query read in batches, so that a
    report over every ticket holds one batch rather than them all. With ``light`` each view's
    ticket is a read-only row with the ticket's attributes, not a record (nothing to edit or digest)."""
    desk.contract  # noqa: B018
    query = select(Ticket, System).join(System, Ticket.system_id == System.id)
    if open_only:
        query = query.where(Ticket.resolved_at.is_(None))
    if system:
        query = query.where(Ticket.system_id == get_system(desk, system).id)
    if kind:
        query = query.where(Ticket.kind == normalise_kind(kind))
    if month:
        since, until = month_bounds(*month, desk.tz)
    if since is not None:
        query = query.where(Ticket.reported_at >= since.astimezone(desk.tz))
    if until is not None:
        query = query.where(Ticket.reported_at < until.astimezone(desk.tz))
    query = query.order_by(Ticket.reported_at, Ticket.id).execution_options(yield_per=FAULT_BATCH)
    agreed = {} if as_recorded else agreed_exceptions(desk.session)  # few: read once, not per ticket
    if not light:
        for t, s in desk.session.exec(query):
            yield view(desk, t, s, exceptions=agreed, as_recorded=as_recorded)
        return
    # Plain rows (attributes named as the ticket's columns) instead of ORM objects: a report that
    # only reads the tickets spends about half as long loading each.
    by_id = {s.id: s for s in systems(desk)}
    for t in desk.session.connection().execute(query.with_only_columns(*Ticket.__table__.columns)):
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
    notes = list(session.exec(select(Note).where(Note.ticket_id == ticket_id).order_by(Note.at, Note.id)))
    corrections = list(
        session.exec(
            select(Correction)
            .where(Correction.entity == "ticket", Correction.entity_id == ticket_id)
            .order_by(Correction.id)
        )
    )
    return FaultTimeline(notes, corrections, history.events_of(session, "ticket", ticket_id))


def fault_status(ticket) -> str:
    """open, resolved or confirmed."""
    return "confirmed" if ticket.confirmed_at else ("resolved" if ticket.resolved_at else "open")


def urgency(v: FaultView) -> tuple[timedelta, int]:
    """Sort key, most urgent first: the smallest time left (most overdue) of any running clock."""
    left = [c.margin for c in v.clocks if c.state in ("running", "overdue")]
    return (min(left) if left else timedelta.max, v.ticket.id)


def clock_dict(clock) -> dict[str, Any]:
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
        "late": v.late,
        "breached": v.breached,
        "clocks": {c.name: clock_dict(c) for c in v.clocks},
        "voided": v.voided,
        "exceptions": list(v.agreed.ids) if v.agreed else [],
        "breached_as_recorded": v.breached_as_recorded,
        "clocks_as_recorded": {c.name: clock_dict(c) for c in v.recorded or v.clocks},
    }

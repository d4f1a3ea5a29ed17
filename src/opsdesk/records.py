"""The records and the operations on them: the contract, its systems, fault tickets.

Every operation takes a :class:`Desk` (an open transaction, who is acting, and
``now``) and either succeeds completely, appending its events to the history, or
raises an :class:`~opsdesk.errors.OpsdeskError` and writes nothing (the caller's
transaction is rolled back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from opsdesk import history
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.models import (
    CalendarOverride,
    CalendarYear,
    Contract,
    Correction,
    Note,
    System,
    TermsChange,
    Ticket,
)
from opsdesk.timeparse import parse_moment

LATE_AFTER = timedelta(hours=1)

SYSTEMS = (
    ("queue", "智能候诊信息系统"),
    ("cdss", "临床决策支持及知识库"),
    ("face", "智慧人脸AI行政管理平台"),
    ("bi", "智能管理驾驶舱（BI大屏）"),
    ("avatar", "数字化形象动作设计维护"),
)
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


@dataclass
class Desk:
    """One command's working context: the open transaction, the actor, and now."""

    session: Session
    actor: str
    now: datetime

    @cached_property
    def contract(self) -> Contract:
        contract = self.session.get(Contract, 1)
        if contract is None:
            raise NotFound(
                "this database has no contract yet; create it with `opsdesk init` (see `opsdesk init --help`)"
            )
        return contract

    def check_in_service(self, first: date, last: date, what: str) -> None:
        """Refuse a period (``first`` to ``last``, inclusive) that lies wholly outside the contract's
        service period: a report of it would be empty, or worse, a list of 'gaps' nobody owed."""
        start = self.contract.start_date
        last_day = contract_end(self.contract) - timedelta(days=1)
        if last < start or first > last_day:
            raise InvalidInput(f"{what} is outside the contract's service period, {start} to {last_day}")

    def check_month_in_service(self, year: int, month: int) -> None:
        since, until = month_bounds(year, month, self.tz)
        self.check_in_service(since.date(), (until - timedelta(days=1)).date(), f"month {year}-{month:02d}")

    @cached_property
    def terms_history(self) -> list[tuple[datetime | None, Any]]:
        """The SLA terms in force over time: the contract's own, then each `contract set`."""
        from opsdesk.terms import SlaTerms

        contract = self.session.get(Contract, 1)
        first = SlaTerms.from_dict(json.loads(contract.terms)) if contract else SlaTerms()
        changes = self.session.exec(select(TermsChange).order_by(TermsChange.effective_from, TermsChange.id))
        return [(None, first)] + [(c.effective_from, SlaTerms.from_dict(json.loads(c.terms))) for c in changes]

    @property
    def terms(self):
        """The SLA terms in force now (SPEC's defaults while the contract is being created); a
        change set for a later moment is not in force yet."""
        return self.terms_at(self.local_now)

    @property
    def latest_terms(self):
        """The terms as the last change leaves them, in force now or from a later moment: what the
        next change builds on."""
        return self.terms_history[-1][1]

    def terms_at(self, moment: datetime):
        """The SLA terms in force at ``moment`` (a ticket is judged by the terms of its report time)."""
        chosen = self.terms_history[0][1]
        for effective, terms in self.terms_history[1:]:
            if effective <= moment:
                chosen = terms
        return chosen

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.latest_terms.timezone)  # fixed once records exist

    @cached_property
    def _calendar_inputs(self) -> tuple[list, list[int]]:
        from opsdesk.workcalendar import Override

        overrides = [Override(o.day, o.working, o.note) for o in self.session.exec(select(CalendarOverride))]
        return overrides, [y.year for y in self.session.exec(select(CalendarYear))]

    def calendar_for(self, terms):
        """The working calendar under ``terms`` (working hours and zone), overrides included."""
        from opsdesk.workcalendar import WorkCalendar

        cache = self.__dict__.setdefault("_calendars", {})
        hit = cache.get(id(terms))  # by identity: hashing the terms for every ticket of a report costs more
        if hit is None or hit[0] is not terms:
            hit = cache[id(terms)] = (terms, WorkCalendar(terms, *self._calendar_inputs))
        return hit[1]

    @property
    def calendar(self):
        return self.calendar_for(self.terms)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def moment(self, at: datetime | str | None) -> datetime:
        """A user's ``--at`` (text or datetime) as an aware moment in the contract's zone."""
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise InvalidInput(f"naive datetime {at}: opsdesk needs a timezone-aware time")
            return at.astimezone(self.tz).replace(second=0, microsecond=0)
        moment = parse_moment(at, self.local_now, self.tz)
        contract = self.session.get(Contract, 1)
        if contract is not None and moment.date() < contract.start_date:
            raise Refused(
                f"{fmt(moment)} is before the contract's service starts ({contract.start_date}); "
                "opsdesk records the contract's service only"
            )
        return moment

    def create(self, obj, action: str, happened_at: datetime | None = None):
        history.create(
            self.session, obj, actor=self.actor, action=action, recorded_at=self.local_now, happened_at=happened_at
        )
        return obj

    def update(self, obj, changes: dict[str, Any], action: str, happened_at: datetime | None = None):
        return history.update(
            self.session,
            obj,
            changes,
            actor=self.actor,
            action=action,
            recorded_at=self.local_now,
            happened_at=happened_at,
        )


def fmt(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def text_value(value: str | None, what: str, *, required: bool = False) -> str | None:
    """User text, trimmed; empty is None (or refused when required); over 5000 characters refused."""
    if value is None:
        if required:
            raise InvalidInput(f"{what} is required")
        return None
    value = value.strip()
    if not value:
        if required:
            raise InvalidInput(f"{what} cannot be empty")
        return None
    if len(value) > 5000:
        raise InvalidInput(f"{what} is {len(value)} characters long; at most 5000 are accepted")
    return value


# -- contract and systems ---------------------------------------------------------------


def init_contract(desk: Desk, *, name: str, hospital: str, vendor: str, start: date, months: int = 12) -> Contract:
    """Create the contract with SPEC's SLA terms and seed the five contracted systems."""
    from opsdesk.terms import SlaTerms

    if desk.session.get(Contract, 1) is not None:
        existing = desk.session.get(Contract, 1)
        raise Refused(
            f"this database already holds the contract {existing.name!r}; use another --db for another contract"
        )
    if not 1 <= months <= 120:
        raise InvalidInput(f"--months {months} is out of range; a contract runs 1 to 120 months (12 by default)")
    contract = Contract(
        id=1,
        name=text_value(name, "--name", required=True),
        hospital=text_value(hospital, "--hospital", required=True),
        vendor=text_value(vendor, "--vendor", required=True),
        start_date=start,
        months=months,
        terms=json.dumps(SlaTerms().to_dict(), ensure_ascii=False, sort_keys=True),
        created_at=desk.now.astimezone(ZoneInfo(SlaTerms().timezone)),
    )
    desk.create(contract, "contract.init")
    for code, label in SYSTEMS:
        desk.create(System(code=code, name=label), "system.add")
    return contract


def contract_end(contract: Contract) -> date:
    from dateutil.relativedelta import relativedelta

    return contract.start_date + relativedelta(months=contract.months)


def systems(session: Session, *, include_inactive: bool = True) -> list[System]:
    query = select(System).order_by(System.id)
    if not include_inactive:
        query = query.where(System.active)
    return list(session.exec(query))


def get_system(session: Session, code: str) -> System:
    system = session.exec(select(System).where(System.code == code.strip().lower())).first()
    if system is None:
        known = ", ".join(s.code for s in systems(session)) or "none yet"
        raise NotFound(f"no system {code!r}; known systems: {known} (add one with `opsdesk system add CODE NAME`)")
    return system


def add_system(desk: Desk, code: str, name: str) -> System:
    desk.contract  # noqa: B018 - a system belongs to a contract
    code = (text_value(code, "system code", required=True) or "").lower()
    if not code.replace("-", "").replace("_", "").isalnum() or not code.isascii() or len(code) > 20:
        raise InvalidInput(f"system code {code!r} must be a short ASCII word (letters, digits, - or _), e.g. pacs")
    if desk.session.exec(select(System).where(System.code == code)).first():
        raise Refused(f"system {code!r} already exists; rename it with `opsdesk system rename {code} NAME`")
    return desk.create(System(code=code, name=text_value(name, "system name", required=True)), "system.add")


def rename_system(desk: Desk, code: str, name: str) -> System:
    system = get_system(desk.session, code)
    desk.update(system, {"name": text_value(name, "system name", required=True)}, "system.rename")
    return system


# -- fault tickets ----------------------------------------------------------------------


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


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
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
    sys_row = get_system(desk.session, system)
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
    ticket = get_ticket(desk.session, ticket_id)
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


def _order_values(ticket: Ticket, **changes: Any) -> dict[str, Any]:
    values = {
        k: getattr(ticket, k)
        for k in ("reported_at", "responded_at", "arrived_at", "remote_at", "resolved_at", "confirmed_at")
    }
    values.update(changes)
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
    changes = {column: moment, f"{step}_rec": desk.local_now, **(extra or {})}
    desk.update(ticket, changes, STEP_ACTIONS[step], happened_at=moment)
    return ticket


def respond(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The engineer answered the report."""
    return _step(desk, ticket_id, "responded", at)


def arrive(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The engineer is on site."""
    return _step(desk, ticket_id, "arrived", at)


def remote(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> Ticket:
    """The fault is being handled remotely (no visit needed if resolved before the arrival deadline)."""
    ticket = get_ticket(desk.session, ticket_id)
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
    ticket = get_ticket(desk.session, ticket_id)
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


def check_confirmer(desk: Desk, by: str) -> None:
    """The hospital confirms: someone on the vendor's own roster cannot."""
    from opsdesk.models import Staff

    name = (by or "").strip()
    if name and desk.session.exec(select(Staff).where(Staff.name == name)).first():
        raise Refused(f"{name} is on the vendor's staff roster; a record is confirmed by a named hospital person")
    if name and name == desk.actor:
        raise Refused(
            f"{name} is recording this (--by / OPSDESK_USER); the confirmer must be the hospital person, "
            "not whoever types it in"
        )


def add_note(desk: Desk, ticket_id: int, text: str, at: datetime | str | None = None) -> Note:
    """A dated remark on a ticket's timeline (allowed at any stage, confirmed ones too)."""
    ticket = get_ticket(desk.session, ticket_id)
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


def _edit_changes(desk: Desk, ticket: Ticket, fields: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
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
        else:
            value = text_value(value, f"--{name}", required=name == "symptom")
        changes[column] = value
    if not changes:
        options = ", ".join("--at" if f == "reported" else f"--{f}" for f in EDITABLE)
        raise InvalidInput(f"nothing to change; give at least one of {options}")
    for step in ("arrived", "remote", "resolved"):
        if f"{step}_at" in changes and _order_values(ticket, **changes)["responded_at"] is None:
            raise Refused(f"fault {ticket.id} has no response; give --responded as well")
    check_order(ticket.id, _order_values(ticket, **changes))
    for step in STEPS:
        column = f"{step}_at"
        if column in changes and getattr(ticket, column) is None:
            changes[f"{step}_rec"] = desk.local_now
    if "reported_at" in changes and ticket.time_unknown:
        changes["time_unknown"] = False  # the real report time is now known
    return changes


def edit(desk: Desk, ticket_id: int, **fields: Any) -> list[str]:
    """Change an unconfirmed ticket; the old values stay in the history. Returns the fields changed."""
    ticket = get_ticket(desk.session, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)} and cannot be "
            f'edited; record a visible correction with `opsdesk fault correct {ticket_id} --reason "..."` '
            "and the same options"
        )
    changes = _edit_changes(desk, ticket, fields)
    event = desk.update(ticket, changes, "fault.edit")
    if event is None:
        raise Refused(f"fault {ticket_id} already has these values; nothing changed")
    names = {column: name for name, column in EDITABLE.items()}
    return [names[c] for c in json.loads(event.after) if c in names]


def correct(desk: Desk, ticket_id: int, reason: str, **fields: Any) -> Correction:
    """Correct a confirmed ticket with a visible correction entry (the confirmed values stay on record)."""
    ticket = get_ticket(desk.session, ticket_id)
    if ticket.confirmed_at is None:
        raise Refused(f"fault {ticket_id} is not confirmed; change it with `opsdesk fault edit {ticket_id}`")
    reason = text_value(reason, "--reason", required=True)
    changes = _edit_changes(desk, ticket, fields)
    before = history.row_dict(ticket)
    listed = {
        k: [before[k], history.to_json_value(v)] for k, v in changes.items() if before[k] != history.to_json_value(v)
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
    desk.update(ticket, changes, "fault.correct")
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

    @property
    def is_open(self) -> bool:
        return self.ticket.resolved_at is None

    @property
    def breached(self) -> bool:
        return any(c.state in ("breached", "overdue") for c in self.clocks)


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


def view(desk: Desk, ticket: Ticket, system: System | None = None) -> FaultView:
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
        now=desk.local_now,
    )
    if ticket.time_unknown or (ticket.source == "zentao" and ticket.responded_at is None):
        clocks = _time_unknown(clocks)  # the platform does not record when anyone responded
    return FaultView(ticket, system or desk.session.get(System, ticket.system_id), clocks, late_steps(ticket),
                     terms.working_day_length)  # fmt: skip


def _time_unknown(clocks):
    """A ticket imported with a report date but no time: its response and arrival cannot be judged
    (never shown as met) until an engineer sets the real time with `fault edit --at`."""
    from dataclasses import replace

    return replace(
        clocks,
        response=replace(clocks.response, state="time_unknown"),
        arrival=replace(clocks.arrival, state="time_unknown"),
    )


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


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
) -> list[FaultView]:
    """Tickets matching the filters, oldest report first."""
    views = each_fault(desk, open_only=open_only, system=system, kind=kind, month=month, since=since, until=until)
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
) -> Iterator[FaultView]:
    """The views :func:`list_faults` gives, one at a time from a query read in batches, so that a
    report over every ticket holds one batch rather than them all. With ``light`` each view's
    ticket is a read-only row with the ticket's attributes, not a record (nothing to edit or digest)."""
    desk.contract  # noqa: B018
    query = select(Ticket, System).join(System, Ticket.system_id == System.id)
    if open_only:
        query = query.where(Ticket.resolved_at.is_(None))
    if system:
        query = query.where(Ticket.system_id == get_system(desk.session, system).id)
    if kind:
        query = query.where(Ticket.kind == normalise_kind(kind))
    if month:
        since, until = month_bounds(*month, desk.tz)
    if since is not None:
        query = query.where(Ticket.reported_at >= since.astimezone(desk.tz))
    if until is not None:
        query = query.where(Ticket.reported_at < until.astimezone(desk.tz))
    query = query.order_by(Ticket.reported_at, Ticket.id).execution_options(yield_per=FAULT_BATCH)
    if not light:
        for t, s in desk.session.exec(query):
            yield view(desk, t, s)
        return
    # Plain rows (attributes named as the ticket's columns) instead of ORM objects: a report that
    # only reads the tickets spends about half as long loading each.
    by_id = {s.id: s for s in systems(desk.session)}
    for t in desk.session.connection().execute(query.with_only_columns(*Ticket.__table__.columns)):
        yield view(desk, t, by_id[t.system_id])


FAULT_BATCH = 2000


def timeline(desk: Desk, ticket_id: int) -> dict[str, list]:
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
    return {"notes": notes, "corrections": corrections, "events": history.events_of(session, "ticket", ticket_id)}


# -- calendar ---------------------------------------------------------------------------


def _verdicts(desk: Desk, tickets: list[Ticket], calendar_for) -> dict[int, tuple[str, ...]]:
    from opsdesk.sla import ticket_clocks

    out = {}
    for t in tickets:
        terms = desk.terms_at(t.reported_at)
        clocks = ticket_clocks(calendar_for(terms), terms, kind=t.kind, reported=t.reported_at,
                               responded=t.responded_at, arrived=t.arrived_at, resolved=t.resolved_at,
                               remote=t.remote_at is not None, now=desk.local_now)  # fmt: skip
        out[t.id] = tuple(c.state for c in clocks)
    return out


def override_effects(desk: Desk, day: date, working: bool, note: str) -> list[Ticket]:
    """Tickets whose SLA verdict would change if ``day`` became a working day (or a day off)."""
    from opsdesk.workcalendar import Override, WorkCalendar

    start = datetime(day.year, day.month, day.day, tzinfo=desk.tz)
    candidates = list(desk.session.exec(select(Ticket).where(
        Ticket.reported_at < start + timedelta(days=1),
        (Ticket.resolved_at.is_(None)) | (Ticket.resolved_at >= start - timedelta(days=1)),
    )))  # fmt: skip
    if not candidates:
        return []
    overrides, years = desk._calendar_inputs
    changed = [o for o in overrides if o.day != day] + [Override(day, working, note)]
    calendars: dict = {}

    def with_override(terms):
        if terms not in calendars:
            calendars[terms] = WorkCalendar(terms, changed, years)
        return calendars[terms]

    before = _verdicts(desk, candidates, desk.calendar_for)
    after = _verdicts(desk, candidates, with_override)
    return [t for t in candidates if before[t.id] != after[t.id]]


def add_override(
    desk: Desk, day: date, *, working: bool, note: str, retroactive: bool = False
) -> tuple[CalendarOverride, list[Ticket]]:
    """An extra day off or extra working day, which wins over the official schedule.

    An override that would change the SLA verdict of tickets already on record is refused,
    naming them, unless ``retroactive``; then it applies and the history shows it.
    """
    desk.contract  # noqa: B018
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
    affected = override_effects(desk, day, working, note)
    if affected and not retroactive:
        confirmed = sum(1 for t in affected if t.confirmed_at is not None)
        ids = ", ".join(str(t.id) for t in affected[:10]) + (", ..." if len(affected) > 10 else "")
        raise Refused(
            f"making {day} a {'working day' if working else 'day off'} changes the SLA verdict of "
            f"{len(affected)} fault(s) on record ({ids}; {confirmed} confirmed); add --retroactive to apply it "
            "anyway (the change stays visible in the history)"
        )
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


def clock_dict(clock) -> dict[str, Any]:
    return {
        "name": clock.name,
        "basis": clock.basis,
        "target_minutes": int(clock.target.total_seconds() // 60),
        "deadline": clock.deadline,
        "actual": clock.actual,
        "elapsed_minutes": int(clock.elapsed.total_seconds() // 60),
        "margin_minutes": int(clock.margin.total_seconds() // 60),
        "state": clock.state,
        "unconfirmed_years": list(clock.unconfirmed_years),
    }


def fault_dict(v: FaultView) -> dict[str, Any]:
    """A ticket as plain data for --json and reports."""
    t = v.ticket
    status = "confirmed" if t.confirmed_at else ("resolved" if t.resolved_at else "open")
    return {
        "id": t.id,
        "system": v.system.code,
        "system_name": v.system.name,
        "kind": t.kind,
        "kind_name": KIND_NAMES[t.kind],
        "status": status,
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
    }

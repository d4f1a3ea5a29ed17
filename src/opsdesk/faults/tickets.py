"""Fault tickets (故障 / 系统错误 / 数据错误): from the first call to the hospital's confirmation.
How a ticket is judged (its clocks, the lists over them) is in :mod:`opsdesk.faults.views`.

Edits are judged (and asked of the hospital when they improve a verdict it has seen) in
:mod:`opsdesk.faults.corrections`; this module checks and writes them.

Every operation takes a :class:`~opsdesk.desk.Desk` and either succeeds completely, appending
its events to the history, or raises an :class:`~opsdesk.errors.OpsdeskError` and writes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select

from opsdesk.contract.systems import get_system
from opsdesk.desk import Desk, check_confirmer, fmt, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.store import history
from opsdesk.store.models import Correction, Event, ExceptionRequest, Note, Ticket

LATE_MARGIN = timedelta(minutes=5)  # a step recorded within this of the moment it gives was typed as it happened
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
CHANNEL_ALIASES = {"电话": "phone", "平台": "platform", "现场": "onsite", "微信": "wechat", "邮件": "email"}
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
    found = CHANNEL_ALIASES.get(channel.strip(), channel.strip().lower())
    if found not in CHANNELS:
        raise InvalidInput(
            f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)} (电话 / 平台 / 现场 / 微信 / 邮件)"
        )
    return found


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
    owner: str | None = None,
) -> Ticket:
    """Log a fault the moment it is reported (``owner``: a name on the roster, on duty that day)."""
    desk.contract  # noqa: B018
    sys_row = get_system(desk, system)
    reported = desk.moment(at)
    if owner is not None:
        owner = _owner_on_duty(desk, owner, reported)
    ticket = Ticket(
        system_id=sys_row.id,
        kind=normalise_kind(kind),
        symptom=text_value(symptom, "the symptom", required=True),
        reporter=name_value(reporter, "--reporter"),
        dept=text_value(dept, "--dept"),
        phone=text_value(phone, "--phone"),
        channel=normalise_channel(channel),
        ref=text_value(ref, "--ref"),
        impact=text_value(impact, "--impact"),
        reported_at=reported,
        reported_rec=desk.local_now,
        owner=owner,
    )
    return desk.create(ticket, "fault.open", happened_at=reported)


def _owner_on_duty(desk: Desk, name: str, moment: datetime) -> str:
    from opsdesk.contract.people import on_duty

    return on_duty(desk, name, moment.astimezone(desk.tz).date()).name


def assign(desk: Desk, ticket_id: int, owner: str) -> Ticket:
    """Make a person on the roster, on duty today, the owner of a fault (the one its alerts name)."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)}; "
            "its owner can no longer change"
        )
    name = _owner_on_duty(desk, owner, desk.local_now)
    if ticket.owner == name:
        raise Refused(f"fault {ticket_id} is already owned by {name}")
    desk.update(ticket, {"owner": name}, "fault.assign")
    return ticket


def _open_ticket(desk: Desk, ticket_id: int, step: str) -> Ticket:
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)}; "
            f"it cannot be changed. Record a visible correction with `opsdesk fault correct {ticket_id} --reason ...`"
        )
    visit_after_remote_fix = step == "arrived" and ticket.remote_at is not None  # SPEC: it may be recorded
    if ticket.resolved_at is not None and step != "resolved" and not visit_after_remote_fix:
        raise Refused(
            f"fault {ticket_id} is already resolved (at {fmt(ticket.resolved_at)}); "
            f"fix a wrong time with `opsdesk fault edit {ticket_id}`"
        )
    return ticket


def check_order(ticket_id: int | str, values: dict[str, datetime | None]) -> None:
    """SPEC: reported <= responded <= arrived; reported <= remote, resolved; confirmed after resolved;
    arrived <= resolved, but for a fault handled remotely (a visit after the remote fix may be recorded).
    ``ticket_id``: the fault's number, or the platform's id of one being imported (``bug#1234``)."""
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
    if values.get("remote_at") is not None:  # a visit after a remote fix may be recorded (SPEC)
        pairs.remove(("resolved_at", "arrived_at", "resolution", "arrival on site"))
    for later, earlier, later_name, earlier_name in pairs:
        a, b = values.get(later), values.get(earlier)
        if a is not None and b is not None and a < b:
            raise Refused(
                f"fault {ticket_id}: the {later_name} ({fmt(a)}) cannot come before the {earlier_name} "
                f"({fmt(b)}); give a time on or after {fmt(b)}"
            )
    if reported is None:
        raise Refused(f"fault {ticket_id} has no report time")


def check_resolution(desk: Desk, ticket: Ticket, resolved: datetime) -> None:
    """A resolution comes after every pause of the clock (not inside one) and after a reopen."""
    _check_outside_pauses(desk, ticket, resolved)
    _check_after_reopen(desk, ticket, resolved)


def _check_outside_pauses(desk: Desk, ticket: Ticket, resolved: datetime) -> None:
    """A fault is not resolved while its clock is paused, nor before a pause (pending or agreed; a
    refused one never stopped the clock). A pause still running ends at the resolution."""
    query = select(ExceptionRequest).where(
        col(ExceptionRequest.ticket_id) == ticket.id,
        col(ExceptionRequest.type) == "pause",
        col(ExceptionRequest.refused_at).is_(None),
    )
    for pause in desk.session.exec(query.order_by(col(ExceptionRequest.id))):
        start, end = pause.paused_at, pause.resumed_at
        assert start is not None  # a pause is asked with its start
        if end is None and resolved < start:
            raise Refused(
                f"fault {ticket.id}'s resolution clock is paused since {fmt(start)} (exception {pause.id}); "
                f"it cannot be resolved before its pause: give a time on or after {fmt(start)}"
            )
        if end is not None and resolved < end:
            raise Refused(
                f"fault {ticket.id}'s resolution clock was paused from {fmt(start)} to {fmt(end)} "
                f"(exception {pause.id}); it cannot be resolved while paused or before the pause: give a "
                f"time on or after {fmt(end)}"
            )


def _check_after_reopen(desk: Desk, ticket: Ticket, resolved: datetime) -> None:
    """A resolution after a reopen is dated at or after the reopen, and after the fix the reopen
    cleared: a reopen can only make the vendor's figures worse or equal, never better."""
    query = select(Event).where(Event.entity == "ticket", Event.entity_id == ticket.id, Event.action == "fault.reopen")
    reopen = desk.session.exec(query.order_by(col(Event.id).desc())).first()
    if reopen is None:
        return
    assert reopen.happened_at is not None and reopen.before is not None  # a reopen records both
    reopened = reopen.happened_at.astimezone(desk.tz).replace(second=0, microsecond=0)  # times are to the minute
    cleared = datetime.fromisoformat(json.loads(reopen.before)["resolved_at"]).astimezone(desk.tz)
    earliest = max(reopened, cleared)
    if resolved < earliest:
        raise Refused(
            f"fault {ticket.id} was reopened at {fmt(reopened)} (its fix of {fmt(cleared)} did not hold); a "
            f"resolution after the reopen cannot be dated before it: give a time on or after {fmt(earliest)}"
        )


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
    if step == "resolved":
        check_resolution(desk, ticket, moment)
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
            "confirmed_by": name_value(by, "--by", required=True),
            "confirm_comment": text_value(comment, "--comment"),
        },
        "fault.confirm",
        happened_at=moment,
    )
    return ticket


def note_number(desk: Desk, note: Note) -> int:
    """A note's number within its fault (1, 2, 3... in the order they were written)."""
    query = select(func.count()).select_from(Note).where(Note.ticket_id == note.ticket_id, Note.id <= note.id)
    return desk.session.exec(query).one()


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


def parse_edits(desk: Desk, ticket: Ticket, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given (by their option names) as the ticket's columns and values, checked: a valid
    kind, channel and text, the order of the moments, a resolution outside pauses and after a reopen;
    with the bookkeeping they bring (a step's recorded time when first set, a report time now known)."""
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
    return checked_edits(desk, ticket, edits)


def checked_edits(desk: Desk, ticket: Ticket, edits: dict[str, Any]) -> dict[str, Any]:
    """``edits`` (columns and values) checked against the ticket, with their bookkeeping added."""
    for step in ("arrived", "remote", "resolved"):
        if f"{step}_at" in edits and _order_values(ticket, **edits)["responded_at"] is None:
            raise Refused(f"fault {ticket.id} has no response; give --responded as well")
    check_order(ticket.id, _order_values(ticket, **edits))
    if edits.get("resolved_at") is not None:
        check_resolution(desk, ticket, edits["resolved_at"])
    edits = dict(edits)
    for step in STEPS:
        column = f"{step}_at"
        if column in edits and getattr(ticket, column) is None:
            edits[f"{step}_rec"] = desk.local_now
    if "reported_at" in edits and ticket.time_unknown:
        edits["time_unknown"] = False  # the real report time is now known
    return edits


def changed_fields(ticket: Ticket, edits: dict[str, Any]) -> dict[str, list[Any]]:
    """The editable columns ``edits`` changes: ``{column: [before, after]}`` as stored (times as ISO text)."""
    before = history.row_dict(ticket)
    fields = set(EDITABLE.values())
    return {
        k: [before[k], history.to_json_value(v)]
        for k, v in edits.items()
        if k in fields and before[k] != history.to_json_value(v)
    }


def check_editable(ticket: Ticket, *, confirmed: bool) -> None:
    """`fault edit` changes an unconfirmed ticket, `fault correct` a confirmed one."""
    if confirmed and ticket.confirmed_at is None:
        raise Refused(f"fault {ticket.id} is not confirmed; change it with `opsdesk fault edit {ticket.id}`")
    if not confirmed and ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket.id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)} and cannot be "
            f'edited; record a visible correction with `opsdesk fault correct {ticket.id} --reason "..."` '
            "and the same options"
        )


def apply_edits(desk: Desk, ticket: Ticket, edits: dict[str, Any], reason: str) -> Correction | None:
    """Write checked ``edits``: to an unconfirmed ticket as an edit, with the reason in a note on its
    timeline; to a confirmed one as a visible correction (the confirmed values stay on record)."""
    listed = changed_fields(ticket, edits)
    if not listed:
        raise Refused(f"fault {ticket.id} already has these values; nothing changed")
    if ticket.confirmed_at is not None:
        correction = Correction(
            entity="ticket",
            entity_id=ticket.id,
            reason=reason,
            changes=json.dumps(listed, ensure_ascii=False, sort_keys=True),
            by=desk.actor,
            recorded_at=desk.local_now,
        )
        desk.create(correction, "fault.correct")
        desk.update(ticket, edits, "fault.correct")
        return correction
    desk.update(ticket, edits, "fault.edit")
    names = ", ".join(n for n, c in EDITABLE.items() if c in listed)
    note = Note(
        ticket_id=ticket.id,
        at=desk.local_now,
        recorded_at=desk.local_now,
        by=desk.actor,
        text=f"edited {names}: {reason}",
    )
    desk.create(note, "fault.note", happened_at=desk.local_now)
    return None


def apply_asked(desk: Desk, ticket: Ticket, asked: dict[str, list[Any]], reason: str) -> Correction | None:
    """Apply a correction the hospital agreed to (``asked``: ``{column: [value when asked, value asked
    for]}``), refused if a field moved since it was asked or the values no longer fit the ticket."""
    now = history.row_dict(ticket)
    names = {column: name for name, column in EDITABLE.items()}
    edits: dict[str, Any] = {}
    for column, (before, after) in asked.items():
        if now[column] != before:
            raise Refused(
                f"fault {ticket.id}'s {names[column]} changed since the correction was asked (from {before}, "
                f"now {now[column]}); refuse it with --refuse --comment, and the vendor asks again"
            )
        edits[column] = datetime.fromisoformat(after).astimezone(desk.tz) if column.endswith("_at") and after else after
    return apply_edits(desk, ticket, checked_edits(desk, ticket, edits), reason)

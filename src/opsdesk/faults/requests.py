"""Exception requests (无推诿: the vendor alone never removes a breach), and reopening a fix.

The vendor proposes, with a reason: void a ticket (duplicate, test entry, out of the contract's
scope), waive its arrival (the hospital agreed no visit was needed), or pause its resolution
clock (waiting on the hospital or a third party; `fault pause`, then `fault resume`); or an edit
that would improve a verdict the hospital has already seen becomes a correction request
(:mod:`opsdesk.faults.corrections`), applied to the ticket when the hospital agrees. Each is a
record of its own that changes no figure until the hospital agrees (`confirm exception N --by`),
or that it refuses with a reason. A pause's span is read from its two moments when the clocks are
computed, never kept as a running counter. Reopening a resolved, unconfirmed fault needs no
agreement: it can only make the vendor's figures worse.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlmodel import col, select

from opsdesk.desk import Desk, check_confirmer, fmt, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.faults.agreed import of_requests
from opsdesk.faults.edits import VerdictChange, as_ticket, verdict_changes
from opsdesk.faults.tickets import apply_asked, get_ticket
from opsdesk.faults.views import FaultView, clocks_of, view
from opsdesk.store import history
from opsdesk.store.models import ExceptionRequest, Note, System, Ticket

if TYPE_CHECKING:
    from opsdesk.sla.clocks import TicketClocks

RequestState = Literal["pending", "agreed", "refused"]

TYPE_NAMES = {"void": "void", "waive_arrival": "arrival waiver", "pause": "pause", "correction": "correction"}


def request_state(r: ExceptionRequest) -> RequestState:
    """pending, agreed or refused."""
    return "agreed" if r.confirmed_at else ("refused" if r.refused_at else "pending")


def get_request(desk: Desk, request_id: int) -> ExceptionRequest:
    found = desk.session.get(ExceptionRequest, request_id)
    if found is None:
        raise NotFound(f"no exception request {request_id}; `opsdesk fault exceptions` lists them")
    return found


def _requests(desk: Desk, ticket_id: int, type_: str | None = None) -> list[ExceptionRequest]:
    query = select(ExceptionRequest).where(ExceptionRequest.ticket_id == ticket_id)
    if type_ is not None:
        query = query.where(ExceptionRequest.type == type_)
    return list(desk.session.exec(query.order_by(col(ExceptionRequest.id))))


def _decide_hint(r: ExceptionRequest) -> str:
    return f"the hospital agrees with `opsdesk confirm exception {r.id} --by NAME` or refuses it (--refuse)"


def _check_not_asked(desk: Desk, ticket_id: int, type_: str, what: str) -> None:
    """Refuse a second request of a kind while one is pending or agreed (a refused one may be asked again)."""
    for r in _requests(desk, ticket_id, type_):
        state = request_state(r)
        if state == "agreed":
            raise Refused(
                f"fault {ticket_id} {what} already, by agreement (exception {r.id}, agreed by {r.confirmed_by} "
                f"at {fmt(r.confirmed_at)})"
            )
        if state == "pending":
            raise Refused(
                f"fault {ticket_id} already has a {TYPE_NAMES[type_]} request pending (exception {r.id}); "
                f"{_decide_hint(r)}"
            )


def _check_not_void(desk: Desk, ticket_id: int) -> None:
    for r in _requests(desk, ticket_id, "void"):
        if request_state(r) == "agreed":
            raise Refused(f"fault {ticket_id} is void by agreement (exception {r.id}); it is no longer judged")


def _new(desk: Desk, ticket: Ticket, type_: str, reason: str, **values) -> ExceptionRequest:
    request = ExceptionRequest(
        ticket_id=ticket.id,
        type=type_,
        reason=text_value(reason, "--reason", required=True),
        requested_by=desk.actor,
        requested_at=desk.local_now,
        **values,
    )
    return desk.create(request, f"exception.{type_}", happened_at=values.get("paused_at"))


def request_correction(desk: Desk, ticket: Ticket, reason: str, asked: dict[str, list]) -> ExceptionRequest:
    """Ask the hospital to agree to an edit (``asked``: ``{column: [value now, value asked for]}``) that
    would improve a verdict it has already seen; one at a time per fault."""
    for r in _requests(desk, ticket.id, "correction"):
        if request_state(r) == "pending":  # an agreed or refused one is done: another may be asked
            raise Refused(
                f"fault {ticket.id} already has a correction request pending (exception {r.id}); {_decide_hint(r)}"
            )
    return _new(desk, ticket, "correction", reason, edit_values=json.dumps(asked, ensure_ascii=False, sort_keys=True))


def request_void(desk: Desk, ticket_id: int, reason: str, duplicate_of: int | None = None) -> ExceptionRequest:
    """Ask the hospital to void a ticket that should not count (a duplicate, a test, out of scope)."""
    ticket = get_ticket(desk, ticket_id)
    _check_not_asked(desk, ticket_id, "void", "is void")
    if duplicate_of is not None:
        if duplicate_of == ticket_id:
            raise InvalidInput(f"fault {ticket_id} cannot duplicate itself; give the id of the fault it repeats")
        get_ticket(desk, duplicate_of)
        _check_not_void(desk, duplicate_of)
    return _new(desk, ticket, "void", reason, duplicate_of=duplicate_of)


def request_waiver(desk: Desk, ticket_id: int, clock: str, reason: str) -> ExceptionRequest:
    """Ask the hospital to waive a ticket's arrival on site (remote handling was enough)."""
    clock = clock.strip().lower()
    if clock != "arrival":
        raise InvalidInput(
            f"cannot waive {clock!r}: only the arrival can be waived (a resolution clock is paused with "
            "`opsdesk fault pause`)"
        )
    ticket = get_ticket(desk, ticket_id)
    _check_not_void(desk, ticket_id)
    _check_not_asked(desk, ticket_id, "waive_arrival", "has its arrival waived")
    arrival = view(desk, ticket, as_recorded=True).clocks.arrival
    if arrival.state == "met":
        raise Refused(
            f"fault {ticket_id}'s arrival was met (on site at {fmt(ticket.arrived_at)}, deadline "
            f"{fmt(arrival.deadline)}); there is nothing to waive"
        )
    if arrival.state == "not_applicable":
        raise Refused(
            f"fault {ticket_id} needed no arrival (resolved remotely before {fmt(arrival.deadline)}); "
            "there is nothing to waive"
        )
    return _new(desk, ticket, "waive_arrival", reason)


DUPLICATE_WINDOW = timedelta(hours=4)


def similar_open(desk: Desk, ticket: Ticket) -> list[Ticket]:
    """Open faults of the same system, reported within a few hours of ``ticket``, whose symptom looks
    alike: perhaps one fault reported twice (`fault open` warns; two real faults can look alike). Chinese
    is said in other words more than in another order: "数字人播报无声音" and "门诊大厅数字人没有声音" share
    5 of the 8 characters of the shorter, so sharing most characters counts as alike too."""
    from difflib import SequenceMatcher

    def plain(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    def cjk(text: str) -> set[str]:
        return {ch for ch in text if ch >= "\u2e80"}

    def share_characters(a: str, b: str) -> bool:
        ours, theirs = cjk(a), cjk(b)
        least = min(len(ours), len(theirs))
        return least >= 4 and len(ours & theirs) >= 0.6 * least

    mine = plain(ticket.symptom)
    query = select(Ticket).where(
        Ticket.system_id == ticket.system_id,
        col(Ticket.resolved_at).is_(None),
        Ticket.id != ticket.id,
        Ticket.reported_at >= ticket.reported_at - DUPLICATE_WINDOW,
        Ticket.reported_at <= ticket.reported_at + DUPLICATE_WINDOW,
    )
    out = []
    for other in desk.session.exec(query.order_by(col(Ticket.id))):
        theirs = plain(other.symptom)
        if (
            mine
            and theirs
            and (
                mine in theirs
                or theirs in mine
                or SequenceMatcher(None, mine, theirs).ratio() >= 0.6
                or share_characters(mine, theirs)
            )
        ):
            out.append(other)
    return out


def open_pause(desk: Desk, ticket_id: int) -> ExceptionRequest | None:
    """The ticket's pause still running (not resumed, not refused), if any."""
    return next((r for r in _requests(desk, ticket_id, "pause") if r.resumed_at is None and not r.refused_at), None)


def pause(desk: Desk, ticket_id: int, reason: str, at: datetime | str | None = None) -> ExceptionRequest:
    """Stop the resolution clock while waiting on the hospital or a third party: a request the
    hospital agrees to (or refuses) like any exception."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.resolved_at is not None:
        raise Refused(
            f"fault {ticket_id} is resolved (at {fmt(ticket.resolved_at)}); its clock has stopped and cannot be "
            f"paused. If the fix did not hold, reopen it: `opsdesk fault reopen {ticket_id} --reason ...`"
        )
    _check_not_void(desk, ticket_id)
    running = open_pause(desk, ticket_id)
    if running is not None:
        raise Refused(
            f"fault {ticket_id} is already paused since {fmt(running.paused_at)} (exception {running.id}); "
            f"resume it first with `opsdesk fault resume {ticket_id}`"
        )
    moment = desk.moment(at)
    if moment < ticket.reported_at:
        raise Refused(
            f"fault {ticket_id} was reported at {fmt(ticket.reported_at)}; a pause cannot start before the report"
        )
    ended = [r.resumed_at for r in _requests(desk, ticket_id, "pause") if r.resumed_at and not r.refused_at]
    if ended and moment < max(ended):
        raise Refused(f"fault {ticket_id}'s last pause ended at {fmt(max(ended))}; a new pause starts at or after it")
    return _new(desk, ticket, "pause", reason, paused_at=moment)


def resume(desk: Desk, ticket_id: int, at: datetime | str | None = None) -> ExceptionRequest:
    """The resolution clock runs again: the end of the running pause."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.resolved_at is not None:
        raise Refused(
            f"fault {ticket_id} is resolved (at {fmt(ticket.resolved_at)}); a pause ends at the "
            "resolution at the latest, there is nothing to resume"
        )
    running = open_pause(desk, ticket_id)
    if running is None:
        raise Refused(f"fault {ticket_id} is not paused; pause it with `opsdesk fault pause {ticket_id} --reason ...`")
    moment = desk.moment(at)
    assert running.paused_at is not None  # a pause is asked with its start
    if moment < running.paused_at:
        raise Refused(
            f"fault {ticket_id} was paused at {fmt(running.paused_at)} (exception {running.id}); "
            "the resume cannot come before it"
        )
    desk.update(running, {"resumed_at": moment}, "exception.resume", happened_at=moment)
    return running


def decide(
    desk: Desk,
    request_id: int,
    *,
    by: str,
    comment: str | None = None,
    refuse: bool = False,
    at: datetime | str | None = None,
) -> ExceptionRequest:
    """The hospital's named person agrees to an exception request (双方确认), or refuses it with a reason."""
    request = get_request(desk, request_id)
    state = request_state(request)
    if state != "pending":
        who, when = (
            (request.confirmed_by, request.confirmed_at)
            if state == "agreed"
            else (request.refused_by, request.refused_at)
        )
        raise Refused(f"exception {request_id} was already {state} by {who} at {fmt(when)}")
    check_confirmer(desk, by)
    by = name_value(by, "--by", required=True)
    if refuse and text_value(comment, "--comment") is None:
        raise InvalidInput("a refusal needs the hospital's reason: --comment TEXT")
    moment = desk.moment(at)
    if moment < request.requested_at.replace(second=0, microsecond=0):  # to the minute, as the decision is
        raise Refused(
            f"exception {request_id} was requested at {fmt(request.requested_at)}; it cannot be decided before"
        )
    if refuse:
        edits = {"refused_at": moment, "refused_by": by, "refuse_reason": text_value(comment, "--comment")}
    else:
        edits = {"confirmed_at": moment, "confirmed_by": by, "confirm_comment": text_value(comment, "--comment")}
    desk.update(request, edits, "exception.refuse" if refuse else "exception.agree", happened_at=moment)
    if request.type == "correction" and not refuse:  # the edit asked for is made now, in the open
        asked = json.loads(request.edit_values or "{}")
        why = f"correction {request_id} agreed by {by}: {request.reason}"
        apply_asked(desk, get_ticket(desk, request.ticket_id), asked, why)
    return request


def reopen(desk: Desk, ticket_id: int, reason: str, at: datetime | str | None = None) -> Ticket:
    """A resolved, unconfirmed fault whose fix did not hold (or was typed on the wrong id): its
    clock runs again from where it stood, counted from the report. No agreement is needed: it
    can only make the figures worse (the next fix is dated at or after the reopen,
    :func:`opsdesk.faults.check_resolution`). A pause still running at the resolution ends there.
    ``at``: when the fault came back (now by default), at or after the fix it undoes."""
    ticket = get_ticket(desk, ticket_id)
    if ticket.confirmed_at is not None:
        raise Refused(
            f"fault {ticket_id} was confirmed by {ticket.confirmed_by} at {fmt(ticket.confirmed_at)} and cannot be "
            f'reopened; record a visible correction with `opsdesk fault correct {ticket_id} --reason "..."`'
        )
    if ticket.resolved_at is None:
        raise Refused(f"fault {ticket_id} is not resolved; there is nothing to reopen")
    reason = text_value(reason, "--reason", required=True)
    resolved = ticket.resolved_at
    moment = desk.local_now if at is None else desk.moment(at)
    if moment < resolved:
        raise Refused(
            f"fault {ticket_id} was resolved at {fmt(resolved)}; a reopen cannot come before the fix it undoes: "
            f"give --at on or after {fmt(resolved)}"
        )
    running = open_pause(desk, ticket_id)
    if running is not None:
        assert running.paused_at is not None  # a pause is asked with its start
        desk.update(running, {"resumed_at": max(resolved, running.paused_at)}, "exception.resume", happened_at=resolved)
    desk.update(
        ticket,
        {"resolved_at": None, "resolved_rec": None, "cause": None, "action": None, "result": None},
        "fault.reopen",
        happened_at=moment,
    )
    desk.create(
        Note(
            ticket_id=ticket_id,
            at=moment,
            recorded_at=desk.local_now,
            by=desk.actor,
            text=f"reopened (resolved at {fmt(resolved)}): {reason}",
        ),
        "fault.note",
        happened_at=moment,
    )
    return ticket


# -- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionView:
    request: ExceptionRequest
    ticket: Ticket
    system: System
    state: RequestState
    paused: timedelta | None  # the working time a pause holds (None for other types)
    changes: tuple[VerdictChange, ...]  # against the clocks as recorded ("void": a voided ticket); a
    # pending request's once agreed; a refused one's none


def effect(desk: Desk, request: ExceptionRequest, fault: FaultView) -> tuple[tuple[VerdictChange, ...], TicketClocks]:
    """What ``request`` alone changes in its ticket's clocks against the clocks as recorded, and the
    clocks with it applied."""
    recorded = fault.recorded or fault.clocks
    if request.type == "correction":  # the fields asked for, against their values when asked
        asked = json.loads(request.edit_values or "{}")
        now = history.row_dict(fault.ticket)
        before = clocks_of(desk, as_ticket({**now, **{k: b for k, (b, _) in asked.items()}}))
        after = clocks_of(desk, as_ticket({**now, **{k: a for k, (_, a) in asked.items()}}))
        return verdict_changes(before, after), after
    if request.type == "void":
        return tuple(VerdictChange(c.name, c.state, "void", c.deadline, c.deadline) for c in recorded), recorded
    applied = clocks_of(desk, fault.ticket, agreed=of_requests([request]))
    return verdict_changes(recorded, applied), applied


def list_exceptions(
    desk: Desk,
    *,
    ticket_id: int | None = None,
    pending_only: bool = False,
    until: datetime | None = None,
    tickets: set[int] | None = None,
) -> list[ExceptionView]:
    """Exception requests, oldest first, each with what it changes (or would change, once agreed).
    ``until``: requested before it; ``tickets``: only those of these faults."""
    desk.contract  # noqa: B018
    query = (
        select(ExceptionRequest, Ticket, System)
        .join(Ticket, col(ExceptionRequest.ticket_id) == col(Ticket.id))
        .join(System, col(Ticket.system_id) == col(System.id))
    )
    if ticket_id is not None:
        query = query.where(ExceptionRequest.ticket_id == get_ticket(desk, ticket_id).id)
    if pending_only:
        query = query.where(col(ExceptionRequest.confirmed_at).is_(None), col(ExceptionRequest.refused_at).is_(None))
    if until is not None:
        query = query.where(ExceptionRequest.requested_at < until)
    out = []
    for r, t, s in desk.session.exec(query.order_by(col(ExceptionRequest.id))):
        if tickets is not None and t.id not in tickets:
            continue
        changes, applied = effect(desk, r, view(desk, t, s, as_recorded=True))
        paused = applied.resolution.paused if r.type == "pause" else None
        if request_state(r) == "refused":
            changes = ()  # it changes nothing, ever
        out.append(ExceptionView(r, t, s, request_state(r), paused, changes))
    return out


def exception_dict(v: ExceptionView) -> dict:
    """A request as plain data for --json."""
    r = v.request
    return {
        "id": r.id,
        "fault": r.ticket_id,
        "system": v.system.code,
        "type": r.type,
        "reason": r.reason,
        "duplicate_of": r.duplicate_of,
        "paused_at": r.paused_at,
        "resumed_at": r.resumed_at,
        "paused_minutes": None if v.paused is None else int(v.paused.total_seconds() // 60),
        "requested_by": r.requested_by,
        "requested_at": r.requested_at,
        "state": v.state,
        "agreed_by": r.confirmed_by,
        "agreed_at": r.confirmed_at,
        "comment": r.confirm_comment,
        "refused_by": r.refused_by,
        "refused_at": r.refused_at,
        "refuse_reason": r.refuse_reason,
        "changes": [asdict(c) for c in v.changes],
    }

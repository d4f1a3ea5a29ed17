"""Change requests (修改调整): submission, hospital IT review, implementation, acceptance, warranty.

SPEC: delivered within 30 calendar days of submission; a change touching database tables,
views or stored procedures needs hospital IT's approved review before it is implemented;
acceptance may be applied for from 10 working days after implementation; free maintenance
runs 12 months from acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from opsdesk.contract.systems import get_system, system_by_id
from opsdesk.desk import Desk, fmt, name_value, text_value
from opsdesk.errors import InvalidInput, NotFound, Refused
from opsdesk.store import history
from opsdesk.store.models import ChangeRequest, Event, System

TYPES = {
    "perfective": "perfective",
    "完善性": "perfective",
    "adaptive": "adaptive",
    "适应性": "adaptive",
    "interface": "interface",
    "接口": "interface",
}
TYPE_NAMES = {"perfective": "完善性", "adaptive": "适应性", "interface": "接口"}


def normalise_type(value: str) -> str:
    found = TYPES.get(value.strip().lower())
    if found is None:
        raise InvalidInput(
            f"unknown change type {value!r}; use perfective (完善性), adaptive (适应性) or interface (接口)"
        )
    return found


def get_change(desk: Desk, change_id: int) -> ChangeRequest:
    change = desk.session.get(ChangeRequest, change_id)
    if change is None:
        raise NotFound(f"no change request {change_id}; `opsdesk change list` shows them")
    return change


def change_events(desk: Desk, change_id: int) -> list[Event]:
    """A change request's history events, oldest first."""
    return history.events_of(desk.session, "change_request", change_id)


def _unconfirmed(change: ChangeRequest) -> None:
    if change.confirmed_at is not None:
        raise Refused(
            f"change {change.id} was confirmed by {change.confirmed_by} at {fmt(change.confirmed_at)}; "
            "it cannot be changed any more"
        )


def open_change(
    desk: Desk,
    system: str,
    title: str,
    *,
    type: str,
    schema: bool = False,
    ref: str | None = None,
    requested_by: str | None = None,
    at: datetime | str | None = None,
) -> ChangeRequest:
    """Record a change request the hospital submitted."""
    sys_row = get_system(desk, system)
    submitted = desk.moment(at)
    change = ChangeRequest(
        system_id=sys_row.id,
        type=normalise_type(type),
        title=text_value(title, "the title", required=True),
        schema_change=schema,
        ref=text_value(ref, "--ref"),
        requested_by=name_value(requested_by, "--requested-by"),
        submitted_at=submitted,
        submitted_rec=desk.local_now,
    )
    return desk.create(change, "change.open", happened_at=submitted)


def review(
    desk: Desk, change_id: int, *, approve: bool, by: str, comment: str | None = None, at: datetime | str | None = None
) -> ChangeRequest:
    """Hospital IT's review (院方信息部门评审) of a change."""
    change = get_change(desk, change_id)
    _unconfirmed(change)
    if change.implemented_at is not None:
        raise Refused(f"change {change_id} was implemented at {fmt(change.implemented_at)}; a review must come before")
    moment = desk.moment(at)
    if moment < change.submitted_at:
        raise Refused(f"change {change_id} was submitted at {fmt(change.submitted_at)}; the review cannot come before")
    desk.update(
        change,
        {
            "review": "approved" if approve else "rejected",
            "reviewed_by": name_value(by, "--by", required=True),
            "reviewed_at": moment,
            "review_comment": text_value(comment, "--comment"),
        },
        "change.review",
        happened_at=moment,
    )
    return change


def implement(
    desk: Desk, change_id: int, *, at: datetime | str | None = None, note: str | None = None
) -> ChangeRequest:
    """The change is implemented (delivered); a schema change needs an approved review first."""
    change = get_change(desk, change_id)
    _unconfirmed(change)
    if change.implemented_at is not None:
        raise Refused(f"change {change_id} is already implemented (at {fmt(change.implemented_at)})")
    if change.schema_change and change.review != "approved":
        state = "its review was rejected" if change.review == "rejected" else "it has no review yet"
        raise Refused(
            f"change {change_id} touches database tables, views or stored procedures and needs hospital IT's "
            f"approved review before implementation ({state}); record the approval with "
            f"`opsdesk change review {change_id} --approve --by NAME`"
        )
    moment = desk.moment(at)
    earliest = max(change.submitted_at, change.reviewed_at or change.submitted_at)
    if moment < earliest:
        raise Refused(f"change {change_id}: the implementation cannot come before {fmt(earliest)}")
    desk.update(
        change,
        {"implemented_at": moment, "implemented_rec": desk.local_now, "implement_note": text_value(note, "--note")},
        "change.implement",
        happened_at=moment,
    )
    return change


def earliest_acceptance(desk: Desk, change: ChangeRequest) -> date | None:
    from opsdesk.sla.clocks import acceptance_earliest

    if change.implemented_at is None:
        return None
    terms = desk.terms_at(change.submitted_at)
    return acceptance_earliest(desk.calendar_for(terms), change.implemented_at, terms)


def apply_acceptance(desk: Desk, change_id: int, *, at: datetime | str | None = None) -> ChangeRequest:
    """The vendor applies for acceptance (no earlier than 10 working days after implementation)."""
    change = get_change(desk, change_id)
    _unconfirmed(change)
    if change.implemented_at is None:
        raise Refused(
            f"change {change_id} is not implemented yet; record it with `opsdesk change implement {change_id}`"
        )
    if change.acceptance in ("applied", "accepted"):
        raise Refused(f"change {change_id} acceptance is already {change.acceptance}")
    moment = desk.moment(at)
    first = earliest_acceptance(desk, change)
    assert first is not None  # implemented (checked above)
    if moment.date() < first:
        wait = desk.terms_at(change.submitted_at).acceptance_wait_days
        raise Refused(
            f"change {change_id} was implemented on {change.implemented_at:%Y-%m-%d}; acceptance may be applied for "
            f"from {first} ({wait} working days later)"
        )
    desk.update(
        change,
        {"acceptance": "applied", "acceptance_applied_at": moment, "acceptance_note": None},
        "change.apply-acceptance",
        happened_at=moment,
    )
    return change


def _applied(change: ChangeRequest) -> None:
    if change.acceptance == "accepted":
        raise Refused(f"change {change.id} was accepted on {fmt(change.accepted_at)} by {change.accepted_by}")
    if change.acceptance != "applied":
        state = {"none": "has not been applied for", "rejected": "was rejected; apply again first"}[change.acceptance]
        raise Refused(f"change {change.id} acceptance {state} (`opsdesk change apply-acceptance {change.id}`)")


def accept(desk: Desk, change_id: int, *, by: str, at: datetime | str | None = None) -> ChangeRequest:
    """The hospital accepts the change (验收合格): its 12-month free maintenance starts."""
    change = get_change(desk, change_id)
    _unconfirmed(change)
    _applied(change)
    moment = desk.moment(at)
    assert change.acceptance_applied_at is not None  # applied for (_applied)
    if moment < change.acceptance_applied_at:
        raise Refused(
            f"change {change_id}: acceptance cannot come before the application ({fmt(change.acceptance_applied_at)})"
        )
    desk.update(
        change,
        {"acceptance": "accepted", "accepted_at": moment, "accepted_by": name_value(by, "--by", required=True)},
        "change.accept",
        happened_at=moment,
    )
    return change


def reject_acceptance(desk: Desk, change_id: int, *, reason: str, at: datetime | str | None = None) -> ChangeRequest:
    """The hospital does not accept the change yet; the vendor may apply again after fixing it."""
    change = get_change(desk, change_id)
    _unconfirmed(change)
    _applied(change)
    moment = desk.moment(at)
    desk.update(
        change,
        {"acceptance": "rejected", "acceptance_note": text_value(reason, "--reason", required=True)},
        "change.reject-acceptance",
        happened_at=moment,
    )
    return change


@dataclass
class ChangeView:
    change: ChangeRequest
    system: System
    due: datetime
    days_left: int | None  # while not implemented: whole days to the due date (negative: late)
    delivered_late: bool | None
    acceptance_from: date | None
    warranty_end: date | None

    @property
    def is_open(self) -> bool:
        return self.change.implemented_at is None

    @property
    def overdue(self) -> bool:
        return self.is_open and self.days_left is not None and self.days_left < 0

    @property
    def review_state(self) -> str:
        if not self.change.schema_change:
            return "not needed"
        return {"none": "pending"}.get(self.change.review, self.change.review)

    def to_dict(self) -> dict[str, Any]:
        c = self.change
        return {
            "id": c.id,
            "system": self.system.code,
            "system_name": self.system.name,
            "type": c.type,
            "type_name": TYPE_NAMES[c.type],
            "title": c.title,
            "schema_change": c.schema_change,
            "ref": c.ref,
            "requested_by": c.requested_by,
            "submitted_at": c.submitted_at,
            "due": self.due,
            "days_left": self.days_left,
            "overdue": self.overdue,
            "delivered_late": self.delivered_late,
            "review": self.review_state,
            "reviewed_by": c.reviewed_by,
            "reviewed_at": c.reviewed_at,
            "review_comment": c.review_comment,
            "implemented_at": c.implemented_at,
            "implement_note": c.implement_note,
            "acceptance": c.acceptance,
            "acceptance_from": self.acceptance_from,
            "acceptance_applied_at": c.acceptance_applied_at,
            "accepted_at": c.accepted_at,
            "accepted_by": c.accepted_by,
            "acceptance_note": c.acceptance_note,
            "warranty_end": self.warranty_end,
            "confirmed_at": c.confirmed_at,
            "confirmed_by": c.confirmed_by,
        }


def change_view(desk: Desk, change: ChangeRequest, system: System | None = None) -> ChangeView:
    from opsdesk.sla.clocks import change_due, warranty_end

    terms = desk.terms_at(change.submitted_at)
    due = change_due(change.submitted_at, terms)
    days_left = None
    delivered_late = None
    if change.implemented_at is None:
        days_left = (due.date() - desk.local_now.date()).days
        if desk.local_now > due and days_left >= 0:
            days_left = -1
    else:
        delivered_late = change.implemented_at > due
    accepted = change.accepted_at.date() if change.accepted_at else None
    return ChangeView(
        change,
        system or system_by_id(desk, change.system_id),
        due,
        days_left,
        delivered_late,
        earliest_acceptance(desk, change),
        warranty_end(accepted, terms) if accepted else None,
    )


def list_changes(
    desk: Desk,
    *,
    open_only: bool = False,
    due_within: timedelta | None = None,
    overdue: bool = False,
    system: str | None = None,
) -> list[ChangeView]:
    """Change requests matching the filters, oldest first."""
    desk.contract  # noqa: B018
    query = select(ChangeRequest, System).join(System, col(ChangeRequest.system_id) == col(System.id))
    if open_only or due_within is not None or overdue:
        query = query.where(col(ChangeRequest.implemented_at).is_(None))
    if system:
        query = query.where(ChangeRequest.system_id == get_system(desk, system).id)
    rows = desk.session.exec(query.order_by(col(ChangeRequest.submitted_at), col(ChangeRequest.id)))
    views = [change_view(desk, c, s) for c, s in rows]
    if due_within is not None:
        limit = desk.local_now + due_within
        views = [v for v in views if v.due <= limit]
    if overdue:
        views = [v for v in views if v.overdue]
    return views

"""Typed rows for the deliverables: one frozen record per row, codes not labels, times aware.

A row's fields are what a sheet shows and its JSON holds, in order (:func:`row_json`); a record
row the hospital confirms carries its confirmation block (:class:`~opsdesk.reports.workbook.Confirmation`)
beside them, never among them. A row cut at a report's period end (:func:`fault_until`...) names
what happened after it in ``after``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlmodel import col, select

from opsdesk.contract.changes import ChangeView
from opsdesk.contract.inspections import InspectionView
from opsdesk.desk import Desk
from opsdesk.faults.edits import VerdictChange, VerdictEdit
from opsdesk.faults.requests import ExceptionView
from opsdesk.faults.views import FaultView
from opsdesk.reports.workbook import Cell, Confirmation
from opsdesk.sla.clocks import Clock
from opsdesk.store.history import record_digest
from opsdesk.store.models import (
    ChangeRequest,
    Correction,
    ExceptionRequest,
    Inspection,
    Risk,
    System,
    Ticket,
    Training,
    WorkLog,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

After = tuple[tuple[str, datetime], ...]  # what happened after a report's period: (field, when)
Scalar = str | int | float | bool | None  # a value as a correction stores it (JSON)

# a field's metadata: JSON leaves it out (the confirmation block, a flag); a sheet reads it otherwise
HIDDEN = {"json": False, "cell": False}
PERIOD = {"cell": False, "period": True}  # ``after``: in the JSON of a row cut at a period only
NESTED = {"cell": False}  # verdict changes: the sheet shows them in words


def row_json(row: DataclassInstance) -> dict[str, object]:
    """A typed row as JSON-ready values, its fields in order (the confirmation block and flags left out,
    ``after`` only on a row cut at a period's end)."""
    out: dict[str, object] = {}
    for f in fields(row):
        value = getattr(row, f.name)
        if f.metadata.get("json", True) is False or (value is None and f.metadata.get("period")):
            continue
        out[f.name] = _plain(value)
    return out


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, VerdictChange):
        return row_json(value)
    return value


def row_cells(row: DataclassInstance) -> dict[str, Cell]:
    """A typed row's cells by field name (what a sheet shows before it is put in words)."""
    out: dict[str, Cell] = {}
    for f in fields(row):
        if f.metadata.get("cell", True):
            out[f.name] = getattr(row, f.name)
    return out


class _Confirmable(Protocol):
    id: int
    confirmed_by: str | None
    confirm_comment: str | None
    confirmed_at: datetime | None


def confirmation(
    kind: str, record: Ticket | ChangeRequest | Inspection | Risk | WorkLog | Training | ExceptionRequest
) -> Confirmation:
    """The confirmation block of a record's row: its key, digest and the hospital's answer (an exception
    request it refused: 不确认, by whom, its reason and when)."""
    key, digest = f"{kind}:{record.id}", record_digest(record)
    if isinstance(record, ExceptionRequest) and record.refused_at is not None:
        return Confirmation(key, digest, record.refused_by, record.refuse_reason, record.refused_at, refused=True)
    return Confirmation(key, digest, record.confirmed_by, record.confirm_comment, record.confirmed_at)


def _after(until: datetime, moments: Mapping[str, datetime | None]) -> After:
    """The moments at or after ``until``, in order, with the fields they were in."""
    return tuple((key, moment) for key, moment in moments.items() if moment is not None and moment >= until)


def _by(until: datetime, moment: datetime | None) -> datetime | None:
    """A moment if it came before ``until`` (a row as it stood then shows it)."""
    return moment if moment is not None and moment < until else None


@dataclass(frozen=True)
class FaultRow:
    id: int
    system: str
    system_name: str
    kind: str
    symptom: str
    reporter: str | None
    ref: str | None
    reported: datetime
    inside: bool
    responded: datetime | None
    arrived: datetime | None
    resolved: datetime | None
    response_state: str
    arrival_state: str
    resolution_state: str
    cause: str | None
    action: str | None
    outcome: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    late: bool
    breached: bool
    corrections: str | None
    voided: bool
    exceptions: str | None
    remote: datetime | None
    response_late_min: int | None
    arrival_late_min: int | None
    resolution_late_min: int | None
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)
    after: After | None = dataclasses.field(default=None, metadata=PERIOD)
    after_outcome: str | None = dataclasses.field(default=None, metadata=PERIOD)  # a fix's, made after the period

    def until(self, moment: datetime) -> FaultRow:
        """The row as it stood at a period's end: a moment after it moves to ``after``; a fix made after it
        takes its cause, action and result along (``after_outcome``): none of them is the period's."""
        after = _after(
            moment,
            {
                "responded": self.responded,
                "arrived": self.arrived,
                "remote": self.remote,
                "resolved": self.resolved,
                "confirmed_at": self.confirmed_at,
            },
        )
        fixed_later = self.resolved is not None and self.resolved >= moment
        outcome = "；".join(filter(None, (self.cause, self.action, self.outcome))) if fixed_later else None
        return replace(
            self,
            cause=None if fixed_later else self.cause,
            action=None if fixed_later else self.action,
            outcome=None if fixed_later else self.outcome,
            after_outcome=outcome or None,
            responded=_by(moment, self.responded),
            arrived=_by(moment, self.arrived),
            remote=_by(moment, self.remote),
            resolved=_by(moment, self.resolved),
            confirmed_at=_by(moment, self.confirmed_at),
            after=after,
        )


def fault_row(v: FaultView, corrected: dict[int, list[int]] | None = None) -> FaultRow:
    """``corrected``: the ids of each ticket's corrections (:func:`corrections_by_record`)."""
    t, c = v.ticket, v.clocks
    ticket_id = t.id
    return FaultRow(
        id=ticket_id,
        system=v.system.code,
        system_name=v.system.name,
        kind=t.kind,
        symptom=t.symptom,
        reporter=t.reporter,
        ref=t.ref,
        reported=t.reported_at,
        inside=c.inside_hours,
        responded=t.responded_at,
        arrived=t.arrived_at,
        resolved=t.resolved_at,
        response_state=c.response.state,
        arrival_state=c.arrival.state,
        resolution_state=c.resolution.state,
        cause=t.cause,
        action=t.action,
        outcome=t.result,
        confirmed_by=t.confirmed_by,
        confirmed_at=t.confirmed_at,
        late=bool(v.late),
        breached=v.breached,
        corrections=", ".join(map(str, (corrected or {}).get(ticket_id, ()))) or None,
        voided=v.voided,
        exceptions=", ".join(map(str, v.agreed.ids)) if v.agreed else None,
        remote=t.remote_at,
        response_late_min=None if v.voided else _late(c.response),  # void: in no figure, late by nothing
        arrival_late_min=None if v.voided else _late(c.arrival),
        resolution_late_min=None if v.voided else _late(c.resolution),
        confirm=confirmation("fault", t),
    )


_MINUTE = timedelta(minutes=1)


def _late(clock: Clock) -> int | None:
    """How late a breached or overdue clock is, in minutes (working minutes for resolution)."""
    if clock.state not in ("breached", "overdue"):
        return None
    return max(-clock.margin // _MINUTE, 1)


@dataclass(frozen=True)
class InspectionRow:
    """An inspection as the monthly report's summary sheet shows it."""

    system: str
    system_name: str
    at: datetime
    inspector: str
    ok: int
    warn: int
    fail: int
    db_conclusion: str  # ok | warn | fail
    unrisked: int
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)


@dataclass(frozen=True)
class InspectionGap:
    """A system the month's inspections missed (a row of the summary sheet, flagged)."""

    system: str
    system_name: str
    db_conclusion: str = "gap"
    confirm: None = dataclasses.field(default=None, metadata=HIDDEN)


def inspection_row(v: InspectionView) -> InspectionRow:
    counts = v.counts
    return InspectionRow(
        system=v.system.code,
        system_name=v.system.name,
        at=v.inspection.at,
        inspector=v.inspection.inspector,
        ok=counts["ok"],
        warn=counts["warn"],
        fail=counts["fail"],
        db_conclusion=v.db_conclusion,
        unrisked=len(v.unrisked),
        confirm=confirmation("inspection", v.inspection),
    )


@dataclass(frozen=True)
class ChangeRow:
    id: int
    system: str
    system_name: str
    type: str
    title: str
    schema: bool
    submitted: datetime
    due: datetime
    review: str
    implemented: datetime | None
    acceptance: str
    applied: datetime | None
    accepted_at: datetime | None
    warranty: date | None
    state: str  # open | delivered | delivered late | late
    ref: str | None
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)
    after: After | None = dataclasses.field(default=None, metadata=PERIOD)

    @property
    def late(self) -> bool:
        """Past its due date, delivered or not (the row is flagged)."""
        return self.state in ("late", "delivered late")

    def until(self, moment: datetime, cutoff: datetime) -> ChangeRow:
        """The change request as it stood at a period's end (delivered, accepted, late or open);
        ``cutoff``: the period's end, or now in a running period."""
        after = _after(
            moment, {"implemented": self.implemented, "applied": self.applied, "accepted_at": self.accepted_at}
        )
        row = replace(
            self,
            implemented=_by(moment, self.implemented),
            applied=_by(moment, self.applied),
            accepted_at=_by(moment, self.accepted_at),
            after=after,
        )
        acceptance, warranty, state = row.acceptance, row.warranty, row.state
        if row.accepted_at is None and acceptance == "accepted":
            acceptance, warranty = "applied", None
        if row.applied is None and acceptance == "applied":  # applied for after the period, too
            acceptance = "none"
        if row.implemented is None:
            state = "late" if row.due < cutoff else "open"
            acceptance, warranty = "none", None
        return replace(row, acceptance=acceptance, warranty=warranty, state=state)


def change_row(v: ChangeView) -> ChangeRow:
    c = v.change
    state = "open" if c.implemented_at is None else ("delivered late" if v.delivered_late else "delivered")
    if v.overdue:
        state = "late"
    return ChangeRow(
        id=c.id,
        system=v.system.code,
        system_name=v.system.name,
        type=c.type,
        title=c.title,
        schema=c.schema_change,
        submitted=c.submitted_at,
        due=v.due,
        review=v.review_state,
        implemented=c.implemented_at,
        acceptance=c.acceptance,
        applied=c.acceptance_applied_at,
        accepted_at=c.accepted_at,
        warranty=v.warranty_end,
        state=state,
        ref=c.ref,
        confirm=confirmation("change", c),
    )


@dataclass(frozen=True)
class WorkRow:
    id: int
    system: str
    system_name: str
    work_type: str
    at: datetime
    what: str
    minutes: int | None
    by: str
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)


def work_row(w: WorkLog, system: System) -> WorkRow:
    return WorkRow(
        id=w.id,
        system=system.code,
        system_name=system.name,
        work_type=w.type,
        at=w.at,
        what=w.text,
        minutes=w.minutes,
        by=w.by,
        confirm=confirmation("work", w),
    )


@dataclass(frozen=True)
class TrainingRow:
    id: int
    system: str
    system_name: str
    at: datetime
    topic: str
    trainer: str
    attendees: int
    hours: float
    note: str | None
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)


def training_row(t: Training, system: System) -> TrainingRow:
    return TrainingRow(
        id=t.id,
        system=system.code,
        system_name=system.name,
        at=t.at,
        topic=t.topic,
        trainer=t.trainer,
        attendees=t.attendees,
        hours=t.hours,
        note=t.note,
        confirm=confirmation("training", t),
    )


def _corrections(desk: Desk, until: datetime | None) -> Iterator[Correction]:
    query = select(Correction).order_by(col(Correction.id))
    if until is not None:
        query = query.where(col(Correction.recorded_at) < until)
    return iter(desk.session.exec(query))


def corrections_by_record(desk: Desk, until: datetime | None = None) -> dict[int, list[int]]:
    """Ticket id -> the ids of its corrections (few: a correction is of a confirmed record)."""
    out: dict[int, list[int]] = {}
    for c in _corrections(desk, until):
        if c.entity == "ticket":
            out.setdefault(c.entity_id, []).append(c.id)
    return out


@dataclass(frozen=True)
class CorrectionRow:
    """One corrected field: the confirmed value, the corrected one, why, by whom, when."""

    id: int
    entity: str
    entity_id: int
    field: str
    before: Scalar
    after: Scalar
    reason: str
    by: str
    at: datetime
    confirm: None = dataclasses.field(default=None, metadata=HIDDEN)


def correction_rows(
    desk: Desk, until: datetime | None = None, tickets: set[int] | None = None, others: bool = False
) -> list[CorrectionRow]:
    """One row per corrected field. ``tickets``: only the corrections of these faults (a monthly report's),
    with ``others`` those of the other records too (the acceptance evidence's)."""
    rows = []
    for c in _corrections(desk, until):
        if tickets is not None and not (c.entity_id in tickets if c.entity == "ticket" else others):
            continue
        for name, (before, after) in sorted(json.loads(c.changes).items()):
            rows.append(CorrectionRow(c.id, c.entity, c.entity_id, name, before, after, c.reason, c.by, c.recorded_at))
    return rows


@dataclass(frozen=True)
class ExceptionRow:
    """An exception request: what was asked, why, by whom, the hospital's answer, and the verdicts it
    changes (or would, once agreed)."""

    id: int
    fault: int
    system: str
    type: str
    reason: str
    duplicate_of: int | None
    paused_at: datetime | None
    resumed_at: datetime | None
    paused_minutes: int | None
    requested_by: str
    requested_at: datetime
    decision: str
    decided_by: str | None
    decided_at: datetime | None
    refuse_reason: str | None
    changes: tuple[VerdictChange, ...] = dataclasses.field(metadata=NESTED)
    state: str = dataclasses.field(metadata=HIDDEN)  # pending | agreed | refused
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)
    # a correction's fields: {column: [value when asked, value asked for]} (the sheet names them in words)
    asked: dict[str, list[Scalar]] | None = dataclasses.field(default=None, metadata=NESTED)
    system_name: str = dataclasses.field(default="", metadata=NESTED)  # the sheet shows the system by its name


def exception_rows(views: Iterable[ExceptionView]) -> list[ExceptionRow]:
    """One row per exception request (:func:`opsdesk.faults.requests.list_exceptions`)."""
    rows = []
    for x in views:
        r = x.request
        rows.append(
            ExceptionRow(
                id=r.id,
                fault=r.ticket_id,
                system=x.system.code,
                type=r.type,
                reason=r.reason,
                duplicate_of=r.duplicate_of,
                paused_at=r.paused_at,
                resumed_at=r.resumed_at,
                paused_minutes=None if x.paused is None else int(x.paused.total_seconds() // 60),
                requested_by=r.requested_by,
                requested_at=r.requested_at,
                decision=f"exception.{x.state}",
                decided_by=r.confirmed_by or r.refused_by,
                decided_at=r.confirmed_at or r.refused_at,
                refuse_reason=r.refuse_reason,
                changes=x.changes,
                state=x.state,
                confirm=confirmation("exception", r),
                asked=json.loads(r.edit_values) if r.edit_values else None,
                system_name=x.system.name,
            )
        )
    return rows


@dataclass(frozen=True)
class EditRow:
    """One field of an edit, reopen or correction that changed a verdict or a deadline."""

    id: int
    entity_id: int
    field: str
    before: Scalar
    after: Scalar
    reopen: bool
    by: str
    at: datetime
    changes: tuple[VerdictChange, ...] = dataclasses.field(metadata=NESTED)
    confirm: None = dataclasses.field(default=None, metadata=HIDDEN)


def edit_rows(edits: Iterable[VerdictEdit]) -> list[EditRow]:
    """One row per field of each edit that changed a verdict (:func:`opsdesk.faults.edits.verdict_edits`)."""
    return [
        EditRow(f.event, e.ticket_id, f.column, f.before, f.after, f.action == "fault.reopen", f.by, f.at, e.changes)
        for e in edits
        for f in e.fields
    ]


@dataclass(frozen=True)
class RiskRow:
    """A risk an inspection found (``month``: the inspection's)."""

    id: int
    system: str
    system_name: str
    month: str
    item: str | None
    risk: str
    level: str
    remedy: str
    owner: str | None
    due: date | None
    done: bool
    done_at: datetime | None
    note: str | None
    confirm: Confirmation = dataclasses.field(metadata=HIDDEN)
    after: After | None = dataclasses.field(default=None, metadata=PERIOD)

    def until(self, moment: datetime) -> RiskRow:
        """The risk as it stood at a period's end: carried out after it, it was still open."""
        after = _after(moment, {"done_at": self.done_at})
        later = bool(after)  # carried out after the period: its note is not the period's either
        done_at = _by(moment, self.done_at)
        return replace(
            self, done_at=done_at, done=self.done and not later, note=None if later else self.note, after=after
        )


def risk_row(system: System, month: str, r: Risk) -> RiskRow:
    return RiskRow(
        id=r.id,
        system=system.code,
        system_name=system.name,
        month=month,
        item=r.item,
        risk=r.text,
        level=r.level,
        remedy=r.remedy,
        owner=r.owner,
        due=r.due,
        done=r.done_at is not None,
        done_at=r.done_at,
        note=r.done_note,
        confirm=confirmation("risk", r),
    )

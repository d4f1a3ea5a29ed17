"""Plain rows for the deliverables: one dict per record, codes not labels, times aware."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from opsdesk.contract.inspections import reading_text
from opsdesk.desk import Desk
from opsdesk.faults.views import FaultView
from opsdesk.store.history import record_digest
from opsdesk.store.models import Correction


def fault_row(v: FaultView, corrected: dict[int, list[int]] | None = None) -> dict[str, Any]:
    """``corrected``: the ids of each ticket's corrections (:func:`corrections_by_record`)."""
    t, c = v.ticket, v.clocks
    return {
        "id": t.id,
        "system": v.system.code,
        "system_name": v.system.name,
        "kind": t.kind,
        "symptom": t.symptom,
        "reporter": t.reporter,
        "ref": t.ref,
        "reported": t.reported_at,
        "inside": c.inside_hours,
        "responded": t.responded_at,
        "arrived": t.arrived_at,
        "resolved": t.resolved_at,
        "response_state": c.response.state,
        "arrival_state": c.arrival.state,
        "resolution_state": c.resolution.state,
        "cause": t.cause,
        "action": t.action,
        "outcome": t.result,
        "confirmed_by": t.confirmed_by,
        "confirmed_at": t.confirmed_at,
        "late": bool(v.late),
        "breached": v.breached,
        "corrections": ", ".join(map(str, (corrected or {}).get(t.id, ()))) or None,
        "voided": v.voided,
        "exceptions": ", ".join(map(str, v.agreed.ids)) if v.agreed else None,
        "remote": t.remote_at,
        "response_late_min": _late(c.response),
        "arrival_late_min": _late(c.arrival),
        "resolution_late_min": _late(c.resolution),
        **confirm_cells("fault", t),
    }


_MINUTE = timedelta(minutes=1)


def _late(clock) -> int | None:
    """How late a breached or overdue clock is, in minutes (working minutes for resolution)."""
    if clock.state not in ("breached", "overdue"):
        return None
    return max(-clock.margin // _MINUTE, 1)


def confirm_cells(kind: str, obj) -> dict[str, Any]:
    return {
        "_key": f"{kind}:{obj.id}",
        "_digest": record_digest(obj),
        "_confirmer": obj.confirmed_by,
        "_comment": obj.confirm_comment,
        "_confirm_date": obj.confirmed_at,
    }


def inspection_row(v) -> dict[str, Any]:
    """An inspection as the monthly report's summary sheet shows it (an InspectionView)."""
    return {
        "system": v.system.code,
        "system_name": v.system.name,
        "at": v.inspection.at,
        "inspector": v.inspection.inspector,
        "ok": v.counts["ok"],
        "warn": v.counts["warn"],
        "fail": v.counts["fail"],
        "db_conclusion": v.db_conclusion,
        "unrisked": len(v.unrisked),
        "_flag": v.db_conclusion,
        **confirm_cells("inspection", v.inspection),
    }


def change_row(v) -> dict[str, Any]:
    c = v.change
    state = "open" if c.implemented_at is None else ("delivered late" if v.delivered_late else "delivered")
    if v.overdue:
        state = "late"
    return {
        "id": c.id,
        "system": v.system.code,
        "system_name": v.system.name,
        "type": c.type,
        "title": c.title,
        "schema": c.schema_change,
        "submitted": c.submitted_at,
        "due": v.due,
        "review": v.review_state,
        "implemented": c.implemented_at,
        "acceptance": c.acceptance,
        "applied": c.acceptance_applied_at,
        "accepted_at": c.accepted_at,
        "warranty": v.warranty_end,
        "state": state,
        "ref": c.ref,
        "_late": bool(v.overdue or v.delivered_late),
        **confirm_cells("change", c),
    }


def work_row(w, system) -> dict[str, Any]:
    return {
        "id": w.id,
        "system": system.code,
        "system_name": system.name,
        "work_type": w.type,
        "at": w.at,
        "what": w.text,
        "minutes": w.minutes,
        "by": w.by,
        **confirm_cells("work", w),
    }


def training_row(t, system) -> dict[str, Any]:
    return {
        "id": t.id,
        "system": system.code,
        "system_name": system.name,
        "at": t.at,
        "topic": t.topic,
        "trainer": t.trainer,
        "attendees": t.attendees,
        "hours": t.hours,
        "note": t.note,
        **confirm_cells("training", t),
    }


def _corrections(desk: Desk, until: datetime | None):
    query = select(Correction).order_by(Correction.id)
    if until is not None:
        query = query.where(Correction.recorded_at < until)
    return desk.session.exec(query)


def corrections_by_record(desk: Desk, until: datetime | None = None) -> dict[int, list[int]]:
    """Ticket id -> the ids of its corrections (few: a correction is of a confirmed record)."""
    out: dict[int, list[int]] = {}
    for c in _corrections(desk, until):
        if c.entity == "ticket":
            out.setdefault(c.entity_id, []).append(c.id)
    return out


def correction_rows(desk: Desk, until: datetime | None = None, tickets: set[int] | None = None) -> list[dict[str, Any]]:
    """One row per corrected field: the confirmed value, the corrected one, why, by whom, when.
    ``tickets``: only the corrections of these faults (a monthly report's)."""
    rows = []
    for c in _corrections(desk, until):
        if tickets is not None and not (c.entity == "ticket" and c.entity_id in tickets):
            continue
        for field, (before, after) in sorted(json.loads(c.changes).items()):
            rows.append(
                {
                    "id": c.id,
                    "entity": c.entity,
                    "entity_id": c.entity_id,
                    "field": field,
                    "before": before,
                    "after": after,
                    "reason": c.reason,
                    "by": c.by,
                    "at": c.recorded_at,
                }
            )
    return rows


def _changes(changes) -> list[dict[str, Any]]:
    return [
        {
            "clock": c.clock,
            "before": c.before,
            "after": c.after,
            "deadline_before": c.deadline_before,
            "deadline_after": c.deadline_after,
        }
        for c in changes
    ]


def exception_rows(views) -> list[dict[str, Any]]:
    """One row per exception request (:func:`opsdesk.faults.requests.list_exceptions`): what was asked, why,
    by whom, the hospital's answer, and the verdicts it changes (or would, once agreed)."""
    rows = []
    for x in views:
        r = x.request
        rows.append(
            {
                "id": r.id,
                "fault": r.ticket_id,
                "system": x.system.code,
                "type": r.type,
                "reason": r.reason,
                "duplicate_of": r.duplicate_of,
                "paused_at": r.paused_at,
                "resumed_at": r.resumed_at,
                "paused_minutes": None if x.paused is None else int(x.paused.total_seconds() // 60),
                "requested_by": r.requested_by,
                "requested_at": r.requested_at,
                "decision": f"exception.{x.state}",
                "decided_by": r.confirmed_by or r.refused_by,
                "decided_at": r.confirmed_at or r.refused_at,
                "refuse_reason": r.refuse_reason,
                "changes": _changes(x.changes),
                "_flag": x.state,
                **confirm_cells("exception", r),
            }
        )
    return rows


def edit_rows(edits) -> list[dict[str, Any]]:
    """One row per field of each edit that changed a verdict (:func:`opsdesk.faults.edits.verdict_edits`)."""
    return [
        {
            "id": f.event,
            "entity_id": e.ticket_id,
            "field": f.column,
            "before": f.before,
            "after": f.after,
            "reopen": f.action == "fault.reopen",
            "by": f.by,
            "at": f.at,
            "changes": _changes(e.changes),
        }
        for e in edits
        for f in e.fields
    ]


def risk_row(system, month: str, r) -> dict[str, Any]:
    """A risk an inspection found (``month``: the inspection's), with the confirmation cells."""
    return {
        "id": r.id,
        "system": system.code,
        "system_name": system.name,
        "month": month,
        "item": r.item,
        "risk": r.text,
        "level": r.level,
        "remedy": r.remedy,
        "owner": r.owner,
        "due": r.due,
        "done": r.done_at is not None,
        "done_at": r.done_at,
        "note": r.done_note,
        **confirm_cells("risk", r),
    }


def item_row(system, inspection, i, unrisked: bool = False) -> dict[str, Any]:
    """A check item with its reading; ``unrisked``: warned or failed with no risk recorded."""
    return {
        "inspection": inspection.id,
        "month": inspection.month,
        "at": inspection.at,
        "system": system.code,
        "system_name": system.name,
        "section": i.section,
        "item": i.item,
        "standard": i.standard,
        "reading": reading_text(i.reading, i.unit),
        "threshold": reading_text(i.threshold, i.unit),
        "result": i.result,
        "verdict": i.verdict,
        "note": i.note,
        "unrisked": unrisked,
        "_flag": "gap" if unrisked else i.verdict,
    }

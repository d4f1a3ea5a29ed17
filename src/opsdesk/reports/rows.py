"""Plain rows for the deliverables: one dict per record, codes not labels, times aware."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import select

from opsdesk.faults import FaultView
from opsdesk.history import record_digest
from opsdesk.models import Correction
from opsdesk.records import Desk


def fault_row(v: FaultView, corrected: dict[int, list[int]] | None = None) -> dict[str, Any]:
    """``corrected``: the ids of each ticket's corrections (:func:`corrections_by_record`)."""
    t, c = v.ticket, v.clocks
    return {
        "id": t.id, "system": v.system.code, "system_name": v.system.name, "kind": t.kind, "symptom": t.symptom,
        "reporter": t.reporter, "ref": t.ref, "reported": t.reported_at, "inside": c.inside_hours,
        "responded": t.responded_at, "arrived": t.arrived_at, "resolved": t.resolved_at,
        "response_state": c.response.state, "arrival_state": c.arrival.state, "resolution_state": c.resolution.state,
        "cause": t.cause, "action": t.action, "outcome": t.result, "confirmed_by": t.confirmed_by,
        "confirmed_at": t.confirmed_at, "late": bool(v.late), "breached": v.breached,
        "corrections": ", ".join(map(str, (corrected or {}).get(t.id, ()))) or None,
        **confirm_cells("fault", t),
    }  # fmt: skip


def confirm_cells(kind: str, obj) -> dict[str, Any]:
    return {"_key": f"{kind}:{obj.id}", "_digest": record_digest(obj), "_confirmer": obj.confirmed_by,
            "_comment": obj.confirm_comment, "_confirm_date": obj.confirmed_at}  # fmt: skip


def inspection_row(v) -> dict[str, Any]:
    """An inspection as the monthly report's summary sheet shows it (an InspectionView)."""
    return {
        "system": v.system.code, "system_name": v.system.name, "at": v.inspection.at,
        "inspector": v.inspection.inspector, "ok": v.counts["ok"], "warn": v.counts["warn"],
        "fail": v.counts["fail"], "db_conclusion": v.db_conclusion,
        "_flag": v.db_conclusion, **confirm_cells("inspection", v.inspection),
    }  # fmt: skip


def change_row(v) -> dict[str, Any]:
    c = v.change
    state = "open" if c.implemented_at is None else ("delivered late" if v.delivered_late else "delivered")
    if v.overdue:
        state = "late"
    return {
        "id": c.id, "system": v.system.code, "type": c.type, "title": c.title, "schema": c.schema_change,
        "submitted": c.submitted_at, "due": v.due, "review": v.review_state, "implemented": c.implemented_at,
        "acceptance": c.acceptance, "accepted_at": c.accepted_at, "warranty": v.warranty_end, "state": state,
        "ref": c.ref, "_late": bool(v.overdue or v.delivered_late), **confirm_cells("change", c),
    }  # fmt: skip


def work_row(w, system) -> dict[str, Any]:
    return {"id": w.id, "system": system.code, "work_type": w.type, "at": w.at, "what": w.text, "minutes": w.minutes,
            "by": w.by, **confirm_cells("work", w)}  # fmt: skip


def training_row(t, system) -> dict[str, Any]:
    return {"id": t.id, "system": system.code, "at": t.at, "topic": t.topic, "trainer": t.trainer,
            "attendees": t.attendees, "hours": t.hours, "note": t.note, **confirm_cells("training", t)}  # fmt: skip


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
            rows.append({"id": c.id, "entity": c.entity, "entity_id": c.entity_id, "field": field,
                         "before": before, "after": after, "reason": c.reason, "by": c.by,
                         "at": c.recorded_at})  # fmt: skip
    return rows

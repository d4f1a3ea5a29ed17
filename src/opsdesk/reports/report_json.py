"""The workbook reports' data as JSON (``report monthly --json``, ``report acceptance --json``): one
function per report, its keys in the order scripts have always read them."""

from __future__ import annotations

from dataclasses import asdict

from opsdesk.contract.people import staff_dict
from opsdesk.reports.acceptance import AcceptanceReport
from opsdesk.reports.breakdown import SystemStats, month_rows
from opsdesk.reports.monthly import MonthlyReport, PlanRow
from opsdesk.reports.rows import row_json
from opsdesk.reports.service import CoverageRow
from opsdesk.store.history import row_dict

Json = dict[str, object]


def monthly_json(r: MonthlyReport) -> Json:
    """The monthly report's data: the rows its sheets show, without the workbook's own columns; the
    month's faults last, named as in the acceptance report."""
    return {
        "month": r.month,
        "since": r.since,
        "until": r.until,
        "contract": row_dict(r.contract),
        "prepared_by": r.prepared_by,
        "reviewed_by": r.reviewed_by,
        "prepared_at": r.prepared_at,
        "data_as_of": r.data_as_of,
        "interim": r.interim,
        "report_no": r.report_no,
        "rev": r.rev,
        "terms": asdict(r.terms),
        "working_day_minutes": r.working_day_minutes,
        "summary": [row_json(x) for x in r.summary],
        "items": [row_json(x) for x in r.items],
        "risks": [row_json(x) for x in r.risks],
        "stats": [_stats_json(x) for x in r.stats],
        "clocks": [c.to_dict() for c in r.clocks],
        "corrections": [row_json(x) for x in r.corrections],
        "exceptions": [row_json(x) for x in r.exceptions],
        "edits": [row_json(x) for x in r.edits],
        "changes": [row_json(x) for x in r.changes],
        "work": [row_json(x) for x in r.work],
        "training": [row_json(x) for x in r.training],
        "plan": [_plan_json(x) for x in r.plan],
        "overview": asdict(r.overview),
        "unconfirmed_years": r.unconfirmed_years,
        "anchors": [asdict(a) for a in r.anchors],
        "faults": [row_json(x) for x in r.faults],
    }


def _stats_json(s: SystemStats) -> Json:
    """A system's row lists each rate beside its as-recorded one; the total row all rates, then all
    as-recorded ones."""
    out = row_json(s)
    if s.system != "total":
        return out
    first = ("system", "system_name", "fault", "defect", "data", "total", "exceptions")
    rates = ("response", "arrival", "resolution")
    return {key: out[key] for key in (*first, *rates, *(f"{rate}_recorded" for rate in rates))}


def _plan_json(p: PlanRow) -> Json:
    out: Json = {"plan_kind": p.plan_kind, "system": p.system, "system_name": p.system_name, "what": p.what}
    out["due"] = p.due
    if p.plan_kind == "risk":
        out["level"] = p.level
    out["overdue"] = p.overdue
    return out


def acceptance_json(r: AcceptanceReport) -> Json:
    """The acceptance evidence's data. Streamed rows are read here, in order; the SLA summaries after
    them are the tallies they filled."""
    out: Json = {
        "contract": row_dict(r.contract),
        "start": r.start,
        "last": r.last,
        "prepared_by": r.prepared_by,
        "reviewed_by": r.reviewed_by,
        "prepared_at": r.prepared_at,
        "terms": asdict(r.terms),
        "working_day_minutes": r.working_day_minutes,
        "faults": {kind: [row_json(x) for x in rows] for kind, rows in r.faults.items()},
        "corrections": [row_json(x) for x in r.corrections],
        "exceptions": [row_json(x) for x in r.exceptions],
        "edits": [row_json(x) for x in r.edits],
        "work": [row_json(x) for x in r.work],
        "training": [row_json(x) for x in r.training],
        "changes": [row_json(x) for x in r.changes],
        "coverage": [_coverage_json(x) for x in r.coverage],
        "systems": r.systems,
        "system_names": r.system_names,
        "inspections": [row_json(x) for x in r.inspections],
        "risks": [row_json(x) for x in r.risks],
        "corrected_kinds": r.corrected_kinds,
        "staff": [staff_dict(s) for s in r.staff],
        "pending": [p.to_dict() for p in r.pending],
        "milestones": asdict(r.milestones),
        "counts": r.counts,
        "events": r.events,
        "head_hash": r.head_hash,
        "anchors": [asdict(a) for a in r.anchors],
        "deliveries": [{**asdict(d), "interim": d.interim} for d in r.deliveries.rows],
        "reports_owed": r.deliveries.owed,
        "reports_missing": r.deliveries.missing,
        "service_months": r.service_months,
    }
    out["sla_by_month"] = [asdict(x) for x in month_rows(r.figures, r.system_names)]  # filled as the faults were read
    out["sla"] = [s.to_dict() for s in r.figures.summary]
    out["unconfirmed_years"] = sorted(r.figures.years)
    return out


def _coverage_json(row: CoverageRow) -> Json:
    shown = {code: day or ("gap" if row.owed else "not_due") for code, day in row.inspected.items()}
    return {"month": row.month, **shown}

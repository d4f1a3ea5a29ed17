"""《运维月度巡检报告》: the month's inspections, risks, faults and SLA, changes, integration work, training."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import select

from opsdesk.anchors import history_anchors
from opsdesk.changes import list_changes
from opsdesk.faults import list_faults
from opsdesk.inspections import gaps, list_inspections
from opsdesk.labels import label, value
from opsdesk.models import Inspection, Risk, System, Training, WorkLog
from opsdesk.records import Desk, month_bounds
from opsdesk.reports import compliance_of, sla_summary, unconfirmed_years
from opsdesk.reports.rows import (
    change_row,
    correction_rows,
    corrections_by_record,
    fault_row,
    inspection_row,
    training_row,
    work_row,
)
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    FAULT_COLUMNS,
    INSPECTION_COLUMNS,
    INTEGRITY_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    anchor_rows,
    breached,
    columns,
    confirm_titles,
    corrections_table,
    localise,
    record_table,
)  # fmt: skip
from opsdesk.systems import systems
from opsdesk.workbook import Chart, Cover, Table


def monthly_data(desk: Desk, year: int, month: int) -> dict[str, Any]:
    """Everything the monthly report shows, as plain rows."""
    since, until = month_bounds(year, month, desk.tz)
    label_month = f"{year}-{month:02d}"
    inspections = list_inspections(desk, month=(year, month))
    faults = list_faults(desk, since=since, until=until)
    active = systems(desk, include_inactive=False)
    changes = [
        v
        for v in list_changes(desk)
        if v.change.submitted_at < until and (v.change.accepted_at is None or v.change.accepted_at >= since)
    ]
    work = desk.session.exec(
        select(WorkLog, System)
        .join(System, WorkLog.system_id == System.id)
        .where(WorkLog.at >= since, WorkLog.at < until)
        .order_by(WorkLog.at, WorkLog.id)
    ).all()
    training = desk.session.exec(
        select(Training, System)
        .join(System, Training.system_id == System.id)
        .where(Training.at >= since, Training.at < until)
        .order_by(Training.at, Training.id)
    ).all()
    summary = [inspection_row(v) for v in inspections]
    summary += [
        {"system": s.code, "system_name": s.name, "db_conclusion": "gap", "_flag": "gap"}
        for s in gaps(desk, (year, month))
    ]
    items = [{"system": v.system.code, "section": i.section, "item": i.item, "standard": i.standard,
              "result": i.result, "verdict": i.verdict, "note": i.note, "_flag": i.verdict}
             for v in inspections for i in v.items]  # fmt: skip
    risks = [_risk_row(v.system.code, v.inspection.month, r) for v in inspections for r in v.risks]
    carried = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, Risk.inspection_id == Inspection.id)
        .join(System, Inspection.system_id == System.id)
        .where(Inspection.at < since, (Risk.done_at.is_(None)) | (Risk.done_at >= since))
        .order_by(Inspection.at, Risk.id)
    ).all()  # risks found in earlier months and still open when this month began
    risks = [_risk_row(s.code, i.month, r) for r, i, s in carried] + risks
    by_system = {s.code: Counter() for s in active}
    for f in faults:
        by_system.setdefault(f.system.code, Counter())[f.ticket.kind] += 1
    compliance = {}
    for row in sla_summary(faults, by_system=True):
        key = (row.system, row.clock)
        merged = compliance.setdefault(key, Counter())
        merged.update(row.counts)
    corrected = corrections_by_record(desk)
    stats = []
    for code, counts in by_system.items():
        entry = {"system": code, "fault": counts["fault"], "defect": counts["defect"], "data": counts["data"],
                 "total": sum(counts.values())}  # fmt: skip
        for clock in ("response", "arrival", "resolution"):
            entry[clock] = _compliance(compliance.get((code, clock), Counter()))
        stats.append(entry)
    totals = {k: sum(e[k] for e in stats) for k in ("fault", "defect", "data", "total")}
    overall = {clock: Counter() for clock in ("response", "arrival", "resolution")}
    for row in sla_summary(faults):
        overall[row.clock].update(row.counts)
    totals.update({clock: _compliance(counts) for clock, counts in overall.items()})
    stats.append({"system": "total", **totals})
    return {
        "month": label_month, "since": since, "until": until, "contract": desk.contract, "prepared_by": desk.actor,
        "prepared_at": desk.local_now, "summary": summary, "items": items, "risks": risks, "stats": stats,
        "sla": [fault_row(f, corrected) for f in faults],
        "corrections": correction_rows(desk, tickets={f.ticket.id for f in faults}),
        "changes": [change_row(v) for v in changes],
        "work": [work_row(w, s) for w, s in work], "training": [training_row(t, s) for t, s in training],
        "unconfirmed_years": unconfirmed_years(faults), "anchors": history_anchors(desk.session),
    }  # fmt: skip


def _risk_row(system: str, month: str, r) -> dict[str, Any]:
    return {"system": system, "month": month, "risk": r.text, "level": r.level, "remedy": r.remedy,
            "owner": r.owner, "due": r.due, "done": r.done_at is not None, "done_at": r.done_at,
            "note": r.done_note}  # fmt: skip


def _compliance(counts: Counter) -> float | None:
    rate = compliance_of(counts)
    return None if rate is None else round(rate, 1)


def _flag(row: dict[str, Any]) -> str | None:
    return {"fail": "bad", "gap": "bad", "warn": "warn"}.get(row.get("_flag"))


def cover(lang: str, title_key: str, contract, fields: list[tuple[str, str]], years: list[int]) -> Cover:
    notes = [label(lang, "cover.calendar_note") + "、".join(map(str, years))] if years else []
    return Cover(label(lang, "sheet.cover"), label(lang, title_key), fields,
                 [label(lang, "cover.vendor_sign"), label(lang, "cover.date"), label(lang, "cover.hospital_sign"),
                  label(lang, "cover.date")], notes)  # fmt: skip


def monthly_sheets(data: dict[str, Any], lang: str = "zh") -> list[Table | Cover]:
    """The report's sheets, in order, labelled in ``lang``."""
    contract = data["contract"]
    fields = [
        (label(lang, "cover.contract"), contract.name), (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor), (label(lang, "cover.month"), data["month"]),
        (label(lang, "cover.prepared_by"), data["prepared_by"]),
        (label(lang, "cover.prepared_at"), f"{data['prepared_at']:%Y-%m-%d %H:%M}"),
    ]  # fmt: skip
    stats = [dict(row, system=value(lang, row["system"]) if row["system"] == "total" else row["system"])
             for row in data["stats"]]  # fmt: skip
    return [
        cover(lang, "title.monthly", contract, fields, data["unconfirmed_years"]),
        Table(label(lang, "sheet.summary"), columns(lang, INSPECTION_COLUMNS), localise(lang, data["summary"]), _flag,
              confirm=confirm_titles(lang)),
        Table(label(lang, "sheet.items"), columns(lang, [
            ("system", "col.system", "text"), ("section", "col.section", "text"), ("item", "col.item", "text"),
            ("standard", "col.standard", "text"), ("result", "col.result", "text"), ("verdict", "col.verdict", "text"),
            ("note", "col.note", "text"),
        ]), localise(lang, data["items"]), _flag),
        Table(label(lang, "sheet.risks"), columns(lang, [
            ("system", "col.system", "text"), ("month", "col.found", "text"), ("risk", "col.risk", "text"),
            ("level", "col.level", "text"),
            ("remedy", "col.remedy", "text"), ("owner", "col.owner", "text"), ("due", "col.due", "date"),
            ("done", "col.done", "text"), ("done_at", "col.done_at", "datetime"), ("note", "col.note", "text"),
        ]), localise(lang, data["risks"])),
        Table(label(lang, "sheet.faults"), [
            *columns(lang, [("system", "col.system", "text")]),
            *[c for c in columns(lang, [("fault", "v.fault", "int"), ("defect", "v.defect", "int"),
                                        ("data", "v.data", "int"), ("total", "v.total", "int")])],
            *columns(lang, [("response", "v.response", "percent"), ("arrival", "v.arrival", "percent"),
                            ("resolution", "v.resolution", "percent")]),
        ], stats, charts=[
            Chart(label(lang, "sheet.faults"), ["fault", "defect", "data"], label(lang, "col.tickets"), skip_last=True),
            Chart(label(lang, "col.compliance"), ["response", "arrival", "resolution"], label(lang, "col.compliance"),
                  percent=True),
        ]),
        record_table(lang, "sheet.sla", FAULT_COLUMNS, data["sla"], breached),
        corrections_table(lang, data["corrections"]),
        record_table(lang, "sheet.changes", CHANGE_COLUMNS, data["changes"],
                     lambda r: "bad" if r.get("_late") else None),
        record_table(lang, "sheet.work", WORK_COLUMNS, data["work"]),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, data["training"]),
        Table(label(lang, "sheet.integrity"), columns(lang, INTEGRITY_COLUMNS), [
            {"table": value(lang, "generated"), "records": f"{data['prepared_at']:%Y-%m-%d %H:%M}"},
            *anchor_rows(lang, data["anchors"])]),
    ]  # fmt: skip

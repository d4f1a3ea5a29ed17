"""验收资料: the evidence for the milestone payments and the final acceptance, up to a date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import func, select

from opsdesk.anchors import history_anchors
from opsdesk.changes import list_changes
from opsdesk.confirmations import pending
from opsdesk.contract import milestones
from opsdesk.faults import each_fault
from opsdesk.history import head
from opsdesk.labels import label, value
from opsdesk.models import ENTITIES, Delivery, Event, Inspection, System, Training, WorkLog
from opsdesk.people import roster, staff_dict
from opsdesk.records import Desk, contract_end
from opsdesk.reports import SlaTally
from opsdesk.reports.monthly import cover
from opsdesk.reports.rows import change_row, correction_rows, corrections_by_record, fault_row, training_row, work_row
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    DELIVERY_COLUMNS,
    FAULT_COLUMNS,
    INTEGRITY_COLUMNS,
    SLA_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    anchor_rows,
    breached,
    columns,
    corrections_table,
    localise,
    record_table,
)  # fmt: skip
from opsdesk.systems import systems
from opsdesk.workbook import Chart, Column, Cover, Later, Table


def acceptance_data(desk: Desk, to: date | None = None) -> dict[str, Any]:
    """All records from the contract's start to ``to`` (default: today, at most the contract's end)."""
    contract = desk.contract
    start = contract.start_date
    last = min(to or desk.local_now.date(), contract_end(contract) - timedelta(days=1))
    until = datetime(last.year, last.month, last.day, tzinfo=desk.tz) + timedelta(days=1)
    since = datetime(start.year, start.month, start.day, tzinfo=desk.tz)
    tally = SlaTally()  # fills as the fault sheets are written; the cover and summary are built after them
    corrected = corrections_by_record(desk, until)
    faults = {kind: (fault_row(tally.add(v), corrected) for v in each_fault(desk, since=since, until=until, kind=kind))
              for kind in ("defect", "data", "fault")}  # fmt: skip
    work = desk.session.exec(
        select(WorkLog, System)
        .join(System, WorkLog.system_id == System.id)
        .where(WorkLog.at < until)
        .order_by(WorkLog.at, WorkLog.id)
    ).all()
    training = desk.session.exec(
        select(Training, System)
        .join(System, Training.system_id == System.id)
        .where(Training.at < until)
        .order_by(Training.at, Training.id)
    ).all()
    changes = [v for v in list_changes(desk) if v.change.submitted_at < until]
    coverage = _coverage(desk, start, last)
    counts = {name: desk.session.exec(select(func.count()).select_from(model)).one()
              for name, model in ENTITIES.items()}  # fmt: skip
    last_event = head(desk.session)
    anchors = history_anchors(desk.session)
    deliveries = [{"month": d.month, "written_at": d.written_at, "anchor": f"{d.events}:{d.head_hash}",
                   "sha256": d.sha256, "file": d.file}
                  for d in desk.session.exec(select(Delivery).order_by(Delivery.id))]  # fmt: skip
    return {
        "contract": contract, "start": start, "last": last, "prepared_by": desk.actor, "prepared_at": desk.local_now,
        "tally": tally, "faults": faults, "corrections": correction_rows(desk, until=until),
        "work": [work_row(w, s) for w, s in work], "training": [training_row(t, s) for t, s in training],
        "changes": [change_row(v) for v in changes], "coverage": coverage["rows"], "systems": coverage["systems"],
        "staff": [staff_dict(s) for s in roster(desk)], "pending": pending(desk, until),
        "milestones": milestones(desk), "counts": counts,
        "events": desk.session.exec(select(func.count()).select_from(Event)).one(),
        "head_hash": last_event.hash if last_event else "0" * 64, "anchors": anchors, "deliveries": deliveries,
    }  # fmt: skip


def _coverage(desk: Desk, start: date, last: date) -> dict[str, Any]:
    """Month x system: the inspection date, or a gap."""
    codes = [s.code for s in systems(desk, include_inactive=False)]
    done: dict[tuple[str, str], datetime] = {}
    for month, code, at in desk.session.exec(
        select(Inspection.month, System.code, Inspection.at)
        .join(System, Inspection.system_id == System.id)
        .order_by(Inspection.month, Inspection.at, Inspection.id)
    ):
        done.setdefault((month, code), at)
    rows = []
    year, month = start.year, start.month
    while date(year, month, 1) <= last:
        label_month = f"{year}-{month:02d}"
        row: dict[str, Any] = {"month": label_month, "_gap": False}
        for code in codes:
            at = done.get((label_month, code))
            row[code] = at.date() if at else "gap"
            row["_gap"] |= at is None
        rows.append(row)
        year, month = year + (month == 12), month % 12 + 1
    return {"rows": rows, "systems": codes}


def acceptance_sheets(data: dict[str, Any], lang: str = "zh") -> list[Table | Cover | Later]:
    """The workbook's sheets; the cover and the SLA summary are built once the fault sheets have
    streamed every ticket past ``data["tally"]``."""
    contract = data["contract"]
    plan = data["milestones"]
    tally = data["tally"]
    zh = lang == "zh"

    def paren(text: str) -> str:
        return f"（{text}）" if zh else f" ({text})"

    fields = [
        (label(lang, "cover.contract"), contract.name), (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor),
        (label(lang, "cover.period"),
         f"{plan.start} — {plan.last_day}" + paren(f"{data['start']} — {data['last']}")),
        (label(lang, "cover.prepared_by"), data["prepared_by"]),
        (label(lang, "cover.prepared_at"), f"{data['prepared_at']:%Y-%m-%d %H:%M}"),
    ]  # fmt: skip
    for m in plan.milestones:
        evidence = value(lang, "ready") if m.ready else ("；" if zh else "; ").join(m.missing_zh if zh else m.missing)
        fields.append((f"{m.percent}% {m.name if zh else m.name_en}" + paren(str(m.date)), evidence))

    def summary() -> Table:
        sla_rows = [dict(r, median=r["median_minutes"], worst=r["worst_minutes"], kind=r["kind"] or "",
                         breached=r["breached"] + r["overdue"])
                    for r in (s.to_dict() for s in tally.summary())]  # fmt: skip
        for r in sla_rows:
            r["_label"] = value(lang, r["clock"]) + (paren(value(lang, r["kind"])) if r["kind"] else "")
        return Table(label(lang, "sheet.acc_summary"), [
            *columns(lang, [("_label", "col.clock", "text")]),
            *columns(lang, SLA_COLUMNS[2:]),
        ], sla_rows, charts=[Chart(label(lang, "col.compliance"), ["compliance"], label(lang, "col.compliance"),
                                   percent=True)])  # fmt: skip

    coverage_rows = []
    for row in data["coverage"]:
        coverage_rows.append({k: (value(lang, "gap") if v == "gap" else v) for k, v in row.items()})
    integrity = [{"table": value(lang, f"entity.{name}"), "records": n} for name, n in data["counts"].items()]
    integrity += [{"table": value(lang, "generated"), "records": f"{data['prepared_at']:%Y-%m-%d %H:%M}"},
                  {"table": value(lang, "verify_hint"), "records": ""}]  # fmt: skip
    integrity += anchor_rows(lang, data["anchors"])
    return [
        lambda: cover(lang, "title.acceptance", contract, fields, sorted(tally.years)),
        summary,
        record_table(lang, "sheet.defect", FAULT_COLUMNS, data["faults"]["defect"], breached),
        record_table(lang, "sheet.data", FAULT_COLUMNS, data["faults"]["data"], breached),
        record_table(lang, "sheet.fault", FAULT_COLUMNS, data["faults"]["fault"], breached),
        corrections_table(lang, data["corrections"]),
        record_table(lang, "sheet.integration", WORK_COLUMNS, data["work"]),
        record_table(lang, "sheet.acc_changes", CHANGE_COLUMNS, data["changes"],
                     lambda r: "bad" if r.get("_late") else None),
        Table(label(lang, "sheet.coverage"), [
            *columns(lang, [("month", "col.month", "text")]),
            *[Column(code, code, "date") for code in data["systems"]],
        ], coverage_rows, lambda r: "bad" if r.get("_gap") else None),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, data["training"]),
        Table(label(lang, "sheet.staff"), columns(lang, [
            ("name", "col.name", "text"), ("role", "col.role", "text"), ("phone", "col.phone", "text"),
            ("email", "col.email", "text"), ("onsite", "col.onsite", "text"), ("from", "col.from", "date"),
            ("to", "col.to", "date"),
        ]), localise(lang, data["staff"])),
        Table(label(lang, "sheet.unconfirmed"), columns(lang, [
            ("kind", "col.table", "text"), ("id", "col.id", "int"), ("system", "col.system", "text"),
            ("date", "col.at", "datetime"), ("summary", "col.value", "text"),
        ]), [dict(r, kind=value(lang, r["kind"])) for r in data["pending"]]),
        Table(label(lang, "sheet.deliveries"), columns(lang, DELIVERY_COLUMNS), data["deliveries"]),
        Table(label(lang, "sheet.integrity"), columns(lang, INTEGRITY_COLUMNS), integrity),
    ]  # fmt: skip

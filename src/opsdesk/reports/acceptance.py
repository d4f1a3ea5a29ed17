"""验收资料: the evidence for the milestone payments and the final acceptance, up to a date.

What an auditor looks for: every maintenance record with its confirmation, every inspection with
its items and readings, the risk register, the SLA per month and system, the monthly reports
delivered, and a cover with the acceptance conclusion, the panel's signatures and both seals.
Fault and inspection rows stream (the store may hold 100,000 faults); the cover and the
summaries are built after them, from what they tallied on the way.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import func, select

from opsdesk.contract.changes import list_changes
from opsdesk.contract.people import roster, staff_dict
from opsdesk.contract.systems import systems
from opsdesk.desk import Desk, contract_end
from opsdesk.faults.edits import verdict_edits
from opsdesk.faults.requests import list_exceptions
from opsdesk.faults.views import FaultView, each_fault
from opsdesk.hospital.confirmations import pending
from opsdesk.labels import label, value
from opsdesk.reports.figures import SlaTally, compliance_of
from opsdesk.reports.milestones import milestones
from opsdesk.reports.monthly import cover, page, rate_text
from opsdesk.reports.rows import (
    change_row,
    correction_rows,
    corrections_by_record,
    edit_rows,
    exception_rows,
    fault_row,
    item_row,
    risk_row,
    training_row,
    work_row,
)
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    DELIVERY_COLUMNS,
    FAULT_COLUMNS,
    INTEGRITY_COLUMNS,
    ITEM_COLUMNS,
    RISK_COLUMNS,
    TRAINING_COLUMNS,
    WORK_COLUMNS,
    anchor_rows,
    breached,
    clock_label,
    columns,
    corrections_table,
    edits_table,
    exceptions_table,
    fault_rows,
    localise,
    record_table,
    sla_rows,
    sla_table,
    target_text,
    work_rows,
)
from opsdesk.reports.workbook import Book, Column, Cover, Later, Table
from opsdesk.store.anchors import history_anchors
from opsdesk.store.history import head
from opsdesk.store.models import ENTITIES, Delivery, Event, Inspection, InspectionItem, Risk, System, Training, WorkLog


class MonthSystemTally:
    """Compliance per month and system, gathered as the fault sheets stream past it."""

    def __init__(self):
        self.counts: dict[tuple[str, str], dict[str, Counter]] = {}

    def add(self, v: FaultView) -> FaultView:
        key = (f"{v.ticket.reported_at:%Y-%m}", v.system.code)
        clocks = self.counts.get(key)
        if clocks is None:
            clocks = self.counts[key] = {"response": Counter(), "arrival": Counter(), "resolution": Counter()}
        c = v.clocks
        clocks["response"][c.response.state] += 1
        clocks["arrival"][c.arrival.state] += 1
        clocks["resolution"][c.resolution.state] += 1
        return v

    def rows(self, names: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        for (month, code), clocks in sorted(self.counts.items()):
            row = {
                "month": month,
                "system": code,
                "system_name": names.get(code, code),
                "tickets": sum(clocks["response"].values()),
                "not_applicable": clocks["arrival"]["not_applicable"],
            }
            for clock, counts in clocks.items():
                rate = compliance_of(counts)
                row[clock] = None if rate is None else round(rate, 1)
                row[f"{clock}_breached"] = counts["breached"] + counts["overdue"] + counts["time_unknown"]
            row["_bad"] = any(row[f"{clock}_breached"] for clock in clocks)
            out.append(row)
        return out


def acceptance_data(desk: Desk, to: date | None = None) -> dict[str, Any]:
    """All records from the contract's start to ``to`` (default: today, at most the contract's end)."""
    contract = desk.contract
    start = contract.start_date
    last = min(to or desk.local_now.date(), contract_end(contract) - timedelta(days=1))
    until = datetime(last.year, last.month, last.day, tzinfo=desk.tz) + timedelta(days=1)
    since = datetime(start.year, start.month, start.day, tzinfo=desk.tz)
    tally = SlaTally()  # fills as the fault sheets are written; the cover and summary are built after them
    months = MonthSystemTally()
    corrected = corrections_by_record(desk, until)
    faults = {
        kind: (
            fault_row(tally.add(months.add(v)), corrected)
            for v in each_fault(desk, since=since, until=until, kind=kind)
        )
        for kind in ("defect", "data", "fault")
    }
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
    counts = {
        name: desk.session.exec(select(func.count()).select_from(model)).one() for name, model in ENTITIES.items()
    }
    last_event = head(desk.session)
    risks = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, Risk.inspection_id == Inspection.id)
        .join(System, Inspection.system_id == System.id)
        .where(Inspection.at < until)
        .order_by(Inspection.at, Risk.id)
    ).all()
    anchors = history_anchors(desk.session)
    deliveries = [
        {
            "month": d.month,
            "written_at": d.written_at,
            "interim": _interim(d, desk.tz),
            "anchor": f"{d.events}:{d.head_hash}",
            "sha256": d.sha256,
            "file": d.file,
        }
        for d in desk.session.exec(select(Delivery).order_by(Delivery.id))
    ]
    return {
        "contract": contract,
        "start": start,
        "last": last,
        "prepared_by": contract.preparer or desk.actor,
        "reviewed_by": contract.reviewer,
        "prepared_at": desk.local_now,
        "terms": desk.terms,
        "working_day_minutes": desk.terms.working_day_length // timedelta(minutes=1),
        "tally": tally,
        "months": months,
        "faults": faults,
        "corrections": correction_rows(desk, until=until),
        "exceptions": exception_rows(list_exceptions(desk, until=until)),
        "edits": edit_rows(verdict_edits(desk, until=until)),
        "work": [work_row(w, s) for w, s in work],
        "training": [training_row(t, s) for t, s in training],
        "changes": [change_row(v) for v in changes],
        "coverage": coverage["rows"],
        "systems": coverage["systems"],
        "system_names": coverage["names"],
        "inspections": _items(desk, until, [r for r, _, _ in risks]),
        "risks": [risk_row(s, i.month, r) for r, i, s in risks],
        "corrected_kinds": sorted(_corrected_kinds(desk, corrected)),
        "staff": [staff_dict(s) for s in roster(desk)],
        "pending": pending(desk, until),
        "milestones": milestones(desk),
        "counts": counts,
        "events": desk.session.exec(select(func.count()).select_from(Event)).one(),
        "head_hash": last_event.hash if last_event else "0" * 64,
        "anchors": anchors,
        "deliveries": deliveries,
    }


def _items(desk: Desk, until: datetime, risks: list[Risk]):
    """Every inspection's check items with their readings, streamed as plain rows (a flagged item with
    no risk recorded for it marked)."""
    from opsdesk.contract.inspections import InspectionView

    by_inspection: dict[int, list[Risk]] = {}
    for r in risks:
        by_inspection.setdefault(r.inspection_id, []).append(r)
    names = {s.id: s for s in systems(desk)}
    i = InspectionItem
    query = (
        select(
            i.section,
            i.item,
            i.standard,
            i.result,
            i.verdict,
            i.note,
            i.reading,
            i.unit,
            i.threshold,
            Inspection.id,
            Inspection.month,
            Inspection.at,
            Inspection.system_id,
        )
        .join(Inspection, i.inspection_id == Inspection.id)
        .where(Inspection.at < until)
        .order_by(Inspection.month, Inspection.at, Inspection.id, i.id)
        .execution_options(yield_per=2000)
    )
    for row in desk.session.connection().execute(query):
        system = names[row.system_id]
        unrisked = row.verdict != "ok" and bool(
            InspectionView(row, system, [row], by_inspection.get(row.id, [])).unrisked
        )
        yield item_row(system, row, row, unrisked)


def _corrected_kinds(desk: Desk, corrected: dict[int, list[int]]) -> set[str]:
    """The kinds of fault with a correction: the other fault sheets leave the column out."""
    from opsdesk.store.models import Ticket

    ids = sorted(corrected)
    return {
        kind
        for n in range(0, len(ids), 500)
        for kind in desk.session.exec(select(Ticket.kind).where(Ticket.id.in_(ids[n : n + 500])))
    }


def _coverage(desk: Desk, start: date, last: date) -> dict[str, Any]:
    """Month x system: the inspection date, or a gap."""
    active = systems(desk, include_inactive=False)
    codes = [s.code for s in active]
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
    return {"rows": rows, "systems": codes, "names": {s.code: s.name for s in active}}


def acceptance_sheets(data: dict[str, Any], lang: str = "zh") -> list[Table | Cover | Later]:
    """The workbook's sheets (a :class:`~opsdesk.reports.workbook.Book`); the cover and the SLA summaries are
    built once the fault sheets have streamed every ticket past ``data["tally"]``."""
    contract = data["contract"]
    plan = data["milestones"]
    tally = data["tally"]
    zh = lang == "zh"
    working_day = data["working_day_minutes"]

    def paren(text: str) -> str:
        return f"（{text}）" if zh else f" ({text})"

    fields = [
        (label(lang, "cover.contract"), contract.name),
        (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor),
        (label(lang, "cover.period"), f"{plan.start} — {plan.last_day}" + paren(f"{data['start']} — {data['last']}")),
        (label(lang, "cover.as_of"), f"{data['prepared_at']:%Y-%m-%d %H:%M}"),
        (label(lang, "cover.prepared_by"), data["prepared_by"]),
        (label(lang, "cover.reviewed_by"), data["reviewed_by"] or ""),
    ]
    for m in plan.milestones:
        evidence = value(lang, "ready") if m.ready else ("；" if zh else "; ").join(m.missing_zh if zh else m.missing)
        fields.append((f"{m.percent}% {m.name if zh else m.name_en}" + paren(str(m.date)), evidence))
    coverage = data["coverage"]
    gap_count = sum(1 for row in coverage for code in data["systems"] if row[code] == "gap")

    def make_cover() -> Cover:
        summary = [s.to_dict() for s in tally.summary()]
        by_kind = Counter()
        for s in summary:
            if s["clock"] == "resolution":
                by_kind[s["kind"]] = s["tickets"]
        glance = [
            (label(lang, "cover.sum_faults"), label(lang, "fmt.faults").format(total=sum(by_kind.values()), **by_kind)),
            (
                label(lang, "cover.sum_coverage"),
                label(lang, "fmt.coverage").format(months=len(coverage), systems=len(data["systems"]), gaps=gap_count),
            ),
            (label(lang, "cover.sum_pending"), label(lang, "fmt.pending").format(n=len(data["pending"]))),
        ]
        sep = "：" if zh else ": "
        terms = data["terms"]
        sla = [
            (
                clock_label(lang, r["clock"], r["kind"]) + sep + target_text(lang, r["clock"], r["kind"], terms),
                rate_text(lang, r),
            )
            for r in summary
        ]
        signoff = [label(lang, k) for k in ("cover.conclusion", "cover.opinion", "cover.panel")]
        signoff = [f"{s}\n" for s in signoff] + [label(lang, "cover.vendor_seal"), label(lang, "cover.hospital_seal")]
        blocks = [(label(lang, "cover.acc_glance"), glance), (label(lang, "cover.sla_block"), sla)]
        return cover(lang, "title.acceptance", contract, fields, sorted(tally.years), blocks, signoff)

    def summary() -> Table:
        return sla_table(
            lang,
            "sheet.acc_summary",
            sla_rows(lang, [s.to_dict() for s in tally.summary()], data["terms"], working_day),
        )

    def by_month() -> Table:
        rows = data["months"].rows(data["system_names"])
        return Table(
            label(lang, "sheet.month_sla"),
            columns(
                lang,
                [
                    ("month", "col.month", "text"),
                    ("system_name", "col.system", "text"),
                    ("tickets", "col.tickets", "int"),
                    ("response", "col.response_rate", "percent"),
                    ("arrival", "col.arrival_rate", "percent"),
                    ("not_applicable", "col.not_applicable", "int"),
                    ("resolution", "col.resolution_rate", "percent"),
                    ("response_breached", "v.response", "int"),
                    ("arrival_breached", "v.arrival", "int"),
                    ("resolution_breached", "v.resolution", "int"),
                ],
            ),
            rows,
            lambda r: "bad" if r.get("_bad") else None,
            ident=2,
            drop_empty=False,
        )

    names = data["system_names"]
    coverage_rows = []
    for row in coverage:
        coverage_rows.append({k: (value(lang, "gap") if v == "gap" else v) for k, v in row.items()})
    integrity = [{"table": value(lang, f"entity.{name}"), "records": n} for name, n in data["counts"].items()]
    integrity += [
        {"table": value(lang, "generated"), "records": f"{data['prepared_at']:%Y-%m-%d %H:%M}"},
        {"table": value(lang, "verify_hint"), "records": ""},
    ]
    integrity += anchor_rows(lang, data["anchors"])

    def faults(kind: str):
        return fault_rows(lang, data["faults"][kind], working_day)

    def fault_columns(kind: str):  # the whole record, to date: nothing comes after its period
        skip = {"after"} | (set() if kind in data["corrected_kinds"] else {"corrections"})
        return [c for c in FAULT_COLUMNS if c[0] not in skip]

    sheets = [
        make_cover,
        summary,
        by_month,
        record_table(lang, "sheet.defect", fault_columns("defect"), faults("defect"), breached),
        record_table(lang, "sheet.data", fault_columns("data"), faults("data"), breached),
        record_table(lang, "sheet.fault", fault_columns("fault"), faults("fault"), breached),
        corrections_table(lang, data["corrections"]),
        exceptions_table(lang, data["exceptions"]),
        edits_table(lang, data["edits"]),
        record_table(lang, "sheet.integration", WORK_COLUMNS, work_rows(lang, data["work"])),
        record_table(
            lang, "sheet.acc_changes", CHANGE_COLUMNS, data["changes"], lambda r: "bad" if r.get("_late") else None
        ),
        Table(
            label(lang, "sheet.coverage"),
            [
                *columns(lang, [("month", "col.month", "text")]),
                *[Column(code, names[code], "date") for code in data["systems"]],
            ],
            coverage_rows,
            lambda r: "bad" if r.get("_gap") else None,
            drop_empty=False,
        ),
        Table(
            label(lang, "sheet.inspections"),
            columns(lang, [("month", "col.month", "text"), ("at", "col.at", "datetime"), *ITEM_COLUMNS]),
            localise(lang, data["inspections"]),
            lambda r: {"fail": "bad", "gap": "bad", "warn": "warn"}.get(r.get("_flag")),
            ident=1,
        ),
        record_table(
            lang,
            "sheet.risk_register",
            [c for c in RISK_COLUMNS if c[0] != "after"],
            data["risks"],
            lambda r: None if r.get("done") == value(lang, "yes") else "warn",
        ),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, data["training"]),
        Table(
            label(lang, "sheet.staff"),
            columns(
                lang,
                [
                    ("name", "col.name", "text"),
                    ("role", "col.role", "text"),
                    ("phone", "col.phone", "text"),
                    ("email", "col.email", "text"),
                    ("onsite", "col.onsite", "text"),
                    ("from", "col.from", "date"),
                    ("to", "col.to", "date"),
                ],
            ),
            list(localise(lang, data["staff"])),
        ),
        Table(
            label(lang, "sheet.unconfirmed"),
            columns(
                lang,
                [
                    ("kind", "col.table", "text"),
                    ("id", "col.id", "int"),
                    ("system", "col.system", "text"),
                    ("date", "col.at", "datetime"),
                    ("summary", "col.value", "text"),
                ],
            ),
            [
                dict(r.to_dict(), kind=value(lang, r.kind), system=names.get(r.system, r.system))
                for r in data["pending"]
            ],
            drop_empty=False,
        ),
        Table(
            label(lang, "sheet.deliveries"),
            columns(lang, DELIVERY_COLUMNS),
            [dict(d, kind=value(lang, "interim" if d["interim"] else "final")) for d in data["deliveries"]],
            drop_empty=False,
        ),
        Table(label(lang, "sheet.integrity"), columns(lang, INTEGRITY_COLUMNS), integrity, drop_empty=False),
    ]
    return Book(sheets, page(lang, contract, f"{data['start']} — {data['last']}"))


def _interim(delivery: Delivery, tz) -> bool:
    """A report written before its month ended: an interim one, its data as of then."""
    year, month = (int(part) for part in delivery.month.split("-"))
    return delivery.written_at.astimezone(tz).date() < date(year + month // 12, month % 12 + 1, 1)

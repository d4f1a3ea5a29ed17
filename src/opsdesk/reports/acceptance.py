"""验收资料: the evidence for the milestone payments and the final acceptance, up to a date.

What an auditor looks for: every maintenance record with its confirmation, every inspection with
its items and readings, the risk register, the SLA per month and system, the monthly reports
delivered, and a cover with the acceptance conclusion, the panel's signatures and both seals.
Fault and inspection rows stream (the store may hold 100,000 faults); the cover and the
summaries are built after them, from what they tallied on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as columns_of
from sqlmodel import col, func, select

from opsdesk.contract.changes import list_changes
from opsdesk.contract.inspections import InspectionView
from opsdesk.contract.people import roster, staff_dict
from opsdesk.contract.systems import systems
from opsdesk.desk import Desk, contract_end
from opsdesk.faults.edits import verdict_edits
from opsdesk.faults.requests import list_exceptions
from opsdesk.faults.views import each_fault
from opsdesk.hospital.confirmations import Pending
from opsdesk.labels import label, value
from opsdesk.reports.breakdown import MonthSla, SlaFigures, month_rows
from opsdesk.reports.confirm_block import Confirmation
from opsdesk.reports.covers import cover, page, sla_block
from opsdesk.reports.item_rows import ItemRow, item_row
from opsdesk.reports.milestones import Milestones, milestones
from opsdesk.reports.rows import (
    ChangeRow,
    CorrectionRow,
    EditRow,
    ExceptionRow,
    FaultRow,
    RiskRow,
    TrainingRow,
    WorkRow,
    change_row,
    correction_rows,
    corrections_by_record,
    edit_rows,
    exception_rows,
    fault_row,
    risk_row,
    training_row,
    work_row,
)
from opsdesk.reports.service import CoverageRow, Deliveries, DeliveryRow, awaiting, coverage, deliveries
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
    change_rows,
    columns,
    confirm_titles,
    corrections_table,
    edits_table,
    exceptions_table,
    fault_rows,
    integrity_row,
    item_rows,
    localise,
    record_table,
    risk_rows,
    sheet_row,
    sla_rows,
    sla_table,
    work_rows,
)
from opsdesk.reports.workbook import Book, Cell, Column, Cover, Later, SheetRow, Table
from opsdesk.sla.terms import SlaTerms
from opsdesk.store.anchors import Anchor, history_anchors
from opsdesk.store.history import head
from opsdesk.store.models import (
    ENTITIES,
    Contract,
    Event,
    Inspection,
    InspectionItem,
    Risk,
    Staff,
    System,
    Ticket,
    Training,
    WorkLog,
)


@dataclass(frozen=True)
class AcceptanceReport:
    """All the acceptance evidence (see :func:`acceptance_data`). The fault and inspection rows stream:
    reading them fills ``figures``, from which the cover and the SLA summaries are made."""

    contract: Contract
    start: date
    last: date
    prepared_by: str
    reviewed_by: str | None
    prepared_at: datetime
    terms: SlaTerms
    working_day_minutes: int
    figures: SlaFigures  # every SLA figure, filled as the fault sheets stream past it
    faults: dict[str, Iterator[FaultRow]]  # by kind: defect, data, fault
    corrections: list[CorrectionRow]
    exceptions: list[ExceptionRow]
    edits: list[EditRow]
    work: list[WorkRow]
    training: list[TrainingRow]
    changes: list[ChangeRow]
    coverage: list[CoverageRow]
    systems: list[str]  # the active systems' codes
    system_names: dict[str, str]
    inspections: Iterator[ItemRow]
    risks: list[RiskRow]
    corrected_kinds: list[str]  # the kinds of fault with a correction
    staff: list[Staff]
    pending: list[Pending]
    milestones: Milestones
    counts: dict[str, int]  # records per table
    events: int
    head_hash: str
    anchors: list[Anchor]
    deliveries: Deliveries
    service_months: int  # the months the service owes inspections and a report for


def acceptance_data(desk: Desk, to: date | None = None) -> AcceptanceReport:
    """All records from the contract's start to ``to`` (default: today, at most the contract's end).

    The contract window decides what is in, never the date a request was made: every exception or
    correction request, correction and edit of a fault of the window is here, and every record of it
    still awaiting the hospital, whenever it was made (the figures apply every agreed request)."""
    contract = desk.contract
    start = contract.start_date
    service_last = contract_end(contract) - timedelta(days=1)
    last = min(to or desk.local_now.date(), service_last)
    until = datetime(last.year, last.month, last.day, tzinfo=desk.tz) + timedelta(days=1)
    since = datetime(start.year, start.month, start.day, tzinfo=desk.tz)
    figures = SlaFigures()  # fills as the fault sheets are written; the cover and summaries are built after them
    corrected = corrections_by_record(desk)
    faults: dict[str, Iterator[FaultRow]] = {
        kind: (fault_row(figures.add(v), corrected) for v in each_fault(desk, since=since, until=until, kind=kind))
        for kind in ("defect", "data", "fault")
    }
    tickets = set(
        desk.session.exec(select(Ticket.id).where(col(Ticket.reported_at) >= since, col(Ticket.reported_at) < until))
    )
    work = desk.session.exec(
        select(WorkLog, System)
        .join(System, col(WorkLog.system_id) == col(System.id))
        .where(col(WorkLog.at) < until)
        .order_by(col(WorkLog.at), col(WorkLog.id))
    ).all()
    training = desk.session.exec(
        select(Training, System)
        .join(System, col(Training.system_id) == col(System.id))
        .where(col(Training.at) < until)
        .order_by(col(Training.at), col(Training.id))
    ).all()
    changes = [v for v in list_changes(desk) if v.change.submitted_at < until]
    inspected, codes, names = coverage(desk, start, last, service_last)
    owed = [row.month for row in inspected if row.owed]
    counts = {
        name: desk.session.exec(select(func.count()).select_from(model)).one() for name, model in ENTITIES.items()
    }
    last_event = head(desk.session)
    risks = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, col(Risk.inspection_id) == col(Inspection.id))
        .join(System, col(Inspection.system_id) == col(System.id))
        .where(col(Inspection.at) < until)
        .order_by(col(Inspection.at), col(Risk.id))
    ).all()
    anchors = history_anchors(desk.session)
    return AcceptanceReport(
        contract=contract,
        start=start,
        last=last,
        prepared_by=contract.preparer or desk.actor,
        reviewed_by=contract.reviewer,
        prepared_at=desk.local_now,
        terms=desk.terms,
        working_day_minutes=desk.terms.working_day_length // timedelta(minutes=1),
        figures=figures,
        faults=faults,
        corrections=correction_rows(desk, tickets=tickets, others=True),
        exceptions=exception_rows(list_exceptions(desk, tickets=tickets)),
        edits=edit_rows(verdict_edits(desk, tickets=tickets)),
        work=[work_row(w, s) for w, s in work],
        training=[training_row(t, s) for t, s in training],
        changes=[change_row(v) for v in changes],
        coverage=inspected,
        systems=codes,
        system_names=names,
        inspections=_items(desk, until, [r for r, _, _ in risks]),
        risks=[risk_row(s, i.month, r) for r, i, s in risks],
        corrected_kinds=sorted(_corrected_kinds(desk, corrected)),
        staff=roster(desk),
        pending=awaiting(desk, until, tickets, digests=True),  # each row's 校验 is made from its record's digest
        milestones=milestones(desk),
        counts=counts,
        events=desk.session.exec(select(func.count()).select_from(Event)).one(),
        head_hash=last_event.hash if last_event else "0" * 64,
        anchors=anchors,
        deliveries=deliveries(desk, owed, service_last),
        service_months=len(owed),
    )


def _items(desk: Desk, until: datetime, risks: list[Risk]) -> Iterator[ItemRow]:
    """Every inspection's check items with their readings, streamed as typed rows (a flagged item with
    no risk recorded for it marked)."""
    by_inspection: dict[int, list[Risk]] = {}
    for r in risks:
        by_inspection.setdefault(r.inspection_id, []).append(r)
    names = {s.id: s for s in systems(desk)}
    i = InspectionItem
    query = (
        columns_of(
            col(i.section),
            col(i.item),
            col(i.standard),
            col(i.result),
            col(i.verdict),
            col(i.note),
            col(i.reading),
            col(i.unit),
            col(i.threshold),
            col(Inspection.id),
            col(Inspection.month),
            col(Inspection.at),
            col(Inspection.system_id),
            col(Inspection.recorded_at),
            col(Inspection.inspector),
        )
        .join(Inspection, col(i.inspection_id) == col(Inspection.id))
        .where(col(Inspection.at) < until)
        .order_by(col(Inspection.month), col(Inspection.at), col(Inspection.id), col(i.id))
        .execution_options(yield_per=2000)
    )
    for row in desk.session.connection().execute(query):
        system = names[row.system_id]
        unrisked = row.verdict != "ok" and _unrisked(row, system, by_inspection.get(row.id, []))
        yield item_row(system, row.id, row.month, row.at, row, unrisked)


def _unrisked(row: Row[*tuple[Any, ...]], system: System, risks: list[Risk]) -> bool:
    """Whether a warned or failed item (a row of the query above) has no risk recorded for it: the
    inspection's rule, on the item and its inspection as read."""
    inspection = Inspection(
        id=row.id,
        system_id=row.system_id,
        month=row.month,
        at=row.at,
        recorded_at=row.recorded_at,
        inspector=row.inspector,
    )
    item = InspectionItem(
        inspection_id=row.id,
        section=row.section,
        item=row.item,
        standard=row.standard,
        result=row.result,
        verdict=row.verdict,
    )
    return bool(InspectionView(inspection, system, [item], risks).unrisked)


def _corrected_kinds(desk: Desk, corrected: dict[int, list[int]]) -> set[str]:
    """The kinds of fault with a correction: the other fault sheets leave the column out."""
    ids = sorted(corrected)
    return {
        kind
        for n in range(0, len(ids), 500)
        for kind in desk.session.exec(select(Ticket.kind).where(col(Ticket.id).in_(ids[n : n + 500])))
    }


def acceptance_sheets(data: AcceptanceReport, lang: str = "zh") -> Book:
    """The workbook's sheets (a :class:`~opsdesk.reports.workbook.Book`); the cover and the SLA summaries are
    built once the fault sheets have streamed every ticket past ``data.figures``."""
    contract = data.contract
    plan = data.milestones
    figures = data.figures
    zh = lang == "zh"
    working_day = data.working_day_minutes

    def paren(text: str) -> str:
        return f"（{text}）" if zh else f" ({text})"

    fields = [
        (label(lang, "cover.contract"), contract.name),
        (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor),
        (label(lang, "cover.period"), f"{plan.start} — {plan.last_day}" + paren(f"{data.start} — {data.last}")),
        (label(lang, "cover.as_of"), f"{data.prepared_at:%Y-%m-%d %H:%M}"),
        (label(lang, "cover.prepared_by"), data.prepared_by),
        (label(lang, "cover.reviewed_by"), data.reviewed_by or ""),
    ]
    for m in plan.milestones:
        evidence = value(lang, "ready") if m.ready else ("；" if zh else "; ").join(m.missing_zh if zh else m.missing)
        fields.append((f"{m.percent}% {m.name if zh else m.name_en}" + paren(str(m.date)), evidence))
    coverage = data.coverage
    gap_count = sum(row.gaps for row in coverage)
    reports = data.deliveries

    def make_cover() -> Cover:
        by_kind = figures.tickets()
        missing = ("、" if zh else ", ").join(reports.missing)
        glance = [
            (label(lang, "cover.sum_faults"), label(lang, "fmt.faults").format(total=sum(by_kind.values()), **by_kind)),
            (
                label(lang, "cover.sum_coverage"),
                label(lang, "fmt.coverage").format(
                    months=data.service_months, systems=len(data.systems), gaps=gap_count
                ),
            ),
            (
                label(lang, "cover.sum_reports"),
                label(lang, "fmt.reports").format(
                    owed=len(reports.owed), delivered=len(reports.delivered), missing=len(reports.missing)
                )
                + (paren(missing) if missing else ""),
            ),
            (label(lang, "cover.sum_pending"), label(lang, "fmt.pending").format(n=len(data.pending))),
        ]
        sla = sla_block(lang, figures.summary, data.terms)
        signoff = [label(lang, k) for k in ("cover.conclusion", "cover.opinion", "cover.panel")]
        signoff = [f"{s}\n" for s in signoff] + [label(lang, "cover.vendor_seal"), label(lang, "cover.hospital_seal")]
        blocks = [(label(lang, "cover.acc_glance"), glance), (label(lang, "cover.sla_block"), sla)]
        return cover(lang, "title.acceptance", contract, fields, sorted(figures.years), blocks, signoff)

    def summary() -> Table:
        return sla_table(lang, "sheet.acc_summary", sla_rows(lang, figures.summary, data.terms, working_day))

    def by_month() -> Table:
        rows = [_month_row(r) for r in month_rows(figures, data.system_names)]
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
                    ("response_breached", "col.response_breaches", "int"),
                    ("arrival_breached", "col.arrival_breaches", "int"),
                    ("resolution_breached", "col.resolution_breaches", "int"),
                    ("response_unknown", "col.response_unknown", "int"),
                    ("arrival_unknown", "col.arrival_unknown", "int"),
                    ("resolution_unknown", "col.resolution_unknown", "int"),
                ],
            ),
            rows,
            ident=2,
        )

    names = data.system_names
    gap = value(lang, "gap")
    coverage_rows = [
        SheetRow(
            {
                "month": row.month,
                **{code: day or (gap if row.owed else value(lang, "not_owed")) for code, day in row.inspected.items()},
            },
            "bad" if row.gap else None,
        )
        for row in coverage
    ]
    integrity = [integrity_row(value(lang, f"entity.{name}"), n) for name, n in data.counts.items()]
    integrity += [
        integrity_row(value(lang, "generated"), f"{data.prepared_at:%Y-%m-%d %H:%M}"),
        integrity_row(value(lang, "verify_hint"), ""),
    ]
    integrity += anchor_rows(lang, data.anchors)

    def fault_columns(kind: str) -> list[tuple[str, str, str]]:  # the whole record, to date: nothing after its period
        skip = {"after"} | (set() if kind in data.corrected_kinds else {"corrections"})
        return [c for c in FAULT_COLUMNS if c[0] not in skip]

    def faults(kind: str) -> Table:
        rows = fault_rows(lang, data.faults[kind], working_day)
        return record_table(lang, f"sheet.{kind}", fault_columns(kind), rows)

    sheets: list[Table | Cover | Later] = [
        make_cover,
        summary,
        by_month,
        faults("defect"),
        faults("data"),
        faults("fault"),
        corrections_table(lang, data.corrections),
        exceptions_table(lang, data.exceptions),
        edits_table(lang, data.edits),
        record_table(lang, "sheet.integration", WORK_COLUMNS, work_rows(lang, data.work)),
        record_table(lang, "sheet.acc_changes", CHANGE_COLUMNS, change_rows(lang, data.changes)),
        Table(
            label(lang, "sheet.coverage"),
            [
                *columns(lang, [("month", "col.month", "text")]),
                *[Column(code, names[code], "date") for code in data.systems],
            ],
            coverage_rows,
            drop_empty=False,
        ),
        Table(  # the system, item and time identify a reading on every printed page
            label(lang, "sheet.inspections"),
            columns(
                lang,
                [*ITEM_COLUMNS[:2], ("at", "col.at", "datetime"), ("month", "col.month", "text"), *ITEM_COLUMNS[2:]],
            ),
            item_rows(lang, data.inspections),
            ident=3,
        ),
        record_table(
            lang, "sheet.risk_register", [c for c in RISK_COLUMNS if c[0] != "after"], risk_rows(lang, data.risks)
        ),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, [sheet_row(lang, t) for t in data.training]),
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
            [SheetRow(localise(lang, staff_dict(s))) for s in data.staff],
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
                    ("objections", "col.objections", "text"),  # its 不确认 so far, with who
                ],
            ),
            [_pending_row(lang, r, names) for r in data.pending],
            confirm=confirm_titles(lang),  # each with its answer cell: what awaits the hospital, answered here too
            ident=3,
            drop_empty=False,
        ),
        Table(
            label(lang, "sheet.deliveries"),
            columns(lang, DELIVERY_COLUMNS),
            [_delivery_row(lang, d) for d in data.deliveries.rows],
            drop_empty=False,
        ),
        Table(label(lang, "sheet.integrity"), columns(lang, INTEGRITY_COLUMNS), integrity, drop_empty=False),
    ]
    return Book(sheets, page(lang, contract, f"{data.start} — {data.last}"))


def _month_row(r: MonthSla) -> SheetRow:
    cells: dict[str, Cell] = {
        "month": r.month,
        "system_name": r.system_name,
        "tickets": r.tickets,
        "response": r.response,
        "arrival": r.arrival,
        "not_applicable": r.not_applicable,
        "resolution": r.resolution,
        "response_breached": r.response_breached,
        "arrival_breached": r.arrival_breached,
        "resolution_breached": r.resolution_breached,
        "response_unknown": r.response_unknown or None,  # a column no month fills is left out
        "arrival_unknown": r.arrival_unknown or None,
        "resolution_unknown": r.resolution_unknown or None,
    }
    return SheetRow(cells, "bad" if r.bad else None)


def _pending_row(lang: str, r: Pending, names: dict[str, str]) -> SheetRow:
    cells: dict[str, Cell] = {
        "kind": value(lang, r.kind),
        "id": r.id,
        "system": names.get(r.system, r.system),
        "date": r.date,
        "summary": r.summary,
        "objections": "\n".join(r.objections) or None,
    }
    return SheetRow(cells, confirm=Confirmation(f"{r.kind}:{r.id}", r.digest, None, None, None))


DELIVERY_STATES = {"delivered": "final", "interim": "interim", "missing": "report_missing", "extra": "report_extra"}


def _delivery_row(lang: str, d: DeliveryRow) -> SheetRow:
    """A report delivered, or a month owed without one (flagged)."""
    cells: dict[str, Cell] = {
        "month": d.month,
        "kind": value(lang, DELIVERY_STATES[d.state]),
        "written_at": d.written_at,
        "anchor": d.anchor,
        "sha256": d.sha256,
        "file": d.file,
    }
    return SheetRow(cells, "bad" if d.state == "missing" else None)

"""验收资料: the evidence for the milestone payments and the final acceptance, up to a date.

What an auditor looks for: every maintenance record with its confirmation, every inspection with
its items and readings, the risk register, the SLA per month and system, the monthly reports
delivered, and a cover with the acceptance conclusion, the panel's signatures and both seals.
Fault and inspection rows stream (the store may hold 100,000 faults); the cover and the
summaries are built after them, from what they tallied on the way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
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
from opsdesk.faults.views import FaultView, each_fault
from opsdesk.hospital.confirmations import Pending, pending
from opsdesk.labels import label, value
from opsdesk.reports.confirm_block import Confirmation
from opsdesk.reports.covers import cover, page, sla_block
from opsdesk.reports.figures import SlaTally, compliance_of
from opsdesk.reports.milestones import Milestones, milestones
from opsdesk.reports.rows import (
    ChangeRow,
    CorrectionRow,
    EditRow,
    ExceptionRow,
    FaultRow,
    ItemRow,
    RiskRow,
    TrainingRow,
    WorkRow,
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
    Delivery,
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

CLOCKS = ("response", "arrival", "resolution")


@dataclass(frozen=True)
class MonthSla:
    """A month's compliance for one system (a row of 月度SLA)."""

    month: str
    system: str
    system_name: str
    tickets: int
    not_applicable: int
    response: float | None
    response_breached: int
    arrival: float | None
    arrival_breached: int
    resolution: float | None
    resolution_breached: int

    @property
    def bad(self) -> bool:
        """A clock breached in the month (the row is flagged)."""
        return bool(self.response_breached or self.arrival_breached or self.resolution_breached)


class MonthSystemTally:
    """Compliance per month and system, gathered as the fault sheets stream past it."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict[str, Counter[str]]] = {}

    def add(self, v: FaultView) -> FaultView:
        key = (f"{v.ticket.reported_at:%Y-%m}", v.system.code)
        clocks = self.counts.get(key)
        if clocks is None:
            clocks = self.counts[key] = {clock: Counter() for clock in CLOCKS}
        c = v.clocks
        clocks["response"][c.response.state] += 1
        clocks["arrival"][c.arrival.state] += 1
        clocks["resolution"][c.resolution.state] += 1
        return v

    def rows(self, names: dict[str, str]) -> list[MonthSla]:
        out = []
        for (month, code), clocks in sorted(self.counts.items()):
            rates, breached = {}, {}
            for clock, counts in clocks.items():
                rate = compliance_of(counts)
                rates[clock] = None if rate is None else round(rate, 1)
                breached[clock] = counts["breached"] + counts["overdue"] + counts["time_unknown"]
            out.append(
                MonthSla(
                    month=month,
                    system=code,
                    system_name=names.get(code, code),
                    tickets=sum(clocks["response"].values()),
                    not_applicable=clocks["arrival"]["not_applicable"],
                    response=rates["response"],
                    response_breached=breached["response"],
                    arrival=rates["arrival"],
                    arrival_breached=breached["arrival"],
                    resolution=rates["resolution"],
                    resolution_breached=breached["resolution"],
                )
            )
        return out


@dataclass(frozen=True)
class CoverageRow:
    """A month's inspections: each active system's inspection date, None where it was missed."""

    month: str
    inspected: dict[str, date | None]  # system code -> the day, in the systems' order

    @property
    def gap(self) -> bool:
        return any(day is None for day in self.inspected.values())


@dataclass(frozen=True)
class DeliveryRow:
    """A monthly report delivered, with the anchor it carries."""

    month: str
    written_at: datetime
    interim: bool  # written before its month ended
    anchor: str  # N:HASH
    sha256: str
    file: str


@dataclass(frozen=True)
class AcceptanceReport:
    """All the acceptance evidence (see :func:`acceptance_data`). The fault and inspection rows stream:
    reading them fills ``tally`` and ``months``, from which the SLA summaries are made."""

    contract: Contract
    start: date
    last: date
    prepared_by: str
    reviewed_by: str | None
    prepared_at: datetime
    terms: SlaTerms
    working_day_minutes: int
    tally: SlaTally
    months: MonthSystemTally
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
    deliveries: list[DeliveryRow]


def acceptance_data(desk: Desk, to: date | None = None) -> AcceptanceReport:
    """All records from the contract's start to ``to`` (default: today, at most the contract's end)."""
    contract = desk.contract
    start = contract.start_date
    last = min(to or desk.local_now.date(), contract_end(contract) - timedelta(days=1))
    until = datetime(last.year, last.month, last.day, tzinfo=desk.tz) + timedelta(days=1)
    since = datetime(start.year, start.month, start.day, tzinfo=desk.tz)
    tally = SlaTally()  # fills as the fault sheets are written; the cover and summary are built after them
    months = MonthSystemTally()
    corrected = corrections_by_record(desk, until)
    faults: dict[str, Iterator[FaultRow]] = {
        kind: (
            fault_row(tally.add(months.add(v)), corrected)
            for v in each_fault(desk, since=since, until=until, kind=kind)
        )
        for kind in ("defect", "data", "fault")
    }
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
    coverage, codes, names = _coverage(desk, start, last)
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
    deliveries = [
        DeliveryRow(d.month, d.written_at, _interim(d, desk.tz), f"{d.events}:{d.head_hash}", d.sha256, d.file)
        for d in desk.session.exec(select(Delivery).order_by(col(Delivery.id)))
    ]
    return AcceptanceReport(
        contract=contract,
        start=start,
        last=last,
        prepared_by=contract.preparer or desk.actor,
        reviewed_by=contract.reviewer,
        prepared_at=desk.local_now,
        terms=desk.terms,
        working_day_minutes=desk.terms.working_day_length // timedelta(minutes=1),
        tally=tally,
        months=months,
        faults=faults,
        corrections=correction_rows(desk, until=until),
        exceptions=exception_rows(list_exceptions(desk, until=until)),
        edits=edit_rows(verdict_edits(desk, until=until)),
        work=[work_row(w, s) for w, s in work],
        training=[training_row(t, s) for t, s in training],
        changes=[change_row(v) for v in changes],
        coverage=coverage,
        systems=codes,
        system_names=names,
        inspections=_items(desk, until, [r for r, _, _ in risks]),
        risks=[risk_row(s, i.month, r) for r, i, s in risks],
        corrected_kinds=sorted(_corrected_kinds(desk, corrected)),
        staff=roster(desk),
        pending=pending(desk, until, digests=True),
        milestones=milestones(desk),
        counts=counts,
        events=desk.session.exec(select(func.count()).select_from(Event)).one(),
        head_hash=last_event.hash if last_event else "0" * 64,
        anchors=anchors,
        deliveries=deliveries,
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


def _coverage(desk: Desk, start: date, last: date) -> tuple[list[CoverageRow], list[str], dict[str, str]]:
    """Month x system: the inspection date, or a gap; the active systems' codes and names."""
    active = systems(desk, include_inactive=False)
    codes = [s.code for s in active]
    done: dict[tuple[str, str], datetime] = {}
    for month, code, inspected_at in desk.session.exec(
        select(Inspection.month, System.code, Inspection.at)
        .join(System, col(Inspection.system_id) == col(System.id))
        .order_by(col(Inspection.month), col(Inspection.at), col(Inspection.id))
    ):
        done.setdefault((month, code), inspected_at)
    rows = []
    year, month_no = start.year, start.month
    while date(year, month_no, 1) <= last:
        label_month = f"{year}-{month_no:02d}"
        inspected: dict[str, date | None] = {}
        for code in codes:
            at = done.get((label_month, code))
            inspected[code] = at.date() if at else None
        rows.append(CoverageRow(label_month, inspected))
        year, month_no = year + (month_no == 12), month_no % 12 + 1
    return rows, codes, {s.code: s.name for s in active}


def acceptance_sheets(data: AcceptanceReport, lang: str = "zh") -> Book:
    """The workbook's sheets (a :class:`~opsdesk.reports.workbook.Book`); the cover and the SLA summaries are
    built once the fault sheets have streamed every ticket past ``data.tally``."""
    contract = data.contract
    plan = data.milestones
    tally = data.tally
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
    gap_count = sum(1 for row in coverage for day in row.inspected.values() if day is None)

    def make_cover() -> Cover:
        summary = tally.summary()
        by_kind: Counter[str] = Counter()
        for s in summary:
            if s.clock == "resolution" and s.kind is not None:
                by_kind[s.kind] = s.tickets
        glance = [
            (label(lang, "cover.sum_faults"), label(lang, "fmt.faults").format(total=sum(by_kind.values()), **by_kind)),
            (
                label(lang, "cover.sum_coverage"),
                label(lang, "fmt.coverage").format(months=len(coverage), systems=len(data.systems), gaps=gap_count),
            ),
            (label(lang, "cover.sum_pending"), label(lang, "fmt.pending").format(n=len(data.pending))),
        ]
        sla = sla_block(lang, summary, data.terms)
        signoff = [label(lang, k) for k in ("cover.conclusion", "cover.opinion", "cover.panel")]
        signoff = [f"{s}\n" for s in signoff] + [label(lang, "cover.vendor_seal"), label(lang, "cover.hospital_seal")]
        blocks = [(label(lang, "cover.acc_glance"), glance), (label(lang, "cover.sla_block"), sla)]
        return cover(lang, "title.acceptance", contract, fields, sorted(tally.years), blocks, signoff)

    def summary() -> Table:
        return sla_table(lang, "sheet.acc_summary", sla_rows(lang, tally.summary(), data.terms, working_day))

    def by_month() -> Table:
        rows = [_month_row(r) for r in data.months.rows(data.system_names)]
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
            ident=2,
            drop_empty=False,
        )

    names = data.system_names
    gap = value(lang, "gap")
    coverage_rows = [
        SheetRow(
            {"month": row.month, **{code: gap if day is None else day for code, day in row.inspected.items()}},
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
        Table(
            label(lang, "sheet.inspections"),
            columns(lang, [("month", "col.month", "text"), ("at", "col.at", "datetime"), *ITEM_COLUMNS]),
            item_rows(lang, data.inspections),
            ident=1,
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
            drop_empty=False,
        ),
        Table(
            label(lang, "sheet.deliveries"),
            columns(lang, DELIVERY_COLUMNS),
            [_delivery_row(lang, d) for d in data.deliveries],
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


def _delivery_row(lang: str, d: DeliveryRow) -> SheetRow:
    cells: dict[str, Cell] = {
        "month": d.month,
        "kind": value(lang, "interim" if d.interim else "final"),
        "written_at": d.written_at,
        "anchor": d.anchor,
        "sha256": d.sha256,
        "file": d.file,
    }
    return SheetRow(cells)


def _interim(delivery: Delivery, tz: tzinfo) -> bool:
    """A report written before its month ended: an interim one, its data as of then."""
    year, month = (int(part) for part in delivery.month.split("-"))
    return delivery.written_at.astimezone(tz).date() < date(year + month // 12, month % 12 + 1, 1)

"""《运维月度巡检报告》: the month's inspections with their readings, risks and the plan for them, the
faults and their SLA, changes, integration work and training; a cover that summarises it all.

The month and only the month: what happened after its end is not in the period's cells but in a
labelled column (期后进展), and a month not yet begun is refused; for the running month the report
is interim, its data as of the moment it was read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from opsdesk.contract.changes import list_changes
from opsdesk.contract.inspections import InspectionView, gaps, list_inspections
from opsdesk.contract.systems import systems
from opsdesk.desk import Desk, contract_end, month_bounds
from opsdesk.errors import Refused
from opsdesk.faults.corrections import seen_edits
from opsdesk.faults.edits import VerdictEdit, verdict_edits
from opsdesk.faults.requests import list_exceptions
from opsdesk.faults.views import list_faults
from opsdesk.labels import label, value
from opsdesk.reports.breakdown import SystemStats, figures_of, system_stats
from opsdesk.reports.covers import cover, page, sla_block
from opsdesk.reports.figures import ClockSummary, unconfirmed_years
from opsdesk.reports.item_rows import ItemRow, item_row
from opsdesk.reports.rows import (
    ChangeRow,
    CorrectionRow,
    EditRow,
    ExceptionRow,
    FaultRow,
    InspectionGap,
    InspectionRow,
    RiskRow,
    TrainingRow,
    WorkRow,
    change_row,
    correction_rows,
    corrections_by_record,
    edit_rows,
    exception_rows,
    fault_row,
    inspection_row,
    risk_row,
    training_row,
    work_row,
)
from opsdesk.reports.service import owes
from opsdesk.reports.sheets import (
    CHANGE_COLUMNS,
    FAULT_COLUMNS,
    INSPECTION_COLUMNS,
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
    duration,
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
from opsdesk.reports.workbook import Book, Cell, Chart, Cover, SheetRow, Table
from opsdesk.sla.terms import SlaTerms
from opsdesk.store.anchors import Anchor, history_anchors
from opsdesk.store.models import Contract, Inspection, Risk, System, Training, WorkLog

DEFAULT_PREFIX = "YW"  # 运维: the report number when the contract sets none (YW-2026-10)


@dataclass(frozen=True)
class PlanRow:
    """下月工作计划: a risk still open, a change not yet delivered, or next month's inspection."""

    plan_kind: str  # risk | change | inspection
    system: str
    system_name: str
    what: str  # the risk and its remedy, the change's title, the month to inspect
    due: date | None
    overdue: bool
    level: str | None = None  # a risk's


@dataclass(frozen=True)
class VerdictCounts:
    ok: int
    warn: int
    fail: int


@dataclass(frozen=True)
class TicketCounts:
    fault: int
    defect: int
    data: int
    total: int


@dataclass(frozen=True)
class Overview:
    """The cover's figures."""

    systems: int
    inspections_owed: bool  # the month ends within the service
    inspected: int
    db_checked: int
    items: VerdictCounts
    unrisked: int
    risks: int  # the rows of 风险与整改: found this month, and carried open from earlier months
    risks_found: int
    risks_carried: int
    risks_done: int  # of them, carried out by the month's end
    risks_open: int
    tickets: TicketCounts
    changes_due: int
    changes_delivered: int
    changes_delivered_late: int
    changes_open: int
    training: int
    attendees: int
    training_hours: float
    work: int
    work_minutes: int


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly report shows (see :func:`monthly_data`)."""

    month: str  # YYYY-MM
    since: datetime
    until: datetime
    contract: Contract
    prepared_by: str
    reviewed_by: str | None
    prepared_at: datetime
    data_as_of: datetime  # the month's end, or now in a running month
    interim: bool
    report_no: str
    rev: int
    terms: SlaTerms
    working_day_minutes: int
    summary: list[InspectionRow | InspectionGap]
    items: list[ItemRow]
    risks: list[RiskRow]  # carried from earlier months first
    stats: list[SystemStats]  # the total last
    clocks: list[ClockSummary]
    faults: list[FaultRow]
    corrections: list[CorrectionRow]
    exceptions: list[ExceptionRow]
    edits: list[EditRow]
    changes: list[ChangeRow]
    work: list[WorkRow]
    training: list[TrainingRow]
    plan: list[PlanRow]
    overview: Overview
    unconfirmed_years: list[int]
    anchors: list[Anchor]


def monthly_data(desk: Desk, year: int, month: int, *, prepared_by: str | None = None, rev: int = 1) -> MonthlyReport:
    """Everything the monthly report shows, as typed rows; a month not yet begun is refused."""
    since, until, owed = report_window(desk, year, month)
    now = desk.local_now
    label_month = f"{year}-{month:02d}"
    if since > now:
        raise Refused(
            f"{label_month} has not begun (today is {now:%Y-%m-%d}); a monthly report covers a month "
            "that has started (the running one is an interim report)"
        )
    cutoff = min(now, until)
    contract = desk.contract
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
        .join(System, col(WorkLog.system_id) == col(System.id))
        .where(col(WorkLog.at) >= since, col(WorkLog.at) < until)
        .order_by(col(WorkLog.at), col(WorkLog.id))
    ).all()
    training = desk.session.exec(
        select(Training, System)
        .join(System, col(Training.system_id) == col(System.id))
        .where(col(Training.at) >= since, col(Training.at) < until)
        .order_by(col(Training.at), col(Training.id))
    ).all()
    summary: list[InspectionRow | InspectionGap] = [inspection_row(v) for v in inspections]
    summary += [InspectionGap(s.code, s.name) for s in gaps(desk, (year, month))] if owed else []
    items = []
    for v in inspections:
        flagged = {i.id for i in v.unrisked}
        at, inspection_id = v.inspection.at, v.inspection.id
        assert inspection_id is not None, "a report reads stored records"
        items += [item_row(v.system, inspection_id, v.inspection.month, at, i, i.id in flagged) for i in v.items]
    risks = [risk_row(v.system, v.inspection.month, r).until(until) for v in inspections for r in v.risks]
    carried = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, col(Risk.inspection_id) == col(Inspection.id))
        .join(System, col(Inspection.system_id) == col(System.id))
        .where(col(Inspection.at) < since, col(Risk.done_at).is_(None) | (col(Risk.done_at) >= since))
        .order_by(col(Inspection.at), col(Risk.id))
    ).all()  # risks found in earlier months and still open when this month began
    risks = [risk_row(s, i.month, r).until(until) for r, i, s in carried] + risks
    figures = figures_of(faults)
    stats = system_stats(figures, {s.code: s.name for s in active})
    clocks = figures.summary
    change_list = [change_row(v).until(until, cutoff) for v in changes]
    work_list = [work_row(w, s) for w, s in work]
    training_list = [training_row(t, s) for t, s in training]
    corrected = corrections_by_record(desk)
    tickets = {f.ticket.id for f in faults if f.ticket.id is not None}
    return MonthlyReport(
        month=label_month,
        since=since,
        until=until,
        contract=contract,
        prepared_by=prepared_by or contract.preparer or desk.actor,
        reviewed_by=contract.reviewer,
        prepared_at=now,
        data_as_of=cutoff,
        interim=now < until,
        report_no=f"{contract.report_prefix or DEFAULT_PREFIX}-{label_month}",
        rev=rev,
        terms=desk.terms,
        working_day_minutes=desk.terms.working_day_length // timedelta(minutes=1),
        summary=summary,
        items=items,
        risks=risks,
        stats=stats,
        clocks=clocks,
        faults=[fault_row(f, corrected).until(until) for f in faults],
        corrections=correction_rows(desk, tickets=tickets),
        exceptions=exception_rows(list_exceptions(desk, tickets=tickets)),
        edits=edit_rows(_edits(desk, tickets, since, cutoff)),
        changes=change_list,
        work=work_list,
        training=training_list,
        plan=_plan(desk, until, active, contract_end(contract) - timedelta(days=1)),
        overview=_overview(
            active, owed, inspections, risks, stats[-1], change_list, since, until, work_list, training_list
        ),
        unconfirmed_years=unconfirmed_years(faults),
        anchors=history_anchors(desk.session),
    )


def _edits(desk: Desk, tickets: set[int], since: datetime, until: datetime) -> list[VerdictEdit]:
    """修改记录: the edits that changed a verdict of the month's faults, then those made in the month
    that changed a verdict of an earlier month the hospital had seen (reported, confirmed or refused)."""
    own = verdict_edits(desk, tickets=tickets)
    later = [e for e in seen_edits(desk, since=since, until=until) if e.ticket_id not in tickets]
    return own + later


def _overview(
    active: list[System],
    owed: bool,
    inspections: list[InspectionView],
    risks: list[RiskRow],
    totals: SystemStats,
    changes: list[ChangeRow],
    since: datetime,
    until: datetime,
    work: list[WorkRow],
    training: list[TrainingRow],
) -> Overview:
    """The cover's figures."""
    verdicts = Counter(i.verdict for v in inspections for i in v.items)
    found_here = [r for r in risks if r.month == f"{since:%Y-%m}"]  # the others: carried, open when it began
    inspected = {v.system.code for v in inspections}
    with_db = {v.system.code for v in inspections if any(i.section == "db" for i in v.items)}
    due_here = [c for c in changes if since <= c.due < until]
    delivered = [c for c in changes if c.implemented is not None and since <= c.implemented < until]
    return Overview(
        systems=len(active),
        inspections_owed=owed,
        inspected=len(inspected),
        db_checked=len(with_db),
        items=VerdictCounts(verdicts["ok"], verdicts["warn"], verdicts["fail"]),
        unrisked=sum(len(v.unrisked) for v in inspections),
        risks=len(risks),
        risks_found=len(found_here),
        risks_carried=len(risks) - len(found_here),
        risks_done=sum(1 for r in risks if r.done),
        risks_open=sum(1 for r in risks if not r.done),
        tickets=TicketCounts(totals.fault, totals.defect, totals.data, totals.total),
        changes_due=len(due_here),
        changes_delivered=len(delivered),
        changes_delivered_late=sum(1 for c in delivered if c.state == "delivered late"),
        changes_open=sum(1 for c in changes if c.implemented is None),
        training=len(training),
        attendees=sum(t.attendees for t in training),
        training_hours=sum(t.hours for t in training),
        work=len(work),
        work_minutes=sum(w.minutes or 0 for w in work),
    )


def report_window(desk: Desk, year: int, month: int) -> tuple[datetime, datetime, bool]:
    """A month's report period, clipped to the service (the month in which it starts from its first
    day, the month in which it ends to its last), and whether the month owes its inspections (it ends
    within the service: :mod:`opsdesk.reports.service`)."""
    since, until = month_bounds(year, month, desk.tz)
    start, end = desk.contract.start_date, contract_end(desk.contract)
    since = max(since, datetime(start.year, start.month, start.day, tzinfo=desk.tz))
    until = min(until, datetime(end.year, end.month, end.day, tzinfo=desk.tz))
    return since, until, owes(f"{year}-{month:02d}", end - timedelta(days=1))


def _plan(desk: Desk, until: datetime, active: list[System], service_last: date) -> list[PlanRow]:
    """下月工作计划: the risks still open at the month's end with their due dates, the changes not yet
    delivered (by due date) falling due next month, and next month's inspections if it owes them;
    after the service's last month, every change still open and no inspection (none is due after it)."""
    final = until.date() > service_last
    next_since, next_until = until, month_bounds(until.year, until.month, desk.tz)[1]
    plan = []
    open_risks = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, col(Risk.inspection_id) == col(Inspection.id))
        .join(System, col(Inspection.system_id) == col(System.id))
        .where(col(Inspection.at) < until, col(Risk.done_at).is_(None) | (col(Risk.done_at) >= until))
        .order_by(col(Risk.due), col(Risk.id))
    ).all()
    for risk, _, system in open_risks:
        overdue = risk.due is not None and risk.due < until.date()
        what = f"{risk.text}：{risk.remedy}"
        plan.append(PlanRow("risk", system.code, system.name, what, risk.due, overdue, risk.level))
    for v in list_changes(desk):
        c = v.change
        falls_due = final or v.due < next_until
        if c.submitted_at < until and (c.implemented_at is None or c.implemented_at >= until) and falls_due:
            plan.append(PlanRow("change", v.system.code, v.system.name, c.title, v.due.date(), v.due < until))
    last = (next_until - timedelta(days=1)).date()
    if not final and owes(f"{next_since:%Y-%m}", service_last):
        for s in active:
            plan.append(PlanRow("inspection", s.code, s.name, f"{next_since:%Y-%m}", last, False))
    order = {"risk": 0, "change": 1, "inspection": 2}
    return sorted(plan, key=lambda r: (order[r.plan_kind], r.due or date.max))


def _glance(lang: str, data: MonthlyReport) -> list[tuple[str, list[tuple[str, str]]]]:
    o = data.overview

    def fmt(key: str, **kw: object) -> str:
        return label(lang, f"fmt.{key}").format(**kw)

    risks = fmt("risks", n=o.risks, found=o.risks_found, carried=o.risks_carried, done=o.risks_done, open=o.risks_open)
    items = fmt("items", ok=o.items.ok, warn=o.items.warn, fail=o.items.fail)
    items += fmt("unrisked", n=o.unrisked) if o.unrisked else ""
    hours = f"{o.training_hours:g}"
    t = o.tickets
    glance = [
        (
            label(lang, "cover.sum_inspected"),
            fmt("inspected", inspected=o.inspected, systems=o.systems, db=o.db_checked)
            if o.inspections_owed
            else fmt("not_owed", inspected=o.inspected),
        ),
        (label(lang, "cover.sum_items"), items),
        (label(lang, "cover.sum_risks"), risks),
        (label(lang, "cover.sum_tickets"), fmt("tickets", fault=t.fault, defect=t.defect, data=t.data, total=t.total)),
        (
            label(lang, "cover.sum_changes"),
            fmt(
                "changes",
                due=o.changes_due,
                delivered=o.changes_delivered,
                late=o.changes_delivered_late,
                open=o.changes_open,
            ),
        ),
        (label(lang, "cover.sum_training"), fmt("training", n=o.training, people=o.attendees, hours=hours)),
        (label(lang, "cover.sum_work"), fmt("work", n=o.work, time=duration(lang, o.work_minutes))),
    ]
    sla = sla_block(lang, data.clocks, data.terms)
    return [(label(lang, "cover.glance"), glance), (label(lang, "cover.sla_block"), sla)]


def _summary_row(lang: str, row: InspectionRow | InspectionGap) -> SheetRow:
    """An inspection (a failed or warned database flagged), or a system not inspected (flagged bad)."""
    fill = {"fail": "bad", "gap": "bad", "warn": "warn"}.get(row.db_conclusion)
    return sheet_row(lang, row, fill)


def _plan_row(lang: str, r: PlanRow) -> SheetRow:
    what = label(lang, "fmt.plan_inspection").format(month=r.what) if r.plan_kind == "inspection" else r.what
    note = [value(lang, r.level) if r.level else None, label(lang, "fmt.plan_overdue") if r.overdue else None]
    cells: dict[str, Cell] = {
        "plan_kind": r.plan_kind,
        "system_name": r.system_name,
        "what": what,
        "due": r.due,
        "note": " ".join(filter(None, note)) or None,
    }
    return SheetRow(localise(lang, cells), "bad" if r.overdue else None)


def _stats_row(lang: str, s: SystemStats) -> SheetRow:
    cells: dict[str, Cell] = {
        "system_name": value(lang, "total") if s.system == "total" else s.system_name,
        "fault": s.fault,
        "defect": s.defect,
        "data": s.data,
        "total": s.total,
        "response": s.response,
        "arrival": s.arrival,
        "resolution": s.resolution,
        "exceptions": s.exceptions,
        "response_recorded": s.response_recorded,
        "arrival_recorded": s.arrival_recorded,
        "resolution_recorded": s.resolution_recorded,
    }
    return SheetRow(cells)


def monthly_sheets(data: MonthlyReport, lang: str = "zh") -> Book:
    """The report's sheets, in order, labelled in ``lang`` (a :class:`~opsdesk.reports.workbook.Book`)."""
    contract = data.contract
    last = data.until - timedelta(days=1)
    as_of = f"{data.data_as_of:%Y-%m-%d %H:%M}"
    fields = [
        (label(lang, "cover.contract"), contract.name),
        (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor),
        (label(lang, "cover.report_no"), data.report_no),
        (label(lang, "cover.version"), f"V{data.rev}"),
        (label(lang, "cover.period_of"), f"{data.since:%Y-%m-%d} — {last:%Y-%m-%d}"),
        (label(lang, "cover.as_of"), f"{data.prepared_at:%Y-%m-%d %H:%M}"),
        (label(lang, "cover.prepared_by"), data.prepared_by),
        (label(lang, "cover.reviewed_by"), data.reviewed_by or ""),
    ]
    subtitle = label(lang, "cover.interim").format(as_of=as_of) if data.interim else None
    signoff = [
        label(lang, k)
        for k in ("cover.preparer_sign", "cover.reviewer_sign", "cover.vendor_seal", "cover.hospital_seal")
    ]
    working_day = data.working_day_minutes
    sheets: list[Table | Cover] = [
        cover(lang, "title.monthly", contract, fields, data.unconfirmed_years, _glance(lang, data), signoff, subtitle),
        Table(
            label(lang, "sheet.summary"),
            columns(lang, INSPECTION_COLUMNS),
            [_summary_row(lang, r) for r in data.summary],
            confirm=confirm_titles(lang),
            drop_empty=False,
        ),
        Table(label(lang, "sheet.items"), columns(lang, ITEM_COLUMNS), list(item_rows(lang, data.items)), ident=2),
        record_table(lang, "sheet.risks", RISK_COLUMNS, risk_rows(lang, data.risks)),
        Table(
            label(lang, "sheet.plan"),
            columns(
                lang,
                [
                    ("plan_kind", "col.plan_kind", "text"),
                    ("system_name", "col.system", "text"),
                    ("what", "col.value", "text"),
                    ("due", "col.due", "date"),
                    ("note", "col.note", "text"),
                ],
            ),
            [_plan_row(lang, r) for r in data.plan],
            ident=2,
        ),
        sla_table(lang, "sheet.sla_summary", sla_rows(lang, data.clocks, data.terms, working_day)),
        Table(
            label(lang, "sheet.faults"),
            columns(
                lang,
                [
                    ("system_name", "col.system", "text"),
                    ("fault", "v.fault", "int"),
                    ("defect", "v.defect", "int"),
                    ("data", "v.data", "int"),
                    ("total", "v.total", "int"),
                    ("response", "col.response_rate", "percent"),
                    ("arrival", "col.arrival_rate", "percent"),
                    ("resolution", "col.resolution_rate", "percent"),
                    ("exceptions", "col.agreed_requests", "int"),
                    ("response_recorded", "col.response_recorded", "percent"),
                    ("arrival_recorded", "col.arrival_recorded", "percent"),
                    ("resolution_recorded", "col.resolution_recorded", "percent"),
                ],
            ),
            [_stats_row(lang, s) for s in data.stats],
            charts=[
                Chart(
                    label(lang, "sheet.faults"), ["fault", "defect", "data"], label(lang, "col.tickets"), skip_last=True
                ),
                Chart(
                    label(lang, "col.compliance"),
                    ["response", "arrival", "resolution"],
                    label(lang, "col.compliance"),
                    percent=True,
                ),
            ],
            drop_empty=False,
        ),
        record_table(lang, "sheet.sla", FAULT_COLUMNS, list(fault_rows(lang, data.faults, working_day))),
        corrections_table(lang, data.corrections),
        exceptions_table(lang, data.exceptions),
        edits_table(lang, data.edits),
        record_table(lang, "sheet.changes", CHANGE_COLUMNS, change_rows(lang, data.changes)),
        record_table(lang, "sheet.work", WORK_COLUMNS, work_rows(lang, data.work)),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, [sheet_row(lang, t) for t in data.training]),
        Table(
            label(lang, "sheet.integrity"),
            columns(lang, INTEGRITY_COLUMNS),
            [
                integrity_row(value(lang, "generated"), f"{data.prepared_at:%Y-%m-%d %H:%M}"),
                *anchor_rows(lang, data.anchors),
            ],
        ),
    ]
    return Book(sheets, page(lang, contract, f"{data.report_no} · {data.since:%Y-%m-%d} — {last:%Y-%m-%d}"))

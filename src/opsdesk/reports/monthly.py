"""《运维月度巡检报告》: the month's inspections with their readings, risks and the plan for them, the
faults and their SLA, changes, integration work and training; a cover that summarises it all.

The month and only the month: what happened after its end is not in the period's cells but in a
labelled column (期后进展), and a month not yet begun is refused; for the running month the report
is interim, its data as of the moment it was read.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import select

from opsdesk.contract.changes import list_changes
from opsdesk.contract.inspections import gaps, list_inspections
from opsdesk.contract.systems import systems
from opsdesk.desk import Desk, month_bounds
from opsdesk.errors import Refused
from opsdesk.faults.edits import verdict_edits
from opsdesk.faults.requests import list_exceptions
from opsdesk.faults.views import list_faults
from opsdesk.labels import label, value
from opsdesk.reports.figures import compliance_of, sla_summary, unconfirmed_years
from opsdesk.reports.rows import (
    change_row,
    correction_rows,
    corrections_by_record,
    edit_rows,
    exception_rows,
    fault_row,
    inspection_row,
    item_row,
    risk_row,
    training_row,
    work_row,
)
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
    breached,
    clock_label,
    columns,
    confirm_titles,
    corrections_table,
    duration,
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
from opsdesk.reports.workbook import Book, Chart, Cover, Page, Table
from opsdesk.store.anchors import history_anchors
from opsdesk.store.models import Inspection, Risk, System, Training, WorkLog

DEFAULT_PREFIX = "YW"  # 运维: the report number when the contract sets none (YW-2026-10)


def monthly_data(desk: Desk, year: int, month: int, *, prepared_by: str | None = None, rev: int = 1) -> dict[str, Any]:
    """Everything the monthly report shows, as plain rows; a month not yet begun is refused."""
    since, until = month_bounds(year, month, desk.tz)
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
    items = []
    for v in inspections:
        flagged = {i.id for i in v.unrisked}
        items += [item_row(v.system, v.inspection, i, i.id in flagged) for i in v.items]
    risks = [_until(risk_row(v.system, v.inspection.month, r), until) for v in inspections for r in v.risks]
    carried = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, Risk.inspection_id == Inspection.id)
        .join(System, Inspection.system_id == System.id)
        .where(Inspection.at < since, (Risk.done_at.is_(None)) | (Risk.done_at >= since))
        .order_by(Inspection.at, Risk.id)
    ).all()  # risks found in earlier months and still open when this month began
    risks = [_until(risk_row(s, i.month, r), until) for r, i, s in carried] + risks
    by_system = {s.code: Counter() for s in active}
    names = {s.code: s.name for s in active}
    for f in faults:
        by_system.setdefault(f.system.code, Counter())[f.ticket.kind] += not f.voided  # a void ticket: no figure
        names.setdefault(f.system.code, f.system.name)
    compliance, recorded, excepted = {}, {}, Counter()
    for row in sla_summary(faults, by_system=True):
        key = (row.system, row.clock)
        compliance.setdefault(key, Counter()).update(row.counts)
        recorded.setdefault(key, Counter()).update(row.recorded)
        excepted[row.system] += row.exceptions
    corrected = corrections_by_record(desk)
    stats = []
    for code, counts in by_system.items():
        entry = {
            "system": code,
            "system_name": names[code],
            "fault": counts["fault"],
            "defect": counts["defect"],
            "data": counts["data"],
            "total": sum(counts.values()),
            "exceptions": excepted[code],
        }
        for clock in ("response", "arrival", "resolution"):
            entry[clock] = _compliance(compliance.get((code, clock), Counter()))
            entry[f"{clock}_recorded"] = _compliance(recorded.get((code, clock), Counter()))
        stats.append(entry)
    totals = {k: sum(e[k] for e in stats) for k in ("fault", "defect", "data", "total", "exceptions")}
    clocks = sla_summary(faults)
    overall = {clock: Counter() for clock in ("response", "arrival", "resolution")}
    overall_recorded = {clock: Counter() for clock in overall}
    for row in clocks:
        overall[row.clock].update(row.counts)
        overall_recorded[row.clock].update(row.recorded)
    totals.update({clock: _compliance(counts) for clock, counts in overall.items()})
    totals.update({f"{clock}_recorded": _compliance(counts) for clock, counts in overall_recorded.items()})
    stats.append({"system": "total", "system_name": "total", **totals})
    change_rows = [_change_until(change_row(v), until, cutoff) for v in changes]
    work_list = [work_row(w, s) for w, s in work]
    training_list = [training_row(t, s) for t, s in training]
    return {
        "month": label_month,
        "since": since,
        "until": until,
        "contract": contract,
        "prepared_by": prepared_by or contract.preparer or desk.actor,
        "reviewed_by": contract.reviewer,
        "prepared_at": now,
        "data_as_of": cutoff,
        "interim": now < until,
        "report_no": f"{contract.report_prefix or DEFAULT_PREFIX}-{label_month}",
        "rev": rev,
        "terms": desk.terms,
        "working_day_minutes": desk.terms.working_day_length // timedelta(minutes=1),
        "summary": summary,
        "items": items,
        "risks": risks,
        "stats": stats,
        "clocks": [c.to_dict() for c in clocks],
        "sla": [_until(fault_row(f, corrected), until) for f in faults],
        "corrections": correction_rows(desk, tickets={f.ticket.id for f in faults}),
        "exceptions": exception_rows(list_exceptions(desk, tickets={f.ticket.id for f in faults})),
        "edits": edit_rows(verdict_edits(desk, tickets={f.ticket.id for f in faults})),
        "changes": change_rows,
        "work": work_list,
        "training": training_list,
        "plan": _plan(desk, until, active),
        "overview": _overview(active, inspections, risks, totals, change_rows, since, until, work_list, training_list),
        "unconfirmed_years": unconfirmed_years(faults),
        "anchors": history_anchors(desk.session),
    }


AFTER_KEYS = (
    "responded",
    "arrived",
    "remote",
    "resolved",
    "confirmed_at",
    "done_at",
    "implemented",
    "applied",
    "accepted_at",
)


def _until(row: dict[str, Any], until: datetime) -> dict[str, Any]:
    """The row as it stood at the period's end: a moment after it moves to ``after`` (its key and
    when), out of the period's cells."""
    after = [(key, row[key]) for key in AFTER_KEYS if isinstance(row.get(key), datetime) and row[key] >= until]
    for key, _ in after:
        row[key] = None
    if "done" in row and row.get("done_at") is None:
        row["done"] = False
    row["after"] = after
    return row


def _change_until(row: dict[str, Any], until: datetime, cutoff: datetime) -> dict[str, Any]:
    """A change request as it stood at the period's end (delivered, accepted, late or open)."""
    row = _until(row, until)
    if row["accepted_at"] is None and row["acceptance"] == "accepted":
        row["acceptance"], row["warranty"] = "applied", None
    if row["applied"] is None and row["acceptance"] == "applied":  # applied for after the period, too
        row["acceptance"] = "none"
    if row["implemented"] is None:
        row["state"] = "late" if row["due"] < cutoff else "open"
        row["acceptance"], row["warranty"] = "none", None
    row["_late"] = row["state"] in ("late", "delivered late")
    return row


def _compliance(counts: Counter) -> float | None:
    rate = compliance_of(counts)
    return None if rate is None else round(rate, 1)


def _overview(active, inspections, risks, totals, changes, since, until, work, training) -> dict[str, Any]:
    """The cover's figures."""
    verdicts = Counter(i.verdict for v in inspections for i in v.items)
    found_here = [r for r in risks if r["month"] == f"{since:%Y-%m}"]
    inspected = {v.system.code for v in inspections}
    with_db = {v.system.code for v in inspections if any(i.section == "db" for i in v.items)}
    due_here = [c for c in changes if since <= c["due"] < until]
    delivered = [c for c in changes if c["implemented"] is not None and since <= c["implemented"] < until]
    return {
        "systems": len(active),
        "inspected": len(inspected),
        "db_checked": len(with_db),
        "items": {k: verdicts[k] for k in ("ok", "warn", "fail")},
        "unrisked": sum(len(v.unrisked) for v in inspections),
        "risks_found": len(found_here),
        "risks_done": sum(1 for r in found_here if r["done"]),
        "risks_open": sum(1 for r in found_here if not r["done"]),
        "risks_carried_open": sum(1 for r in risks if r not in found_here and not r["done"]),
        "tickets": {k: totals[k] for k in ("fault", "defect", "data", "total")},
        "changes_due": len(due_here),
        "changes_delivered": len(delivered),
        "changes_delivered_late": sum(1 for c in delivered if c["state"] == "delivered late"),
        "changes_open": sum(1 for c in changes if c["implemented"] is None),
        "training": len(training),
        "attendees": sum(t["attendees"] for t in training),
        "training_hours": sum(t["hours"] for t in training),
        "work": len(work),
        "work_minutes": sum(w["minutes"] or 0 for w in work),
    }


def _plan(desk: Desk, until: datetime, active) -> list[dict[str, Any]]:
    """下月工作计划: the risks still open at the month's end with their due dates, the changes not yet
    delivered (by due date), and next month's inspections."""
    next_since, next_until = until, month_bounds(until.year, until.month, desk.tz)[1]
    plan = []
    open_risks = desk.session.exec(
        select(Risk, Inspection, System)
        .join(Inspection, Risk.inspection_id == Inspection.id)
        .join(System, Inspection.system_id == System.id)
        .where(Inspection.at < until, (Risk.done_at.is_(None)) | (Risk.done_at >= until))
        .order_by(Risk.due, Risk.id)
    ).all()
    for risk, _, system in open_risks:
        plan.append(
            {
                "plan_kind": "risk",
                "system": system.code,
                "system_name": system.name,
                "what": f"{risk.text}：{risk.remedy}",
                "due": risk.due,
                "level": risk.level,
                "overdue": risk.due is not None and risk.due < until.date(),
            }
        )
    for v in list_changes(desk):
        c = v.change
        if c.submitted_at < until and (c.implemented_at is None or c.implemented_at >= until) and v.due < next_until:
            plan.append(
                {
                    "plan_kind": "change",
                    "system": v.system.code,
                    "system_name": v.system.name,
                    "what": c.title,
                    "due": v.due.date(),
                    "overdue": v.due < until,
                }
            )
    last = (next_until - timedelta(days=1)).date()
    for s in active:
        plan.append(
            {
                "plan_kind": "inspection",
                "system": s.code,
                "system_name": s.name,
                "what": f"{next_since:%Y-%m}",
                "due": last,
                "overdue": False,
            }
        )
    order = {"risk": 0, "change": 1, "inspection": 2}
    return sorted(plan, key=lambda r: (order[r["plan_kind"]], r["due"] or date.max))


def _flag(row: dict[str, Any]) -> str | None:
    return {"fail": "bad", "gap": "bad", "warn": "warn"}.get(row.get("_flag"))


def after_text(lang: str, after: list[tuple[str, datetime]]) -> str | None:
    """What happened after the period: 修复 2026-12-02 10:00；院方确认 2026-12-05 09:00."""
    parts = [f"{value(lang, 'after.' + key)} {moment:%Y-%m-%d %H:%M}" for key, moment in after]
    return ("；" if lang == "zh" else "; ").join(parts) or None


def page(lang: str, contract, period: str) -> Page:
    """Every printed page: project and hospital, the period; the fonts and words of ``lang``."""
    zh = lang == "zh"
    return Page(
        f"{contract.name} · {contract.hospital}",
        period,
        font="等线" if zh else "Calibri",
        empty="本期无" if zh else "None in this period",
        footer="第 &P 页，共 &N 页" if zh else "Page &P of &N",
    )


def cover(
    lang: str,
    title_key: str,
    contract,
    fields: list[tuple[str, str]],
    years: list[int],
    blocks: list | None = None,
    signoff: list[str] | None = None,
    subtitle: str | None = None,
) -> Cover:
    notes = [label(lang, "cover.calendar_note") + "、".join(map(str, years))] if years else []
    signoff = signoff or [label(lang, "cover.vendor_seal"), label(lang, "cover.hospital_seal")]
    return Cover(label(lang, "sheet.cover"), label(lang, title_key), fields, signoff, notes, blocks or [], subtitle)


def rate_text(lang: str, r: dict[str, Any]) -> str:
    """A clock's compliance in words: 达标率 95.0%（达标 19，超时 1，无需到场 3）."""
    if not r["tickets"]:
        return label(lang, "fmt.none")
    rate = "-" if r["compliance"] is None else f"{r['compliance']:.1f}%"
    na = label(lang, "fmt.na").format(n=r["not_applicable"] + r.get("waived", 0)) if r["clock"] == "arrival" else ""
    running = label(lang, "fmt.running").format(n=r["running"]) if r["running"] else ""
    return label(lang, "fmt.rate").format(
        rate=rate, met=r["met"], breached=r["breached"] + r["overdue"] + r["time_unknown"], na=na, running=running
    )


def _glance(lang: str, data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    o = data["overview"]
    fmt = lambda key, **kw: label(lang, f"fmt.{key}").format(**kw)  # noqa: E731
    risks = fmt("risks", found=o["risks_found"], done=o["risks_done"], open=o["risks_open"])
    if o["risks_carried_open"]:
        risks += fmt("carried", n=o["risks_carried_open"])
    items = fmt("items", **o["items"]) + (fmt("unrisked", n=o["unrisked"]) if o["unrisked"] else "")
    hours = f"{o['training_hours']:g}"
    glance = [
        (
            label(lang, "cover.sum_inspected"),
            fmt("inspected", inspected=o["inspected"], systems=o["systems"], db=o["db_checked"]),
        ),
        (label(lang, "cover.sum_items"), items),
        (label(lang, "cover.sum_risks"), risks),
        (label(lang, "cover.sum_tickets"), fmt("tickets", **o["tickets"])),
        (
            label(lang, "cover.sum_changes"),
            fmt(
                "changes",
                due=o["changes_due"],
                delivered=o["changes_delivered"],
                late=o["changes_delivered_late"],
                open=o["changes_open"],
            ),
        ),
        (label(lang, "cover.sum_training"), fmt("training", n=o["training"], people=o["attendees"], hours=hours)),
        (label(lang, "cover.sum_work"), fmt("work", n=o["work"], time=duration(lang, o["work_minutes"]))),
    ]
    sla = [
        (
            f"{clock_label(lang, r['clock'], r['kind'])}{'：' if lang == 'zh' else ': '}"
            f"{target_text(lang, r['clock'], r['kind'], data['terms'])}",
            rate_text(lang, r),
        )
        for r in data["clocks"]
    ]
    return [(label(lang, "cover.glance"), glance), (label(lang, "cover.sla_block"), sla)]


def monthly_sheets(data: dict[str, Any], lang: str = "zh") -> list[Table | Cover]:
    """The report's sheets, in order, labelled in ``lang`` (a :class:`~opsdesk.reports.workbook.Book`)."""
    contract = data["contract"]
    last = data["until"] - timedelta(days=1)
    as_of = f"{data['data_as_of']:%Y-%m-%d %H:%M}"
    fields = [
        (label(lang, "cover.contract"), contract.name),
        (label(lang, "cover.hospital"), contract.hospital),
        (label(lang, "cover.vendor"), contract.vendor),
        (label(lang, "cover.report_no"), data["report_no"]),
        (label(lang, "cover.version"), f"V{data['rev']}"),
        (label(lang, "cover.period_of"), f"{data['since']:%Y-%m-%d} — {last:%Y-%m-%d}"),
        (label(lang, "cover.as_of"), f"{data['prepared_at']:%Y-%m-%d %H:%M}"),
        (label(lang, "cover.prepared_by"), data["prepared_by"]),
        (label(lang, "cover.reviewed_by"), data["reviewed_by"] or ""),
    ]
    subtitle = label(lang, "cover.interim").format(as_of=as_of) if data["interim"] else None
    signoff = [
        label(lang, k)
        for k in ("cover.preparer_sign", "cover.reviewer_sign", "cover.vendor_seal", "cover.hospital_seal")
    ]
    working_day = data["working_day_minutes"]

    def after(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [dict(r, after=after_text(lang, r.get("after") or [])) for r in rows]

    stats = [
        dict(row, system_name=value(lang, "total") if row["system"] == "total" else row["system_name"])
        for row in data["stats"]
    ]
    plan = [
        dict(
            r,
            what=label(lang, "fmt.plan_inspection").format(month=r["what"])
            if r["plan_kind"] == "inspection"
            else r["what"],
            note=" ".join(
                filter(
                    None,
                    [
                        value(lang, r["level"]) if r.get("level") else None,
                        label(lang, "fmt.plan_overdue") if r["overdue"] else None,
                    ],
                )
            )
            or None,
        )
        for r in data["plan"]
    ]
    sheets = [
        cover(
            lang, "title.monthly", contract, fields, data["unconfirmed_years"], _glance(lang, data), signoff, subtitle
        ),
        Table(
            label(lang, "sheet.summary"),
            columns(lang, INSPECTION_COLUMNS),
            list(localise(lang, data["summary"])),
            _flag,
            confirm=confirm_titles(lang),
            drop_empty=False,
        ),
        Table(
            label(lang, "sheet.items"), columns(lang, ITEM_COLUMNS), list(localise(lang, data["items"])), _flag, ident=2
        ),
        record_table(
            lang,
            "sheet.risks",
            RISK_COLUMNS,
            after(data["risks"]),
            lambda r: None if r.get("done") in (value(lang, "yes"), True) else "warn",
        ),
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
            list(localise(lang, plan)),
            lambda r: "bad" if r.get("overdue") else None,
            ident=2,
        ),
        sla_table(lang, "sheet.sla_summary", sla_rows(lang, data["clocks"], data["terms"], working_day)),
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
                    ("response", "v.response", "percent"),
                    ("arrival", "v.arrival", "percent"),
                    ("resolution", "v.resolution", "percent"),
                    ("exceptions", "col.exceptions_count", "int"),
                    ("response_recorded", "col.response_recorded", "percent"),
                    ("arrival_recorded", "col.arrival_recorded", "percent"),
                    ("resolution_recorded", "col.resolution_recorded", "percent"),
                ],
            ),
            stats,
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
        record_table(
            lang, "sheet.sla", FAULT_COLUMNS, list(fault_rows(lang, after(data["sla"]), working_day)), breached
        ),
        corrections_table(lang, data["corrections"]),
        exceptions_table(lang, data["exceptions"]),
        edits_table(lang, data["edits"]),
        record_table(
            lang, "sheet.changes", CHANGE_COLUMNS, after(data["changes"]), lambda r: "bad" if r.get("_late") else None
        ),
        record_table(lang, "sheet.work", WORK_COLUMNS, work_rows(lang, data["work"])),
        record_table(lang, "sheet.training", TRAINING_COLUMNS, data["training"]),
        Table(
            label(lang, "sheet.integrity"),
            columns(lang, INTEGRITY_COLUMNS),
            [
                {"table": value(lang, "generated"), "records": f"{data['prepared_at']:%Y-%m-%d %H:%M}"},
                *anchor_rows(lang, data["anchors"]),
            ],
        ),
    ]
    return Book(sheets, page(lang, contract, f"{data['report_no']} · {data['since']:%Y-%m-%d} — {last:%Y-%m-%d}"))

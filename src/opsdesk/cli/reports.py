"""`opsdesk status` and `opsdesk report ...`: the morning view, SLA compliance, the monthly report and
the acceptance evidence (Excel), the payment milestones."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk.cli.common import JsonOpt, desk, read_period, sub_app
from opsdesk.cli.contract import milestone_table
from opsdesk.cli.fault_render import WEEKDAYS, fault_table
from opsdesk.cli.output import emit_json, line, span, table, warn_unpublished
from opsdesk.errors import OpsdeskError

if TYPE_CHECKING:
    from opsdesk.faults.edits import VerdictEdit

report_app = sub_app("Reports: SLA compliance, the monthly report and the acceptance evidence (Excel), milestones.")


def _sla_rows(summary, working_day: timedelta, with_system: bool = False) -> list[list[Any]]:
    """One row per clock: each state in its own column; the rate leaves n/a out (SPEC); median and
    worst as durations, wall-clock for response and arrival, working time for resolution."""

    def duration(minutes: int | None, clock: str) -> str:
        if minutes is None:
            return "-"
        return span(timedelta(minutes=minutes), working_day if clock == "resolution" else None)

    rows = []
    for s in summary:
        row = [
            s.clock if s.kind is None else f"{s.clock} ({s.kind})",
            sum(s.counts.values()),
            s.counts["met"],
            s.counts["not_applicable"] + s.counts["waived"],
            *(s.counts[state] for state in ("breached", "overdue", "running")),
            s.counts["time_unknown"],
            "-" if s.compliance is None else f"{s.compliance:.1f}%",
            duration(s.median, s.clock),
            duration(s.worst, s.clock),
            s.exceptions,
            "-" if s.compliance_as_recorded is None else f"{s.compliance_as_recorded:.1f}%",
        ]
        rows.append([s.system, *row] if with_system else row)
    return rows


SLA_COLUMNS = [
    "clock",
    "tickets",
    "met",
    "n/a",
    "breached",
    "overdue",
    "running",
    "unknown",
    "rate",
    "median",
    "worst",
    "exc.",
    "as recorded",
]
# left out, in this order, while a table does not fit; the counts stay (they add up to n)
SLA_OPTIONAL = ("worst", "median", "as recorded", "exc.")
SLA_SHORT = {
    "tickets": "n",
    "breached": "brch",  # not "late": that word is for steps recorded late (`fault list --late`)
    "overdue": "ovd",
    "running": "run",
    "unknown": "unk",
    "as recorded": "as rec.",
}
SLA_NOTE = (
    "rate = met / (met + breached + overdue + unknown); n/a (no visit due, or waived by agreement) is left out. "
    "Median and worst (on a wide enough screen): wall-clock time for response and arrival, working time for "
    "resolution. Figures are after the exceptions the hospital agreed to (exc.: how many; a void ticket leaves "
    "every figure); as recorded: the rate before them."
)


def _since_yesterday(changes, now: datetime) -> None:
    """One line: faults opened, resolved and breached since the end of the last working day, naming it
    when that was not yesterday (nothing if none)."""
    parts = [
        f"{what} {', '.join(map(str, ids))}"
        for what, ids in (("opened", changes.opened), ("resolved", changes.resolved), ("breached", changes.breached))
        if ids
    ]
    if parts:
        since = changes.since
        if since.date() == (now - timedelta(days=1)).date():
            said = f"Since yesterday {since:%H:%M}"
        else:
            said = f"Since the last working day's end ({WEEKDAYS[since.weekday()]} {since:%m-%d %H:%M})"
        line(f"{said}: " + "; ".join(parts))


def status(as_json: JsonOpt = False) -> None:
    """The morning view: open faults and their clocks, this month's breaches and SLA.

    Example: opsdesk status
    """
    from opsdesk.faults.views import fault_dict, urgency
    from opsdesk.reports.figures import status as build_status

    with desk(write=False) as d:
        s = build_status(d)
        working_day = d.terms.working_day_length
    if as_json:
        emit_json(
            {
                "now": s.now,
                "contract": asdict(s.contract),
                "month": s.month,
                "today": {"working": s.today.working, "kind": s.today.kind, "reason": s.today.reason},
                "inside_working_hours": s.inside_hours,
                "open": [fault_dict(v) for v in s.open],
                "breaches_this_month": [fault_dict(v) for v in s.breaches],
                "sla_this_month": [x.to_dict() for x in s.sla],
                "unconfirmed_years": s.unconfirmed_years,
                "uninspected_this_month": [x.code for x in s.uninspected],
                "items_without_risk": s.unrisked,
                "changes_due_within_7_days": [v.to_dict() for v in s.changes_due],
                "onsite_today": s.onsite_today if s.staff_recorded else None,
                "overdue_risks": s.overdue_risks,
                "awaiting_confirmation": s.awaiting_confirmation,
                "since_yesterday": s.since_yesterday,
                "changed_since_report": {
                    "report": s.changed.report,
                    "edits": len(s.changed.edits),
                    "faults": s.changed.tickets,
                },
            }
        )
        return
    c, today = s.contract, s.today
    if not today.working:
        day = f"day off ({today.reason})"
    else:
        day = "working hours" if s.inside_hours else "working day, outside working hours"
    line(f"{c.name} · {c.hospital} · {c.start} to {c.end}", style="bold")
    line(f"{s.now:%Y-%m-%d %H:%M %a} · {day}")
    _since_yesterday(s.since_yesterday, s.now)
    if s.open:
        fault_table(f"Open faults: {len(s.open)}, most urgent first", sorted(s.open, key=urgency), s.now)
    else:
        line("No open faults.", style="green")
    closed = [v for v in s.breaches if not v.is_open]  # an open one is listed once, above
    if closed:
        fault_table(f"Breaches in {s.month}: {len(s.breaches)} ({len(closed)} closed, below)", closed, s.now)
    table(
        f"SLA in {s.month}",
        SLA_COLUMNS,
        _sla_rows(s.sla, working_day),
        short=SLA_SHORT,
        optional=SLA_OPTIONAL,
    )
    if s.changes_due:
        table(
            f"Change requests due within 7 days or late: {len(s.changes_due)}",
            ["id", "system", "due", "state", "title"],
            [
                [
                    v.change.id,
                    v.system.code,
                    v.due,
                    "LATE" if v.overdue else f"{v.days_left}d left",
                    v.change.title,
                ]
                for v in s.changes_due
            ],
            ["red" if v.overdue else "yellow" for v in s.changes_due],
            flex="title",
        )
    if s.overdue_risks:
        table(
            f"Risks past their due date: {len(s.overdue_risks)}",
            ["risk", "system", "due", "owner", "risk found"],
            [[r.id, r.system, r.due, r.owner, r.text] for r in s.overdue_risks],
            ["red"] * len(s.overdue_risks),
            flex="risk found",
        )
    if s.awaiting_confirmation:
        line(f"Awaiting the hospital's confirmation: {s.awaiting_confirmation} record(s) (`opsdesk confirm pending`)")
    if s.changed.edits:
        since = f"the last report ({s.changed.report})" if s.changed.report else "the hospital saw them"
        line(
            f"Figures changed since {since}: {len(s.changed.edits)} (fault {', '.join(map(str, s.changed.tickets))}; "
            "the next monthly report lists them)",
            style="yellow",
        )
    if s.uninspected:
        line(f"Not inspected in {s.month}: {', '.join(x.code for x in s.uninspected)}", style="yellow")
    if s.unrisked:
        from opsdesk.cli.inspections import unrisked_table

        unrisked_table(f"Warned or failed check items with no risk recorded: {len(s.unrisked)}", s.unrisked)
    if s.staff_recorded:
        count = s.onsite_today
        line(
            f"On site today: {count}" + (" (at least 2 required)" if count < 2 else ""),
            style="red" if count < 2 else None,
        )
    if s.unconfirmed_years:
        line(
            f"Calendar {', '.join(map(str, s.unconfirmed_years))} not officially published: "
            "deadlines use the plain rules until `opsdesk calendar confirm YEAR`",
            style="yellow",
        )


@report_app.command("sla")
def report_sla(
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: this month).")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_recorded: Annotated[
        bool, typer.Option("--as-recorded", help="Judge every fault as recorded, before agreed exceptions.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """SLA compliance per clock for a month or a date range (after agreed exceptions), then every breach.

    Example: opsdesk report sla --month 2026-12
    """
    from opsdesk.faults.views import fault_dict
    from opsdesk.reports.figures import period_sla

    asked = read_period(month, from_, to)
    with desk(write=False) as d:
        period = d.period(asked)
        r = period_sla(d, period.since, period.until, system, as_recorded)
        working_day, now = d.terms.working_day_length, d.local_now
    if as_json:
        emit_json(
            {
                "since": r.since,
                "until": r.until,
                "as_recorded": as_recorded,
                "tickets": r.tickets,
                "summary": [x.to_dict() for x in r.summary],
                "by_system": [x.to_dict() for x in r.by_system],
                "breaches": [fault_dict(v) for v in r.breaches],
                "late_entries": [v.ticket.id for v in r.late],
                "unconfirmed_years": r.unconfirmed_years,
                "changed_after_seen": [changed_dict(e) for e in r.changed],
            }
        )
        return
    shown = f"{r.since:%Y-%m-%d} to {r.until - timedelta(days=1):%Y-%m-%d}"
    shown += " as recorded (before agreed exceptions)" if as_recorded else ""
    table(
        f"SLA {shown}: {r.tickets} ticket(s)",
        SLA_COLUMNS,
        _sla_rows(r.summary, working_day),
        short=SLA_SHORT,
        optional=SLA_OPTIONAL,
    )
    per_system = [x for x in r.by_system if sum(x.counts.values())]
    if per_system and not system:
        rows = _sla_rows(per_system, working_day, with_system=True)
        table("Per system", ["system", *SLA_COLUMNS], rows, short=SLA_SHORT, optional=SLA_OPTIONAL)
    line(SLA_NOTE, style="dim")
    if r.breaches:
        fault_table(f"Breaches: {len(r.breaches)}", r.breaches, now)
    if r.late:
        line(
            f"Late entries (recorded after the clock's deadline): {', '.join(str(v.ticket.id) for v in r.late)}",
            style="yellow",
        )
    if r.unconfirmed_years:
        line(
            f"Calendar {', '.join(map(str, r.unconfirmed_years))} not officially published: plain rules used",
            style="yellow",
        )
    if r.changed:
        from opsdesk.cli.fault_render import change_text

        line(
            "Changed after the hospital saw them (reported, confirmed or refused; `opsdesk fault show ID`): "
            + "; ".join(
                f"fault {e.ticket_id} {change_text(e.changes)} at {e.fields[0].at:%Y-%m-%d %H:%M}" for e in r.changed
            ),
            style="yellow",
        )


def changed_dict(e: VerdictEdit) -> dict[str, Any]:
    """An edit that changed a verdict, as plain data for --json."""
    return {
        "fault": e.ticket_id,
        "recorded_at": e.fields[0].at,
        "by": e.fields[0].by,
        "action": e.fields[0].action,
        "fields": {f.name: [f.before, f.after] for f in e.fields},
        "changes": [asdict(c) for c in e.changes],
    }


LangOpt = Annotated[str, typer.Option("--lang", help="Workbook language: zh (default) or en.")]


OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Where to write the .xlsx file.")]


ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


def _write_workbook(d, sheets, output_path: Path, force: bool) -> Path:
    from opsdesk.cli.output import progress
    from opsdesk.reports import workbook

    if output_path.exists() and not force:
        raise OpsdeskError(
            f"{output_path} already exists (it may be a copy the hospital filled in); "
            "choose another -o or add --force to overwrite it"
        )
    from opsdesk.store.history import workbook_seal

    with progress(f"Writing {output_path.name}") as advance:
        return workbook.write(output_path, sheets, d.tz, advance, seal=workbook_seal(d.session))


def _check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise typer.BadParameter(f"--lang {lang!r}: use zh or en")
    return lang


ReportJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the report's data as JSON instead of writing the workbook.")
]


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Argument(help="Month YYYY-MM.")],
    output_path: OutOpt = None,
    lang: LangOpt = "zh",
    force: ForceOpt = False,
    as_json: ReportJsonOpt = False,
    by: Annotated[
        str | None, typer.Option("--by", help="编制人 on the cover (default: the contract's preparer, else you).")
    ] = None,
    rev: Annotated[int, typer.Option("--rev", min=1, help="The report's version (V1, V2...) when it is reissued.")] = 1,
) -> None:
    """Write 《运维月度巡检报告》 for a month as an Excel workbook (--json: its data). A month not yet
    begun is refused; the running month's report is interim, its data as of now.

    Example: opsdesk report monthly 2026-12 -o 巡检报告-2026-12.xlsx
    """
    from opsdesk.reports.monthly import monthly_data, monthly_sheets

    asked = read_period(month)
    assert asked.month is not None, "a month given is read as one calendar month"
    year, mon = asked.month
    target = output_path or Path(f"opsdesk-monthly-{year}-{mon:02d}.xlsx")
    with desk(write=not as_json) as d:  # a report written is recorded as delivered, with its anchor
        d.period(asked)  # refuses a month outside the service
        data = monthly_data(d, year, mon, prepared_by=by, rev=rev)
        if as_json:
            from opsdesk.reports.report_json import monthly_json

            emit_json(monthly_json(data))
            return
        sheets = monthly_sheets(data, _check_lang(lang))
        written = _write_workbook(d, sheets, target, force)
        delivery = _delivered(d, f"{year}-{mon:02d}", written, data.anchors[-1])
    interim = f", interim: the month has not ended, data as of {data.data_as_of:%Y-%m-%d %H:%M}"
    line(
        f"Wrote the monthly report for {year}-{mon:02d}{interim if data.interim else ''} ({len(sheets)} sheets) "
        f"to {written.resolve()}"
    )
    line(
        f"Recorded as delivered{' (interim)' if data.interim else ''}: anchor {delivery.events}:"
        f"{delivery.head_hash[:16]}, SHA-256 {delivery.sha256[:16]}"
    )


def _delivered(d, month: str, written: Path, anchor):
    """Record the report as delivered; a workbook whose delivery cannot be recorded is not left behind."""
    from opsdesk.store.anchors import record_delivery

    try:
        return record_delivery(d, month, written, anchor)
    except BaseException:
        written.unlink(missing_ok=True)
        raise


@report_app.command("acceptance")
def report_acceptance(
    to: Annotated[str | None, typer.Option("--to", help="Last day covered, YYYY-MM-DD (default: today).")] = None,
    output_path: OutOpt = None,
    lang: LangOpt = "zh",
    force: ForceOpt = False,
    as_json: ReportJsonOpt = False,
) -> None:
    """Write the acceptance evidence (验收资料) from the contract's start as an Excel workbook (--json: its data).

    Example: opsdesk report acceptance --to 2027-05-31 -o 验收资料.xlsx
    """
    from opsdesk.reports.acceptance import acceptance_data, acceptance_sheets
    from opsdesk.timeparse import parse_date

    last = parse_date(to) if to else None
    with desk(write=False) as d:
        if last is not None:  # the evidence runs from the start to --to (at most the service's last day)
            d.check_in_service(d.contract.start_date, last, f"{d.contract.start_date} to {last}")
        data = acceptance_data(d, last)
        if as_json:
            from opsdesk.reports.report_json import acceptance_json

            emit_json(acceptance_json(data))
            return
        sheets = acceptance_sheets(data, _check_lang(lang))
        target = output_path or Path(f"opsdesk-acceptance-{data.last}.xlsx")
        written = _write_workbook(d, sheets, target, force)
    line(
        f"Wrote the acceptance evidence {data.start} to {data.last} ({len(sheets)} sheets, "
        f"history anchor {data.anchors[-1].events}:{data.head_hash[:16]}) to {written.resolve()}"
    )


@report_app.command("milestones")
def report_milestones(as_json: JsonOpt = False) -> None:
    """The 30/30/40 payment milestones, their dates, and the evidence ready or missing.

    Example: opsdesk report milestones
    """
    from opsdesk.reports.milestones import milestones

    with desk(write=False) as d:
        plan = milestones(d)
    if as_json:
        emit_json(plan)
        return
    milestone_table(plan)
    line(
        f"The hospital starts the final acceptance by {plan.acceptance_start_by} (30 working days after "
        f"{plan.last_day})"
    )
    warn_unpublished(plan.unconfirmed_years, "the acceptance date uses")

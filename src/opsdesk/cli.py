"""The opsdesk command line: parse, open the store, call one library function, render.

Heavy modules (SQLModel, holidays, openpyxl) are imported inside the commands that
use them, so ``opsdesk --help`` and ``--version`` stay instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk import __version__
from opsdesk.commands import store as store_commands
from opsdesk.commands.changes import change_app
from opsdesk.commands.common import CONTEXT, AtOpt, JsonOpt, OpsdeskGroup, desk, state, sub_app
from opsdesk.commands.contract import confirm_app, contract_app, milestone_table
from opsdesk.commands.inspect import inspect_app
from opsdesk.commands.people import staff_app, training_app, work_app
from opsdesk.commands.platform import export_app, import_app
from opsdesk.commands.store import db_app
from opsdesk.errors import InvalidInput, OpsdeskError
from opsdesk.output import emit_json, line, span, table, warn_unpublished

if TYPE_CHECKING:
    from opsdesk.records import FaultView


app = typer.Typer(
    cls=OpsdeskGroup,
    help="opsdesk: the maintenance desk for a hospital information-systems contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    rich_markup_mode=None,
)
system_app = sub_app("The contracted information systems.")
fault_app = sub_app("Fault tickets (故障 / 系统错误 / 数据错误): from the first call to the hospital's confirmation.")
calendar_app = sub_app("The working calendar (工作日历): official schedule plus local overrides.")
report_app = sub_app("Reports: SLA compliance, the monthly report and the acceptance evidence (Excel), milestones.")
OpsdeskGroup.groups = {  # each built only when one of its commands runs (see OpsdeskGroup)
    "db": db_app,
    "system": system_app,
    "fault": fault_app,
    "calendar": calendar_app,
    "report": report_app,
    "change": change_app,
    "inspect": inspect_app,
    "staff": staff_app,
    "training": training_app,
    "work": work_app,
    "confirm": confirm_app,
    "contract": contract_app,
    "import": import_app,
    "export": export_app,
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"opsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None, typer.Option("--db", envvar="OPSDESK_DB", help="Database file (default: see `opsdesk db path`).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", envvar="OPSDESK_USER", help="Who is recording (default: your OS user).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """opsdesk: the maintenance desk for a hospital information-systems contract.

    Example: opsdesk fault open queue "叫号屏不显示" --reporter 王护士
    """
    state.db = db
    state.by = by


# -- the store: init, db, verify, backup, restore (demo further down) --------------------

app.command("init")(store_commands.init)
app.command("verify")(store_commands.verify)
app.command("backup")(store_commands.backup)
app.command("restore")(store_commands.restore)


# -- systems ------------------------------------------------------------------------------


@system_app.command("list")
def system_list(as_json: JsonOpt = False) -> None:
    """List the contracted systems.

    Example: opsdesk system list
    """
    from opsdesk.records import systems

    with desk(write=False) as d:
        d.contract  # noqa: B018
        rows = [{"code": s.code, "name": s.name, "active": s.active} for s in systems(d.session)]
    if as_json:
        emit_json(rows)
    else:
        table("Systems", ["code", "name"], [[r["code"], r["name"]] for r in rows])


@system_app.command("add")
def system_add(code: str, name: str) -> None:
    """Add a system to the contract.

    Example: opsdesk system add pacs 影像归档系统
    """
    from opsdesk.records import add_system

    with desk() as d:
        system = add_system(d, code, name)
    line(f"Added system {system.code}: {system.name}")


@system_app.command("rename")
def system_rename(code: str, name: str) -> None:
    """Change a system's name.

    Example: opsdesk system rename bi 智能管理驾驶舱
    """
    from opsdesk.records import rename_system

    with desk() as d:
        system = rename_system(d, code, name)
    line(f"Renamed system {system.code}: {system.name}")


# -- faults -------------------------------------------------------------------------------


def _span(delta: timedelta, clock, working_day: timedelta) -> str:
    """Wall-clock durations in 24-hour days; working time in working days (SPEC: 1 working day = 10 h)."""
    return span(delta, working_day if clock.basis == "working" else None)


def _left(clock, working_day: timedelta = timedelta(hours=10)) -> str:
    if clock.state == "running":
        return f"{_span(clock.margin, clock, working_day)} left"
    if clock.state == "overdue":
        return f"OVERDUE {_span(-clock.margin, clock, working_day)}"
    if clock.state == "breached":
        return f"late {_span(-clock.margin, clock, working_day)}"
    return {"met": "met", "not_applicable": "n/a", "time_unknown": "time unknown"}[clock.state]


def _clock_style(clock) -> str | None:
    if clock.state in ("overdue", "breached"):
        return "red"
    if clock.state == "running" and clock.margin * 4 < clock.target:
        return "yellow"
    return None


def _row_style(v: FaultView) -> str | None:
    styles = [_clock_style(c) for c in v.clocks if c.state in ("running", "overdue")]
    return "red" if "red" in styles else ("yellow" if "yellow" in styles else None)


def _deadlines(v: FaultView) -> str:
    c = v.clocks
    return (
        f"respond by {c.response.deadline:%Y-%m-%d %H:%M} · on site by {c.arrival.deadline:%Y-%m-%d %H:%M} · "
        f"resolve by {c.resolution.deadline:%Y-%m-%d %H:%M}"
    )


@fault_app.command("open")
def fault_open(
    system: Annotated[str, typer.Argument(help="System code, e.g. queue (see `opsdesk system list`).")],
    symptom: Annotated[str, typer.Argument(help="What the caller reports.")],
    kind: Annotated[str, typer.Option(help="fault (故障), defect (系统错误) or data (数据错误).")] = "fault",
    at: AtOpt = None,
    reporter: Annotated[str | None, typer.Option(help="Who reported it.")] = None,
    dept: Annotated[str | None, typer.Option(help="Reporter's department.")] = None,
    phone: Annotated[str | None, typer.Option(help="Reporter's phone.")] = None,
    channel: Annotated[str | None, typer.Option(help="phone, platform, onsite, wechat or email.")] = None,
    ref: Annotated[str | None, typer.Option(help="Id on the hospital's platform (禅道 bug id).")] = None,
    impact: Annotated[str | None, typer.Option(help="Who or what is affected.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Log a fault the moment it is reported; prints its id and deadlines.

    Example: opsdesk fault open queue "3号诊区叫号屏黑屏" --reporter 王护士 --channel phone
    """
    from opsdesk.records import open_fault, view

    with desk() as d:
        ticket = open_fault(
            d,
            system,
            symptom,
            kind=kind,
            at=at,
            reporter=reporter,
            dept=dept,
            phone=phone,
            channel=channel,
            ref=ref,
            impact=impact,
        )
        v = view(d, ticket)
    if as_json:
        from opsdesk.records import fault_dict

        emit_json(fault_dict(v))
        return
    hours = "inside" if v.clocks.inside_hours else "outside"
    line(
        f"Opened fault {ticket.id} ({v.system.code}, {ticket.kind}) reported {ticket.reported_at:%Y-%m-%d %H:%M} "
        f"({hours} working hours)"
    )
    line(f"  {_deadlines(v)}")
    _warn_unconfirmed(v)


def _warn_unconfirmed(v: FaultView) -> None:
    warn_unpublished({y for c in v.clocks for y in c.unconfirmed_years})


def _step_done(what: str, v: FaultView, clock_name: str | None) -> None:
    t = v.ticket
    text = f"Fault {t.id}: {what}"
    if clock_name:
        clock = getattr(v.clocks, clock_name)
        text += f" — {clock_name} {_left(clock, v.working_day)} (deadline {clock.deadline:%Y-%m-%d %H:%M})"
    line(text, style=_clock_style(getattr(v.clocks, clock_name)) if clock_name else None)


@fault_app.command("respond")
def fault_respond(ticket_id: Annotated[int, typer.Argument(metavar="ID")], at: AtOpt = None) -> None:
    """Record the response (the engineer answered the report).

    Example: opsdesk fault respond 12 --at 14:35
    """
    from opsdesk.records import respond, view

    with desk() as d:
        v = view(d, respond(d, ticket_id, at))
    _step_done(f"responded at {v.ticket.responded_at:%Y-%m-%d %H:%M}", v, "response")


@fault_app.command("arrive")
def fault_arrive(ticket_id: Annotated[int, typer.Argument(metavar="ID")], at: AtOpt = None) -> None:
    """Record arrival on site.

    Example: opsdesk fault arrive 12 --at 15:10
    """
    from opsdesk.records import arrive, view

    with desk() as d:
        v = view(d, arrive(d, ticket_id, at))
    _step_done(f"on site at {v.ticket.arrived_at:%Y-%m-%d %H:%M}", v, "arrival")


@fault_app.command("remote")
def fault_remote(ticket_id: Annotated[int, typer.Argument(metavar="ID")], at: AtOpt = None) -> None:
    """Record that the fault is handled remotely (no visit needed if resolved before the arrival deadline).

    Example: opsdesk fault remote 12
    """
    from opsdesk.records import remote, view

    with desk() as d:
        v = view(d, remote(d, ticket_id, at))
    line(
        f"Fault {v.ticket.id}: handled remotely from {v.ticket.remote_at:%Y-%m-%d %H:%M}; resolve it before "
        f"{v.clocks.arrival.deadline:%Y-%m-%d %H:%M} or an arrival on site is due"
    )


@fault_app.command("resolve")
def fault_resolve(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    cause: Annotated[str, typer.Option(help="原因分析: what caused it.")],
    action: Annotated[str, typer.Option(help="处理过程: what was done.")],
    result: Annotated[str | None, typer.Option(help="处理结果: the outcome (left empty if not given).")] = None,
    at: AtOpt = None,
) -> None:
    """Record that service is restored, with cause and action.

    Example: opsdesk fault resolve 12 --cause "显示服务进程挂死" --action "重启服务并加守护"
    """
    from opsdesk.records import resolve, view

    with desk() as d:
        v = view(d, resolve(d, ticket_id, cause=cause, action=action, result=result, at=at))
    _step_done(f"resolved at {v.ticket.resolved_at:%Y-%m-%d %H:%M}", v, "resolution")
    for clock in (v.clocks.response, v.clocks.arrival):
        if clock.state in ("breached", "overdue"):
            line(f"  {clock.name} {_left(clock, v.working_day)}", style="red")


@fault_app.command("confirm")
def fault_confirm(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    by: Annotated[str, typer.Option("--by", help="The hospital person who confirms (院方确认人).")],
    comment: Annotated[str | None, typer.Option(help="Their comment.")] = None,
    at: AtOpt = None,
) -> None:
    """Record the hospital's confirmation of a resolved fault (双方确认).

    Example: opsdesk fault confirm 12 --by 李工 --comment 已恢复
    """
    from opsdesk.records import confirm

    with desk() as d:
        ticket = confirm(d, ticket_id, by=by, comment=comment, at=at)
    line(f"Fault {ticket.id}: confirmed by {ticket.confirmed_by} at {ticket.confirmed_at:%Y-%m-%d %H:%M}")


@fault_app.command("note")
def fault_note(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    text: Annotated[str, typer.Argument(help="The remark.")],
    at: AtOpt = None,
) -> None:
    """Add a dated remark to a fault's timeline.

    Example: opsdesk fault note 12 "已联系厂商，等待补丁"
    """
    from opsdesk.records import add_note

    with desk() as d:
        note = add_note(d, ticket_id, text, at)
    line(f"Fault {ticket_id}: note {note.id} at {note.at:%Y-%m-%d %H:%M}")


EditOpt = Annotated[str | None, typer.Option()]


def _edit_fields(**fields: Any) -> dict[str, Any]:
    fields["reported"] = fields.pop("at")
    return fields


@fault_app.command("edit")
def fault_edit(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    at: Annotated[str | None, typer.Option("--at", help="Corrected report time.")] = None,
    symptom: EditOpt = None,
    kind: EditOpt = None,
    reporter: EditOpt = None,
    dept: EditOpt = None,
    phone: EditOpt = None,
    channel: EditOpt = None,
    ref: EditOpt = None,
    impact: EditOpt = None,
    responded: Annotated[str | None, typer.Option(help="Corrected response time.")] = None,
    arrived: Annotated[str | None, typer.Option(help="Corrected arrival time.")] = None,
    remote: Annotated[str | None, typer.Option(help="Corrected remote-handling time.")] = None,
    resolved: Annotated[str | None, typer.Option(help="Corrected resolution time.")] = None,
    cause: EditOpt = None,
    action: EditOpt = None,
    result: EditOpt = None,
) -> None:
    """Change an unconfirmed fault; the old values stay in the history.

    Example: opsdesk fault edit 12 --at "2026-11-25 14:20" --reporter 王护士长
    """
    from opsdesk.records import edit

    fields = _edit_fields(
        at=at,
        symptom=symptom,
        kind=kind,
        reporter=reporter,
        dept=dept,
        phone=phone,
        channel=channel,
        ref=ref,
        impact=impact,
        responded=responded,
        arrived=arrived,
        remote=remote,
        resolved=resolved,
        cause=cause,
        action=action,
        result=result,
    )
    with desk() as d:
        changed = edit(d, ticket_id, **fields)
    shown = ", ".join("report time" if name == "reported" else name for name in changed)
    line(f"Fault {ticket_id}: changed {shown} (old values kept in the history)")


@fault_app.command("correct")
def fault_correct(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why the confirmed record is corrected.")],
    at: Annotated[str | None, typer.Option("--at", help="Corrected report time.")] = None,
    symptom: EditOpt = None,
    kind: EditOpt = None,
    reporter: EditOpt = None,
    dept: EditOpt = None,
    phone: EditOpt = None,
    channel: EditOpt = None,
    ref: EditOpt = None,
    impact: EditOpt = None,
    responded: Annotated[str | None, typer.Option(help="Corrected response time.")] = None,
    arrived: Annotated[str | None, typer.Option(help="Corrected arrival time.")] = None,
    remote: Annotated[str | None, typer.Option(help="Corrected remote-handling time.")] = None,
    resolved: Annotated[str | None, typer.Option(help="Corrected resolution time.")] = None,
    cause: EditOpt = None,
    action: EditOpt = None,
    result: EditOpt = None,
) -> None:
    """Correct a confirmed fault with a visible correction entry.

    Example: opsdesk fault correct 12 --reason "到场时间记错" --arrived "2026-11-25 15:05"
    """
    from opsdesk.records import correct

    fields = _edit_fields(
        at=at,
        symptom=symptom,
        kind=kind,
        reporter=reporter,
        dept=dept,
        phone=phone,
        channel=channel,
        ref=ref,
        impact=impact,
        responded=responded,
        arrived=arrived,
        remote=remote,
        resolved=resolved,
        cause=cause,
        action=action,
        result=result,
    )
    with desk() as d:
        correction = correct(d, ticket_id, reason, **fields)
    line(f"Fault {ticket_id}: correction {correction.id} recorded ({reason})")


@fault_app.command("show")
def fault_show(ticket_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one fault: its details, every clock, and its timeline.

    Example: opsdesk fault show 12
    """
    import json

    from opsdesk.history import event_line
    from opsdesk.records import fault_dict, get_ticket, timeline, view
    from opsdesk.timeparse import stored_minute

    with desk(write=False) as d:
        v = view(d, get_ticket(d.session, ticket_id))
        extra = timeline(d, ticket_id)
    data = fault_dict(v)
    data["notes"] = [{"id": n.id, "at": n.at, "by": n.by, "text": n.text} for n in extra["notes"]]
    data["corrections"] = [
        {"id": c.id, "reason": c.reason, "by": c.by, "recorded_at": c.recorded_at, "changes": json.loads(c.changes)}
        for c in extra["corrections"]
    ]
    data["history"] = [event_line(e) for e in extra["events"]]
    if as_json:
        emit_json(data)
        return
    t = v.ticket
    line(
        f"Fault {t.id} · {v.system.code} {v.system.name} · {t.kind} ({data['kind_name']}) · {data['status']}",
        style="bold",
    )
    line(f"  {t.symptom}")
    for label, key in (
        ("reporter", "reporter"),
        ("dept", "dept"),
        ("phone", "phone"),
        ("channel", "channel"),
        ("platform ref", "ref"),
        ("impact", "impact"),
        ("cause", "cause"),
        ("action", "action"),
        ("result", "result"),
    ):
        if data[key]:
            line(f"  {label}: {data[key]}")
    if t.confirmed_at:
        line(
            f"  confirmed by {t.confirmed_by} at {t.confirmed_at:%Y-%m-%d %H:%M}"
            + (f": {t.confirm_comment}" if t.confirm_comment else "")
        )
    hours = "inside" if v.clocks.inside_hours else "outside"
    line(f"  reported {t.reported_at:%Y-%m-%d %H:%M} ({hours} working hours)")
    if v.late:
        line(f"  late entry: {', '.join(v.late)} recorded more than an hour after it happened", style="yellow")
    table(
        "Clocks",
        ["clock", "target", "basis", "deadline", "actual", "elapsed", "state"],
        [
            [
                c.name,
                _span(c.target, c, v.working_day),
                c.basis,
                c.deadline,
                c.actual,
                _span(c.elapsed, c, v.working_day),
                _left(c, v.working_day),
            ]
            for c in v.clocks
        ],
        [_clock_style(c) for c in v.clocks],
    )
    _warn_unconfirmed(v)
    for c in data["corrections"]:
        changes = "; ".join(
            f"{k}: {stored_minute(a)} → {stored_minute(b)}" if k.endswith("_at") else f"{k}: {a} → {b}"
            for k, (a, b) in c["changes"].items()
        )
        line(
            f"  correction {c['id']} by {c['by']} at {c['recorded_at']:%Y-%m-%d %H:%M} ({c['reason']}): {changes}",
            style="magenta",
        )
    if data["notes"]:
        table("Notes", ["at", "by", "note"], [[n["at"], n["by"], n["text"]] for n in data["notes"]])
    table(
        "History",
        ["event", "recorded", "by", "action", "happened"],
        [[h["id"], h["recorded_at"], h["actor"], h["action"], h["happened_at"]] for h in data["history"]],
    )


@fault_app.command("explain")
def fault_explain(
    ticket_id: Annotated[int, typer.Argument(metavar="ID")],
    clock: Annotated[str, typer.Argument(help="response, arrival or resolution.")] = "resolution",
    as_json: JsonOpt = False,
) -> None:
    """Explain a clock: the working-time ledger, day by day, a person can check by hand.

    Example: opsdesk fault explain 12 resolution
    """
    from opsdesk.records import get_ticket, view
    from opsdesk.sla import explain_clock

    clock = clock.strip().lower()
    if clock not in ("response", "arrival", "resolution"):
        raise InvalidInput(f"unknown clock {clock!r}; use response, arrival or resolution")
    with desk(write=False) as d:
        v = view(d, get_ticket(d.session, ticket_id))
        chosen = getattr(v.clocks, clock)
        calendar = d.calendar_for(d.terms_at(v.ticket.reported_at))  # the hours that judged it, not today's
        ledger = explain_clock(calendar, chosen, v.ticket.reported_at, d.local_now)
    days = [
        {
            "day": e.day,
            "counted": e.seconds > 0,
            "from": e.start,
            "to": e.end,
            "minutes": e.seconds // 60,
            "reason": e.kind.reason,
            "kind": e.kind.kind,
            "running_total_minutes": e.running_total // 60,
        }
        for e in ledger.days
    ]
    if as_json:
        emit_json(
            {
                "id": ticket_id,
                "clock": clock,
                "basis": chosen.basis,
                "state": chosen.state,
                "target_minutes": int(chosen.target.total_seconds() // 60),
                "deadline": chosen.deadline,
                "start": ledger.start,
                "end": ledger.end,
                "total_minutes": int(ledger.total.total_seconds() // 60),
                "unconfirmed_years": list(ledger.unconfirmed_years),
                "days": days,
            }
        )
        return
    line(
        f"Fault {ticket_id} {clock} clock ({chosen.basis} time): target {_span(chosen.target, chosen, v.working_day)}, "
        f"deadline {chosen.deadline:%Y-%m-%d %H:%M}, {_left(chosen, v.working_day)}"
    )
    rows = [
        [
            f"{e['day']:%Y-%m-%d %a}",
            f"{e['from']:%H:%M}–{e['to']:%H:%M}" if e["counted"] else "-",
            e["minutes"] if e["counted"] else "-",
            e["reason"] if not e["counted"] or e["kind"] != "working" else "",
            _span(timedelta(minutes=e["running_total_minutes"]), chosen, v.working_day),
        ]
        for e in days
    ]
    table(
        f"From {ledger.start:%Y-%m-%d %H:%M} to {ledger.end:%Y-%m-%d %H:%M}",
        ["day", "clock ran", "minutes", "why (not) counted", "total"],
        rows,
    )
    line(f"Total {_span(ledger.total, chosen, v.working_day)} of {_span(chosen.target, chosen, v.working_day)}")


@fault_app.command("list")
def fault_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only unresolved faults.")] = False,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    month: Annotated[str | None, typer.Option(help="Reported in this month, YYYY-MM.")] = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only faults with a breached clock.")] = False,
    late: Annotated[bool, typer.Option("--late", help="Only faults with a step recorded late.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List faults with their clocks.

    Example: opsdesk fault list --open --system queue
    """
    from opsdesk.records import fault_dict, list_faults
    from opsdesk.timeparse import parse_month

    month_value = parse_month(month) if month else None
    with desk(write=False) as d:
        views = list_faults(
            d, open_only=open_only, system=system, kind=kind, month=month_value, breached=breached, late=late
        )
    if as_json:
        emit_json([fault_dict(v) for v in views])
        return
    _fault_table(f"{len(views)} fault(s)", views)


def _fault_table(title: str, views: list[FaultView]) -> None:
    """Faults with their three clocks; an id marked * has a step recorded more than an hour late."""
    rows = []
    for v in views:
        t = v.ticket
        status = "confirmed" if t.confirmed_at else ("resolved" if t.resolved_at else "open")
        clocks = [(_left(c, v.working_day), _clock_style(c)) for c in v.clocks]
        rows.append([f"{t.id}*" if v.late else t.id, v.system.code, t.kind, t.reported_at, status, *clocks,
                     t.symptom[:40]])  # fmt: skip
    table(title, ["id", "system", "kind", "reported", "status", "response", "arrival", "resolution", "symptom"], rows)
    if any(v.late for v in views):
        line("* recorded more than an hour after it happened", style="yellow")


def _urgency(v: FaultView):
    """Most urgent first: the smallest time left (most overdue) of any running clock."""
    left = [c.margin for c in v.clocks if c.state in ("running", "overdue")]
    return (min(left) if left else timedelta.max, v.ticket.id)


# -- status and reports -------------------------------------------------------------------


def _sla_rows(summary, with_system: bool = False) -> list[list[Any]]:
    rows = []
    for s in summary:
        row = [
            s.clock if s.kind is None else f"{s.clock} ({s.kind})",
            sum(s.counts.values()),
            s.counts["met"] + s.counts["not_applicable"],
            s.counts["breached"] + s.counts["overdue"],
            s.counts["running"],
            s.counts["time_unknown"],
            "-" if s.compliance is None else f"{s.compliance:.1f}%",
            "-" if s.median is None else s.median,
            "-" if s.worst is None else s.worst,
        ]
        rows.append([s.system, *row] if with_system else row)
    return rows


SLA_COLUMNS = [
    "clock", "tickets", "met", "breached", "running", "time unknown", "compliance", "median min", "worst min",
]  # fmt: skip


@app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """The morning view: open faults and their clocks, this month's breaches and SLA.

    Example: opsdesk status
    """
    from opsdesk.records import fault_dict
    from opsdesk.reports import status as build_status

    with desk(write=False) as d:
        s = build_status(d)
    if as_json:
        emit_json(
            {
                "now": s["now"],
                "contract": s["contract"],
                "month": s["month"],
                "today": {"working": s["today"].working, "kind": s["today"].kind, "reason": s["today"].reason},
                "inside_working_hours": s["inside_hours"],
                "open": [fault_dict(v) for v in s["open"]],
                "breaches_this_month": [fault_dict(v) for v in s["breaches"]],
                "sla_this_month": [x.to_dict() for x in s["sla"]],
                "unconfirmed_years": s["unconfirmed_years"],
                "uninspected_this_month": [x.code for x in s["uninspected"]],
                "changes_due_within_7_days": [v.to_dict() for v in s["changes_due"]],
                "onsite_today": s["onsite_today"] if s["staff_recorded"] else None,
            }
        )
        return
    c, today = s["contract"], s["today"]
    if not today.working:
        day = f"day off ({today.reason})"
    else:
        day = "working hours" if s["inside_hours"] else "working day, outside working hours"
    line(f"{c['name']} · {c['hospital']} · {c['start']} to {c['end'] - timedelta(days=1)}", style="bold")
    line(f"{s['now']:%Y-%m-%d %H:%M %a} · {day}")
    if s["open"]:
        _fault_table(f"Open faults: {len(s['open'])}, most urgent first", sorted(s["open"], key=_urgency))
    else:
        line("No open faults.", style="green")
    if s["breaches"]:
        _fault_table(f"Breaches in {s['month']}: {len(s['breaches'])}", s["breaches"])
    table(f"SLA in {s['month']}", SLA_COLUMNS, _sla_rows(s["sla"]))
    if s["changes_due"]:
        table(
            f"Change requests due within 7 days or late: {len(s['changes_due'])}",
            ["id", "system", "due", "state", "title"],
            [
                [
                    v.change.id,
                    v.system.code,
                    v.due,
                    "LATE" if v.overdue else f"{v.days_left}d left",
                    v.change.title[:40],
                ]
                for v in s["changes_due"]
            ],
            ["red" if v.overdue else "yellow" for v in s["changes_due"]],
        )
    if s["uninspected"]:
        line(f"Not inspected in {s['month']}: {', '.join(x.code for x in s['uninspected'])}", style="yellow")
    if s["staff_recorded"]:
        count = s["onsite_today"]
        line(
            f"On site today: {count}" + (" (at least 2 required)" if count < 2 else ""),
            style="red" if count < 2 else None,
        )
    if s["unconfirmed_years"]:
        line(
            f"Calendar {', '.join(map(str, s['unconfirmed_years']))} not officially published: "
            "deadlines use the plain rules until `opsdesk calendar confirm YEAR`",
            style="yellow",
        )


@report_app.command("sla")
def report_sla(
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: this month).")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")] = None,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """SLA compliance per clock for a month or a date range, then every breach.

    Example: opsdesk report sla --month 2026-12
    """
    from opsdesk.records import fault_dict, month_bounds
    from opsdesk.reports import period_sla
    from opsdesk.timeparse import parse_date, parse_month

    if month and (from_ or to):
        raise typer.BadParameter("give either --month or --from/--to, not both")
    with desk(write=False) as d:
        if from_ or to:
            if not (from_ and to):
                raise typer.BadParameter("--from and --to go together")
            first, last = parse_date(from_), parse_date(to)
            if last < first:
                raise typer.BadParameter(f"--to {last} is before --from {first}")
            d.check_in_service(first, last, f"{first} to {last}")
            since = datetime(first.year, first.month, first.day, tzinfo=d.tz)
            until = datetime(last.year, last.month, last.day, tzinfo=d.tz) + timedelta(days=1)
        else:
            ym = parse_month(month) if month else (d.local_now.year, d.local_now.month)
            since, until = month_bounds(*ym, d.tz)
            if month:
                d.check_month_in_service(*ym)
        r = period_sla(d, since, until, system)
    if as_json:
        emit_json(
            {
                "since": r["since"],
                "until": r["until"],
                "tickets": r["tickets"],
                "summary": [x.to_dict() for x in r["summary"]],
                "by_system": [x.to_dict() for x in r["by_system"]],
                "breaches": [fault_dict(v) for v in r["breaches"]],
                "late_entries": [v.ticket.id for v in r["late"]],
                "unconfirmed_years": r["unconfirmed_years"],
            }
        )
        return
    period = f"{since:%Y-%m-%d} to {until - timedelta(days=1):%Y-%m-%d}"
    table(f"SLA {period}: {r['tickets']} ticket(s)", SLA_COLUMNS, _sla_rows(r["summary"]))
    per_system = [x for x in r["by_system"] if sum(x.counts.values())]
    if per_system and not system:
        table("Per system", ["system", *SLA_COLUMNS], _sla_rows(per_system, with_system=True))
    if r["breaches"]:
        _fault_table(f"Breaches: {len(r['breaches'])}", r["breaches"])
    if r["late"]:
        line(
            f"Late entries (recorded > 1 h after the fact): {', '.join(str(v.ticket.id) for v in r['late'])}",
            style="yellow",
        )
    if r["unconfirmed_years"]:
        line(
            f"Calendar {', '.join(map(str, r['unconfirmed_years']))} not officially published: plain rules used",
            style="yellow",
        )


LangOpt = Annotated[str, typer.Option("--lang", help="Workbook language: zh (default) or en.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Where to write the .xlsx file.")]


ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


def _write_workbook(d, sheets, output_path: Path, force: bool) -> Path:
    from opsdesk import workbook
    from opsdesk.output import progress

    if output_path.exists() and not force:
        raise OpsdeskError(
            f"{output_path} already exists (it may be a copy the hospital filled in); "
            "choose another -o or add --force to overwrite it"
        )
    with progress(f"Writing {output_path.name}") as advance:
        return workbook.write(output_path, sheets, d.tz, advance)


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
) -> None:
    """Write 《运维月度巡检报告》 for a month as an Excel workbook (--json: its data).

    Example: opsdesk report monthly 2026-12 -o 巡检报告-2026-12.xlsx
    """
    from opsdesk.reports.monthly import monthly_data, monthly_sheets
    from opsdesk.timeparse import parse_month

    year, mon = parse_month(month)
    target = output_path or Path(f"opsdesk-monthly-{year}-{mon:02d}.xlsx")
    with desk(write=False) as d:
        d.check_month_in_service(year, mon)
        if as_json:
            from opsdesk.reports import report_json

            data = monthly_data(d, year, mon)
            data["faults"] = data.pop("sla")  # the month's faults, named as in the acceptance report
            emit_json(report_json(data))
            return
        sheets = monthly_sheets(monthly_data(d, year, mon), _check_lang(lang))
        written = _write_workbook(d, sheets, target, force)
    line(f"Wrote the monthly report for {year}-{mon:02d} ({len(sheets)} sheets) to {written.resolve()}")


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
            from opsdesk.reports import report_json

            emit_json(report_json(data))
            return
        sheets = acceptance_sheets(data, _check_lang(lang))
        target = output_path or Path(f"opsdesk-acceptance-{data['last']}.xlsx")
        written = _write_workbook(d, sheets, target, force)
    line(
        f"Wrote the acceptance evidence {data['start']} to {data['last']} ({len(sheets)} sheets, "
        f"history head {data['head_hash'][:16]}) to {written.resolve()}"
    )


@report_app.command("milestones")
def report_milestones(as_json: JsonOpt = False) -> None:
    """The 30/30/40 payment milestones, their dates, and the evidence ready or missing.

    Example: opsdesk report milestones
    """
    from opsdesk.contract import milestones

    with desk(write=False) as d:
        plan = milestones(d)
    if as_json:
        emit_json(plan)
        return
    milestone_table(plan)
    line(
        f"The hospital starts the final acceptance by {plan['acceptance_start_by']} (30 working days after "
        f"{plan['last_day']})"
    )
    warn_unpublished(plan["unconfirmed_years"], "the acceptance date uses")


# -- calendar -----------------------------------------------------------------------------


@calendar_app.command("show")
def calendar_show(
    month: Annotated[str, typer.Argument(help="Month YYYY-MM.")],
    as_json: JsonOpt = False,
) -> None:
    """Show each day of a month: working or not, and why.

    Example: opsdesk calendar show 2026-10
    """
    from opsdesk.timeparse import parse_month

    year, mon = parse_month(month)
    with desk(write=False) as d:
        days = d.calendar.month_days(year, mon)
        confirmed = d.calendar.is_year_confirmed(year)
    if as_json:
        emit_json(
            {
                "month": month,
                "confirmed": confirmed,
                "days": [{"day": k.day, "working": k.working, "kind": k.kind, "reason": k.reason} for k in days],
            }
        )
        return
    table(
        f"Calendar {year}-{mon:02d}" + ("" if confirmed else " (not officially published: plain rules)"),
        ["day", "weekday", "working", "kind", "why"],
        [[k.day, f"{k.day:%a}", k.working, k.kind, k.reason] for k in days],
        [None if k.working else "dim" for k in days],
    )


def _override(day: str, note: str, working: bool, retroactive: bool) -> None:
    from opsdesk.records import add_override
    from opsdesk.timeparse import parse_date

    parsed = parse_date(day)
    with desk() as d:
        _, affected = add_override(d, parsed, working=working, note=note, retroactive=retroactive)
    line(f"{parsed} is now a {'working day' if working else 'day off'} ({note})")
    if affected:
        line(f"SLA verdicts changed for fault(s): {', '.join(str(t.id) for t in affected)}", style="yellow")


RetroOpt = Annotated[
    bool, typer.Option("--retroactive", help="Apply even if it changes the verdict of faults on record.")
]


@calendar_app.command("add-holiday")
def calendar_add_holiday(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="Why (e.g. 院庆停诊).")],
    retroactive: RetroOpt = False,
) -> None:
    """Make a day a day off (overrides the official schedule).

    Example: opsdesk calendar add-holiday 2026-12-24 --note 院方停诊
    """
    _override(day, note, False, retroactive)


@calendar_app.command("add-workday")
def calendar_add_workday(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="Why (e.g. 2027 调休上班).")],
    retroactive: RetroOpt = False,
) -> None:
    """Make a day a working day (overrides the official schedule).

    Example: opsdesk calendar add-workday 2027-02-07 --note 春节调休上班
    """
    _override(day, note, True, retroactive)


@calendar_app.command("confirm")
def calendar_confirm(year: Annotated[int, typer.Argument(help="The year, e.g. 2027.")]) -> None:
    """Confirm a year's calendar (after adding its official swaps as overrides).

    Example: opsdesk calendar confirm 2027
    """
    from opsdesk.records import confirm_year

    with desk() as d:
        confirm_year(d, year)
    line(f"Calendar {year} confirmed; reports no longer flag it")


@calendar_app.command("check")
def calendar_check(year: Annotated[int, typer.Argument(help="The year, e.g. 2026.")], as_json: JsonOpt = False) -> None:
    """List what the local overrides change against the official schedule in a year.

    Example: opsdesk calendar check 2026
    """
    from datetime import date

    if not 2000 <= year <= 2099:
        raise InvalidInput(f"year {year} is out of range; give a year from 2000 to 2099")
    with desk(write=False) as d:
        cal = d.calendar
        changes = []
        day = date(year, 1, 1)
        while day.year == year:
            official, actual = cal.official_day_kind(day), cal.day_kind(day)
            if official.working != actual.working or official.kind != actual.kind:
                changes.append(
                    {
                        "day": day,
                        "official": official.kind,
                        "official_reason": official.reason,
                        "working": actual.working,
                        "override": actual.reason,
                    }
                )
            day += timedelta(days=1)
        confirmed = cal.is_year_confirmed(year)
    if as_json:
        emit_json({"year": year, "confirmed": confirmed, "changes": changes})
        return
    state_text = "official or confirmed" if confirmed else "NOT officially published (plain rules)"
    table(
        f"Overrides in {year} ({state_text}): {len(changes)}",
        ["day", "official", "now", "note"],
        [
            [
                c["day"],
                f"{c['official']} ({c['official_reason']})",
                "working" if c["working"] else "day off",
                c["override"],
            ]
            for c in changes
        ],
    )


# -- demo ---------------------------------------------------------------------------------


app.command("demo")(store_commands.demo)  # after status: the order --help lists them in


def main() -> None:
    app()

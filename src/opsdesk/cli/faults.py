"""`opsdesk fault ...`: fault tickets, from the first call to the hospital's confirmation."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk.cli.common import AtOpt, JsonOpt, desk, sub_app
from opsdesk.cli.fault_render import (
    clock_cell,
    clock_left,
    clock_style,
    fault_table,
    met_until,
    print_fault,
    span_of,
    warn_unconfirmed,
)
from opsdesk.cli.output import emit_json, error_note, line, table
from opsdesk.errors import InvalidInput

if TYPE_CHECKING:
    from opsdesk.faults.corrections import EditOutcome
    from opsdesk.faults.views import FaultView

fault_app = sub_app("Fault tickets (故障 / 系统错误 / 数据错误): from the first call to the hospital's confirmation.")
IdArg = Annotated[int, typer.Argument(metavar="ID")]


def _deadlines(v: FaultView) -> str:
    c = v.clocks
    return (
        f"respond by {c.response.deadline:%Y-%m-%d %H:%M} · on site by {c.arrival.deadline:%Y-%m-%d %H:%M} · "
        f"resolve by {c.resolution.deadline:%Y-%m-%d %H:%M}{met_until(c.resolution)}"
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
    channel: Annotated[
        str | None, typer.Option(help="phone, platform, onsite, wechat or email (电话/平台/现场/微信/邮件).")
    ] = None,
    ref: Annotated[str | None, typer.Option(help="Id on the hospital's platform (禅道 bug id).")] = None,
    impact: Annotated[str | None, typer.Option(help="Who or what is affected.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns it: a name on the staff roster, on duty then.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Log a fault the moment it is reported; prints its id and deadlines.

    Example: opsdesk fault open queue "3号诊区叫号屏黑屏" --reporter 王护士 --channel phone
    """
    from opsdesk.faults.requests import similar_open
    from opsdesk.faults.tickets import open_fault
    from opsdesk.faults.views import view

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
            owner=owner,
        )
        v = view(d, ticket, exceptions={})  # a fault opened this moment has no exception requests
        alike = similar_open(d, ticket)
        now = d.local_now
    for other in alike:
        error_note(
            f"Warning: open fault {other.id} ({v.system.code}, reported {other.reported_at:%Y-%m-%d %H:%M}) looks "
            f"alike: {other.symptom!r}; if it is the same fault, ask to void this one: "
            f'opsdesk fault void {ticket.id} --duplicate-of {other.id} --reason "重复报障"'
        )
    if as_json:
        from opsdesk.faults.views import fault_dict

        emit_json(fault_dict(v))
        return
    hours = "inside" if v.clocks.inside_hours else "outside"
    line(
        f"Opened fault {ticket.id} ({v.system.code}, {ticket.kind}) reported {ticket.reported_at:%Y-%m-%d %H:%M} "
        f"({hours} working hours)"
    )
    line(f"  {_deadlines(v)}" + (f" · owner {ticket.owner}" if ticket.owner else ""))
    overdue = [c for c in v.clocks if c.state == "overdue"]
    if overdue:  # reported a while ago (--at): a clock may have run out before it was logged
        line(
            "  "
            + " · ".join(f"{c.name} {clock_cell(c, now, v.working_day)}" for c in overdue)
            + ": if it was done, record it with --at",
            style="red",
        )
    warn_unconfirmed(v)


@fault_app.command("assign")
def fault_assign(
    ticket_id: IdArg,
    owner: Annotated[str, typer.Argument(metavar="NAME", help="A name on the staff roster, on duty today.")],
) -> None:
    """Make someone on the roster the owner of a fault: the one its alerts name and mention.

    Example: opsdesk fault assign 12 张伟
    """
    from opsdesk.faults.tickets import assign

    with desk() as d:
        ticket = assign(d, ticket_id, owner)
    line(f"Fault {ticket.id}: owned by {ticket.owner}")


def _step_done(what: str, v: FaultView, clock_name: str | None) -> None:
    t = v.ticket
    text = f"Fault {t.id}: {what}"
    if clock_name:
        clock = getattr(v.clocks, clock_name)
        text += (
            f" — {clock_name} {clock_left(clock, v.working_day)} (deadline {clock.deadline:%Y-%m-%d %H:%M}"
            f"{met_until(clock)})"
        )
    line(text, style=clock_style(getattr(v.clocks, clock_name)) if clock_name else None)


@fault_app.command("respond")
def fault_respond(ticket_id: IdArg, at: AtOpt = None) -> None:
    """Record the response (the engineer answered the report).

    Example: opsdesk fault respond 12 --at 14:35
    """
    from opsdesk.faults.corrections import check_step
    from opsdesk.faults.tickets import respond
    from opsdesk.faults.views import view

    with desk() as d:
        check_step(d, ticket_id, "responded", at)
        v = view(d, respond(d, ticket_id, at))
    _step_done(f"responded at {v.ticket.responded_at:%Y-%m-%d %H:%M}", v, "response")


@fault_app.command("arrive")
def fault_arrive(ticket_id: IdArg, at: AtOpt = None) -> None:
    """Record arrival on site.

    Example: opsdesk fault arrive 12 --at 15:10
    """
    from opsdesk.faults.corrections import check_step
    from opsdesk.faults.tickets import arrive
    from opsdesk.faults.views import view

    with desk() as d:
        check_step(d, ticket_id, "arrived", at)
        v = view(d, arrive(d, ticket_id, at))
    _step_done(f"on site at {v.ticket.arrived_at:%Y-%m-%d %H:%M}", v, "arrival")


@fault_app.command("remote")
def fault_remote(ticket_id: IdArg, at: AtOpt = None) -> None:
    """Record that the fault is handled remotely (no visit needed if resolved before the arrival deadline).

    Example: opsdesk fault remote 12
    """
    from opsdesk.faults.corrections import check_step
    from opsdesk.faults.tickets import remote
    from opsdesk.faults.views import view

    with desk() as d:
        check_step(d, ticket_id, "remote", at)
        v = view(d, remote(d, ticket_id, at))
    line(
        f"Fault {v.ticket.id}: handled remotely from {v.ticket.remote_at:%Y-%m-%d %H:%M}; resolve it before "
        f"{v.clocks.arrival.deadline:%Y-%m-%d %H:%M} or an arrival on site is due"
    )


@fault_app.command("resolve")
def fault_resolve(
    ticket_id: IdArg,
    cause: Annotated[str, typer.Option(help="原因分析: what caused it.")],
    action: Annotated[str, typer.Option(help="处理过程: what was done.")],
    result: Annotated[str | None, typer.Option(help="处理结果: the outcome (left empty if not given).")] = None,
    at: AtOpt = None,
) -> None:
    """Record that service is restored, with cause and action.

    Example: opsdesk fault resolve 12 --cause "显示服务进程挂死" --action "重启服务并加守护"
    """
    from opsdesk.faults.corrections import check_step
    from opsdesk.faults.tickets import resolve
    from opsdesk.faults.views import view

    with desk() as d:
        check_step(d, ticket_id, "resolved", at)
        v = view(d, resolve(d, ticket_id, cause=cause, action=action, result=result, at=at))
    _step_done(f"resolved at {v.ticket.resolved_at:%Y-%m-%d %H:%M}", v, "resolution")
    for clock in (v.clocks.response, v.clocks.arrival):
        if clock.state in ("breached", "overdue"):
            line(f"  {clock.name} {clock_left(clock, v.working_day)}", style="red")


@fault_app.command("confirm")
def fault_confirm(
    ticket_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="The hospital person who confirms (院方确认人).")],
    comment: Annotated[str | None, typer.Option(help="Their comment.")] = None,
    at: AtOpt = None,
) -> None:
    """Record the hospital's confirmation of a resolved fault (双方确认).

    Example: opsdesk fault confirm 12 --by 李工 --comment 已恢复
    """
    from opsdesk.faults.tickets import confirm

    with desk() as d:
        ticket = confirm(d, ticket_id, by=by, comment=comment, at=at)
    line(f"Fault {ticket.id}: confirmed by {ticket.confirmed_by} at {ticket.confirmed_at:%Y-%m-%d %H:%M}")


@fault_app.command("note")
def fault_note(
    ticket_id: IdArg,
    text: Annotated[str, typer.Argument(help="The remark.")],
    at: AtOpt = None,
) -> None:
    """Add a dated remark to a fault's timeline.

    Example: opsdesk fault note 12 "已联系厂商，等待补丁"
    """
    from opsdesk.faults.tickets import add_note, note_number

    with desk() as d:
        note = add_note(d, ticket_id, text, at)
        number = note_number(d, note)
    line(f"Fault {ticket_id}: note {number} at {note.at:%Y-%m-%d %H:%M}")


EditOpt = Annotated[str | None, typer.Option()]
# The fields `fault edit` and `fault correct` can change, as options, in the order --help lists them.
FIELD_OPTIONS: list[tuple[str, Any]] = [
    ("at", Annotated[str | None, typer.Option("--at", help="Corrected report time.")]),
    *((name, EditOpt) for name in ("symptom", "kind", "reporter", "dept", "phone", "channel", "ref", "impact")),
    ("responded", Annotated[str | None, typer.Option(help="Corrected response time.")]),
    ("arrived", Annotated[str | None, typer.Option(help="Corrected arrival time.")]),
    ("remote", Annotated[str | None, typer.Option(help="Corrected remote-handling time.")]),
    ("resolved", Annotated[str | None, typer.Option(help="Corrected resolution time.")]),
    *((name, EditOpt) for name in ("cause", "action", "result")),
]


def with_field_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command taking ``**fields`` the editable-field options (shared by edit and correct)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        for name, annotation in FIELD_OPTIONS
    ]
    command.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return command


def _edit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The options as the library names the fields (--at is the report time)."""
    named = {name: value for name, value in fields.items() if name != "at"}
    named["reported"] = fields["at"]
    return named


EditReasonOpt = Annotated[
    str, typer.Option(help="Why: kept with the edit; the hospital reads it if it must agree to the edit.")
]


@fault_app.command("edit")
@with_field_options
def fault_edit(ticket_id: IdArg, reason: EditReasonOpt, **fields: str | None) -> None:
    """Change an unconfirmed fault; the old values stay in the history. Prints the verdicts it changes;
    one that would improve a verdict the hospital has seen is a correction request it agrees to first.

    Example: opsdesk fault edit 12 --reason "报修时间记错" --at "2026-11-25 14:20" --reporter 王护士长
    """
    from opsdesk.faults.corrections import edit

    with desk() as d:
        outcome = edit(d, ticket_id, reason, **_edit_fields(fields))
    _edited(outcome, "changed")


@fault_app.command("correct")
@with_field_options
def fault_correct(
    ticket_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why the confirmed record is corrected.")],
    **fields: str | None,
) -> None:
    """Correct a confirmed fault with a visible correction entry; one that would improve a verdict is a
    correction request the hospital agrees to first.

    Example: opsdesk fault correct 12 --reason "到场时间记错" --arrived "2026-11-25 15:05"
    """
    from opsdesk.faults.corrections import correct

    with desk() as d:
        outcome = correct(d, ticket_id, reason, **_edit_fields(fields))
    _edited(outcome, "corrected")


def _edited(outcome: EditOutcome, done: str) -> None:
    from opsdesk.cli.fault_render import change_text, shorter_text

    fault = f"Fault {outcome.ticket_id}"
    shown = ", ".join("report time" if name == "reported" else name for name in outcome.fields)
    verdicts = "; ".join(
        filter(None, (change_text(outcome.changes) if outcome.changes else "", shorter_text(outcome.shorter)))
    ) or ("no verdict changes")
    if outcome.request is not None:
        n = outcome.request.id
        line(
            f"{fault}: nothing changed yet: correction request {n} ({shown}) would change {verdicts}, and the "
            f"hospital has seen its verdicts ({outcome.seen}); it counts once the hospital agrees "
            f"(`opsdesk confirm exception {n} --by NAME`, or --refuse)"
        )
    elif outcome.correction is not None:
        c = outcome.correction
        line(f"{fault}: corrected {shown} (correction {c.id}: {c.reason}): {verdicts}")
    else:
        line(f"{fault}: {done} {shown} (old values kept in the history): {verdicts}")


@fault_app.command("show")
def fault_show(ticket_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show one fault: its details, every clock, and its timeline.

    Example: opsdesk fault show 12
    """
    import json
    from dataclasses import asdict

    from opsdesk.contract.overrides import rejudged
    from opsdesk.faults.edits import field_edits
    from opsdesk.faults.requests import exception_dict, list_exceptions
    from opsdesk.faults.tickets import get_ticket
    from opsdesk.faults.views import fault_dict, timeline, view
    from opsdesk.store.history import event_line

    with desk(write=False) as d:
        now = d.local_now
        v = view(d, get_ticket(d, ticket_id))
        extra = timeline(d, ticket_id)
        requests = list_exceptions(d, ticket_id=ticket_id)
        rejudges = rejudged(d, v.ticket)
    data = fault_dict(v)
    edits = field_edits(extra.events)
    data["edits"] = [
        {
            "event": e.event,
            "action": e.action,
            "by": e.by,
            "recorded_at": e.at,
            "field": e.name,
            "before": e.before,
            "after": e.after,
        }
        for e in edits
    ]
    data["exception_requests"] = [exception_dict(x) for x in requests]
    numbers = {n.id: i for i, n in enumerate(sorted(extra.notes, key=lambda n: n.id), start=1)}  # as written
    data["notes"] = [{"id": n.id, "number": numbers[n.id], "at": n.at, "by": n.by, "text": n.text} for n in extra.notes]
    data["corrections"] = [
        {"id": c.id, "reason": c.reason, "by": c.by, "recorded_at": c.recorded_at, "changes": json.loads(c.changes)}
        for c in extra.corrections
    ]
    data["history"] = [event_line(e) for e in extra.events]
    data["rejudged"] = [asdict(r) for r in rejudges]
    if as_json:
        emit_json(data)
        return
    print_fault(v, data, edits, requests, rejudges, now)


@fault_app.command("explain")
def fault_explain(
    ticket_id: IdArg,
    clock: Annotated[str, typer.Argument(help="response, arrival or resolution.")] = "resolution",
    as_recorded: Annotated[bool, typer.Option("--as-recorded", help="Before agreed exceptions (pauses).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Explain a clock: the working-time ledger, day by day (agreed pauses shown), a person can check by hand.

    Example: opsdesk fault explain 12 resolution
    """
    from opsdesk.faults.tickets import get_ticket
    from opsdesk.faults.views import view
    from opsdesk.sla.clocks import explain_clock

    clock = clock.strip().lower()
    if clock not in ("response", "arrival", "resolution"):
        raise InvalidInput(f"unknown clock {clock!r}; use response, arrival or resolution")
    with desk(write=False) as d:
        v = view(d, get_ticket(d, ticket_id), as_recorded=as_recorded)
        chosen = getattr(v.clocks, clock)
        calendar = d.calendar_for(d.terms_at(v.ticket.reported_at))  # the hours that judged it, not today's
        now = d.local_now
        ledger = explain_clock(calendar, chosen, v.ticket.reported_at, now)
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
            "why": e.why,
            "projected_minutes": e.projected // 60,
            "paused_minutes": e.paused // 60,
        }
        for e in ledger.days
    ]
    elapsed = timedelta(seconds=ledger.days[-1].running_total) if ledger.days else timedelta(0)
    if as_json:
        emit_json(
            {
                "id": ticket_id,
                "clock": clock,
                "basis": chosen.basis,
                "state": chosen.state,
                "target_minutes": int(chosen.target.total_seconds() // 60),
                "deadline": chosen.deadline,
                "met_until": chosen.met_until,
                "start": ledger.start,
                "end": ledger.end,
                "total_minutes": int(ledger.total.total_seconds() // 60),
                "elapsed_minutes": int(elapsed.total_seconds() // 60),
                "paused_minutes": int(ledger.paused.total_seconds() // 60),
                "pauses": [{"from": a, "to": b} for a, b in chosen.pauses],
                "exceptions": list(v.agreed.ids) if v.agreed else [],
                "unconfirmed_years": list(ledger.unconfirmed_years),
                "days": days,
            }
        )
        return
    line(
        f"Fault {ticket_id} {clock} clock ({chosen.basis} time): "
        f"target {span_of(chosen.target, chosen, v.working_day)}, "
        f"deadline {chosen.deadline:%Y-%m-%d %H:%M}{met_until(chosen)}, {clock_left(chosen, v.working_day)}"
    )
    paused = [e["paused_minutes"] for e in days]
    rows = [
        _ledger_row(e, now, chosen, v.working_day) + ([e["paused_minutes"] or "-"] if any(paused) else []) for e in days
    ]
    table(
        f"From {ledger.start:%Y-%m-%d %H:%M} to {ledger.end:%Y-%m-%d %H:%M}",
        ["day", "clock ran", "minutes", "why (not) counted", "total"] + (["paused"] if any(paused) else []),
        rows,
        [None if e["minutes"] or not e["projected_minutes"] else "dim" for e in days],
        short={"why (not) counted": "why"},  # the reason wraps, never cut: a holiday keeps its name
    )
    if any(e["projected_minutes"] for e in days):
        line("(in brackets) the working time still to come: a projection, not counted", style="dim")
    target = span_of(chosen.target, chosen, v.working_day)
    if chosen.state == "running":
        line(
            f"So far {span_of(elapsed, chosen, v.working_day)} of {target}; the rest is a projection: "
            f"the target runs out at {chosen.deadline:%Y-%m-%d %H:%M}{met_until(chosen)}"
        )
    else:
        line(f"Total {span_of(ledger.total, chosen, v.working_day)} of {target}")
    if chosen.pauses and v.agreed is not None:  # pauses are agreed exceptions
        spans = ", ".join(f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}" for a, b in chosen.pauses)
        line(
            f"Paused by agreement ({spans}): {span_of(ledger.paused, chosen, v.working_day)} of working time not "
            f"counted; the deadline moved by as much (exceptions {', '.join(map(str, v.agreed.ids))})"
        )


def _ledger_row(e: dict[str, Any], now: datetime, clock, working_day: timedelta) -> list[Any]:
    """One day of a ledger: the time counted, or (in brackets) the time still to come after now."""
    ran = f"{e['from']:%H:%M}–{e['to']:%H:%M}" if e["from"] else "-"
    minutes: Any = e["minutes"] if e["from"] else "-"
    if e["projected_minutes"]:
        start = max(e["from"], now)
        ran = f"({start:%H:%M}–{e['to']:%H:%M})" if not e["minutes"] else f"{e['from']:%H:%M}–{now:%H:%M}"
        minutes = f"{e['minutes']} ({e['projected_minutes']})" if e["minutes"] else f"({e['projected_minutes']})"
    plain_working = e["kind"] == "working" and (e["minutes"] or e["projected_minutes"] or e["paused_minutes"])
    why = "" if plain_working else e["why"]
    return [
        f"{e['day']:%Y-%m-%d %a}",
        ran,
        minutes,
        why,
        span_of(timedelta(minutes=e["running_total_minutes"]), clock, working_day),
    ]


@fault_app.command("list")
def fault_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only unresolved faults.")] = False,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    month: Annotated[str | None, typer.Option(help="Reported in this month, YYYY-MM.")] = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only faults with a breached clock.")] = False,
    late: Annotated[bool, typer.Option("--late", help="Only faults with a step recorded late.")] = False,
    search: Annotated[str | None, typer.Option(help="Only faults with this text in symptom, cause or notes.")] = None,
    reporter: Annotated[str | None, typer.Option(help="Only faults reported by this person.")] = None,
    dept: Annotated[str | None, typer.Option(help="Only faults reported from this department.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only the faults this person on the roster owns.")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the faults you own (--by / OPSDESK_USER).")] = False,
    by_time: Annotated[
        bool, typer.Option("--by-time", help="Oldest report first, as --json lists them (default: most urgent first).")
    ] = False,
    as_recorded: Annotated[
        bool, typer.Option("--as-recorded", help="Judge each fault as recorded, before agreed exceptions.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List faults with their clocks, after the exceptions the hospital agreed to, most urgent first.

    Example: opsdesk fault list --open --system queue
    """
    from opsdesk.contract.people import actor_on_roster
    from opsdesk.faults.views import FaultFilter, fault_dict, list_faults, urgency
    from opsdesk.timeparse import parse_month

    if owner is not None and mine:
        raise typer.BadParameter("give either --owner NAME or --mine, not both")
    month_value = parse_month(month) if month else None
    where = FaultFilter(search=search, reporter=reporter, dept=dept)
    with desk(write=False) as d:
        views = list_faults(
            d,
            open_only=open_only,
            system=system,
            kind=kind,
            month=month_value,
            breached=breached,
            late=late,
            where=where,
            owner=actor_on_roster(d) if mine else owner,
            as_recorded=as_recorded,
        )
        now = d.local_now
    if as_json:  # for scripts, a stable order: oldest report first
        emit_json([fault_dict(v) for v in views])
        return
    if not by_time:
        views.sort(key=urgency)
    fault_table(f"{len(views)} fault(s)", views, now)

"""`opsdesk fault ...`: fault tickets, from the first call to the hospital's confirmation."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk.commands.common import AtOpt, JsonOpt, desk, sub_app
from opsdesk.errors import InvalidInput
from opsdesk.output import emit_json, fits, line, span, table, warn_unpublished

if TYPE_CHECKING:
    from opsdesk.faults import FaultView

fault_app = sub_app("Fault tickets (故障 / 系统错误 / 数据错误): from the first call to the hospital's confirmation.")
IdArg = Annotated[int, typer.Argument(metavar="ID")]


def _span(delta: timedelta, clock, working_day: timedelta) -> str:
    """Wall-clock durations in 24-hour days; working time in working days (SPEC: 1 working day = 10 h)."""
    return span(delta, working_day if clock.basis == "working" else None)


def clock_left(clock, working_day: timedelta = timedelta(hours=10)) -> str:
    if clock.state == "running":
        return f"{_span(clock.margin, clock, working_day)} left"
    if clock.state in ("overdue", "breached"):  # late by part of a minute is shown as 1m, never 0m
        late = timedelta(minutes=math.ceil(-clock.margin / timedelta(minutes=1)))
        return f"{'OVERDUE' if clock.state == 'overdue' else 'late'} {_span(late, clock, working_day)}"
    return {"met": "met", "not_applicable": "n/a", "time_unknown": "time unknown"}[clock.state]


def met_until(clock) -> str:
    """``, met until ...`` for a deadline at the end of a working day (no working time passes
    until the next working minute), else nothing."""
    return "" if clock.met_until == clock.deadline else f", met until {clock.met_until:%Y-%m-%d %H:%M}"


def clock_style(clock) -> str | None:
    if clock.state in ("overdue", "breached"):
        return "red"
    if clock.state == "running" and clock.margin * 4 < clock.target:
        return "yellow"
    return None


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
    from opsdesk.faults import open_fault, view

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
        v = view(d, ticket)
    if as_json:
        from opsdesk.faults import fault_dict

        emit_json(fault_dict(v))
        return
    hours = "inside" if v.clocks.inside_hours else "outside"
    line(
        f"Opened fault {ticket.id} ({v.system.code}, {ticket.kind}) reported {ticket.reported_at:%Y-%m-%d %H:%M} "
        f"({hours} working hours)"
    )
    line(f"  {_deadlines(v)}" + (f" · owner {ticket.owner}" if ticket.owner else ""))
    _warn_unconfirmed(v)


@fault_app.command("assign")
def fault_assign(
    ticket_id: IdArg,
    owner: Annotated[str, typer.Argument(metavar="NAME", help="A name on the staff roster, on duty today.")],
) -> None:
    """Make someone on the roster the owner of a fault: the one its alerts name and mention.

    Example: opsdesk fault assign 12 张伟
    """
    from opsdesk.faults import assign

    with desk() as d:
        ticket = assign(d, ticket_id, owner)
    line(f"Fault {ticket.id}: owned by {ticket.owner}")


def _warn_unconfirmed(v: FaultView) -> None:
    warn_unpublished({y for c in v.clocks for y in c.unconfirmed_years})


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
    from opsdesk.faults import respond, view

    with desk() as d:
        v = view(d, respond(d, ticket_id, at))
    _step_done(f"responded at {v.ticket.responded_at:%Y-%m-%d %H:%M}", v, "response")


@fault_app.command("arrive")
def fault_arrive(ticket_id: IdArg, at: AtOpt = None) -> None:
    """Record arrival on site.

    Example: opsdesk fault arrive 12 --at 15:10
    """
    from opsdesk.faults import arrive, view

    with desk() as d:
        v = view(d, arrive(d, ticket_id, at))
    _step_done(f"on site at {v.ticket.arrived_at:%Y-%m-%d %H:%M}", v, "arrival")


@fault_app.command("remote")
def fault_remote(ticket_id: IdArg, at: AtOpt = None) -> None:
    """Record that the fault is handled remotely (no visit needed if resolved before the arrival deadline).

    Example: opsdesk fault remote 12
    """
    from opsdesk.faults import remote, view

    with desk() as d:
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
    from opsdesk.faults import resolve, view

    with desk() as d:
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
    from opsdesk.faults import confirm

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
    from opsdesk.faults import add_note, note_number

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
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
             for name, annotation in FIELD_OPTIONS]  # fmt: skip
    command.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    return command


def _edit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The options as the library names the fields (--at is the report time)."""
    named = {name: value for name, value in fields.items() if name != "at"}
    named["reported"] = fields["at"]
    return named


@fault_app.command("edit")
@with_field_options
def fault_edit(ticket_id: IdArg, **fields: str | None) -> None:
    """Change an unconfirmed fault; the old values stay in the history.

    Example: opsdesk fault edit 12 --at "2026-11-25 14:20" --reporter 王护士长
    """
    from opsdesk.faults import edit

    with desk() as d:
        changed = edit(d, ticket_id, **_edit_fields(fields))
    shown = ", ".join("report time" if name == "reported" else name for name in changed)
    line(f"Fault {ticket_id}: changed {shown} (old values kept in the history)")


@fault_app.command("correct")
@with_field_options
def fault_correct(
    ticket_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why the confirmed record is corrected.")],
    **fields: str | None,
) -> None:
    """Correct a confirmed fault with a visible correction entry.

    Example: opsdesk fault correct 12 --reason "到场时间记错" --arrived "2026-11-25 15:05"
    """
    from opsdesk.faults import correct

    with desk() as d:
        correction = correct(d, ticket_id, reason, **_edit_fields(fields))
    line(f"Fault {ticket_id}: correction {correction.id} recorded ({reason})")


@fault_app.command("show")
def fault_show(ticket_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show one fault: its details, every clock, and its timeline.

    Example: opsdesk fault show 12
    """
    import json

    from opsdesk.faults import fault_dict, get_ticket, timeline, view
    from opsdesk.history import event_line
    from opsdesk.timeparse import stored_minute

    with desk(write=False) as d:
        v = view(d, get_ticket(d, ticket_id))
        extra = timeline(d, ticket_id)
    data = fault_dict(v)
    numbers = {n.id: i for i, n in enumerate(sorted(extra.notes, key=lambda n: n.id), start=1)}  # as written
    data["notes"] = [{"id": n.id, "number": numbers[n.id], "at": n.at, "by": n.by, "text": n.text}
                     for n in extra.notes]  # fmt: skip
    data["corrections"] = [
        {"id": c.id, "reason": c.reason, "by": c.by, "recorded_at": c.recorded_at, "changes": json.loads(c.changes)}
        for c in extra.corrections
    ]
    data["history"] = [event_line(e) for e in extra.events]
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
        ("owner", "owner"),
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
    if t.time_unknown:
        line(f"  {TIME_UNKNOWN}: the platform gave the date only; record it with "
             f'`opsdesk fault edit {t.id} --at "{t.reported_at:%Y-%m-%d} HH:MM"`', style="yellow")  # fmt: skip
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
                clock_left(c, v.working_day),
            ]
            for c in v.clocks
        ],
        [clock_style(c) for c in v.clocks],
        optional=("basis", "actual", "target"),
    )
    if v.clocks.resolution.met_until != v.clocks.resolution.deadline and v.clocks.resolution.state == "running":
        line(f"  resolution: no working time passes after the deadline, so a fix until "
             f"{v.clocks.resolution.met_until:%Y-%m-%d %H:%M} still meets it")  # fmt: skip
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
        table("Notes", ["#", "at", "by", "note"], [[n["number"], n["at"], n["by"], n["text"]] for n in data["notes"]],
              flex="note")  # fmt: skip
    table(
        "History",
        ["event", "recorded", "by", "action", "happened"],
        [[h["id"], h["recorded_at"], h["actor"], h["action"], h["happened_at"]] for h in data["history"]],
    )


@fault_app.command("explain")
def fault_explain(
    ticket_id: IdArg,
    clock: Annotated[str, typer.Argument(help="response, arrival or resolution.")] = "resolution",
    as_json: JsonOpt = False,
) -> None:
    """Explain a clock: the working-time ledger, day by day, a person can check by hand.

    Example: opsdesk fault explain 12 resolution
    """
    from opsdesk.faults import get_ticket, view
    from opsdesk.sla import explain_clock

    clock = clock.strip().lower()
    if clock not in ("response", "arrival", "resolution"):
        raise InvalidInput(f"unknown clock {clock!r}; use response, arrival or resolution")
    with desk(write=False) as d:
        v = view(d, get_ticket(d, ticket_id))
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
                "unconfirmed_years": list(ledger.unconfirmed_years),
                "days": days,
            }
        )
        return
    line(
        f"Fault {ticket_id} {clock} clock ({chosen.basis} time): target {_span(chosen.target, chosen, v.working_day)}, "
        f"deadline {chosen.deadline:%Y-%m-%d %H:%M}{met_until(chosen)}, {clock_left(chosen, v.working_day)}"
    )
    rows = [_ledger_row(e, now, chosen, v.working_day) for e in days]
    table(
        f"From {ledger.start:%Y-%m-%d %H:%M} to {ledger.end:%Y-%m-%d %H:%M}",
        ["day", "clock ran", "minutes", "why (not) counted", "total"],
        rows,
        [None if e["minutes"] or not e["projected_minutes"] else "dim" for e in days],
        flex="why (not) counted",
        short={"why (not) counted": "why"},
    )
    if any(e["projected_minutes"] for e in days):
        line("(in brackets) the working time still to come: a projection, not counted", style="dim")
    target = _span(chosen.target, chosen, v.working_day)
    if chosen.state == "running":
        line(
            f"So far {_span(elapsed, chosen, v.working_day)} of {target}; the rest is a projection: "
            f"the target runs out at {chosen.deadline:%Y-%m-%d %H:%M}{met_until(chosen)}"
        )
    else:
        line(f"Total {_span(ledger.total, chosen, v.working_day)} of {target}")


def _ledger_row(e: dict[str, Any], now: datetime, clock, working_day: timedelta) -> list[Any]:
    """One day of a ledger: the time counted, or (in brackets) the time still to come after now."""
    ran = f"{e['from']:%H:%M}–{e['to']:%H:%M}" if e["from"] else "-"
    minutes: Any = e["minutes"] if e["from"] else "-"
    if e["projected_minutes"]:
        start = max(e["from"], now)
        ran = f"({start:%H:%M}–{e['to']:%H:%M})" if not e["minutes"] else f"{e['from']:%H:%M}–{now:%H:%M}"
        minutes = f"{e['minutes']} ({e['projected_minutes']})" if e["minutes"] else f"({e['projected_minutes']})"
    plain_working = e["kind"] == "working" and (e["minutes"] or e["projected_minutes"])
    why = "" if plain_working else e["why"]
    return [f"{e['day']:%Y-%m-%d %a}", ran, minutes, why, _span(timedelta(minutes=e["running_total_minutes"]),
            clock, working_day)]  # fmt: skip


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
    as_json: JsonOpt = False,
) -> None:
    """List faults with their clocks, most urgent first (the least time left on a running clock; --json: oldest first).

    Example: opsdesk fault list --open --system queue
    """
    from opsdesk.faults import FaultFilter, fault_dict, list_faults, urgency
    from opsdesk.people import actor_on_roster
    from opsdesk.timeparse import parse_month

    if owner is not None and mine:
        raise typer.BadParameter("give either --owner NAME or --mine, not both")
    month_value = parse_month(month) if month else None
    where = FaultFilter(search=search, reporter=reporter, dept=dept)
    with desk(write=False) as d:
        views = list_faults(
            d, open_only=open_only, system=system, kind=kind, month=month_value, breached=breached, late=late,
            where=where, owner=actor_on_roster(d) if mine else owner,
        )  # fmt: skip
        now = d.local_now
    if as_json:  # for scripts, a stable order: oldest report first
        emit_json([fault_dict(v) for v in views])
        return
    if not by_time:
        views.sort(key=urgency)
    fault_table(f"{len(views)} fault(s)", views, now)


def fault_table(title: str, views: list[FaultView], now: datetime) -> None:
    """Faults with their clocks, deadlines as local times; an id marked * has a step recorded more
    than an hour late. On a terminal narrower than the full table, the three clocks share one
    column that names only those not met, and the symptom is shortened."""
    from opsdesk.faults import fault_status

    rows = []
    for v in views:
        t = v.ticket
        clocks = [(clock_cell(c, now, v.working_day), clock_style(c)) for c in v.clocks]
        reported = f"{t.reported_at:%Y-%m-%d} ??:??" if t.time_unknown else t.reported_at
        rows.append([_marked(v), v.system.code, t.kind, reported, fault_status(t), *clocks, t.owner,
                     t.symptom])  # fmt: skip
    columns = ["id", "system", "kind", "reported", "status", "response", "arrival", "resolution", "owner", "symptom"]
    if fits(columns, rows, flex="symptom"):
        table(title, columns, rows, flex="symptom")
    else:
        rows = [[_marked(v), v.system.code, f"{v.ticket.reported_at:%m-%d} ??:??" if v.ticket.time_unknown else
                 f"{v.ticket.reported_at:%m-%d %H:%M}", _clocks_cell(v, now), v.ticket.owner, v.ticket.symptom]
                for v in views]  # fmt: skip
        table(title, ["id", "system", "reported", "clocks", "owner", "symptom"], rows,
              [_row_style(v) for v in views], flex="symptom", optional=("system", "owner", "reported"))  # fmt: skip
    if any(v.late for v in views):
        line("* recorded more than an hour after it happened", style="yellow")
    if any(v.ticket.time_unknown for v in views):
        line(
            f"? {TIME_UNKNOWN}: imported with a date only; record it with `opsdesk fault edit ID --at`", style="yellow"
        )


TIME_UNKNOWN = "report time of day unknown"


def _marked(v: FaultView) -> str | int:
    """A fault's id, marked * when a step was recorded late and ? when its time of day is unknown."""
    t = v.ticket
    marked = f"{t.id}{'*' if v.late else ''}{'?' if t.time_unknown else ''}"
    return marked if marked != str(t.id) else t.id


CLOCK_VERBS = {"response": "respond", "arrival": "on site", "resolution": "resolve"}


def _when(moment: datetime, now: datetime) -> str:
    """A deadline as people read it: 15:00 today, else 周二 12-01 17:59."""
    if moment.date() == now.astimezone(moment.tzinfo).date():
        return f"{moment:%H:%M}"
    return f"{WEEKDAYS[moment.weekday()]} {moment:%m-%d %H:%M}"


WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def clock_cell(clock, now: datetime, working_day: timedelta) -> str:
    """A clock for a list: a running one by its deadline as a time and the time left; an overdue
    one since when and by how much, in its own unit (working time for resolution)."""

    def labelled(delta: timedelta) -> str:  # working time says so, also under one working day
        text = _span(delta, clock, working_day)
        return text if clock.basis != "working" or "working" in text else f"{text} working"

    if clock.state == "running":
        if now >= clock.deadline:  # a working clock whose time ran out at the end of a working day
            return f"no working time left: breaches at {_when(clock.met_until, now)}"
        return f"by {_when(clock.deadline, now)} ({labelled(clock.margin)})"
    late = timedelta(minutes=math.ceil(-clock.margin / timedelta(minutes=1)))
    if clock.state == "overdue":
        return f"OVERDUE since {_when(clock.met_until, now)} ({labelled(late)})"
    if clock.state == "breached":
        return f"late {labelled(late)}"
    return clock_left(clock, working_day)


def _clocks_cell(v: FaultView, now: datetime) -> str:
    """The clocks of one fault that are not met or not applicable, each named on a line, the
    resolution first (its deadline is the one that stays); "met" if none."""
    order = (v.clocks.resolution, v.clocks.response, v.clocks.arrival)  # the resolution's deadline first
    parts = [f"{CLOCK_VERBS[c.name] if c.state == 'running' else c.name} {clock_cell(c, now, v.working_day)}"
             for c in order if c.state not in ("met", "not_applicable")]  # fmt: skip
    return "\n".join(parts) or "met"


def _row_style(v: FaultView) -> str | None:
    styles = [clock_style(c) for c in v.clocks]
    return "red" if "red" in styles else ("yellow" if "yellow" in styles else None)

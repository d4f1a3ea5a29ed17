"""How faults and their clocks look to people: a clock's state and deadline as words and local times,
the fault tables that fit any terminal, the exception requests. Shared by the `fault`, `status` and
`report` commands."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.cli.output import fits, line, span, table, warn_unpublished

if TYPE_CHECKING:
    from opsdesk.contract.overrides import Rejudged
    from opsdesk.faults.edits import FieldEdit
    from opsdesk.faults.requests import ExceptionView
    from opsdesk.faults.views import FaultView


def span_of(delta: timedelta, clock, working_day: timedelta) -> str:
    """Wall-clock durations in 24-hour days; working time in working days (SPEC: 1 working day = 10 h)."""
    return span(delta, working_day if clock.basis == "working" else None)


def clock_left(clock, working_day: timedelta = timedelta(hours=10)) -> str:
    if clock.state == "running" and clock.paused_now:
        return f"paused, {span_of(clock.margin, clock, working_day)} left"
    if clock.state == "running":
        return f"{span_of(clock.margin, clock, working_day)} left"
    if clock.state in ("overdue", "breached"):  # late by part of a minute is shown as 1m, never 0m
        late = timedelta(minutes=math.ceil(-clock.margin / timedelta(minutes=1)))
        return f"{'OVERDUE' if clock.state == 'overdue' else 'late'} {span_of(late, clock, working_day)}"
    return {"met": "met", "not_applicable": "n/a", "time_unknown": "time unknown", "waived": "waived"}[clock.state]


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


def fault_table(title: str, views: list[FaultView], now: datetime) -> None:
    """Faults with their clocks, deadlines as local times; an id marked * has a step recorded more
    than an hour late. On a terminal narrower than the full table, the three clocks share one
    column that names only those not met, and the symptom is shortened."""
    from opsdesk.faults.views import fault_status

    rows = []
    for v in views:
        t = v.ticket
        clocks = [(clock_cell(c, now, v.working_day), clock_style(c)) for c in v.clocks]
        reported = f"{t.reported_at:%Y-%m-%d} ??:??" if t.time_unknown else t.reported_at
        rows.append(
            [
                _marked(v),
                v.system.code,
                t.kind,
                reported,
                "void" if v.voided else fault_status(t),
                *clocks,
                t.owner,
                t.symptom,
            ]
        )
    columns = ["id", "system", "kind", "reported", "status", "response", "arrival", "resolution", "owner", "symptom"]
    if fits(columns, rows, flex="symptom", flex_min=SYMPTOM_MIN):
        table(title, columns, rows, flex="symptom", flex_min=SYMPTOM_MIN)
    else:
        rows = [
            [
                _marked(v),
                v.system.code,
                f"{v.ticket.reported_at:%m-%d} ??:??"
                if v.ticket.time_unknown
                else f"{v.ticket.reported_at:%m-%d %H:%M}",
                "void" if v.voided else fault_status(v.ticket),
                "-" if v.voided else _clocks_cell(v, now),
                v.ticket.owner,
                v.ticket.symptom,
            ]
            for v in views
        ]
        table(
            title,
            ["id", "system", "reported", "status", "clocks", "owner", "symptom"],
            rows,
            [_row_style(v) for v in views],
            flex="symptom",
            optional=("reported", "system", "owner"),
            flex_min=SYMPTOM_MIN,
        )
    if any(v.late for v in views):
        line("* a step recorded after its clock's deadline, later than it happened", style="yellow")
    if any(v.ticket.time_unknown for v in views):
        line(
            f"? {TIME_UNKNOWN}: imported with a date only; record it with `opsdesk fault edit ID --reason ... --at`",
            style="yellow",
        )


TIME_UNKNOWN = "report time of day unknown"
SYMPTOM_MIN = 16  # cells a shortened symptom keeps (8 Chinese characters and …): the clocks wrap first


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
    one after which deadline and by how much, in its own unit (working time for resolution)."""

    def labelled(delta: timedelta) -> str:  # working time says so, also under one working day
        text = span_of(delta, clock, working_day)
        return text if clock.basis != "working" or "working" in text else f"{text} working"

    if clock.state == "running" and clock.paused_now:  # no deadline while paused: it moves with the pause
        return f"paused ({labelled(clock.margin)} left)"
    if clock.state == "running":
        if now.replace(second=0, microsecond=0) > clock.deadline:  # working time ran out at a day's end
            return f"no working time left: breaches after {_when(clock.met_until, now)}"
        return f"by {_when(clock.deadline, now)} ({labelled(clock.margin)})"
    late = timedelta(minutes=math.ceil(-clock.margin / timedelta(minutes=1)))
    if clock.state == "overdue":  # from the minute after the deadline: in its minute it is still met
        return f"OVERDUE after {_when(clock.met_until, now)} ({labelled(late)})"
    if clock.state == "breached":
        return f"late {labelled(late)}"
    return clock_left(clock, working_day)


def _clocks_cell(v: FaultView, now: datetime) -> str:
    """The clocks of one fault that are not met or not applicable, each named on a line: an overdue
    or breached one first, then the resolution (its deadline is the one that stays); "met" if none."""
    order = sorted(
        (v.clocks.resolution, v.clocks.response, v.clocks.arrival), key=lambda c: c.state not in ("overdue", "breached")
    )
    parts = [
        f"{CLOCK_VERBS[c.name] if c.state == 'running' and not c.paused_now else c.name} "
        f"{clock_cell(c, now, v.working_day)}"
        for c in order
        if c.state not in ("met", "not_applicable")
    ]
    return "\n".join(parts) or "met"


def _row_style(v: FaultView) -> str | None:
    styles = [clock_style(c) for c in v.clocks]
    return "red" if "red" in styles else ("yellow" if "yellow" in styles else None)


STATE_STYLE = {"pending": "yellow", "refused": "red", "agreed": None}


def change_text(changes) -> str:
    """What a request changes, for people: ``resolution breached → met (deadline ... → ...)``."""
    if changes and changes[0].after == "void":
        return "leaves every figure (was " + ", ".join(f"{c.clock} {c.before}" for c in changes) + ")"
    parts = []
    for c in changes:
        text = f"{c.clock} {c.before} → {c.after}"
        if c.deadline_before != c.deadline_after:
            text += f" (deadline {c.deadline_before:%Y-%m-%d %H:%M} → {c.deadline_after:%Y-%m-%d %H:%M})"
        parts.append(text)
    return "; ".join(parts) or "no verdict"


def shorter_text(shorter) -> str:
    """Breaches that stand but are shorter, for people: ``arrival late 7d0h55m → late 55m``."""
    return "; ".join(
        f"{s.clock} late {span(s.late_before, s.working_day)} → late {span(s.late_after, s.working_day)}"
        for s in shorter
    )


def asked_text(edit_values: str | None) -> str:
    """A correction request's fields as asked: ``arrived 2026-09-30 18:55``."""
    import json

    from opsdesk.faults.edits import FIELD_NAMES
    from opsdesk.timeparse import stored_minute

    parts = []
    for column, (_, after) in sorted(json.loads(edit_values or "{}").items()):
        shown = stored_minute(after) if column.endswith("_at") and isinstance(after, str) else after
        parts.append(f"{FIELD_NAMES[column]} {shown}")
    return ", ".join(parts)


def effect_text(x: ExceptionView) -> str:
    """What a request changes (a pending one: once agreed); a refused one changes nothing."""
    if x.state == "refused":
        return f"none: refused ({x.request.refuse_reason})"
    if not x.changes and x.request.type == "pause":
        return "resolution deadline moves by the working time paused (none yet)"
    return change_text(x.changes)


def exception_table(title: str, views: list[ExceptionView]) -> None:
    """Exception requests with their state and what they change (or would, once agreed)."""
    rows = []
    for x in views:
        r = x.request
        what = r.type + (f" of {r.duplicate_of}" if r.duplicate_of else "")
        if r.type == "pause":
            end = r.resumed_at or x.ticket.resolved_at  # a pause running at the fix ends there
            what += f" {r.paused_at:%m-%d %H:%M}–" + (f"{end:%m-%d %H:%M}" if end else "now")
        if r.type == "correction":
            what += " " + asked_text(r.edit_values)
        rows.append(
            [
                r.id,
                r.ticket_id,
                x.system.code,
                what,
                x.state,
                r.requested_by,
                r.requested_at,
                r.confirmed_by or r.refused_by,
                r.reason,
                effect_text(x),
            ]
        )
    table(
        title,
        ["id", "fault", "system", "exception", "state", "asked by", "asked", "hospital", "reason", "changes"],
        rows,
        [STATE_STYLE[x.state] for x in views],
        optional=("asked", "asked by", "system", "hospital"),
    )  # why it was asked and what it changes outlast who and when: both wrap rather than go


STEP_NAMES = {
    "reported": "report",
    "responded": "response",
    "arrived": "arrival",
    "remote": "remote handling",
    "resolved": "resolution",
}


def met_after_the_deadline(clock) -> None:
    """Say why a resolution after its deadline time can still be met: no working time passed."""
    if clock.met_until == clock.deadline:
        return
    if clock.state == "running":
        line(
            f"  resolution: no working time passes after the deadline, so a fix until "
            f"{clock.met_until:%Y-%m-%d %H:%M} still meets it"
        )
    elif clock.state == "met" and clock.actual is not None and clock.actual > clock.deadline:
        line(
            f"  resolution: resolved at {clock.actual:%Y-%m-%d %H:%M}, after {clock.deadline:%H:%M} but before "
            f"any more working time passed: met (it held until {clock.met_until:%Y-%m-%d %H:%M})"
        )


def warn_unconfirmed(v: FaultView) -> None:
    warn_unpublished({y for c in v.clocks for y in c.unconfirmed_years})


def print_as_recorded(v: FaultView) -> None:
    """The clocks agreed exceptions changed, as they were recorded (one line each)."""
    if v.agreed is None:
        return
    line(f"  after agreed exceptions {', '.join(map(str, v.agreed.ids))}; as recorded:", style="cyan")
    for before, after in zip(v.recorded or v.clocks, v.clocks, strict=True):
        if v.voided or before != after:
            line(
                f"    {before.name} {clock_left(before, v.working_day)} (deadline {before.deadline:%Y-%m-%d %H:%M})"
                + (f"; paused {span_of(after.paused, after, v.working_day)}" if after.paused else "")
            )


CLOCK_NAMES = ("response", "arrival", "resolution")


def print_fault(
    v: FaultView,
    data: dict[str, Any],
    edits: list[FieldEdit],
    requests: list[ExceptionView],
    rejudges: list[Rejudged],
    now: datetime,
) -> None:
    """`fault show` on a screen: the details, the clocks, the corrections, notes, edits, requests and history."""
    from opsdesk.timeparse import stored_minute

    t = v.ticket
    line(
        f"Fault {t.id} · {v.system.code} {v.system.name} · {t.kind} ({data['kind_name']}) · {data['status']}"
        + (f" · VOID by agreement (exception {v.agreed.void})" if v.agreed is not None and v.voided else ""),
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
    if t.remote_at:
        line(f"  handled remotely from {t.remote_at:%Y-%m-%d %H:%M}")
    if t.time_unknown:
        line(
            f"  {TIME_UNKNOWN}: the platform gave the date only; record it with "
            f'`opsdesk fault edit {t.id} --reason "补录报修时间" --at "{t.reported_at:%Y-%m-%d} HH:MM"`',
            style="yellow",
        )
    if v.late:
        steps = " and ".join(f"the {STEP_NAMES[step]}" for step in v.late)
        happened = (
            "they were recorded after their clocks' deadlines, later than they"
            if len(v.late) > 1
            else ("it was recorded after its clock's deadline, later than it")
        )
        line(f"  late entry: {steps}: {happened} happened", style="yellow")
    table(
        "Clocks",
        ["clock", "target", "basis", "deadline", "actual", "elapsed", "state"],
        [
            [
                c.name,
                span_of(c.target, c, v.working_day),
                c.basis,
                "paused" if c.paused_now else c.deadline,
                c.actual,
                span_of(c.elapsed, c, v.working_day),
                clock_cell(c, now, v.working_day)
                if c.state in ("overdue", "breached")
                else clock_left(c, v.working_day),
            ]
            for c in v.clocks
        ],
        [clock_style(c) for c in v.clocks],
        optional=("basis", "actual", "target"),
    )
    met_after_the_deadline(v.clocks.resolution)
    warn_unconfirmed(v)
    print_as_recorded(v)
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
        table(
            "Notes",
            ["#", "at", "by", "note"],
            [[n["number"], n["at"], n["by"], n["text"]] for n in data["notes"]],
            flex="note",
        )
    if edits:
        shown = [stored_minute(x) if e.column.endswith("_at") else x for e in edits for x in (e.before, e.after)]
        table(
            "Edits",
            ["event", "recorded", "by", "action", "field", "before", "after"],
            [[e.event, e.at, e.by, e.action, e.name, shown[2 * i], shown[2 * i + 1]] for i, e in enumerate(edits)],
        )
    if requests:
        exception_table("Exception requests", requests)
    for r in rejudges:
        changed = "; ".join(
            f"{name} {a} → {b}" for name, a, b in zip(CLOCK_NAMES, r.before, r.after, strict=True) if a != b
        )
        line(f"  re-judged by {r.what}, recorded {r.recorded_at:%Y-%m-%d %H:%M} by {r.by}: {changed}", style="magenta")
    table(
        "History",
        ["event", "recorded", "by", "action", "happened"],
        [[h["id"], h["recorded_at"], h["actor"], h["action"], h["happened_at"]] for h in data["history"]],
    )

"""`opsdesk fault void|waive|pause|resume|reopen|exceptions`: exceptions the hospital agrees to or
refuses (the vendor alone never removes a breach), and reopening a fix that did not hold.

The commands belong to the ``fault`` group (registered on its app here, beside it rather than in
cli/faults.py, which holds the fault's own lifecycle); the hospital's answer is
`opsdesk confirm exception` (cli/contract.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.cli.common import AtOpt, JsonOpt, desk
from opsdesk.cli.fault_render import clock_left, exception_table
from opsdesk.cli.faults import IdArg, fault_app
from opsdesk.cli.output import emit_json, line, span

if TYPE_CHECKING:
    pass

ReasonOpt = Annotated[str, typer.Option(help="Why: the hospital reads it when it agrees or refuses.")]


def _asked(r) -> None:
    from opsdesk.faults.requests import TYPE_NAMES

    line(
        f"Exception {r.id}: {TYPE_NAMES[r.type]} of fault {r.ticket_id} requested; no figure changes until the "
        f"hospital agrees (`opsdesk confirm exception {r.id} --by NAME`, or --refuse)"
    )


@fault_app.command("void")
def fault_void(
    ticket_id: IdArg,
    reason: ReasonOpt,
    duplicate_of: Annotated[int | None, typer.Option("--duplicate-of", help="The fault this one repeats.")] = None,
) -> None:
    """Ask the hospital to void a fault that should not count (duplicate, test entry, out of scope).

    Example: opsdesk fault void 14 --duplicate-of 12 --reason "同一故障重复报修"
    """
    from opsdesk.faults.requests import request_void

    with desk() as d:
        request = request_void(d, ticket_id, reason, duplicate_of)
    _asked(request)


@fault_app.command("waive")
def fault_waive(
    ticket_id: IdArg,
    clock: Annotated[str, typer.Argument(help="The clock to waive: arrival.")],
    reason: ReasonOpt,
) -> None:
    """Ask the hospital to waive a fault's arrival on site (it agreed remote handling was enough).

    Example: opsdesk fault waive 12 arrival --reason "院方同意远程处理，无需到场"
    """
    from opsdesk.faults.requests import request_waiver

    with desk() as d:
        request = request_waiver(d, ticket_id, clock, reason)
    _asked(request)


@fault_app.command("pause")
def fault_pause(ticket_id: IdArg, reason: ReasonOpt, at: AtOpt = None) -> None:
    """Pause the resolution clock while waiting on the hospital or a third party (the hospital agrees or refuses).

    Example: opsdesk fault pause 12 --reason "等待厂商提供补丁" --at 15:00
    """
    from opsdesk.faults.requests import pause

    with desk() as d:
        request = pause(d, ticket_id, reason, at)
    line(
        f"Fault {ticket_id}: resolution clock paused from {request.paused_at:%Y-%m-%d %H:%M} (exception {request.id}); "
        f"the pause counts once the hospital agrees (`opsdesk confirm exception {request.id} --by NAME`)"
    )


@fault_app.command("resume")
def fault_resume(ticket_id: IdArg, at: AtOpt = None) -> None:
    """End a pause: the resolution clock runs again.

    Example: opsdesk fault resume 12 --at "2026-12-08 10:00"
    """
    from opsdesk.faults.requests import list_exceptions, resume

    with desk() as d:
        request = resume(d, ticket_id, at)
        shown = next(x for x in list_exceptions(d, ticket_id=ticket_id) if x.request.id == request.id)
        working_day = d.terms_at(shown.ticket.reported_at).working_day_length
    assert shown.paused is not None  # a pause's request
    line(
        f"Fault {ticket_id}: resolution clock runs again from {request.resumed_at:%Y-%m-%d %H:%M}; the pause held "
        f"{span(shown.paused, working_day)} of working time (exception {request.id}, {shown.state})"
    )


@fault_app.command("reopen")
def fault_reopen(ticket_id: IdArg, reason: ReasonOpt, at: AtOpt = None) -> None:
    """Reopen a resolved, unconfirmed fault: its clock runs again from the report (no agreement needed).
    --at: when the fault came back (default now), at or after the fix.

    Example: opsdesk fault reopen 12 --reason "故障复现" --at 14:20
    """
    from opsdesk.faults.requests import reopen
    from opsdesk.faults.views import view

    with desk() as d:
        v = view(d, reopen(d, ticket_id, reason, at))
    clock = v.clocks.resolution
    line(
        f"Fault {ticket_id}: reopened; the resolution clock runs from the report: {clock_left(clock, v.working_day)} "
        f"(deadline {clock.deadline:%Y-%m-%d %H:%M})"
    )


@fault_app.command("exceptions")
def fault_exceptions(
    ticket_id: Annotated[int | None, typer.Option("--fault", help="Only this fault's.")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only those awaiting the hospital.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List exception requests (void, arrival waiver, pause): state, reason, and the verdicts each changes.

    Example: opsdesk fault exceptions --pending
    """
    from opsdesk.faults.requests import exception_dict, list_exceptions

    with desk(write=False) as d:
        views = list_exceptions(d, ticket_id=ticket_id, pending_only=pending)
    if as_json:
        emit_json([exception_dict(x) for x in views])
        return
    exception_table(f"{len(views)} exception request(s)", views)
    line(
        "changes: what each request alone does against the clocks as recorded (a pending one: once agreed)", style="dim"
    )

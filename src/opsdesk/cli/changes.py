"""`opsdesk change ...`: change requests (修改调整)."""

from __future__ import annotations

from typing import Annotated

import typer

from opsdesk.cli.common import AtOpt, JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table, warn_unpublished

change_app = sub_app("Change requests (修改调整): review, implementation, acceptance, warranty.")
IdArg = Annotated[int, typer.Argument(metavar="ID")]


def _state(v) -> str:
    c = v.change
    if c.implemented_at is None:
        return f"LATE {-v.days_left}d" if v.overdue else f"{v.days_left}d left"
    return "delivered late" if v.delivered_late else "delivered"


@change_app.command("open")
def change_open(
    system: Annotated[str, typer.Argument(help="System code.")],
    title: Annotated[str, typer.Argument(help="What the hospital asks for.")],
    type: Annotated[str, typer.Option("--type", help="perfective (完善性), adaptive (适应性) or interface (接口).")],
    schema: Annotated[bool, typer.Option("--schema", help="Touches database tables, views or procedures.")] = False,
    ref: Annotated[str | None, typer.Option(help="Id on the hospital's platform (需求 id).")] = None,
    requested_by: Annotated[str | None, typer.Option(help="Who asked for it.")] = None,
    at: AtOpt = None,
) -> None:
    """Record a change request; prints its id and due date (30 days).

    Example: opsdesk change open cdss "新增抗菌药物分级提醒" --type perfective --schema
    """
    from opsdesk.contract.changes import change_view, open_change

    with desk() as d:
        v = change_view(
            d, open_change(d, system, title, type=type, schema=schema, ref=ref, requested_by=requested_by, at=at)
        )
    review = "; needs hospital IT's review before implementation" if v.change.schema_change else ""
    line(f"Opened change {v.change.id} ({v.system.code}, {v.change.type}) due {v.due:%Y-%m-%d %H:%M}{review}")


@change_app.command("review")
def change_review(
    change_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Hospital IT reviewer (院方信息部门).")],
    approve: Annotated[bool | None, typer.Option("--approve/--reject", help="The review's outcome.")] = None,
    comment: Annotated[str | None, typer.Option(help="The reviewer's comment.")] = None,
    at: AtOpt = None,
) -> None:
    """Record hospital IT's review of a change (required for --schema changes).

    Example: opsdesk change review 3 --approve --by 信息科黄工
    """
    from opsdesk.contract.changes import review

    if approve is None:
        raise typer.BadParameter("give --approve or --reject")
    with desk() as d:
        change = review(d, change_id, approve=approve, by=by, comment=comment, at=at)
    line(f"Change {change.id}: review {change.review} by {change.reviewed_by}")


@change_app.command("implement")
def change_implement(
    change_id: IdArg, at: AtOpt = None, note: Annotated[str | None, typer.Option(help="What was delivered.")] = None
) -> None:
    """Record that the change is implemented (落实交付).

    Example: opsdesk change implement 3 --note "已上线"
    """
    from opsdesk.contract.changes import change_view, implement

    with desk() as d:
        v = change_view(d, implement(d, change_id, at=at, note=note))
        assert v.change.implemented_at is not None and v.acceptance_from is not None  # just implemented
        unpublished = d.calendar.unconfirmed_years(v.change.implemented_at, v.acceptance_from)
    late = " — LATE" if v.delivered_late else ""
    line(
        f"Change {v.change.id}: implemented {v.change.implemented_at:%Y-%m-%d %H:%M} (due {v.due:%Y-%m-%d}){late}; "
        f"acceptance may be applied for from {v.acceptance_from}"
    )
    warn_unpublished(unpublished, "that date uses")


@change_app.command("apply-acceptance")
def change_apply_acceptance(change_id: IdArg, at: AtOpt = None) -> None:
    """Apply for the hospital's acceptance (from 10 working days after implementation).

    Example: opsdesk change apply-acceptance 3
    """
    from opsdesk.contract.changes import apply_acceptance

    with desk() as d:
        change = apply_acceptance(d, change_id, at=at)
    line(f"Change {change.id}: acceptance applied for at {change.acceptance_applied_at:%Y-%m-%d %H:%M}")


@change_app.command("accept")
def change_accept(
    change_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Who accepted it for the hospital.")],
    at: AtOpt = None,
) -> None:
    """Record the hospital's acceptance (验收合格); the 12-month free maintenance starts.

    Example: opsdesk change accept 3 --by 信息科陈主任
    """
    from opsdesk.contract.changes import accept, change_view

    with desk() as d:
        v = change_view(d, accept(d, change_id, by=by, at=at))
    line(f"Change {v.change.id}: accepted by {v.change.accepted_by}; free maintenance until {v.warranty_end}")


@change_app.command("reject-acceptance")
def change_reject_acceptance(
    change_id: IdArg, reason: Annotated[str, typer.Option(help="Why it is not accepted.")], at: AtOpt = None
) -> None:
    """Record that the hospital did not accept the change (apply again once fixed).

    Example: opsdesk change reject-acceptance 3 --reason "提醒未覆盖急诊"
    """
    from opsdesk.contract.changes import reject_acceptance

    with desk() as d:
        change = reject_acceptance(d, change_id, reason=reason, at=at)
    line(f"Change {change.id}: acceptance rejected ({change.acceptance_note})")


@change_app.command("show")
def change_show(change_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show one change request: dates, review, delivery, acceptance, warranty, and its history.

    Example: opsdesk change show 3
    """
    from opsdesk.contract.changes import change_events, change_view, get_change
    from opsdesk.store.history import event_line

    with desk(write=False) as d:
        v = change_view(d, get_change(d, change_id))
        events = change_events(d, change_id)
    data = v.to_dict()
    data["history"] = [dict(event_line(e), note=_event_note(e)) for e in events]
    if as_json:
        emit_json(data)
        return
    line(
        f"Change {data['id']} · {data['system']} {data['system_name']} · {data['type']} ({data['type_name']})",
        style="bold",
    )
    line(f"  {data['title']}")
    if data["schema_change"]:
        line("  touches the database schema: the hospital reviews it before it is implemented")
    for label, key in (
        ("submitted", "submitted_at"),
        ("requested by", "requested_by"),
        ("platform ref", "ref"),
        ("due", "due"),
        ("review", "review"),
        ("reviewed by", "reviewed_by"),
        ("reviewed", "reviewed_at"),
        ("review comment", "review_comment"),
        ("implemented", "implemented_at"),
        ("delivered", "implement_note"),
        ("acceptance", "acceptance"),
        ("acceptance from", "acceptance_from"),
        ("applied for", "acceptance_applied_at"),
        ("accepted by", "accepted_by"),
        ("accepted", "accepted_at"),
        ("acceptance note", "acceptance_note"),
        ("warranty until", "warranty_end"),
        ("confirmed by", "confirmed_by"),
        ("confirmed", "confirmed_at"),
    ):
        value = data[key]
        if value not in (None, ""):
            line(f"  {label}: {value:%Y-%m-%d %H:%M}" if hasattr(value, "hour") else f"  {label}: {value}")
    line(f"  state: {_state(v)}", style="red" if v.overdue or v.delivered_late else None)
    table(
        "History",
        ["event", "recorded", "by", "action", "happened", "note"],
        [[h["id"], h["recorded_at"], h["actor"], h["action"], h["happened_at"], h["note"]] for h in data["history"]],
    )


def _event_note(event) -> str | None:
    """The words an event recorded (a review comment, a rejection reason, a delivery note): a later
    event may clear them from the record, never from its history."""
    import json

    after = json.loads(event.after or "{}")
    return next((after[k] for k in ("acceptance_note", "review_comment", "implement_note") if after.get(k)), None)


@change_app.command("list")
def change_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only changes not yet implemented.")] = False,
    due_within: Annotated[str | None, typer.Option(help="Open ones due within e.g. 7d.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Open ones past their due date.")] = False,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List change requests with due dates, review and acceptance states.

    Example: opsdesk change list --due-within 7d
    """
    from opsdesk.contract.changes import list_changes
    from opsdesk.timeparse import parse_duration

    within = parse_duration(due_within) if due_within else None
    with desk(write=False) as d:
        views = list_changes(d, open_only=open_only, due_within=within, overdue=overdue, system=system)
    if as_json:
        emit_json([v.to_dict() for v in views])
        return
    table(
        f"{len(views)} change request(s)",
        ["id", "system", "type", "due", "state", "review", "acceptance", "warranty until", "title"],
        [
            [
                v.change.id,
                v.system.code,
                v.change.type,
                v.due,
                _state(v),
                v.review_state,
                v.change.acceptance,
                v.warranty_end,
                v.change.title,
            ]
            for v in views
        ],
        ["red" if v.overdue else None for v in views],
        flex="title",
        short={"acceptance": "accept.", "warranty until": "warranty"},
        optional=("review", "warranty until", "type"),
    )

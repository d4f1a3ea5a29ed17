"""`opsdesk confirm ...` and `opsdesk contract ...`: confirmations and the contract's terms and milestones."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.cli.common import AtOpt, DefaultCommandGroup, JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table, warn_unpublished

if TYPE_CHECKING:
    from opsdesk.reports.milestones import Milestones


class ConfirmGroup(DefaultCommandGroup):
    default_command = "record"


confirm_app = sub_app("The hospital's confirmations (双方确认): `opsdesk confirm KIND ID --by NAME`.", cls=ConfirmGroup)
contract_app = sub_app("The contract: parties, period, SLA terms, payment milestones.")


@confirm_app.command("record")
def confirm_record(
    kind: Annotated[str, typer.Argument(help="fault, change, inspection, risk, training, work or exception.")],
    record_id: Annotated[int, typer.Argument(metavar="ID")],
    by: Annotated[str, typer.Option("--by", help="The hospital person who confirms.")],
    comment: Annotated[str | None, typer.Option(help="Their comment.")] = None,
    at: AtOpt = None,
) -> None:
    """Record the hospital's confirmation of any record.

    Example: opsdesk confirm inspection 4 --by 信息科陈主任 --comment 属实
    """
    from opsdesk.hospital.confirmations import confirm

    with desk() as d:
        row = confirm(d, kind, record_id, by=by, comment=comment, at=at)
    line(f"{kind.capitalize()} {record_id}: confirmed by {row.confirmed_by} at {row.confirmed_at:%Y-%m-%d %H:%M}")


@confirm_app.command("exception")
def confirm_exception(
    request_id: Annotated[int, typer.Argument(metavar="N", help="The exception request (`opsdesk fault exceptions`).")],
    by: Annotated[str, typer.Option("--by", help="The hospital person who decides.")],
    comment: Annotated[str | None, typer.Option(help="Their comment; with --refuse, their reason (required).")] = None,
    refuse: Annotated[bool, typer.Option("--refuse", help="The hospital refuses the request.")] = False,
    at: AtOpt = None,
) -> None:
    """The hospital agrees to an exception request (void, arrival waiver, pause), or refuses it with a reason.

    Example: opsdesk confirm exception 3 --by 信息科陈主任 --comment 同意
    """
    from opsdesk.faults.requests import decide

    with desk() as d:
        r = decide(d, request_id, by=by, comment=comment, refuse=refuse, at=at)
    if refuse:
        line(
            f"Exception {r.id}: refused by {r.refused_by} at {r.refused_at:%Y-%m-%d %H:%M} ({r.refuse_reason}); "
            "no figure changes"
        )
    else:
        line(
            f"Exception {r.id}: agreed by {r.confirmed_by} at {r.confirmed_at:%Y-%m-%d %H:%M}; every figure of "
            f"fault {r.ticket_id} now counts it"
        )


@confirm_app.command("pending")
def confirm_pending(as_json: JsonOpt = False) -> None:
    """List records that still lack the hospital's confirmation.

    Example: opsdesk confirm pending
    """
    from opsdesk.hospital.confirmations import pending

    with desk(write=False) as d:
        rows = pending(d)
    if as_json:
        emit_json([r.to_dict() for r in rows])
        return
    objected = any(r.objections for r in rows)  # the column only when the hospital objected to something
    table(
        f"Awaiting confirmation: {len(rows)}",
        ["kind", "id", "system", "date", "what"] + (["hospital's objection"] if objected else []),
        [[r.kind, r.id, r.system, r.date, r.summary] + (["; ".join(r.objections)] if objected else []) for r in rows],
        ["yellow" if r.objections else None for r in rows],
        # "what" wraps rather than being cut: an exception request's reason is read in full
    )


@confirm_app.command("import")
def confirm_import(
    file: Annotated[Path, typer.Argument(help="A workbook exported by opsdesk, the hospital's answers filled in.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read back what the hospital answered in an exported workbook: 确认 confirms, 不确认 objects (or
    refuses an exception request). Rows it cannot take are listed, not guessed.

    Example: opsdesk confirm import 验收资料.xlsx
    """
    from dataclasses import asdict

    from opsdesk.reports.confirm_import import import_confirmations

    with desk() as d:
        result = import_confirmations(d, file)
        if dry_run:
            d.session.rollback()
    if as_json:
        emit_json({"file": str(file), "dry_run": dry_run, **asdict(result)})
        return
    would = "would be " if dry_run else ""
    line(
        f"Read {result.rows} filled row(s) from {file}: {result.confirmed} {would}confirmed, {result.refused} "
        f"{would}refused, {result.objected} {would}objected to, {result.unchanged} already answered"
    )
    for o in result.objections:
        by = f"{o.by} answered" if o.by else "the hospital wrote, without a name,"
        line(
            f"Objection — sheet {o.sheet} row {o.row} ({o.record}): {by} {o.comment!r}; nothing confirmed "
            "(`opsdesk confirm pending` lists it)",
            style="yellow",
        )
    for n in result.notes:
        line(f"Not taken — sheet {n.sheet} row {n.row} ({n.record}): {n.text}", style="yellow")
    for p in result.proposed:
        cells = "; ".join(f"{column} {before!r} → {after!r}" for column, before, after in p.cells) or "the 校验 cell"
        line(
            f"Proposed by the hospital, not applied — sheet {p.sheet} row {p.row} ({p.record}): {cells}",
            style="yellow",
        )
    for e in result.edited:
        line(
            f"Edited after export — sheet {e.sheet} row {e.row} ({e.record}, confirmed already): {e.column} "
            f"reads {e.workbook!r} in the workbook but {e.on_record!r} on record",
            style="red",
        )
    for sheet, titles in result.ignored:
        line(f"Ignored — sheet {sheet}: column(s) {', '.join(titles)} are not opsdesk's (added to the workbook)")


def milestone_table(plan: Milestones) -> None:
    """The payment milestones, yellow where evidence is missing."""
    table(
        "Payment milestones",
        ["#", "share", "when", "date", "evidence"],
        [[m.n, f"{m.percent}%", m.name, m.date, "ready" if m.ready else "; ".join(m.missing)] for m in plan.milestones],
        [None if m.ready else "yellow" for m in plan.milestones],
    )


@contract_app.command("show")
def contract_show(as_json: JsonOpt = False) -> None:
    """Parties, period, SLA terms, the three payment milestones and what evidence each lacks.

    Example: opsdesk contract show
    """
    from opsdesk.contract.settings import terms_changes
    from opsdesk.reports.milestones import milestones

    with desk(write=False) as d:
        c = d.contract
        terms = d.terms.to_dict()
        plan = milestones(d)
        history = terms_changes(d)
    if as_json:
        emit_json(
            {
                "name": c.name,
                "hospital": c.hospital,
                "vendor": c.vendor,
                "start": plan.start,
                "end": plan.end,
                "last_day": plan.last_day,
                "months": c.months,
                "terms": terms,
                "report_settings": {"report_prefix": c.report_prefix, "preparer": c.preparer, "reviewer": c.reviewer},
                "terms_changes": history,
                "milestones": plan.milestones,
                "acceptance_start_by": plan.acceptance_start_by,
                "unconfirmed_years": plan.unconfirmed_years,
            }
        )
        return
    line(f"{c.name}", style="bold")
    line(f"  hospital: {c.hospital} · vendor: {c.vendor}")
    line(
        f"  service: {plan.start} to {plan.last_day} ({c.months} months); "
        f"the hospital starts final acceptance by {plan.acceptance_start_by} (30 working days)"
    )
    table("SLA terms in force", ["term", "value"], [[k, v] for k, v in terms.items()])
    line(
        f"  reports: number {c.report_prefix or '-'}-YYYY-MM · prepared by {c.preparer or '(whoever writes them)'} "
        f"· reviewed by {c.reviewer or '-'}"
    )
    for e in history:
        later = "" if e.in_force else " (not yet in force)"
        line(f"  from {e.effective_from:%Y-%m-%d %H:%M}{later}: {e.note}")
    milestone_table(plan)
    warn_unpublished(plan.unconfirmed_years, "the acceptance date uses")


@contract_app.command("set")
def contract_set(
    key: Annotated[str, typer.Argument(help="A term, e.g. response_inside_min (see `opsdesk contract show`).")],
    value: Annotated[str, typer.Argument(help="Its new value.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="In force from (default now); same forms as --at.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (e.g. the supplementary agreement's number).")] = None,
    retroactive: Annotated[
        bool, typer.Option("--retroactive", help="Apply even to faults already on record after --from.")
    ] = False,
) -> None:
    """Change an SLA term; tickets reported before it takes effect keep the old terms. The report
    settings report_prefix, preparer (编制人) and reviewer (审核人) are set the same way, at once.

    Example: opsdesk contract set resolve_fault_days 1 --note "补充协议第2条"
    """
    from opsdesk.contract.settings import REPORT_SETTINGS, set_report_setting, set_term
    from opsdesk.faults.corrections import seen_guard

    if key in REPORT_SETTINGS:
        with desk() as d:
            set_report_setting(d, key, value)
        line(f"{key}: {value.strip() or 'unset'}")
        return
    with desk() as d:
        guard = seen_guard(d, f"the new {key}")
        change = set_term(d, key, value, effective=from_, note=note, retroactive=retroactive, guard=guard)
    line(f"Terms changed from {change.effective_from:%Y-%m-%d %H:%M}: {change.note}")

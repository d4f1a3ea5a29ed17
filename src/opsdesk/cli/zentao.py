"""`opsdesk import ...` and `opsdesk export ...`: the hospital's project platform (ZenTao, 禅道)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsdesk.cli.common import JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table

import_app = sub_app("Import from the hospital's platform (ZenTao): bugs -> faults, stories -> change requests.")
export_app = sub_app("Hand back to the hospital's platform what was done.")
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]
FileArg = Annotated[Path, typer.Argument(help="ZenTao export: CSV (UTF-8 or GBK) or API v1 JSON.")]


def _report(result, dry_run: bool, as_json: bool, what: str) -> None:
    if as_json:
        emit_json({"dry_run": dry_run, **result.to_dict()})
        return
    verb = "would be" if dry_run else "were"
    line(
        f"{len(result.created)} {what} {verb} created, {len(result.updated)} updated, {result.unchanged} unchanged"
        f" ({result.format}){' — dry run, nothing written' if dry_run else ''}"
    )
    if result.updated:
        table(
            "Updated",
            ["row", "platform id", "id", "fields"],
            [[r, p, i, ", ".join(f)] for r, p, i, f in result.updated],
        )
    for r, p, i, f in result.kept:
        line(f"row {r}: {p} (id {i}): kept what an engineer recorded by hand in {', '.join(f)}", style="yellow")
    for r, _, m in result.reported:
        line(f"row {r}: {m}", style="yellow")
    for r, p, i, day in result.time_unknown:
        line(
            f"row {r}: {p} (fault {i}) was exported with the date {day} but no time of day; its response and "
            "arrival stay unknown until its report time is recorded: "
            f'opsdesk fault edit {i} --reason "补录报修时间" --at "{day} HH:MM"',
            style="yellow",
        )


def _import(run, dry_run: bool):
    with desk() as d:
        result = run(d)
        if dry_run:
            d.session.rollback()
    return result


@import_app.command("zentao-bugs")
def import_zentao_bugs(file: FileArg, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Import ZenTao bugs as fault tickets (idempotent by bug id; hand edits are kept).

    Example: opsdesk import zentao-bugs bugs.csv --dry-run
    """
    from opsdesk.zentao.sync import import_bugs

    _report(_import(lambda d: import_bugs(d, file), dry_run), dry_run, as_json, "fault(s)")


@import_app.command("zentao-stories")
def import_zentao_stories(
    file: FileArg,
    type: Annotated[str, typer.Option("--type", help="Change type for new requests.")] = "perfective",
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import ZenTao stories (requirements) as change requests.

    Example: opsdesk import zentao-stories stories.json --type adaptive
    """
    from opsdesk.zentao.sync import import_stories

    _report(_import(lambda d: import_stories(d, file, type=type), dry_run), dry_run, as_json, "change request(s)")


@import_app.command("map")
def import_map(
    key: Annotated[str, typer.Argument(help="ZenTao product name (or product/module), a severity 1-4, or a bug type.")],
    value: Annotated[str, typer.Argument(help="System code, or with --severity a ticket kind.")],
    severity: Annotated[bool, typer.Option("--severity", help="Map a severity to a kind.")] = False,
    bug_type: Annotated[bool, typer.Option("--type", help="Map a bug type (Bug类型) to a kind.")] = False,
) -> None:
    """Map a ZenTao product to a system (or a severity or a bug type to a ticket kind).

    Example: opsdesk import map "智能候诊" queue ; opsdesk import map 数据错误 data --type
    """
    from opsdesk.zentao.sync import set_map

    with desk() as d:
        row = set_map(d, key, value, severity=severity, bug_type=bug_type)
    line(f"ZenTao {row.kind} {row.key!r} -> {row.value}")


@import_app.command("maps")
def import_maps(as_json: JsonOpt = False) -> None:
    """List the product, severity and bug-type maps.

    Example: opsdesk import maps
    """
    from opsdesk.zentao.sync import maps

    with desk(write=False) as d:
        data = maps(d)
    if as_json:
        emit_json(data)
        return
    table(
        "ZenTao maps",
        ["kind", "platform", "opsdesk"],
        [[kind, k, v] for kind, pairs in data.items() for k, v in pairs.items()],
    )


@export_app.command("zentao-feedback")
def export_zentao_feedback(
    since: Annotated[str | None, typer.Option(help="Only what was handled since YYYY-MM-DD.")] = None,
    output_path: Annotated[Path | None, typer.Option("-o", "--output", help="CSV file to write.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write what was done for each platform bug and story, to paste back into ZenTao (CSV, UTF-8 BOM).

    Example: opsdesk export zentao-feedback --since 2026-12-01 -o feedback.csv
    """
    from opsdesk.timeparse import parse_date
    from opsdesk.zentao.sync import feedback, write_feedback_csv

    with desk(write=False) as d:
        rows = feedback(d, parse_date(since) if since else None)
    if as_json:
        emit_json(rows)
        return
    target = write_feedback_csv(rows, output_path or Path("zentao-feedback.csv"), force=force)
    line(f"Wrote {len(rows)} row(s) to {target.resolve()}")

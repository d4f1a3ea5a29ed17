"""`opsdesk calendar ...`: the working calendar (工作日历), official schedule plus local overrides."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from opsdesk.cli.common import JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table
from opsdesk.errors import InvalidInput

calendar_app = sub_app("The working calendar (工作日历): official schedule plus local overrides.")


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
    from opsdesk.contract.overrides import add_override
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
    from opsdesk.contract.overrides import confirm_year

    with desk() as d:
        confirm_year(d, year)
    line(f"Calendar {year} confirmed; reports no longer flag it")


@calendar_app.command("check")
def calendar_check(year: Annotated[int, typer.Argument(help="The year, e.g. 2026.")], as_json: JsonOpt = False) -> None:
    """List what the local overrides change against the official schedule in a year.

    Example: opsdesk calendar check 2026
    """
    if not 2000 <= year <= 2099:
        raise InvalidInput(f"year {year} is out of range; give a year from 2000 to 2099")
    with desk(write=False) as d:
        changes = d.calendar.override_differences(year)
        confirmed = d.calendar.is_year_confirmed(year)
    if as_json:
        emit_json({"year": year, "confirmed": confirmed, "changes": [asdict(c) for c in changes]})
        return
    state_text = "official or confirmed" if confirmed else "NOT officially published (plain rules)"
    table(
        f"Overrides in {year} ({state_text}): {len(changes)}",
        ["day", "official", "now", "note"],
        [
            [c.day, f"{c.official} ({c.official_reason})", "working" if c.working else "day off", c.override]
            for c in changes
        ],
    )

"""`opsdesk calendar ...`: the working calendar (工作日历), official schedule plus local overrides."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from opsdesk.cli.common import JsonOpt, desk, sub_app
from opsdesk.cli.output import emit_json, line, table

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
    from opsdesk.faults.corrections import seen_guard
    from opsdesk.timeparse import parse_date

    parsed = parse_date(day)
    with desk() as d:
        guard = seen_guard(d, f"making {parsed} a {'working day' if working else 'day off'}")
        _, affected = add_override(d, parsed, working=working, note=note, retroactive=retroactive, guard=guard)
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
def calendar_check(
    year: Annotated[int | None, typer.Argument(help="One year, e.g. 2026 (default: every recorded year).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the recorded calendar against the installed holidays package, and list the overrides.

    For each year of the official schedule recorded in the store (or YEAR), list each day on which the
    installed holidays package now disagrees with the record, and what the local overrides change. Exit
    code 1 when the package works a day differently and no override has adopted it (see `calendar
    adopt`); verdicts keep reading the record until then.

    Example: opsdesk calendar check 2026
    """
    from opsdesk.contract.official import check_calendar
    from opsdesk.sla.workcalendar import package_version

    with desk(write=False) as d:
        checks = check_calendar(d, year)
    unadopted = sum(len(c.unadopted) for c in checks)
    if as_json:
        emit_json({"installed": package_version(), "unadopted": unadopted, "years": [_check_dict(c) for c in checks]})
    else:
        for c in checks:
            _show_check(c)
    if unadopted:
        raise typer.Exit(code=1)


def _check_dict(c) -> dict:
    return {
        "year": c.year,
        "recorded": c.recorded,
        "source": c.source,
        "published": c.published,
        "confirmed": c.confirmed,
        "installed_published": c.installed_published,
        "differences": [
            {**asdict(p.difference), "moves_verdicts": p.moves_verdicts, "adopted": p.adopted} for p in c.differences
        ],
        "changes": [asdict(o) for o in c.overrides],
    }


def _show_check(c) -> None:
    from opsdesk.sla.workcalendar import package_version

    state = "official" if c.published else ("plain rules, confirmed" if c.confirmed else "plain rules, NOT confirmed")
    recorded = f"recorded from {c.source}" if c.recorded else f"NOT recorded; {c.source} would give it"
    line(f"Calendar {c.year}: {recorded} ({state})")
    if c.differences:
        table(
            f"{package_version()} disagrees on {len(c.differences)} day(s), {len(c.unadopted)} not adopted",
            ["day", "recorded", "installed package", "verdicts", "adopted"],
            [
                [
                    p.difference.day,
                    f"{p.difference.recorded_kind} ({p.difference.recorded_reason})",
                    f"{p.difference.package_kind} ({p.difference.package_reason})",
                    "would move" if p.moves_verdicts else "name only",
                    "yes" if p.adopted else ("-" if not p.moves_verdicts else "no"),
                ]
                for p in c.differences
            ],
            [None if p.adopted or not p.moves_verdicts else "yellow" for p in c.differences],
        )
    elif c.recorded:
        line(f"{package_version()} agrees with the record on every day")
    if c.installed_published and not c.published:
        line(
            f"{package_version()} now has the official schedule of {c.year}: "
            f"adopt it, then `opsdesk calendar confirm {c.year}`"
        )
    table(
        f"Overrides in {c.year}: {len(c.overrides)}",
        ["day", "official", "now", "note"],
        [
            [o.day, f"{o.official} ({o.official_reason})", "working" if o.working else "day off", o.override]
            for o in c.overrides
        ],
    )


@calendar_app.command("adopt")
def calendar_adopt(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2027.")],
    retroactive: RetroOpt = False,
) -> None:
    """Adopt what the installed holidays package says of a recorded year, as overrides.

    Each day `calendar check` lists as not adopted becomes an override whose note names the package
    version; an override that would change the verdict of faults on record needs --retroactive.

    Example: opsdesk calendar adopt 2027
    """
    from opsdesk.contract.official import adopt_year
    from opsdesk.faults.corrections import seen_guard

    with desk() as d:
        adopted = adopt_year(d, year, retroactive=retroactive, guard=seen_guard(d, f"adopting {year}'s calendar"))
    for row, _ in adopted:
        line(f"{row.day} is now a {'working day' if row.working else 'day off'} ({row.note})")
    affected = sorted({t.id for _, tickets in adopted for t in tickets})
    if affected:
        line(f"SLA verdicts changed for fault(s): {', '.join(map(str, affected))}", style="yellow")


@calendar_app.command("record")
def calendar_record(year: Annotated[int, typer.Argument(help="The year, e.g. 2028.")]) -> None:
    """Record a year of the official schedule now, from the installed holidays package.

    A year the contract uses is recorded when first used (by `init`, or by the first command that
    writes and needs it); this records one ahead of that.

    Example: opsdesk calendar record 2028
    """
    from opsdesk.contract.official import record_year

    with desk() as d:
        record_year(d, year)
        official = d.official_years[year]
    state = "official schedule" if official.published else "plain rules: not officially published yet"
    line(f"Calendar {year} recorded from {official.source} ({state})")

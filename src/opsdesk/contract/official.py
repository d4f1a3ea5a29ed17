"""The official calendar of record: recording a year, checking the recorded years against the
installed ``holidays`` package, and adopting what a later package says as overrides.

A year of the official schedule is recorded when the contract first uses it (see
:meth:`opsdesk.desk.Desk.official_year`); verdicts read that record. A later package that disagrees
moves nothing by itself: `calendar check` reports each differing day, and `calendar adopt` records
them as overrides, visible like any other (and refused, like any other, if they would re-judge
faults on record without ``--retroactive``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from opsdesk.contract.overrides import Guard, add_override
from opsdesk.desk import Desk
from opsdesk.errors import InvalidInput, Refused
from opsdesk.sla.workcalendar import OverrideDifference, YearDifference
from opsdesk.store.models import CalendarOverride, Ticket

FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years the calendar commands accept


def check_year_range(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(f"year {year} is out of range; give a year from {FIRST_YEAR} to {LAST_YEAR}")


@dataclass(frozen=True)
class PackageDifference:
    """A day on which the installed package disagrees with the year as recorded. ``adopted``: an
    override already makes the day what the package says (working or not)."""

    difference: YearDifference
    adopted: bool

    @property
    def moves_verdicts(self) -> bool:
        """Whether the package changes whether the day is worked (a name alone changes no clock)."""
        return self.difference.recorded_working != self.difference.package_working


@dataclass(frozen=True)
class YearCheck:
    """One year: how it is recorded, what the installed package says of it, what the overrides change."""

    year: int
    recorded: bool
    source: str  # where the record came from ("holidays 0.109"); the installed package if not recorded
    published: bool  # the record is the official schedule (else the plain rules)
    confirmed: bool  # published, or confirmed by the user
    installed_published: bool  # the installed package has the year's official schedule
    differences: list[PackageDifference] = field(default_factory=list)
    overrides: list[OverrideDifference] = field(default_factory=list)

    @property
    def unadopted(self) -> list[PackageDifference]:
        """The days the package would work differently, not adopted as overrides."""
        return [d for d in self.differences if d.moves_verdicts and not d.adopted]


def check_calendar(desk: Desk, year: int | None = None) -> list[YearCheck]:
    """Each recorded year (or ``year`` alone) against the installed package: the days it disagrees."""
    from opsdesk.sla import workcalendar

    desk.contract  # noqa: B018
    if year is not None:
        check_year_range(year)
    years = [year] if year is not None else sorted(desk.official_years)
    overrides = {o.day: o for o in desk.session.exec(select(CalendarOverride))}
    out = []
    for y in years:
        recorded = desk.official_years.get(y)
        installed = workcalendar.package_year(y)
        differences = []
        if recorded is not None:
            for d in workcalendar.year_differences(recorded, installed):
                override = overrides.get(d.day)
                adopted = override is not None and override.working == d.package_working
                differences.append(PackageDifference(d, adopted))
        official = recorded or desk.official_year(y)
        out.append(
            YearCheck(
                year=y,
                recorded=recorded is not None,
                source=official.source,
                published=official.published,
                confirmed=desk.calendar.is_year_confirmed(y),
                installed_published=installed.published,
                differences=differences,
                overrides=desk.calendar.override_differences(y),
            )
        )
    return out


def record_year(desk: Desk, year: int) -> None:
    """Record ``year`` of the official schedule now, from the installed package (before it is used)."""
    desk.contract  # noqa: B018
    check_year_range(year)
    held = desk.official_years.get(year)
    if held is not None:
        raise Refused(
            f"the calendar of {year} is already recorded (from {held.source}); a later package's days are "
            f"reported by `opsdesk calendar check` and adopted with `opsdesk calendar adopt {year}`"
        )
    desk.official_year(year)  # a write transaction records it


def adopt_year(
    desk: Desk, year: int, *, retroactive: bool = False, guard: Guard | None = None
) -> list[tuple[CalendarOverride, list[Ticket]]]:
    """Record, as an override naming the package version, each day on which the installed package works
    differently from the recorded ``year``. Refused, naming the faults, if that re-judges any on record,
    unless ``retroactive``; then the change stays visible in the history like any override."""
    from opsdesk.sla.workcalendar import package_version

    check_year_range(year)
    desk.contract  # noqa: B018
    if year not in desk.official_years:
        raise Refused(
            f"the calendar of {year} is not recorded in this store, so nothing differs from it; "
            f"record it with `opsdesk calendar record {year}`"
        )
    (checked,) = check_calendar(desk, year)
    if not checked.unadopted:
        raise Refused(
            f"{package_version()} works no day of {year} differently from the calendar recorded "
            f"(from {checked.source}) and its overrides; nothing to adopt"
        )
    out = []
    for found in checked.unadopted:
        d = found.difference
        note = f"{package_version()}: {d.package_reason}"
        out.append(
            add_override(desk, d.day, working=d.package_working, note=note, retroactive=retroactive, guard=guard)
        )
    return out

"""The official calendar of record: each year of the official schedule the contract uses, kept in
the store as the ``holidays`` package gave it when first used, its creation in the history.

Verdicts read these records (the Desk hands them to the pure :class:`~opsdesk.sla.workcalendar.WorkCalendar`
as data), never the package again: a later package moves no figure, and nothing outside the store
(no cache file) is ever trusted for one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from opsdesk.sla.workcalendar import OfficialYear, WorkCalendar, YearSource
from opsdesk.store import history
from opsdesk.store.models import OfficialYearRecord, Ticket

ACTION = "calendar.record"
ACCEPTANCE_WORKING_DAYS = 30  # the hospital starts final acceptance within 30 working days of the end


def record_of(official: OfficialYear) -> OfficialYearRecord:
    """A year of the official schedule as the store keeps it (days as sorted JSON text)."""
    return OfficialYearRecord(
        year=official.year,
        days_off=json.dumps(
            {d.isoformat(): n for d, n in sorted(official.names.items())}, ensure_ascii=False, separators=(",", ":")
        ),
        weekend_workdays=json.dumps(sorted(d.isoformat() for d in official.weekend_workdays)),
        swapped_off=json.dumps(sorted(d.isoformat() for d in official.swapped_off)),
        published=official.published,
        source=official.source,
    )


def year_of(row: OfficialYearRecord) -> OfficialYear:
    """A recorded year as the calendar reads it."""
    return OfficialYear(
        year=row.year,
        names={date.fromisoformat(d): n for d, n in json.loads(row.days_off).items()},
        weekend_workdays=frozenset(date.fromisoformat(d) for d in json.loads(row.weekend_workdays)),
        swapped_off=frozenset(date.fromisoformat(d) for d in json.loads(row.swapped_off)),
        published=row.published,
        source=row.source,
    )


def recorded_years(session: Session) -> dict[int, OfficialYear]:
    """Every year of the official schedule the store holds."""
    return {row.year: year_of(row) for row in session.exec(select(OfficialYearRecord))}


def record_year(session: Session, official: OfficialYear, *, actor: str, recorded_at: datetime) -> None:
    """Record ``official`` (a year not recorded yet), its creation an event of the history."""
    history.create(session, record_of(official), actor=actor, action=ACTION, recorded_at=recorded_at)


def years_in_use(session: Session, start: date, end: date, source: YearSource) -> list[int]:
    """The years a contract's verdicts use: its service period ``start`` to ``end`` (exclusive), the
    final-acceptance window after it (30 working days, as ``source`` counts them), and every year its
    faults were reported or resolved in."""
    touched: set[int] = set()

    def noting(year: int) -> OfficialYear:
        touched.add(year)
        return source(year)

    WorkCalendar(official=noting).working_day_after(end - timedelta(days=1), ACCEPTANCE_WORKING_DAYS)
    years = set(range(start.year, end.year + 1)) | touched
    moments = session.exec(
        select(func.min(Ticket.reported_at), func.max(Ticket.reported_at), func.max(col(Ticket.resolved_at)))
    ).one()
    reached = [m.year for m in moments if m is not None]
    if reached:
        years |= set(range(min(reached), max(reached) + 1))
    return sorted(years)


def record_missing(
    session: Session, years: Iterable[int], source: YearSource, *, actor: str, recorded_at: datetime
) -> list[int]:
    """Record each of ``years`` the store does not hold yet, from ``source``; the years recorded."""
    held = set(session.exec(select(OfficialYearRecord.year)))
    missing = [y for y in years if y not in held]
    for year in missing:
        record_year(session, source(year), actor=actor, recorded_at=recorded_at)
    return missing

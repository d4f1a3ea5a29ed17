"""The service window as the reports count it: which calendar months owe an inspection and a monthly
report, which were inspected, which reports were delivered.

A calendar month owes its inspections and its report when it ends within the service (SPEC: every
contracted system is inspected once every calendar month): a 12-month service owes exactly 12, the
month in which the service ends owes none when it ends before that month does (the service from
2025-12-06 to 2026-12-05 owes 2025-12 to 2026-11), and nothing is ever due after the service's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import col, select

from opsdesk.contract.systems import systems
from opsdesk.desk import Desk
from opsdesk.faults.requests import list_exceptions
from opsdesk.hospital.confirmations import Pending, pending
from opsdesk.store.models import Delivery, Inspection, System, Ticket


def month_end(year: int, month: int) -> date:
    """The last day of a calendar month."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def owes(month: str, last_day: date) -> bool:
    """Whether calendar month ``month`` (YYYY-MM) owes its inspections and its report: it ends by the
    service's ``last_day``."""
    year, number = (int(part) for part in month.split("-"))
    return month_end(year, number) <= last_day


def calendar_months(start: date, last: date) -> list[str]:
    """YYYY-MM of every calendar month from ``start``'s to ``last``'s."""
    out = []
    year, month = start.year, start.month
    while date(year, month, 1) <= last:
        out.append(f"{year}-{month:02d}")
        year, month = year + (month == 12), month % 12 + 1
    return out


@dataclass(frozen=True)
class CoverageRow:
    """A month's inspections: each active system's inspection date, None where none was made;
    ``owed``: whether the month owes them (it ends within the service)."""

    month: str
    inspected: dict[str, date | None]  # system code -> the day, in the systems' order
    owed: bool = True

    @property
    def gaps(self) -> int:
        """The inspections the month owed and did not get."""
        return sum(1 for day in self.inspected.values() if day is None) if self.owed else 0

    @property
    def gap(self) -> bool:
        return bool(self.gaps)


def coverage(
    desk: Desk, start: date, last: date, service_last: date
) -> tuple[list[CoverageRow], list[str], dict[str, str]]:
    """Month x system from ``start`` to ``last``: the inspection date, or a gap where one was owed
    (the month ends by ``service_last``); the active systems' codes and names."""
    active = systems(desk, include_inactive=False)
    codes = [s.code for s in active]
    done: dict[tuple[str, str], datetime] = {}
    for month, code, inspected_at in desk.session.exec(
        select(Inspection.month, System.code, Inspection.at)
        .join(System, col(Inspection.system_id) == col(System.id))
        .order_by(col(Inspection.month), col(Inspection.at), col(Inspection.id))
    ):
        done.setdefault((month, code), inspected_at)
    rows = []
    for month in calendar_months(start, last):
        inspected: dict[str, date | None] = {}
        for code in codes:
            at = done.get((month, code))
            inspected[code] = at.date() if at else None
        rows.append(CoverageRow(month, inspected, owes(month, min(last, service_last))))
    return rows, codes, {s.code: s.name for s in active}


@dataclass(frozen=True)
class DeliveryRow:
    """A monthly report owed or delivered: a delivery with the anchor it carries, or a month owed and
    not delivered (``state`` missing, the rest empty)."""

    month: str
    state: str  # delivered | interim (written before its period ended) | missing | extra (a month not owed)
    written_at: datetime | None
    anchor: str | None  # N:HASH
    sha256: str | None
    file: str | None

    @property
    def interim(self) -> bool:
        return self.state == "interim"


@dataclass(frozen=True)
class Deliveries:
    """The monthly reports the service owes (one per month that owes an inspection) and those delivered."""

    owed: list[str]
    rows: list[DeliveryRow]

    @property
    def delivered(self) -> list[str]:
        """The months owed with a final report delivered."""
        return [m for m in self.owed if any(r.month == m and r.state == "delivered" for r in self.rows)]

    @property
    def missing(self) -> list[str]:
        return [m for m in self.owed if m not in self.delivered]


def deliveries(desk: Desk, owed: list[str], service_last: date) -> Deliveries:
    """Each delivery, in the order of the months, and a row for each month owed without a final one."""
    made = desk.session.exec(select(Delivery).order_by(col(Delivery.id))).all()
    rows = []
    for d in made:
        state = "interim" if _interim(d, desk.tz, service_last) else ("delivered" if d.month in owed else "extra")
        rows.append(DeliveryRow(d.month, state, d.written_at, f"{d.events}:{d.head_hash}", d.sha256, d.file))
    finals = {r.month for r in rows if r.state == "delivered"}
    rows += [DeliveryRow(m, "missing", None, None, None, None) for m in owed if m not in finals]
    rows.sort(key=lambda r: r.month)  # stable: a month's deliveries in the order made
    return Deliveries(owed, rows)


def _interim(delivery: Delivery, tz: tzinfo, service_last: date) -> bool:
    """A report written before its period ended (the month's end, or the service's): interim, its data
    as of then."""
    year, month = (int(part) for part in delivery.month.split("-"))
    return delivery.written_at.astimezone(tz).date() <= min(month_end(year, month), service_last)


def window_tickets(desk: Desk, until: datetime) -> set[int]:
    """The faults of the service window that ends at ``until``: reported before it."""
    return set(desk.session.exec(select(Ticket.id).where(col(Ticket.reported_at) < until)))


def awaiting(desk: Desk, until: datetime, tickets: set[int] | None = None, digests: bool = False) -> list[Pending]:
    """What awaits the hospital's confirmation in the window that ends at ``until``: its records (made
    before its end), its faults whenever resolved, and every request about them whenever made (the
    contract window decides, not the date a request was made). ``tickets``: the window's faults;
    ``digests``: with each record's digest (a workbook row the hospital answers on)."""
    tickets = window_tickets(desk, until) if tickets is None else tickets
    requests = {x.request.id for x in list_exceptions(desk, pending_only=True, tickets=tickets)}
    return [
        p
        for p in pending(desk, digests=digests)
        if (p.id in requests if p.kind == "exception" else p.id in tickets if p.kind == "fault" else p.date < until)
    ]

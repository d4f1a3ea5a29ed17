"""Queries that turn the records into report data (typed rows; JSON is made at the edge)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from opsdesk.contract.changes import ChangeView, list_changes
from opsdesk.contract.inspections import UnriskedItem, gaps, unrisked_items
from opsdesk.contract.inspections import overdue_risks as risks_past_due
from opsdesk.contract.people import onsite_on, roster
from opsdesk.desk import Desk, contract_end, fmt
from opsdesk.faults.corrections import last_delivery, seen_edits
from opsdesk.faults.edits import VerdictEdit
from opsdesk.faults.views import FaultView, each_fault, list_faults
from opsdesk.hospital.confirmations import pending
from opsdesk.sla.workcalendar import DayKind
from opsdesk.store.models import System

JUDGED = ("met", "breached", "overdue", "time_unknown")  # a rate's denominator: not applicable is left out


def compliance_of(counts: Counter[str]) -> float | None:
    """The compliance rate in percent: met / (met + breached + overdue + time unknown). SPEC: a
    clock that was not applicable (no arrival due: resolved remotely in time) is counted and shown
    beside the rate, never in its denominator. None when nothing was judged."""
    judged = sum(counts[state] for state in JUDGED)
    return None if not judged else 100.0 * counts["met"] / judged


@dataclass
class ClockSummary:
    clock: str
    kind: str | None
    system: str | None = None
    month: str | None = None  # YYYY-MM, in a breakdown by month (the month the tickets were reported in)
    counts: Counter[str] = field(default_factory=Counter)  # after the exceptions the hospital agreed to
    elapsed: list[int] = field(default_factory=list)  # minutes, of clocks that stopped or ran out
    recorded: Counter[str] = field(default_factory=Counter)  # as recorded, before agreed exceptions
    exceptions: int = 0  # agreed exceptions that change this clock (a void: the ticket leaves the figure)

    @property
    def median(self) -> int | None:
        return int(statistics.median(self.elapsed)) if self.elapsed else None

    @property
    def worst(self) -> int | None:
        return max(self.elapsed) if self.elapsed else None

    @property
    def compliance(self) -> float | None:
        return compliance_of(self.counts)

    @property
    def compliance_as_recorded(self) -> float | None:
        return compliance_of(self.recorded)

    @property
    def tickets(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> float | None:
        """The compliance as reports show it: in percent, to one decimal."""
        return _rounded(self.compliance)

    @property
    def rate_as_recorded(self) -> float | None:
        return _rounded(self.compliance_as_recorded)

    def to_dict(self) -> dict[str, object]:
        return {
            "clock": self.clock,
            "kind": self.kind,
            "tickets": self.tickets,
            "met": self.counts["met"],
            "not_applicable": self.counts["not_applicable"],
            "breached": self.counts["breached"],
            "overdue": self.counts["overdue"],
            "running": self.counts["running"],
            "time_unknown": self.counts["time_unknown"],
            "waived": self.counts["waived"],
            "compliance": self.rate,
            "exceptions": self.exceptions,
            "compliance_as_recorded": self.rate_as_recorded,
            "as_recorded": {state: self.recorded[state] for state in sorted(self.recorded)},
            "system": self.system,
            "median_minutes": self.median,
            "worst_minutes": self.worst,
        }


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 1)


_TIMED = frozenset(("met", "breached", "overdue"))  # states whose elapsed time the median and worst cover
_MINUTE = timedelta(minutes=1)


class SlaTally:
    """Compliance per clock gathered one view at a time, so a report can stream its faults past it:
    response, arrival, then resolution per kind (SPEC: n/a is left out of the rate).

    With ``by_system`` one block of rows per system (systems in the order met), with ``by_month`` per
    month the tickets were reported in too (month × system), else one block.
    Median and worst elapsed cover clocks that stopped or ran past their deadline. Each clock is
    counted after the exceptions the hospital agreed to (a void ticket not at all) and as recorded,
    with the number of agreed exceptions beside it.
    """

    def __init__(self, by_system: bool = False, by_month: bool = False):
        self.by_system = by_system or by_month
        self.by_month = by_month
        self.rows: dict[tuple[str | None, str | None, str, str | None], ClockSummary] = {}
        self.years: set[int] = set()  # calendar years not yet officially published that the clocks touched
        if not self.by_system:
            self._block(None, None)

    def _block(self, month: str | None, system: str | None) -> None:
        self.rows[(month, system, "response", None)] = ClockSummary("response", None, system, month)
        self.rows[(month, system, "arrival", None)] = ClockSummary("arrival", None, system, month)
        for kind in ("fault", "defect", "data"):
            self.rows[(month, system, "resolution", kind)] = ClockSummary("resolution", kind, system, month)

    def add(self, v: FaultView) -> FaultView:
        system = v.system.code if self.by_system else None
        month = f"{v.ticket.reported_at:%Y-%m}" if self.by_month else None
        rows = self.rows
        if (month, system, "response", None) not in rows:
            self._block(month, system)
        clocks, agreed = v.clocks, v.agreed
        changed = agreed.clocks if agreed is not None else None
        void = v.voided
        for row, clock, recorded in zip(
            (
                rows[(month, system, "response", None)],
                rows[(month, system, "arrival", None)],
                rows[(month, system, "resolution", v.ticket.kind)],
            ),
            clocks,
            v.recorded or clocks,
            strict=True,
        ):
            row.recorded[recorded.state] += 1
            if changed is not None:
                row.exceptions += changed[clock.name]
            if void:
                continue
            state = clock.state
            row.counts[state] += 1
            if state in _TIMED:
                row.elapsed.append(clock.elapsed // _MINUTE)
            if clock.unconfirmed_years:
                self.years.update(clock.unconfirmed_years)
        return v

    def summary(self) -> list[ClockSummary]:
        """The rows, a block per month and system (months in order, systems as met) or the one block."""
        if not self.by_month:
            return list(self.rows.values())
        return [row for key, row in sorted(self.rows.items(), key=lambda item: item[0][0] or "")]


def sla_summary(views: Iterable[FaultView], by_system: bool = False) -> list[ClockSummary]:
    """Compliance per clock of ``views`` (see :class:`SlaTally`)."""
    tally = SlaTally(by_system)
    for v in views:
        tally.add(v)
    return tally.summary()


def unconfirmed_years(views: list[FaultView]) -> list[int]:
    years: set[int] = set()
    for v in views:
        for clock in v.clocks:
            years.update(clock.unconfirmed_years)
    return sorted(years)


@dataclass(frozen=True)
class ContractSummary:
    name: str
    hospital: str
    vendor: str
    start: date
    end: date  # the service's last day


@dataclass(frozen=True)
class OverdueRisk:
    """A risk found by an inspection, not carried out by its due date."""

    id: int
    system: str
    text: str
    due: date
    owner: str | None


@dataclass(frozen=True)
class SinceYesterday:
    """What changed since the end of the previous working day (``since``; on a Monday, Friday's end; after
    a holiday, the last working day's before it): faults opened, resolved, and clocks that breached."""

    opened: list[int]
    resolved: list[int]
    breached: list[int]
    since: datetime | None = None


@dataclass(frozen=True)
class Status:
    """The morning view (see :func:`status`)."""

    now: datetime
    contract: ContractSummary
    today: DayKind
    inside_hours: bool
    month: str  # YYYY-MM
    open: list[FaultView]
    breaches: list[FaultView]  # this month's, the open ones among them included
    sla: list[ClockSummary]  # this month's
    unconfirmed_years: list[int]
    uninspected: list[System]  # this month
    unrisked: list[UnriskedItem]  # warned or failed check items with no risk recorded, any month
    changes_due: list[ChangeView]  # within 7 days, or late
    onsite_today: int
    staff_recorded: bool
    overdue_risks: list[OverdueRisk]
    awaiting_confirmation: int  # records the hospital has yet to confirm
    since_yesterday: SinceYesterday
    changed: ChangedSinceReport


@dataclass(frozen=True)
class ChangedSinceReport:
    """The edits (agreed corrections among them) that changed a verdict the hospital had seen, made
    since the last monthly report was delivered (all of them, before the first)."""

    report: str | None  # "2026-09, delivered 2026-10-02 09:00"
    edits: list[VerdictEdit]

    @property
    def tickets(self) -> list[int]:
        return sorted({e.ticket_id for e in self.edits})


def changed_since_report(desk: Desk) -> ChangedSinceReport:
    last = last_delivery(desk)
    if last is None:
        return ChangedSinceReport(None, seen_edits(desk))
    report = f"{last.month}, delivered {fmt(last.written_at.astimezone(desk.tz))}"
    return ChangedSinceReport(report, seen_edits(desk, since=last.written_at))


def status(desk: Desk) -> Status:
    """The morning view: open tickets and their running clocks, this month's breaches and SLA."""
    now = desk.local_now
    contract = desk.contract
    open_views = [v for v in list_faults(desk, open_only=True) if not v.voided]
    month = (now.year, now.month)
    month_views = list_faults(desk, month=month)
    staff = roster(desk)
    last_day = contract_end(contract) - timedelta(days=1)
    return Status(
        now=now,
        contract=ContractSummary(contract.name, contract.hospital, contract.vendor, contract.start_date, last_day),
        today=desk.calendar.day_kind(now.date()),
        inside_hours=desk.calendar.in_working_hours(now),
        month=f"{now:%Y-%m}",
        open=open_views,
        breaches=[v for v in month_views if v.breached],
        sla=sla_summary(month_views),
        unconfirmed_years=sorted(set(unconfirmed_years(open_views + month_views))),
        uninspected=gaps(desk, month),
        unrisked=unrisked_items(desk),
        changes_due=list_changes(desk, due_within=timedelta(days=7)),
        onsite_today=onsite_on(staff, now.date()),
        staff_recorded=bool(staff),
        overdue_risks=overdue_risks(desk),
        awaiting_confirmation=len(pending(desk)),
        since_yesterday=since_yesterday(desk, open_views),
        changed=changed_since_report(desk),
    )


def overdue_risks(desk: Desk) -> list[OverdueRisk]:
    """Risks not carried out whose due date has passed, the longest overdue first."""
    return [
        OverdueRisk(r.id, s.code, r.text, r.due, r.owner)
        for r, _, s in risks_past_due(desk)
        if r.id is not None and r.due is not None  # stored, and past a due date: every one of them
    ]


def since_yesterday(desk: Desk, open_views: list[FaultView]) -> SinceYesterday:
    """Faults opened and resolved since the end of the previous working day, and those with a clock that
    breached since then."""
    now = desk.local_now
    since = last_working_day_end(desk)
    recent = list_faults(desk, since=since - timedelta(days=31))  # a clock breaching now started within a month
    seen = {v.ticket.id: v for v in [*recent, *open_views]}
    views = sorted(seen.values(), key=lambda v: v.ticket.id or 0)
    breached = [
        v for v in views if any(c.state in ("breached", "overdue") and since <= c.met_until < now for c in v.clocks)
    ]
    return SinceYesterday(
        opened=_ids(v for v in views if since <= v.ticket.reported_at < now),
        resolved=_ids(v for v in views if v.ticket.resolved_at and since <= v.ticket.resolved_at < now),
        breached=_ids(breached),
        since=since,
    )


def last_working_day_end(desk: Desk) -> datetime:
    """The end of working hours on the last working day before today (on the calendar of the terms in
    force): Friday 18:00 on a Monday, the day before a holiday after it, a swapped working Saturday's
    18:00 on the Monday after. With no working day in the 31 days before, 24 hours ago."""
    from datetime import time

    from opsdesk.sla.terms import minutes_of_day

    now = desk.local_now
    calendar, terms = desk.calendar, desk.terms
    end = minutes_of_day(terms.workday_end, "workday_end")
    day = now.date()
    for _ in range(31):
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            return datetime.combine(day, time(end // 60, end % 60), tzinfo=desk.tz)
    return now - timedelta(days=1)


def _ids(views: Iterable[FaultView]) -> list[int]:
    """The faults' ticket ids (stored tickets: each has one)."""
    return [v.ticket.id for v in views if v.ticket.id is not None]


@dataclass(frozen=True)
class PeriodSla:
    """SLA compliance over a period (see :func:`period_sla`)."""

    since: datetime
    until: datetime
    tickets: int
    summary: list[ClockSummary]
    by_system: list[ClockSummary]
    breaches: list[FaultView]
    late: list[FaultView]  # with a step recorded more than an hour late
    unconfirmed_years: list[int]
    changed: list[VerdictEdit]  # edits that changed a verdict of the period the hospital had seen


def period_sla(
    desk: Desk, since: datetime, until: datetime, system: str | None = None, as_recorded: bool = False
) -> PeriodSla:
    """SLA compliance for tickets reported in [since, until), in one pass that keeps only the
    breached and late tickets' views; after agreed exceptions (a void ticket is left out), or
    ``as_recorded``."""
    summary, by_system = SlaTally(), SlaTally(by_system=True)
    tickets, breaches, late, ids = 0, [], [], set()
    for v in each_fault(desk, since=since, until=until, system=system, light=True, as_recorded=as_recorded):
        tickets += not v.voided
        ids.add(v.ticket.id)
        summary.add(by_system.add(v))
        if v.breached:
            breaches.append(v)
        if v.late:
            late.append(v)
    return PeriodSla(
        since,
        until,
        tickets,
        summary.summary(),
        by_system.summary(),
        breaches,
        late,
        sorted(summary.years),
        seen_edits(desk, tickets=ids),
    )

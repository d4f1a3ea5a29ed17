"""The SLA clocks of the maintenance contract, and the dates of a change request.

Pure code: no database, no command line. Everything here works on timezone-aware datetimes
and answers in the calendar's time zone (Asia/Shanghai by default).

* :func:`ticket_clocks` turns a fault ticket's times into its three clocks (response,
  arrival, resolution) and :func:`explain_clock` shows, day by day, how a working clock
  was counted (on the :class:`~opsdesk.sla.workcalendar.WorkCalendar`).
* :func:`change_due`, :func:`acceptance_earliest` and :func:`warranty_end` date a change
  request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from opsdesk.errors import InvalidInput
from opsdesk.sla.terms import CLOCKS, SlaTerms, check_kind, zone
from opsdesk.sla.workcalendar import Ledger, LedgerDay, Span, WorkCalendar, aware, merge_spans

# --------------------------------------------------------------------------- ticket clocks

ClockState = Literal["met", "breached", "running", "overdue", "not_applicable", "waived", "time_unknown"]
"""A clock's verdict, as it appears in the JSON and the workbooks. ``waived``: an arrival the hospital
agreed to waive; ``time_unknown``: imported without a time of day (set by :mod:`opsdesk.faults.views`)."""


@dataclass(frozen=True)
class Clock:
    """One SLA clock of a ticket.

    ``basis`` is "wall" (response, arrival) or "working" (resolution). ``elapsed`` runs
    from the report to the actual time, or to the time the clock stopped otherwise (the
    resolution, for an arrival that never happened), or to now; for a working clock it is
    working time. ``margin`` is time left (positive) or late by (negative): the deadline
    minus that time for a wall clock, target minus elapsed for a working clock.

    A wall clock is met at or before its ``deadline``. A working clock is met while the working
    time elapsed is at most the target (修复时间不超过N个工作日): a deadline at the end of a working
    day holds until the next working minute, ``met_until`` (Friday 18:00 holds until Monday
    08:00); for every other clock ``met_until`` is the deadline.
    """

    name: str
    basis: str
    target: timedelta
    deadline: datetime
    met_until: datetime
    actual: datetime | None
    elapsed: timedelta
    margin: timedelta
    state: ClockState
    unconfirmed_years: tuple[int, ...]
    paused: timedelta = timedelta(0)  # working time inside agreed pauses, left out of ``elapsed``
    pauses: tuple[Span, ...] = ()  # the agreed pauses as they count: open ones end at the fix or now
    paused_now: bool = False  # a running clock inside an agreed pause: its time left stays, its deadline waits


@dataclass(frozen=True)
class TicketClocks:
    """The three clocks of a ticket; iterating yields response, arrival, resolution."""

    inside_hours: bool  # reported inside working hours (decided by the report time alone)
    response: Clock
    arrival: Clock
    resolution: Clock
    remote: bool = False  # handled remotely (recorded; it does not excuse a late arrival)

    def __iter__(self) -> Iterator[Clock]:
        yield self.response
        yield self.arrival
        yield self.resolution

    def breached(self) -> bool:
        """Whether any clock is breached or overdue."""
        return any(clock.state in ("breached", "overdue") for clock in self)

    @property
    def unconfirmed_years(self) -> tuple[int, ...]:
        """Unconfirmed calendar years touched by any of the clocks."""
        return tuple(sorted({year for clock in self for year in clock.unconfirmed_years}))


def clock_target(terms: SlaTerms, kind: str, clock: str, inside_hours: bool) -> timedelta:
    """The target of one clock: wall-clock minutes, or working time for resolution."""
    check_kind(kind)
    if clock == "response":
        minutes = terms.response_inside_min if inside_hours else terms.response_outside_min
    elif clock == "arrival":
        minutes = terms.arrival_inside_min if inside_hours else terms.arrival_outside_min
    elif clock == "resolution":
        return terms.resolution_target(kind)
    else:
        raise InvalidInput(f"unknown clock {clock!r}: use one of {', '.join(CLOCKS)}")
    return timedelta(minutes=minutes)


def _wall_clock(
    name: str,
    target: timedelta,
    reported: datetime,
    actual: datetime | None,
    stopped: datetime | None,
    now: datetime,
    unconfirmed: tuple[int, ...],
) -> Clock:
    """A wall-clock clock; ``stopped`` is when the ticket closed without ``actual``."""
    deadline = (reported.astimezone(UTC) + target).astimezone(reported.tzinfo)
    state: ClockState
    if actual is not None:
        until, state = actual, "met" if actual <= deadline else "breached"
    elif stopped is not None:
        until, state = stopped, "not_applicable" if stopped <= deadline else "breached"
    else:
        until, state = now, "running" if now <= deadline else "overdue"
    elapsed = max(until - reported, timedelta(0))
    return Clock(name, "wall", target, deadline, deadline, actual, elapsed, deadline - until, state, unconfirmed)


def ticket_clocks(
    cal: WorkCalendar,
    terms: SlaTerms,
    *,
    kind: str,
    reported: datetime,
    responded: datetime | None = None,
    arrived: datetime | None = None,
    resolved: datetime | None = None,
    remote: bool = False,
    now: datetime,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
    arrival_waived: bool = False,
) -> TicketClocks:
    """The response, arrival and resolution clocks of a ticket at ``now``.

    ``cal`` must be built from the same ``terms``. Response and arrival are wall-clock
    (30/60 min inside working hours, 60/120 outside); resolution is working time per
    kind. A ticket that arrived or was resolved without a logged response counts as
    responded at the first of those times. An arrival is not applicable when the ticket
    was resolved by the arrival deadline without one; resolved later without one, the
    arrival is breached; still open, it runs and then is overdue.
    """
    check_kind(kind)
    tz = cal.tz
    reported = aware(reported, tz)
    now = current_minute(now, tz)
    responded = None if responded is None else aware(responded, tz)
    arrived = None if arrived is None else aware(arrived, tz)
    resolved = None if resolved is None else aware(resolved, tz)
    for label, moment, after_label, after in (
        ("responded", responded, "reported", reported),
        ("arrived", arrived, "reported", reported),
        ("arrived", arrived, "responded", responded),
        ("resolved", resolved, "reported", reported),
    ):
        if moment is not None and after is not None and moment < after:
            raise InvalidInput(
                f"{label} at {moment:%Y-%m-%d %H:%M} is before {after_label} at "
                f"{after:%Y-%m-%d %H:%M}: it must be at or after it"
            )
    inside = cal.in_working_hours(reported)
    at_report = cal.unconfirmed_years(reported, reported)  # decides inside/outside hours
    response_at = responded
    if response_at is None:
        response_at = min((m for m in (arrived, resolved) if m is not None), default=None)
    response = _wall_clock(
        "response",
        clock_target(terms, kind, "response", inside),
        reported,
        response_at,
        None,
        now,
        at_report,
    )
    visit_after_fix = arrived is not None and resolved is not None and arrived > resolved
    arrival = _wall_clock(  # a visit after a (remote) fix was not the arrival the fix needed: judged without it
        "arrival",
        clock_target(terms, kind, "arrival", inside),
        reported,
        None if visit_after_fix else arrived,
        resolved,
        now,
        at_report,
    )

    if arrival_waived:
        arrival = replace(arrival, state="waived")

    target = clock_target(terms, kind, "resolution", inside)
    until = resolved if resolved is not None else now
    pauses = [(aware(a, tz), None if b is None else aware(b, tz)) for a, b in pauses]
    paused_now = resolved is None and any(a <= now and (b is None or b > now) for a, b in pauses)
    spans = pause_spans(pauses, reported, until, tz)
    if spans:
        deadline = cal.add_working_time_outside(reported, target, spans)
        met_until = cal.next_working_moment_outside(deadline, spans)
        elapsed = cal.working_time_outside(reported, until, spans)
        paused = cal.working_time_between(reported, until) - elapsed
    else:
        deadline = cal.add_working_time(reported, target)
        # A deadline at the end of a working day: no working time passes until the next working minute.
        met_until = deadline if cal.in_working_hours(deadline) else cal.next_working_moment(deadline)
        elapsed = cal.working_time_between(reported, until)
        paused = timedelta(0)
    state: ClockState
    if resolved is not None:
        state = "met" if elapsed <= target else "breached"
    else:
        state = "running" if elapsed <= target else "overdue"
    resolution = Clock(
        "resolution",
        "working",
        target,
        deadline,
        met_until,
        resolved,
        elapsed,
        target - elapsed,
        state,
        cal.unconfirmed_years(reported, max(deadline, until)),
        paused,
        tuple(spans),
        paused_now,
    )
    return TicketClocks(inside, response, arrival, resolution, remote)


def current_minute(now: datetime, tz) -> datetime:
    """``now`` as the clocks judge it: the minute it falls in. Times are recorded to the minute, so
    an event in a deadline's minute is met; a clock is overdue only once met is no longer possible,
    from the minute after its deadline (SPEC), never a few seconds into the deadline minute."""
    return aware(now, tz).replace(second=0, microsecond=0)


def pause_spans(
    pauses: Iterable[tuple[datetime, datetime | None]], reported: datetime, until: datetime, tz
) -> list[Span]:
    """The pauses of a resolution clock as they count: each within [reported, until] (a pause still
    running ends at ``until``, the fix or now), overlapping ones joined."""
    reported, until = aware(reported, tz), aware(until, tz)
    clipped = []
    for start, end in pauses:
        start = max(aware(start, tz), reported)
        end = until if end is None else min(aware(end, tz), until)
        clipped.append((start, end))
    return merge_spans(clipped, tz)


def explain_clock(cal: WorkCalendar, clock: Clock, reported: datetime, now: datetime) -> Ledger:
    """How ``clock`` was counted from ``reported``.

    A working clock gets a day-by-day ledger: to the actual time if it has one, else to now
    and, for a running clock, on to its deadline as a projection (the working time still to
    come, marked, not counted). A wall clock gets one line.
    """
    reported = aware(reported, cal.tz)
    if clock.basis == "working":
        if clock.actual is not None:
            return cal.ledger(reported, clock.actual, clock.target, clock.pauses)
        now = current_minute(now, cal.tz)
        return cal.ledger(reported, max(now, clock.deadline), clock.target, clock.pauses, now=now)
    end = reported + clock.elapsed
    seconds = clock.elapsed // timedelta(seconds=1)
    line = LedgerDay(reported.date(), cal.day_kind(reported), reported, end, seconds, seconds)
    return Ledger(reported, end, clock.target, [line], clock.elapsed, clock.unconfirmed_years)


# --------------------------------------------------------------------------- change requests


def change_due(submitted: datetime, terms: SlaTerms) -> datetime:
    """When a change request must be delivered: ``change_due_days`` calendar days later."""
    return aware(submitted, zone(terms.timezone)) + timedelta(days=terms.change_due_days)


def acceptance_earliest(cal: WorkCalendar, implemented: datetime | date, terms: SlaTerms) -> date:
    """The first day acceptance may be applied for.

    That is the ``acceptance_wait_days``-th working day after the (local) day of
    implementation: implemented Thursday 2026-12-10, ten working days -> 2026-12-24.
    """
    return cal.working_day_after(implemented, terms.acceptance_wait_days)


def warranty_end(accepted: date, terms: SlaTerms) -> date:
    """The last day of a change's free maintenance: ``warranty_months`` from acceptance, ending the
    day before the anniversary, as the contract's own period runs (accepted 2026-11-24: until
    2027-11-23). A zero-month warranty ends the day before acceptance: none."""
    from dateutil.relativedelta import relativedelta

    if isinstance(accepted, datetime):
        accepted = aware(accepted, zone(terms.timezone)).date()
    return accepted + relativedelta(months=terms.warranty_months) - timedelta(days=1)

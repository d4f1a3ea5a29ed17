"""Working-time arithmetic against a slow, obviously-right minute-by-minute oracle.

The oracle walks one minute at a time and counts a minute when it starts inside working
hours (08:00 <= local time < 18:00) on a day ``cal.is_working_day`` says is a working
day. The calendar's fast index must agree with it exactly.
"""

from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from opsdesk.sla.workcalendar import Override, WorkCalendar

pytestmark = pytest.mark.sqlite_only  # no database here

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
OVERRIDDEN = WorkCalendar(
    overrides=[
        Override(date(2026, 2, 21), True, "春节值班"),  # a Saturday in 春节
        Override(date(2026, 6, 15), False, "停电"),  # a Monday
        Override(date(2027, 1, 4), False, "年初检修"),  # in an unpublished year
    ]
)
ORIGIN = datetime(2025, 1, 1, tzinfo=TZ)
LAST_MINUTE = int((datetime(2027, 11, 30, tzinfo=TZ) - ORIGIN) / timedelta(minutes=1))
MINUTE = timedelta(minutes=1)
OPENS, CLOSES = time(8), time(18)

minutes = st.integers(0, LAST_MINUTE).map(lambda m: ORIGIN + m * MINUTE)
seconds = st.integers(0, LAST_MINUTE * 60).map(lambda s: ORIGIN + timedelta(seconds=s))


@cache
def working_day(cal: WorkCalendar, day: date) -> bool:
    return cal.is_working_day(day)


def working_minute(cal: WorkCalendar, moment: datetime) -> bool:
    """Whether the minute starting at ``moment`` is working time."""
    return OPENS <= moment.time() < CLOSES and working_day(cal, moment.date())


def oracle_between(cal: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time from a to b (both minute-aligned), one minute at a time."""
    count, moment = 0, a
    while moment < b:
        count += working_minute(cal, moment)
        moment += MINUTE
    return count * MINUTE


def oracle_add(cal: WorkCalendar, start: datetime, duration: int) -> datetime:
    """The end of the ``duration``-th working minute from start (start if 0)."""
    moment = start
    while duration:
        if working_minute(cal, moment):
            duration -= 1
        moment += MINUTE
    return moment


@settings(max_examples=200, deadline=None)
@given(a=minutes, span=st.integers(0, 20 * 24 * 60))
def test_between_matches_the_oracle(a, span):
    b = a + span * MINUTE
    assert CAL.working_time_between(a, b) == oracle_between(CAL, a, b)


@settings(max_examples=100, deadline=None)
@given(a=minutes, span=st.integers(0, 20 * 24 * 60))
def test_between_matches_the_oracle_with_overrides(a, span):
    b = a + span * MINUTE
    assert OVERRIDDEN.working_time_between(a, b) == oracle_between(OVERRIDDEN, a, b)


@settings(max_examples=200, deadline=None)
@given(start=minutes, duration=st.integers(0, 5 * 600))
def test_add_matches_the_oracle(start, duration):
    assert CAL.add_working_time(start, duration * MINUTE) == oracle_add(CAL, start, duration)


@settings(max_examples=300, deadline=None)
@given(start=seconds, duration=st.integers(0, 30 * 36_000))
def test_add_then_measure_returns_the_duration(start, duration):
    delta = timedelta(seconds=duration)
    end = CAL.add_working_time(start, delta)
    assert end >= start
    assert CAL.working_time_between(start, end) == delta


@settings(max_examples=300, deadline=None)
@given(moments=st.lists(seconds, min_size=3, max_size=3))
def test_between_is_additive(moments):
    a, b, c = sorted(moments)
    between = CAL.working_time_between
    assert between(a, c) == between(a, b) + between(b, c)
    assert between(c, a) == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(
    moments=st.lists(seconds, min_size=2, max_size=2),
    durations=st.lists(st.integers(0, 20 * 36_000), min_size=2, max_size=2),
)
def test_monotonic(moments, durations):
    a, b = sorted(moments)
    d1, d2 = (timedelta(seconds=s) for s in sorted(durations))
    assert CAL.add_working_time(a, d1) <= CAL.add_working_time(b, d1)
    assert CAL.add_working_time(a, d1) <= CAL.add_working_time(a, d2)
    end = b + timedelta(days=3)
    assert CAL.working_time_between(a, end) >= CAL.working_time_between(b, end)
    assert CAL.working_time_between(a, b) <= CAL.working_time_between(a, end)


@settings(max_examples=300, deadline=None)
@given(start=seconds, duration=st.integers(1, 30 * 36_000))
def test_deadlines_fall_inside_working_hours_or_exactly_at_the_close(start, duration):
    deadline = CAL.add_working_time(start, timedelta(seconds=duration))
    assert deadline.tzinfo == TZ
    assert CAL.in_working_hours(deadline) or (deadline.time() == CLOSES and CAL.is_working_day(deadline.date()))


def next_working_minute(cal: WorkCalendar, moment: datetime) -> datetime:
    """The first working minute at or after ``moment`` (minute-aligned), one minute at a time."""
    while not working_minute(cal, moment):
        moment += MINUTE
    return moment


@settings(max_examples=200, deadline=None)
@given(reported=minutes, kind=st.sampled_from(["fault", "defect", "data"]), fixed_after=st.integers(0, 60 * 24 * 12))
def test_moving_a_fix_inside_a_non_working_span_never_changes_its_verdict(reported, kind, fixed_after):
    """SPEC: resolution met iff working time elapsed <= target; a fix anywhere in a span with no
    working minute (evening, night, weekend, holiday) gets the verdict of that span's start."""
    from opsdesk.sla.clocks import ticket_clocks
    from opsdesk.sla.terms import SlaTerms

    fixed = reported + fixed_after * MINUTE
    if working_minute(CAL, fixed):
        return
    span_start = fixed  # walk back to the start of the non-working span (not before the report)
    while span_start > reported and not working_minute(CAL, span_start - MINUTE):
        span_start -= MINUTE
    terms = SlaTerms()

    def verdict(moment: datetime) -> str:
        return ticket_clocks(CAL, terms, kind=kind, reported=reported, resolved=moment, now=moment).resolution.state

    assert verdict(fixed) == verdict(span_start) == verdict(next_working_minute(CAL, fixed))
    target = terms.resolution_target(kind)
    assert verdict(fixed) == ("met" if oracle_between(CAL, reported, fixed) <= target else "breached")


# -- agreed pauses of the resolution clock ---------------------------------------------------------

pauses = st.lists(st.tuples(st.integers(-3 * 24 * 60, 15 * 24 * 60), st.integers(0, 4 * 24 * 60)), max_size=4)


def spans_from(origin: datetime, offsets) -> list[tuple[datetime, datetime]]:
    """Pauses as (start, end): minute offsets from ``origin`` and lengths in minutes (overlaps allowed)."""
    return [(origin + start * MINUTE, origin + (start + length) * MINUTE) for start, length in offsets]


def paused_minute(spans, moment: datetime) -> bool:
    return any(start <= moment < end for start, end in spans)


def oracle_outside(cal: WorkCalendar, a: datetime, b: datetime, spans) -> timedelta:
    """Working time from a to b outside the pauses, one minute at a time."""
    count, moment = 0, a
    while moment < b:
        count += working_minute(cal, moment) and not paused_minute(spans, moment)
        moment += MINUTE
    return count * MINUTE


@settings(max_examples=150, deadline=None)
@given(a=minutes, span=st.integers(0, 15 * 24 * 60), offsets=pauses)
def test_pauses_never_change_the_working_time_outside_them(a, span, offsets):
    """Working time outside the pauses is the minute-by-minute count of unpaused working minutes, and
    the pauses take away exactly the working time inside them."""
    b = a + span * MINUTE
    spans = spans_from(a, offsets)
    outside = OVERRIDDEN.working_time_outside(a, b, spans)
    assert outside == oracle_outside(OVERRIDDEN, a, b, spans)
    inside = OVERRIDDEN.working_time_between(a, b) - outside
    assert inside == oracle_between(OVERRIDDEN, a, b) - oracle_outside(OVERRIDDEN, a, b, spans)
    # the working time between the pauses is untouched by them: each gap measures as without pauses
    cut = sorted({a, b, *(min(max(t, a), b) for pair in spans for t in pair)})
    for left, right in pairwise(cut):
        if not paused_minute(spans, left):
            assert OVERRIDDEN.working_time_outside(left, right, spans) == OVERRIDDEN.working_time_between(left, right)


def oracle_add_outside(cal: WorkCalendar, start: datetime, duration: int, spans) -> datetime:
    """The end of the ``duration``-th unpaused working minute from start (start if 0)."""
    moment = start
    while duration:
        if working_minute(cal, moment) and not paused_minute(spans, moment):
            duration -= 1
        moment += MINUTE
    return moment


@settings(max_examples=150, deadline=None)
@given(start=minutes, duration=st.integers(0, 3 * 600), offsets=pauses)
@example(start=datetime(2026, 12, 4, 8, 0, tzinfo=TZ), duration=600, offsets=[(12 * 60, 60)])  # a pause at 20:00
def test_adding_around_pauses_finds_the_first_moment_with_that_much_unpaused_working_time(start, duration, offsets):
    spans = spans_from(start, offsets)
    end = CAL.add_working_time_outside(start, duration * MINUTE, spans)
    assert end == oracle_add_outside(CAL, start, duration, spans)
    assert CAL.working_time_outside(start, end, spans) == duration * MINUTE


@settings(max_examples=150, deadline=None)
@given(reported=minutes, kind=st.sampled_from(["fault", "defect", "data"]), offsets=pauses)
def test_a_pause_before_the_deadline_moves_it_by_exactly_its_working_time(reported, kind, offsets):
    """An agreed pause lying before the deadline as recorded moves the deadline by the working time
    inside it, holidays and weekends included; elapsed plus paused is the working time as recorded."""
    from opsdesk.sla.clocks import ticket_clocks
    from opsdesk.sla.terms import SlaTerms

    terms = SlaTerms()
    deadline = CAL.add_working_time(reported, terms.resolution_target(kind))
    spans = [(max(s, reported), min(e, deadline)) for s, e in spans_from(reported, offsets)]
    spans = [(s, e) for s, e in spans if s < e]
    now = deadline + timedelta(days=20)
    clocks = ticket_clocks(CAL, terms, kind=kind, reported=reported, now=now, pauses=spans)
    paused = CAL.working_time_between(reported, deadline) - CAL.working_time_outside(reported, deadline, spans)
    assert clocks.resolution.paused == paused
    assert CAL.working_time_between(deadline, clocks.resolution.deadline) == paused
    assert clocks.resolution.elapsed + clocks.resolution.paused == CAL.working_time_between(reported, now)
    recorded = ticket_clocks(CAL, terms, kind=kind, reported=reported, now=now)
    assert (recorded.response, recorded.arrival) == (clocks.response, clocks.arrival)

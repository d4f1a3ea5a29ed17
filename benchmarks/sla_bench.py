"""Benchmark opsdesk.sla's working-time arithmetic.

Run: ``.venv/bin/python benchmarks/sla_bench.py [--n 100000] [--seed 20261204]``

Random minute-aligned intervals over 2025-2026 (seeded) are measured with
``WorkCalendar.working_time_between`` and with the ``businesstimedelta`` package given
the same 08:00-18:00 hours and the same holidays, and a subsample with a brute-force
minute-by-minute oracle. ``businesstimedelta`` cannot express weekend days declared
working days (调休上班), so every interval avoids those dates. All results must be
identical (asserted); the script prints throughputs and the speed ratio, and exits 1 if
opsdesk is not at least ``--target`` times faster than businesstimedelta.
``add_working_time`` is timed the same way, with durations of at least one minute
(businesstimedelta moves a start outside working hours to the next working start even
when adding nothing; opsdesk returns the start unchanged). businesstimedelta manages
about 400 intervals a second, so the full run takes about five minutes;
``--baseline-n 10000`` times it on a subsample for a quick look.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import pytz

from opsdesk.sla.terms import DEFAULT_TZ
from opsdesk.sla.workcalendar import WorkCalendar

TZ = ZoneInfo(DEFAULT_TZ)
FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)
MINUTE = timedelta(minutes=1)
MAX_SPAN_DAYS = 30
MAX_ADD_MINUTES = 5 * 600  # five working days


def timed(fn: Callable[..., object], cases: Sequence[tuple]) -> tuple[list[object], float]:
    """Results of ``fn(*case)`` for every case, and the seconds it took."""
    started = time.perf_counter()
    results = [fn(*case) for case in cases]
    return results, time.perf_counter() - started


def business_rules(cal: WorkCalendar) -> btd.Rules:
    """businesstimedelta rules for Mon-Fri 08:00-18:00 minus the calendar's weekday holidays."""
    shanghai = pytz.timezone(DEFAULT_TZ)
    workday = btd.WorkDayRule(
        start_time=clock_time(8), end_time=clock_time(18), working_days=[0, 1, 2, 3, 4], tz=shanghai
    )
    # Holidays through 2031: its HolidayRule searches up to five years ahead for the next one.
    days = (FIRST + timedelta(n) for n in range((date(2032, 1, 1) - FIRST).days))
    holidays = {d for d in days if d.weekday() < 5 and not cal.is_working_day(d)}
    return btd.Rules([workday, btd.HolidayRule(holidays, tz=shanghai)])


class Oracle:
    """Working time one minute at a time: obviously right, slow."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.days: dict[date, bool] = {}

    def working_minute(self, moment: datetime) -> bool:
        day = moment.date()
        if day not in self.days:
            self.days[day] = self.cal.is_working_day(day)
        return 8 <= moment.hour < 18 and self.days[day]

    def between(self, a: datetime, b: datetime) -> timedelta:
        count, moment = 0, a
        while moment < b:
            count += self.working_minute(moment)
            moment += MINUTE
        return count * MINUTE

    def add(self, start: datetime, duration: timedelta) -> datetime:
        left, moment = duration // MINUTE, start
        while left:
            left -= self.working_minute(moment)
            moment += MINUTE
        return moment


def random_moment(rng: random.Random, first: date, last: date) -> datetime:
    day = first + timedelta(rng.randrange((last - first).days + 1))
    return datetime(day.year, day.month, day.day, tzinfo=TZ) + rng.randrange(24 * 60) * MINUTE


def touches(swapped: set[date], a: datetime, b: datetime) -> bool:
    """Whether any day from a's to b's is a weekend working day."""
    day = a.date()
    while day <= b.date():
        if day in swapped:
            return True
        day += timedelta(days=1)
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="intervals (default 100000)")
    parser.add_argument("--baseline-n", type=int, help="businesstimedelta subsample (default: all)")
    parser.add_argument("--oracle-n", type=int, default=200, help="oracle subsample (200)")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--target", type=float, default=20.0, help="required speed-up (20)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    started = time.perf_counter()
    cal = WorkCalendar()
    cal.working_time_between(datetime(2025, 1, 1, tzinfo=TZ), datetime(2026, 12, 31, tzinfo=TZ))
    cold = time.perf_counter() - started
    swapped = {
        FIRST + timedelta(n)
        for n in range((LAST - FIRST).days + 1)
        if cal.day_kind(FIRST + timedelta(n)).kind == "swapped_workday"
    }
    rules = business_rules(cal)
    oracle = Oracle(cal)

    intervals: list[tuple[datetime, datetime]] = []
    while len(intervals) < args.n:
        a = random_moment(rng, FIRST, LAST - timedelta(MAX_SPAN_DAYS))
        b = a + rng.randrange(MAX_SPAN_DAYS * 24 * 60) * MINUTE
        if not touches(swapped, a, b):
            intervals.append((a, b))
    adds = [
        (random_moment(rng, FIRST, LAST - timedelta(MAX_SPAN_DAYS)), rng.randrange(1, MAX_ADD_MINUTES) * MINUTE)
        for _ in range(args.n)
    ]
    baseline_n = args.n if args.baseline_n is None else args.baseline_n
    sample = intervals[: args.oracle_n]

    rows: list[tuple[str, str, int, float]] = []

    ours, seconds = timed(cal.working_time_between, intervals)
    rows.append(("working_time_between", "opsdesk.sla.clocks.clocks", len(intervals), seconds))
    baseline = intervals[:baseline_n]
    theirs, seconds = timed(lambda a, b: rules.difference(a, b).timedelta, baseline)
    rows.append(("working_time_between", "businesstimedelta", len(baseline), seconds))
    assert ours[:baseline_n] == theirs, "working_time_between differs from businesstimedelta"
    slow, seconds = timed(oracle.between, sample)
    rows.append(("working_time_between", "minute oracle", len(sample), seconds))
    assert ours[: len(sample)] == slow, "working_time_between differs from the oracle"

    ends, seconds = timed(cal.add_working_time, adds)
    rows.append(("add_working_time", "opsdesk.sla.clocks.clocks", len(adds), seconds))
    comparable = [(case, end) for case, end in zip(adds, ends, strict=True) if not touches(swapped, case[0], end)]
    baseline = [case for case, _ in comparable[:baseline_n]]
    theirs, seconds = timed(lambda start, d: btd.BusinessTimeDelta(rules, timedelta=d) + start, baseline)
    rows.append(("add_working_time", "businesstimedelta", len(baseline), seconds))
    assert [end for _, end in comparable[:baseline_n]] == theirs, "add_working_time differs from businesstimedelta"
    slow, seconds = timed(oracle.add, adds[: args.oracle_n])
    rows.append(("add_working_time", "minute oracle", args.oracle_n, seconds))
    assert ends[: args.oracle_n] == slow, "add_working_time differs from the oracle"

    print(f"calendar cold start (import holidays, index 2025-2026): {cold * 1000:.1f} ms")
    print(f"intervals: up to {MAX_SPAN_DAYS} days, avoiding weekend working days; seed {args.seed}")
    print("all results identical across engines\n")
    print(f"{'operation':<22} {'engine':<18} {'calls':>8} {'seconds':>9} {'calls/s':>12} {'opsdesk is':>11}")
    rate: dict[tuple[str, str], float] = {}
    for operation, engine, calls, seconds in rows:
        rate[operation, engine] = calls / seconds
    for operation, engine, calls, seconds in rows:
        ratio = rate[operation, "opsdesk.sla.clocks.clocks"] / rate[operation, engine]
        print(
            f"{operation:<22} {engine:<18} {calls:>8} {seconds:>9.3f} "
            f"{rate[operation, engine]:>12,.0f} {ratio:>10,.1f}x"
        )
    speedup = min(
        rate[op, "opsdesk.sla.clocks.clocks"] / rate[op, "businesstimedelta"]
        for op in ("working_time_between", "add_working_time")
    )
    verdict = "met" if speedup >= args.target else "NOT met"
    print(f"\nspeed-up over businesstimedelta: {speedup:,.1f}x (target {args.target:g}x: {verdict})")
    return 0 if speedup >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())

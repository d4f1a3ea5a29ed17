"""The working calendar (工作日历) of the maintenance contract.

Pure code: no database, no command line. :class:`WorkCalendar` is the People's Republic of
China official working calendar (from the ``holidays`` package: statutory holidays, swapped
days off and the weekend days declared working days), with local overrides on top. It measures
and adds *working time* -- time inside working hours on working days -- in O(log days) using a
per-day cumulative index of working days, built for the years a query touches.

Each year of the official schedule comes from a source the caller gives: the store's record of
the year (the Desk hands it over as data), or by default the ``holidays`` package, which (slow to
import) is imported only when a calendar first needs a year it has no record of.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.errors import InvalidInput
from opsdesk.sla.terms import SlaTerms, minutes_of_day, zone

DAY_KINDS = (
    "working",
    "weekend",
    "holiday",
    "swapped_off",
    "swapped_workday",
    "override_off",
    "override_work",
)


def _overlap(a: datetime, b: datetime, spans) -> int:
    """Whole seconds of [a, b) inside the (merged, disjoint) ``spans``."""
    overlaps = (min(b, end) - max(a, start) for start, end in spans)
    return sum(o // timedelta(seconds=1) for o in overlaps if o > timedelta(0))


_DAY_WORDS = {
    "working": "working day",
    "weekend": "weekend",
    "holiday": "holiday",
    "swapped_off": "swapped day off",
    "swapped_workday": "swapped working day",
    "override_off": "local day off",
    "override_work": "local working day",
}
_US = 1_000_000  # microseconds per second: working time is counted in whole microseconds
_LAST_YEAR = 9999  # datetime's limit
_MIN_WORKING_DAYS_PER_YEAR = 200  # lower bound used to size forward extensions of the index

# --------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class Override:
    """A local change to the official calendar, stored in the database."""

    day: date
    working: bool  # True: an extra working day; False: an extra day off
    note: str

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise InvalidInput(f"an override is for a whole day, got {self.day!r}")


@dataclass(frozen=True)
class DayKind:
    """What a day is in the working calendar, and why.

    ``kind`` is one of :data:`DAY_KINDS`. ``reason`` is for people: the holiday's
    Chinese name from the package (春节, 国庆节, 国庆节（补假）...), 周末, 调休 (a swapped day
    off), 调休上班 (a weekend day declared a working day), 工作日, or an override's note.
    ``confirmed`` is False when the day's year was not officially published in the
    ``holidays`` package the store recorded it from, and the user has not confirmed it.
    """

    day: date
    working: bool
    kind: str
    reason: str
    confirmed: bool


@dataclass(frozen=True)
class OverrideDifference:
    """A day the local overrides change: what the official schedule says, and what holds now."""

    day: date
    official: str  # the official day kind (see DAY_KINDS)
    official_reason: str
    working: bool  # whether the day is a working day now
    override: str  # the override's note (or the reason the day is what it is now)


@dataclass(frozen=True)
class OfficialYear:
    """One year of the official schedule, as a version of the ``holidays`` package gave it.

    The store keeps each year the contract uses as a record (``official_year``): verdicts read that
    record, never the package again, so a later package cannot move a figure unseen.
    """

    year: int
    names: Mapping[date, str]  # every day off the package lists, with its zh_CN name
    weekend_workdays: frozenset[date]  # 调休上班
    swapped_off: frozenset[date]  # 调休: weekdays off in exchange for a weekend working day
    published: bool  # the package had the year's official schedule; False: the plain rules
    source: str  # where it came from: "holidays 0.109"

    def classify(self, d: date) -> tuple[bool, str, str]:
        """Whether ``d`` (a day of this year) is a working day, its kind and its reason, exactly as
        ``holidays.HolidayBase.is_working_day`` decides it."""
        name = self.names.get(d)
        if d.weekday() >= 5:
            if d in self.weekend_workdays:
                return True, "swapped_workday", "调休上班"
            if name is not None:
                return False, "holiday", name
            return False, "weekend", "周末"
        if name is None:
            return True, "working", "工作日"
        if d in self.swapped_off:
            return False, "swapped_off", "调休"
        return False, "holiday", name


YearSource = Callable[[int], OfficialYear]  # the official schedule of a year


@dataclass(frozen=True)
class YearDifference:
    """A day on which two versions of a year's official schedule disagree (working or not, or why)."""

    day: date
    recorded_working: bool
    recorded_kind: str
    recorded_reason: str
    package_working: bool
    package_kind: str
    package_reason: str


def year_differences(recorded: OfficialYear, other: OfficialYear) -> list[YearDifference]:
    """Each day of the year on which ``other`` disagrees with ``recorded``, in date order."""
    out = []
    day = date(recorded.year, 1, 1)
    while day.year == recorded.year:
        was, now = recorded.classify(day), other.classify(day)
        if was != now:
            out.append(YearDifference(day, *was, *now))
        day += timedelta(days=1)
    return out


def package_version() -> str:
    """The installed ``holidays`` package, as a year's ``source`` names it: ``holidays 0.109``."""
    from importlib import metadata

    return f"holidays {metadata.version('holidays')}"


@functools.cache
def package_year(year: int) -> OfficialYear:
    """``year`` as the installed ``holidays`` package has it (China, names in zh_CN). Importing the
    package costs about 0.3 s: only a year not yet recorded in the store comes from here."""
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    if not 1 <= year <= _LAST_YEAR:
        raise InvalidInput(f"the working calendar ends at year {_LAST_YEAR}")
    table = holidays.country_holidays("CN", years=year, language="zh_CN")
    # Substituted entries are (to_month, to_day, from_month, from_day[, from_year]): the
    # "to" day, in this year, is the swapped day off; the package names it
    # 休息日（由 YYYY-MM-DD 调休）.
    entries = ChinaStaticHolidays.special_public_holidays.get(year, ())
    return OfficialYear(
        year=year,
        names={day: name for day, name in table.items() if day.year == year},
        weekend_workdays=frozenset(d for d in table.weekend_workdays if d.year == year),
        swapped_off=frozenset(date(year, e[0], e[1]) for e in entries if len(e) >= 4),
        published=year in ChinaStaticHolidays.special_public_holidays,
        source=package_version(),
    )


@dataclass(frozen=True)
class LedgerDay:
    """One day of a ledger: whether and when the working clock ran, and the running sum."""

    day: date
    kind: DayKind
    start: datetime | None  # the interval the clock ran this day, None if it did not run
    end: datetime | None
    seconds: int  # whole seconds counted this day
    running_total: int  # whole seconds counted from the ledger's start to the end of this day
    why: str = ""  # for people: why the clock ran or did not run this day
    projected: int = 0  # whole seconds of this day after "now": what is still to come, not yet counted
    paused: int = 0  # whole seconds of working time this day inside an agreed pause (not counted)


@dataclass(frozen=True)
class Ledger:
    """Working time from ``start`` to ``end``, day by day (see :meth:`WorkCalendar.ledger`)."""

    start: datetime
    end: datetime
    target: timedelta | None
    days: list[LedgerDay]
    total: timedelta
    unconfirmed_years: tuple[int, ...]
    paused: timedelta = timedelta(0)  # working time inside the pauses, left out of ``total``


def _micros(duration: timedelta) -> int:
    """A timedelta as whole microseconds (faster than ``duration // timedelta(microseconds=1)``)."""
    if not isinstance(duration, timedelta):
        raise InvalidInput(f"expected a duration, got {duration!r}")
    return (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds


def aware(moment: object, tz: ZoneInfo) -> datetime:
    """``moment`` in ``tz``; naive datetimes and non-datetimes raise :class:`InvalidInput`."""
    if type(moment) is datetime and moment.tzinfo is tz:
        return moment  # already converted: the clocks pass each moment through here several times
    if not isinstance(moment, datetime):
        raise InvalidInput(f"expected a date and time, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"naive datetime {moment:%Y-%m-%d %H:%M}: opsdesk needs a timezone-aware time ({tz.key})")
    return moment.astimezone(tz)


Span = tuple[datetime, datetime]


def merge_spans(spans: Iterable[Span], tz: ZoneInfo) -> list[Span]:
    """Spans of time (start, end) in ``tz``, sorted, overlapping and touching ones joined, empty ones dropped."""
    out: list[Span] = []
    for start, end in sorted((aware(a, tz), aware(b, tz)) for a, b in spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class WorkCalendar:
    """The official working calendar with local overrides, and working-time arithmetic.

    Working time runs only inside working hours -- the half-open interval
    [workday_start, workday_end) of local wall-clock time -- on working days. Queries are
    answered from a cumulative count of working days per day (``_cum``), so measuring or
    adding working time costs two time-zone conversions and a bisect, never a walk over
    days or minutes. The index covers a contiguous range of years and grows when a query
    falls outside it; each year is asked of the calendar's source once.
    """

    def __init__(
        self,
        terms: SlaTerms = SlaTerms(),
        overrides: Iterable[Override] = (),
        confirmed_years: Iterable[int] = (),
        official: YearSource | None = None,
    ) -> None:
        """Build a calendar for ``terms``' hours and time zone.

        ``overrides`` win over the official schedule (a later override for the same day wins over
        an earlier one); ``confirmed_years`` are years the user has checked against the
        State Council's notice although the schedule was not published when recorded.
        ``official`` gives a year's official schedule: the store's record of it (see
        :class:`opsdesk.desk.Desk`); by default, the installed ``holidays`` package.
        """
        self.terms = terms
        self.tz = zone(terms.timezone)
        start = minutes_of_day(terms.workday_start, "workday_start")
        self._start_us = start * 60 * _US
        self._length_us = _micros(terms.working_day_length)
        self._overrides: dict[date, Override] = {}
        for override in overrides:
            if not isinstance(override, Override):
                raise InvalidInput(f"expected an Override, got {override!r}")
            self._overrides[override.day] = override
        self._confirmed = frozenset(int(year) for year in confirmed_years)
        self._source: YearSource = official or package_year
        self._years: dict[int, OfficialYear] = {}
        self._unconfirmed: dict[tuple[int, int], tuple[int, ...]] = {}  # answers of unconfirmed_years
        self._year_flags: dict[int, bytes] = {}
        # The index: days from January 1 of _first_year to December 31 of _last_year.
        self._first_year = 0
        self._last_year = -1
        self._base = 0  # ordinal of the first day covered
        self._flags = b""  # 1 for a working day, per covered day
        self._cum: list[int] = [0]  # working days before each covered day (one extra at end)

    # -- days

    @property
    def working_day_length(self) -> timedelta:
        """The working time in one working day (10 hours by default)."""
        return timedelta(microseconds=self._length_us)

    def official_year(self, year: int) -> OfficialYear:
        """``year`` of the official schedule, as this calendar's source gives it (once per calendar)."""
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = self._source(year)
        return found

    def is_year_confirmed(self, year: int) -> bool:
        """Whether ``year``'s official schedule was published when recorded, or the user confirmed it."""
        return year in self._confirmed or self.official_year(year).published

    def unconfirmed_years(self, a: datetime | date, b: datetime | date) -> tuple[int, ...]:
        """The years from ``a`` to ``b`` (either order, inclusive) that are not confirmed."""
        first, last = sorted((self._as_day(a).year, self._as_day(b).year))
        found = self._unconfirmed.get((first, last))
        if found is None:
            found = tuple(y for y in range(first, last + 1) if not self.is_year_confirmed(y))
            self._unconfirmed[(first, last)] = found
        return found

    def official_day_kind(self, d: date) -> DayKind:
        """What ``d`` is in the official schedule, ignoring local overrides."""
        d = self._as_day(d)
        working, kind, reason = self.official_year(d.year).classify(d)
        return DayKind(d, working, kind, reason, self.is_year_confirmed(d.year))

    def day_kind(self, d: date) -> DayKind:
        """What ``d`` is in this calendar: an override if there is one, else the official day."""
        d = self._as_day(d)
        override = self._overrides.get(d)
        if override is None:
            return self.official_day_kind(d)
        kind = "override_work" if override.working else "override_off"
        return DayKind(d, override.working, kind, override.note, self.is_year_confirmed(d.year))

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (overrides included)."""
        d = self._as_day(d)
        self._cover(d.year, d.year)
        return bool(self._flags[d.toordinal() - self._base])

    def month_days(self, year: int, month: int) -> list[DayKind]:
        """Every day of a month, in order."""
        if not 1 <= month <= 12:
            raise InvalidInput(f"month {month} does not exist: use 1 to 12")
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return [self.day_kind(first + timedelta(n)) for n in range((following - first).days)]

    # -- working time

    def override_differences(self, year: int) -> list[OverrideDifference]:
        """Each day of ``year`` where the local overrides make the calendar differ from the official
        schedule (working or not, or why), in date order."""
        out = []
        day = date(year, 1, 1)
        while day.year == year:
            official, actual = self.official_day_kind(day), self.day_kind(day)
            if official.working != actual.working or official.kind != actual.kind:
                out.append(OverrideDifference(day, official.kind, official.reason, actual.working, actual.reason))
            day += timedelta(days=1)
        return out

    def in_working_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls on a working day, at or after the start and before the end."""
        local = aware(moment, self.tz)
        self._cover(local.year, local.year)
        into = self._into_day(local)
        return bool(self._flags[local.toordinal() - self._base]) and 0 <= into < self._length_us

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from ``a`` to ``b``; zero if ``b`` is not after ``a``."""
        start, end = aware(a, self.tz), aware(b, self.tz)
        if end <= start:
            return timedelta(0)
        self._cover(start.year, end.year)
        return timedelta(microseconds=self._position(end) - self._position(start))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``.

        A start outside working hours begins at the next working start. A result that
        lands exactly on the end of a working day is that end (18:00), not the next
        day's start. A zero duration returns ``start`` (in the calendar's time zone).
        """
        local = aware(start, self.tz)
        micros = _micros(duration)
        if micros < 0:
            raise InvalidInput(f"working time to add must not be negative, got {duration}")
        if not micros:
            return local
        self._cover(local.year, local.year)
        target = self._position(local) + micros
        # The target falls in the working day that completes the `needed`-th working day.
        needed = -(-target // self._length_us)
        self._cover_working_days(needed)
        # Growing the index forward keeps its prefix: positions stay valid.
        index = bisect.bisect_left(self._cum, needed) - 1
        into = target - self._cum[index] * self._length_us  # 0 < into <= length
        day = date.fromordinal(self._base + index)
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return midnight + timedelta(microseconds=self._start_us + into)

    def working_time_outside(self, a: datetime, b: datetime, spans: Iterable[Span]) -> timedelta:
        """The working time from ``a`` to ``b`` that lies outside ``spans`` (pauses of a clock)."""
        total = self.working_time_between(a, b)
        for start, end in merge_spans(spans, self.tz):
            total -= self.working_time_between(max(start, aware(a, self.tz)), min(end, aware(b, self.tz)))
        return total

    def add_working_time_outside(self, start: datetime, duration: timedelta, spans: Iterable[Span]) -> datetime:
        """The moment ``duration`` of working time after ``start``, not counting the working time inside
        ``spans``: a span holding 3 working hours before the result moves it 3 working hours later."""
        cursor = aware(start, self.tz)
        remaining = duration
        for span_start, span_end in merge_spans(spans, self.tz):
            if span_end <= cursor:
                continue
            before = self.working_time_between(cursor, span_start)
            if before >= remaining:
                break
            remaining -= before
            cursor = span_end
        return self.add_working_time(cursor, remaining)

    def next_working_moment_outside(self, moment: datetime, spans: Iterable[Span]) -> datetime:
        """The last moment at which no working time outside ``spans`` has passed since ``moment``."""
        found = self.next_working_moment(moment)
        for span_start, span_end in merge_spans(spans, self.tz):
            if span_start <= found < span_end:
                found = self.next_working_moment(span_end)
        return found

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself inside working hours, else the start of the next working period: the
        last moment at which no working time has passed since ``moment``."""
        tick = timedelta(microseconds=1)  # working time is counted in whole microseconds
        return self.add_working_time(moment, tick) - tick

    def working_day_after(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself when ``n`` is 0)."""
        d = self._as_day(d)
        if n < 0:
            raise InvalidInput(f"number of working days must not be negative, got {n}")
        if n == 0:
            return d
        self._cover(d.year, d.year)
        index = d.toordinal() - self._base
        needed = self._cum[index + 1] + n
        self._cover_working_days(needed)
        return date.fromordinal(self._base + bisect.bisect_left(self._cum, needed) - 1)

    def ledger(
        self,
        start: datetime,
        end: datetime,
        target: timedelta | None = None,
        pauses: Iterable[Span] = (),
        now: datetime | None = None,
    ) -> Ledger:
        """Day by day, when the working clock ran from ``start`` to ``end`` and why not.

        Every calendar day from ``start``'s to ``end``'s appears, with its :class:`DayKind` and
        the reason it counted or not; ``target`` is carried for the caller to compare against.
        Working time inside ``pauses`` is shown on its day as paused and left out of the counts;
        working time after ``now`` (when given) is a projection: ``projected``, not counted.
        """
        spans = merge_spans(pauses, self.tz)
        local_start, local_end = aware(start, self.tz), aware(end, self.tz)
        if local_end < local_start:
            raise InvalidInput(
                f"a ledger cannot run backwards: {local_end:%Y-%m-%d %H:%M} is before {local_start:%Y-%m-%d %H:%M}"
            )
        days: list[LedgerDay] = []
        running = 0
        day = local_start.date()
        while day <= local_end.date():
            kind = self.day_kind(day)
            ran_from = ran_to = None
            seconds = 0
            why = _DAY_WORDS[kind.kind] + (f" ({kind.reason})" if kind.reason else "")
            if kind.working:
                midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
                opens = midnight + timedelta(microseconds=self._start_us)
                closes = opens + self.working_day_length
                if max(opens, local_start) < min(closes, local_end):
                    ran_from, ran_to = max(opens, local_start), min(closes, local_end)
                    seconds = (ran_to - ran_from) // timedelta(seconds=1)
                elif day == local_start.date() and local_start >= closes:
                    why = f"reported at {local_start:%H:%M}, after working hours"
                elif day == local_end.date() and local_end <= opens:
                    why = f"stopped at {local_end:%H:%M}, before working hours"
            paused = projected = 0
            if seconds and ran_from is not None and ran_to is not None:
                paused = _overlap(ran_from, ran_to, spans)
                if now is not None and ran_to > now:
                    after = max(ran_from, now)
                    projected = (ran_to - after) // timedelta(seconds=1) - _overlap(after, ran_to, spans)
            counted = seconds - paused - projected
            running += counted
            days.append(LedgerDay(day, kind, ran_from, ran_to, counted, running, why, projected, paused))
            day += timedelta(days=1)
        total = self.working_time_outside(local_start, local_end, spans)
        return Ledger(
            start=local_start,
            end=local_end,
            target=target,
            days=days,
            total=total,
            unconfirmed_years=self.unconfirmed_years(local_start, local_end),
            paused=self.working_time_between(local_start, local_end) - total,
        )

    # -- the index

    def _as_day(self, d: object) -> date:
        """A date as given, or the local date of an aware datetime."""
        if isinstance(d, datetime):
            return aware(d, self.tz).date()
        if isinstance(d, date):
            return d
        raise InvalidInput(f"expected a date, got {d!r}")

    def _into_day(self, local: datetime) -> int:
        """Microseconds from the start of the working day to ``local``'s time of day."""
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        return seconds * _US + local.microsecond - self._start_us

    def _position(self, local: datetime) -> int:
        """Working microseconds from the index's first day to ``local`` (which it covers)."""
        index = local.toordinal() - self._base
        before = self._cum[index] * self._length_us
        if not self._flags[index]:
            return before
        into = self._into_day(local)
        if into <= 0:
            return before
        return before + min(into, self._length_us)

    def _flags_for_year(self, year: int) -> bytes:
        """1 or 0 per day of ``year``: working or not, overrides included."""
        flags = self._year_flags.get(year)
        if flags is None:
            first = date(year, 1, 1)
            days = (date(year, 12, 31) - first).days + 1
            flags = bytes(self.day_kind(first + timedelta(n)).working for n in range(days))
            self._year_flags[year] = flags
        return flags

    def _cover(self, first: int, last: int) -> None:
        """Make the index cover the years ``first`` to ``last``."""
        if self._first_year <= first and last <= self._last_year:
            return
        if self._first_year <= self._last_year:
            first, last = min(first, self._first_year), max(last, self._last_year)
        if first < 1 or last > _LAST_YEAR:
            raise InvalidInput(f"the working calendar ends at year {_LAST_YEAR}")
        self._flags = b"".join(self._flags_for_year(y) for y in range(first, last + 1))
        self._cum = list(itertools.accumulate(self._flags, initial=0))
        self._base = date(first, 1, 1).toordinal()
        self._first_year, self._last_year = first, last

    def _cover_working_days(self, needed: int) -> None:
        """Grow the index forward until it holds at least ``needed`` working days."""
        while self._cum[-1] < needed:
            missing_years = (needed - self._cum[-1]) // _MIN_WORKING_DAYS_PER_YEAR + 1
            self._cover(self._first_year, min(self._last_year + missing_years, _LAST_YEAR))
            if self._last_year == _LAST_YEAR and self._cum[-1] < needed:
                raise InvalidInput(f"the working calendar ends at year {_LAST_YEAR}")

"""Reading the times, dates and months people type.

Pure functions: every one takes ``now`` (timezone-aware) so tests never touch the
wall clock. Results are timezone-aware, in the contract's zone, to the minute.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, datetime, timedelta, tzinfo

from opsdesk.errors import InvalidInput

MOMENT_FORMS = (
    "now, 14:30 (today), yesterday 17:50, 2026-11-25 14:30 (or 2026/11/25 14:30), 11-25 14:30 (the latest such day), "
    "ISO 8601 such as 2026-11-25T14:30+08:00, or -20m / -2h (ago)"
)
FUTURE_TOLERANCE = timedelta(minutes=5)
FIRST_YEAR, LAST_YEAR = 2000, 2099

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_AGO = re.compile(r"^-(\d+)\s*([mhd])$")
_DATE_HHMM = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})[ T](\d{1,2}:\d{2})(:\d{2})?$")
_MONTH_DAY_HHMM = re.compile(r"^(\d{1,2})([-/])(\d{1,2}) +(\d{1,2}:\d{2})$")  # the latest such day, this year or last
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _bad(text: str) -> InvalidInput:
    return InvalidInput(f"cannot read time {text!r}; use {MOMENT_FORMS}")


def _clock(text: str, whole: str) -> tuple[int, int]:
    match = _HHMM.match(text)
    if not match:
        raise _bad(whole)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise InvalidInput(f"no such time of day {text!r} in {whole!r}; hours 00-23, minutes 00-59")
    return hour, minute


def parse_date(text: str) -> date:
    """``2026-11-25`` -> a date; anything else is refused naming the form."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"cannot read date {text!r}; use YYYY-MM-DD, e.g. 2026-12-01") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(f"date {day} is outside the years {FIRST_YEAR}-{LAST_YEAR} opsdesk keeps records for")
    return day


def parse_month(text: str) -> tuple[int, int]:
    """``2026-12`` -> (2026, 12)."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInput(f"cannot read month {text!r}; use YYYY-MM, e.g. 2026-12")
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise InvalidInput(
            f"month {text.strip()} is outside the years {FIRST_YEAR}-{LAST_YEAR} opsdesk keeps records for"
        )
    return int(match[1]), int(match[2])


def parse_moment(text: str | None, now: datetime, tz: tzinfo, *, allow_future: bool = False) -> datetime:
    """Read one of :data:`MOMENT_FORMS` relative to ``now``; seconds are dropped.

    More than five minutes in the future is refused unless ``allow_future``.
    """
    if now.tzinfo is None:
        raise InvalidInput("now must be timezone-aware")
    now = now.astimezone(tz)
    if text is not None and not text.strip():
        raise InvalidInput(f"the time is empty; use {MOMENT_FORMS}")
    raw = (text or "now").strip()
    lowered = raw.lower()
    if lowered == "now":
        moment = now
    elif match := _AGO.match(lowered):
        try:
            moment = now - timedelta(**{_UNITS[match[2]]: int(match[1])})
        except OverflowError:
            raise InvalidInput(f"time {raw!r} is too far back") from None
    elif _HHMM.match(lowered):
        hour, minute = _clock(lowered, raw)
        moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    elif lowered.startswith("yesterday"):
        hour, minute = _clock(lowered.removeprefix("yesterday").strip(), raw)
        moment = (now - timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    elif match := _MONTH_DAY_HHMM.match(lowered):
        clock = _clock(match[4], raw)
        moment = _on_day(now.year, int(match[1]), int(match[3]), clock, tz, raw)
        if not allow_future and moment.date() > now.date():  # 12-30 typed on 2 January: the one just past
            with suppress(InvalidInput):  # 02-29 and last year had none: it is this year's, and ahead
                moment = _on_day(now.year - 1, int(match[1]), int(match[3]), clock, tz, raw)
    else:
        moment = _absolute(raw, tz)
    moment = moment.replace(second=0, microsecond=0)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidInput(f"time {raw!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} opsdesk keeps records for")
    if not allow_future and moment - now > FUTURE_TOLERANCE:
        raise InvalidInput(
            f"time {raw!r} ({moment:%Y-%m-%d %H:%M}) is in the future; "
            f"record what has happened, at most 5 minutes ahead of now ({now:%Y-%m-%d %H:%M})"
        )
    return moment


def _on_day(year: int, month: int, day: int, clock: tuple[int, int], tz: tzinfo, raw: str) -> datetime:
    found = _checked_date(f"{year:04d}-{month:02d}-{day:02d}", raw)
    return datetime(found.year, found.month, found.day, *clock, tzinfo=tz)


def _absolute(raw: str, tz: tzinfo) -> datetime:
    if match := _DATE_HHMM.match(raw):
        return _on_day(int(match[1]), int(match[3]), int(match[4]), _clock(match[5], raw), tz, raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        if re.match(r"^\d{4}-\d{2}-\d{2}", raw):
            _checked_date(raw[:10], raw)
        raise _bad(raw) from None
    if len(raw) == 10:
        raise InvalidInput(f"time {raw!r} has no time of day; add one, e.g. '{raw} 14:30'")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def _checked_date(text: str, whole: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"no such date {text!r} in {whole!r}; use a real calendar date YYYY-MM-DD") from None


def parse_duration(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m`` -> timedelta (for options such as --due-within)."""
    match = re.fullmatch(r"(\d+)\s*([mhd])", text.strip().lower())
    if not match:
        raise InvalidInput(f"cannot read duration {text!r}; use a number with m, h or d, e.g. 7d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def stored_minute(iso: str | None) -> str | None:
    """A moment kept as ISO text in the contract's zone (a correction's values) as the tool shows
    times: ``2026-11-02T10:20:00+08:00`` -> ``2026-11-02 10:20``."""
    return iso[:16].replace("T", " ") if iso else iso

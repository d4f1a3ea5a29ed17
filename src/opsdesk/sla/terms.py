"""The contract settings the clocks and dates are computed from: targets, working hours, time zone.

Pure code: no database, no command line. :class:`SlaTerms` validates every value when it is
built, so a calendar or a clock never meets a setting it cannot use.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsdesk.errors import InvalidInput

DEFAULT_TZ = "Asia/Shanghai"
KINDS = ("fault", "defect", "data")
CLOCKS = ("response", "arrival", "resolution")
WEEK_MIN = 7 * 24 * 60
# The largest value each setting may take: beyond it a contract means something else (or a typo),
# and a clock or a date computed from it would leave the calendar.
UPPER_BOUNDS: dict[str, tuple[float, str]] = {
    "response_inside_min": (WEEK_MIN, "7 days"),
    "response_outside_min": (WEEK_MIN, "7 days"),
    "arrival_inside_min": (WEEK_MIN, "7 days"),
    "arrival_outside_min": (WEEK_MIN, "7 days"),
    "resolve_fault_days": (365, "working days"),
    "resolve_defect_days": (365, "working days"),
    "resolve_data_days": (365, "working days"),
    "change_due_days": (365, "days"),
    "acceptance_wait_days": (365, "working days"),
    "warranty_months": (120, "months, 10 years"),
}

# --------------------------------------------------------------------------- contract terms


def minutes_of_day(value: object, name: str) -> int:
    """Read ``"HH:MM"`` (00:00 to 24:00) as minutes since midnight."""
    if isinstance(value, str):
        hours, sep, minutes = value.partition(":")
        if sep and hours.isdigit() and len(minutes) == 2 and minutes.isdigit() and int(minutes) < 60:
            total = int(hours) * 60 + int(minutes)
            if total <= 24 * 60:
                return total
    raise InvalidInput(f"{name} {value!r} is not a time of day: write it as HH:MM, e.g. 08:00")


def zone(key: object) -> ZoneInfo:
    """The time zone named ``key`` (an IANA name such as Asia/Shanghai)."""
    try:
        return ZoneInfo(str(key))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {key!r}: use an IANA name such as {DEFAULT_TZ}") from None


def _shown(value: object) -> str:
    """A value as a refusal quotes it: a number of a hundred digits as 1e+100."""
    text = repr(value)
    if len(text) > 20 and type(value) in (int, float):
        return f"{value:.6g}"
    return text if len(text) <= 40 else text[:37] + "..."


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"unknown ticket kind {kind!r}: use one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class SlaTerms:
    """The contract settings the clocks and dates are computed from (SPEC defaults).

    Minutes and calendar days are whole numbers; resolution targets are in working days
    (one working day = the length of the working day, 10 hours by default) and may be
    fractional. Invalid values raise :class:`InvalidInput` at construction.
    """

    response_inside_min: int = 30
    response_outside_min: int = 60
    arrival_inside_min: int = 60
    arrival_outside_min: int = 120
    resolve_fault_days: float = 2
    resolve_defect_days: float = 1
    resolve_data_days: float = 1
    change_due_days: int = 30
    acceptance_wait_days: int = 10
    warranty_months: int = 12
    workday_start: str = "08:00"
    workday_end: str = "18:00"
    timezone: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        # With postponed annotations, f.type is the annotation's text: "int", "float", "str".
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in UPPER_BOUNDS:
                top, unit = UPPER_BOUNDS[f.name]
                bound = f"at most {top:g} ({unit})"
            if f.type == "int":
                lowest = 0 if f.name in ("acceptance_wait_days", "warranty_months") else 1
                if type(value) is not int or not lowest <= value <= top:
                    raise InvalidInput(
                        f"{f.name} must be a whole number of at least {lowest} and {bound}, got {_shown(value)}"
                    )
            elif f.type == "float" and (
                type(value) not in (int, float) or not math.isfinite(value) or not 0 < value <= top
            ):
                raise InvalidInput(f"{f.name} must be a number of days above 0 and {bound}, got {_shown(value)}")
        start = minutes_of_day(self.workday_start, "workday_start")
        end = minutes_of_day(self.workday_end, "workday_end")
        if start >= end:
            raise InvalidInput(
                f"working hours {self.workday_start}-{self.workday_end} are empty: "
                "the working day must end after it starts, e.g. 08:00-18:00"
            )
        zone(self.timezone)

    @functools.cached_property  # the terms are frozen; every clock asks for it
    def working_day_length(self) -> timedelta:
        """The length of one working day (workday_end - workday_start)."""
        start = minutes_of_day(self.workday_start, "workday_start")
        return timedelta(minutes=minutes_of_day(self.workday_end, "workday_end") - start)

    def resolution_target(self, kind: str) -> timedelta:
        """The resolution target of a ticket kind, as an amount of working time."""
        check_kind(kind)
        return self.working_day_length * getattr(self, f"resolve_{kind}_days")

    def to_dict(self) -> dict[str, object]:
        """The settings as a JSON-ready dict (the inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SlaTerms:
        """Settings from a dict such as :meth:`to_dict` wrote; unknown keys are ignored.

        Missing keys take their defaults. Whole-valued floats are accepted for whole-number
        settings (JSON does not keep the difference); anything else invalid raises
        :class:`InvalidInput`.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"contract settings must be a mapping, got {type(data).__name__}")
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.type == "int" and type(value) is float and value.is_integer():
                value = int(value)
            kwargs[f.name] = value
        return cls(**kwargs)  # type: ignore[arg-type]

"""How a duration reads, in one format everywhere: screens, alerts and workbooks.

Working time (the resolution clock) is counted in working days of the contract's working-day length,
never in 24-hour days: with 10-hour working days, 180 working hours are ``18 working days`` /
``18个工作日``, not 7 days 12 hours. Under one working day it is hours and minutes, marked as working
time where asked. Wall-clock time (response, arrival) is in 24-hour days, hours and minutes.

Pure: no database, no Typer.
"""

from __future__ import annotations

import math
from datetime import timedelta

MINUTE = timedelta(minutes=1)


def whole_minutes(delta: timedelta, *, late: bool = False) -> int:
    """``delta``'s size in whole minutes: time left rounds down; ``late`` rounds up (late by part of a
    minute is a minute, never 0m)."""
    size = abs(delta) / MINUTE
    return math.ceil(size) if late else int(size)


def working_span(
    delta: timedelta, working_day: timedelta, lang: str = "en", *, late: bool = False, mark: bool = False
) -> str:
    """Working time as people read it: ``2 working days 1h00m``, ``45m`` (``zh``: ``2个工作日1小时``,
    ``45分钟``). ``mark``: under one working day, say it is working time (``45m working``,
    ``45分钟（工作时间）``); a count of working days says so itself. A negative delta keeps its sign."""
    total = whole_minutes(delta, late=late)
    sign = "-" if delta < timedelta(0) else ""
    day = max(whole_minutes(working_day), 1)
    days, rest = divmod(total, day)
    if lang == "zh":
        text = (f"{days}个工作日" if days else "") + (_zh_hours(rest) if rest or not days else "")
        if mark and not days:
            text += "（工作时间）"
        return sign + text
    text = (f"{days} working day{'' if days == 1 else 's'}" if days else "") + (
        (" " if days else "") + _en_hours(rest) if rest or not days else ""
    )
    if mark and not days:
        text += " working"
    return sign + text


def wall_span(delta: timedelta, lang: str = "en", *, late: bool = False) -> str:
    """Wall-clock time in 24-hour days: ``1d5h19m`` (``zh``: ``1天5小时19分钟``)."""
    total = whole_minutes(delta, late=late)
    sign = "-" if delta < timedelta(0) else ""
    days, rest = divmod(total, 1440)
    if lang == "zh":
        return sign + (f"{days}天" if days else "") + (_zh_hours(rest) if rest or not days else "")
    if days:
        hours, minutes = divmod(rest, 60)
        return f"{sign}{days}d{hours}h{minutes:02d}m"
    return sign + _en_hours(rest)


def _en_hours(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def _zh_hours(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    return (f"{hours}小时" if hours else "") + (f"{minutes}分钟" if minutes or not hours else "")

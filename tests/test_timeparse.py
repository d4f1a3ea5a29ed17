"""Every accepted --at form, and the refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsdesk.errors import InvalidInput
from opsdesk.timeparse import parse_date, parse_duration, parse_moment, parse_month

pytestmark = pytest.mark.sqlite_only  # no database here

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 15, 0, 42, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "2026-11-25 15:00"),
        ("now", "2026-11-25 15:00"),
        ("14:30", "2026-11-25 14:30"),
        ("yesterday 17:50", "2026-11-24 17:50"),
        ("2026-11-25 14:30", "2026-11-25 14:30"),
        ("2026-11-25T14:30", "2026-11-25 14:30"),
        ("2026-11-25T14:30:59+08:00", "2026-11-25 14:30"),
        ("2026-11-25T06:30Z", "2026-11-25 14:30"),
        ("2026-11-25T07:30+01:00", "2026-11-25 14:30"),
        ("-20m", "2026-11-25 14:40"),
        ("-2h", "2026-11-25 13:00"),
        ("-1d", "2026-11-24 15:00"),
        ("2026-11-25 15:05", "2026-11-25 15:05"),
        ("2026/11/25 14:30", "2026-11-25 14:30"),
        ("2026/11/5 9:40", "2026-11-05 09:40"),
        ("2026.11.05 09:40", "2026-11-05 09:40"),
        ("11-17 10:00", "2026-11-17 10:00"),
        ("11/25 15:05", "2026-11-25 15:05"),
        ("12-30 17:00", "2025-12-30 17:00"),  # a day still ahead this year: the one just past
    ],
)
def test_forms(text, expected):
    moment = parse_moment(text, NOW, TZ)
    assert f"{moment:%Y-%m-%d %H:%M}" == expected
    assert moment.tzinfo is TZ and moment.second == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "cannot read time 'tomorrow'"),
        ("25:00", "no such time of day '25:00'"),
        ("2026-02-30 10:00", "no such date '2026-02-30'"),
        ("2026-11-25", "has no time of day"),
        ("2026-11-25 15:06", "is in the future"),
        ("+2h", r"cannot read time '\+2h'"),
        ("yesterday", "cannot read time 'yesterday'"),
        ("2026/02/30 10:00", "no such date '2026-02-30'"),
        ("2026-11/25 10:00", "cannot read time"),
        ("02-30 10:00", "no such date '2026-02-30'"),
        ("13-01 10:00", "no such date '2026-13-01'"),
        ("11-25 15:10", "is in the future"),  # later today: not last year's
    ],
)
def test_refusals(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse_moment(text, NOW, TZ)


def test_future_allowed_when_asked():
    assert parse_moment("2027-01-01 09:00", NOW, TZ, allow_future=True).year == 2027
    assert f"{parse_moment('12-01 00:00', NOW, TZ, allow_future=True):%Y-%m-%d}" == "2026-12-01"  # the coming one


def test_month_day_of_a_leap_day_ahead():
    leap_now = datetime(2028, 2, 10, 9, 0, tzinfo=TZ)
    with pytest.raises(InvalidInput, match="is in the future"):
        parse_moment("02-29 10:00", leap_now, TZ)


def test_month_date_duration():
    assert parse_month("2026-12") == (2026, 12)
    assert parse_date("2026-12-01").day == 1
    assert parse_duration("7d").days == 7
    for bad in ("2026-13", "2026", "12-2026"):
        with pytest.raises(InvalidInput, match="use YYYY-MM"):
            parse_month(bad)
    with pytest.raises(InvalidInput, match="use YYYY-MM-DD"):
        parse_date("2026-02-30")


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_cleanly(text):
    try:
        moment = parse_moment(text, NOW, TZ)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
    else:
        assert moment.tzinfo is TZ
        assert moment <= NOW + parse_duration("5m")

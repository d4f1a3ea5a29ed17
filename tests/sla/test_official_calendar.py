"""Every day of 2018-2026 agrees with the official schedule as the holidays package has it.

Official: a day is a working day iff it is a weekday and not a holiday, or it is one of
the weekend days declared working days (``weekend_workdays``, 调休上班).
"""

from datetime import date, timedelta

import holidays
import pytest

from opsdesk.sla.workcalendar import DAY_KINDS, WorkCalendar

YEARS = range(2018, 2027)
OFFICIAL = holidays.country_holidays("CN", years=YEARS, language="zh_CN")
ENGLISH = holidays.country_holidays("CN", years=YEARS, language="en_US")
CAL = WorkCalendar()


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(n) for n in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", YEARS)
def test_every_day_agrees_with_the_official_schedule(year):
    wrong = []
    for day in days_of(year):
        official = (day.weekday() < 5 and day not in OFFICIAL) or day in OFFICIAL.weekend_workdays
        kind = CAL.day_kind(day)
        if not (CAL.is_working_day(day) is kind.working is official):
            wrong.append((day, official, kind))
    assert wrong == []


@pytest.mark.parametrize("year", YEARS)
def test_days_off_are_classified_as_the_package_names_them(year):
    """Swapped days off are what the package calls 'Day off (substituted from ...)'."""
    for day in days_of(year):
        kind = CAL.official_day_kind(day)
        assert kind.kind in DAY_KINDS
        assert kind.confirmed
        english = ENGLISH.get(day, "")
        if kind.kind == "swapped_off":
            assert english.startswith("Day off (substituted from"), (day, english)
            assert OFFICIAL[day].startswith("休息日（由")
        elif kind.kind == "holiday":
            assert not english.startswith("Day off"), (day, english)
            assert kind.reason == OFFICIAL[day]
        elif kind.kind == "swapped_workday":
            assert day in OFFICIAL.weekend_workdays
            assert day.weekday() >= 5
        elif kind.kind == "weekend":
            assert day.weekday() >= 5
            assert day not in OFFICIAL


def test_published_and_unpublished_years():
    assert all(CAL.is_year_confirmed(year) for year in range(2001, 2027))
    assert not CAL.is_year_confirmed(2027)
    assert CAL.day_kind(date(2027, 1, 1)) == CAL.official_day_kind(date(2027, 1, 1))
    assert not CAL.day_kind(date(2027, 1, 1)).confirmed
    assert CAL.day_kind(date(2027, 1, 1)).reason == "元旦"

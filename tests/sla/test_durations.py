"""One format of working time for screens, alerts and workbooks (issue 26, item 4): working days of
the contract's working-day length, then hours and minutes; never 24-hour days."""

from datetime import timedelta

import pytest

from opsdesk.sla.durations import wall_span, working_span

pytestmark = pytest.mark.sqlite_only  # no database here

H, M = timedelta(hours=1), timedelta(minutes=1)
DAY = 10 * H


@pytest.mark.parametrize(
    ("delta", "en", "zh"),
    [
        (180 * H, "18 working days", "18个工作日"),  # not 7天12小时
        (10 * H, "1 working day", "1个工作日"),
        (25 * H + 5 * M, "2 working days 5h05m", "2个工作日5小时5分钟"),
        (2 * H, "2h00m working", "2小时（工作时间）"),
        (45 * M, "45m working", "45分钟（工作时间）"),
        (timedelta(0), "0m working", "0分钟（工作时间）"),
    ],
)
def test_working_time_is_counted_in_working_days(delta, en, zh):
    assert working_span(delta, DAY, mark=True) == en
    assert working_span(delta, DAY, "zh", mark=True) == zh


def test_the_working_day_is_the_contracts():
    assert working_span(180 * H, 8 * H) == "22 working days 4h00m"
    assert working_span(180 * H, 8 * H, "zh") == "22个工作日4小时"


def test_late_by_part_of_a_minute_is_a_minute_and_time_left_rounds_down():
    assert working_span(timedelta(seconds=-20), DAY, late=True) == "-1m"
    assert working_span(timedelta(seconds=50), DAY) == "0m"
    assert wall_span(timedelta(seconds=20), "zh", late=True) == "1分钟"


def test_wall_clock_time_is_in_24_hour_days():
    assert wall_span(29 * H + 19 * M) == "1d5h19m"
    assert wall_span(29 * H + 19 * M, "zh") == "1天5小时19分钟"
    assert wall_span(65 * M) == "1h05m"

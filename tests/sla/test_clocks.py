"""The working calendar and SLA clocks, case by case, checked by hand to the minute.

Hand counts use the 2026 official schedule (国务院办公厅 2025-11 notice, as carried by
the ``holidays`` package): working hours 08:00-18:00, one working day = 10 hours, so a
fault (2 working days) has 20 working hours.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.errors import InvalidInput
from opsdesk.sla.clocks import acceptance_earliest, change_due, clock_target, explain_clock, ticket_clocks, warranty_end
from opsdesk.sla.terms import CLOCKS, KINDS, SlaTerms
from opsdesk.sla.workcalendar import DayKind, Override, WorkCalendar

pytestmark = pytest.mark.sqlite_only  # no database here

TZ = ZoneInfo("Asia/Shanghai")
TERMS = SlaTerms()
CAL = WorkCalendar(TERMS)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(text: str) -> datetime:
    """'2026-12-04 17:30' as an aware Asia/Shanghai datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def clocks(
    reported: str, *, now: str, kind: str = "fault", cal: WorkCalendar = CAL, remote: bool = False, **steps: str
):
    """ticket_clocks with times written as text (steps: responded, arrived, resolved)."""
    moments = {name: at(value) for name, value in steps.items()}
    return ticket_clocks(cal, TERMS, kind=kind, reported=at(reported), now=at(now), remote=remote, **moments)


# --------------------------------------------------------------------------- SPEC cases


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        # Fri 17:30-18:00 = 0.5 h; Mon 12-07 10 h (10.5); Tue 12-08 08:00-17:30 9.5 h (20).
        ("2026-12-04 17:30", "2026-12-08 17:30"),
        # 09-30 16:00-18:00 = 2 h; 10-01..10-07 off (国庆节, 周末, 补假, 调休);
        # Thu 10-08 10 h (12); Fri 10-09 08:00-16:00 8 h (20).
        ("2026-09-30 16:00", "2026-10-09 16:00"),
        # Fri 10-09 17:00-18:00 = 1 h; Sat 10-10 is 调休上班: 10 h (11); Sun off;
        # Mon 10-12 08:00-17:00 9 h (20).
        ("2026-10-09 17:00", "2026-10-12 17:00"),
        # Fri 02-13 12:00-18:00 = 6 h; Sat 02-14 is 调休上班: 10 h (16); 02-15 (Sun) to
        # 02-23 (Mon) off: 周末, 除夕, 春节 x3, 调休, 周末 x2, 调休; Tue 02-24 08:00-12:00
        # 4 h (20). The hand count agrees with the stated expectation.
        ("2026-02-13 12:00", "2026-02-24 12:00"),
        # Sat 12-05 10:00: the clock waits for Mon 08:00; Mon 10 h, Tue 10 h -> Tue 18:00.
        ("2026-12-05 10:00", "2026-12-08 18:00"),
        # Thu 12-31 12:00-18:00 = 6 h; 2027-01-01 元旦, 01-02/03 weekend; Mon 01-04 10 h
        # (16); Tue 01-05 08:00-12:00 (20). 2027 is not published yet (plain rules).
        ("2026-12-31 12:00", "2027-01-05 12:00"),
    ],
)
def test_fault_restore_deadline(reported, due):
    result = clocks(reported, now=reported)
    assert result.resolution.deadline == at(due)
    assert result.resolution.target == 20 * H
    assert CAL.working_time_between(at(reported), at(due)) == 20 * H


@pytest.mark.parametrize(("kind", "due"), [("defect", "2026-12-07 17:30"), ("data", "2026-12-07 17:30")])
def test_one_working_day_kinds(kind, due):
    result = clocks("2026-12-04 17:30", now="2026-12-04 17:30", kind=kind)
    assert result.resolution.target == 10 * H
    assert result.resolution.deadline == at(due)


def test_inside_hours_report_gets_30_and_60_minutes():
    result = clocks("2026-12-04 17:30", now="2026-12-04 17:30")
    assert result.inside_hours
    assert result.response.deadline == at("2026-12-04 18:00")
    assert result.arrival.deadline == at("2026-12-04 18:30")
    assert (result.response.basis, result.arrival.basis) == ("wall", "wall")
    assert result.resolution.basis == "working"


@pytest.mark.parametrize(
    "reported",
    [
        "2026-12-04 18:00",  # Friday, the first minute after hours
        "2026-12-04 07:59",  # Friday, one minute before hours
        "2026-12-05 10:00",  # Saturday
        "2026-10-01 10:00",  # 国庆节
        "2026-10-06 10:00",  # 调休 (swapped day off)
    ],
)
def test_outside_hours_report_gets_60_and_120_minutes(reported):
    result = clocks(reported, now=reported)
    assert not result.inside_hours
    assert result.response.deadline == at(reported) + 60 * M
    assert result.arrival.deadline == at(reported) + 120 * M


def test_report_on_swapped_working_saturday_is_inside_hours():
    result = clocks("2026-10-10 10:00", now="2026-10-10 10:00")
    assert result.inside_hours
    assert result.response.deadline == at("2026-10-10 10:30")
    assert result.arrival.deadline == at("2026-10-10 11:00")


def test_wall_clock_deadline_runs_through_the_night():
    # Inside hours at 17:59: 30 minutes of wall clock, not of working time.
    result = clocks("2026-12-04 17:59", now="2026-12-04 17:59")
    assert result.inside_hours
    assert result.response.deadline == at("2026-12-04 18:29")


def test_times_in_other_zones_are_read_and_answered_in_shanghai():
    reported = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    result = ticket_clocks(CAL, TERMS, kind="fault", reported=reported, now=reported)
    assert result.inside_hours
    assert result.resolution.deadline == at("2026-12-08 17:30")
    assert result.resolution.deadline.tzinfo == TZ
    assert result.response.deadline.tzinfo == TZ


# --------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-12-04 00:00", False),
        ("2026-12-04 07:59", False),
        ("2026-12-04 08:00", True),
        ("2026-12-04 17:59", True),
        ("2026-12-04 18:00", False),
        ("2026-12-04 23:59", False),
        ("2026-12-05 10:00", False),  # Saturday
        ("2026-10-10 08:00", True),  # 调休上班 Saturday
    ],
)
def test_in_working_hours_is_half_open(moment, inside):
    assert CAL.in_working_hours(at(moment)) is inside


@pytest.mark.parametrize(
    ("start", "duration", "result"),
    [
        ("2026-12-04 07:59", 1 * H, "2026-12-04 09:00"),
        ("2026-12-04 08:00", 1 * H, "2026-12-04 09:00"),
        ("2026-12-04 00:00", 10 * H, "2026-12-04 18:00"),  # midnight waits for 08:00
        ("2026-12-04 08:00", 10 * H, "2026-12-04 18:00"),  # exactly the end: 18:00, not 08:00
        ("2026-12-03 08:00", 20 * H, "2026-12-04 18:00"),
        ("2026-12-04 17:59", 1 * M, "2026-12-04 18:00"),
        ("2026-12-04 17:59", 2 * M, "2026-12-07 08:01"),
        ("2026-12-04 18:00", 1 * M, "2026-12-07 08:01"),
        ("2026-12-04 23:59", 1 * M, "2026-12-07 08:01"),
        ("2026-12-06 00:00", 1 * M, "2026-12-07 08:01"),
        ("2026-02-14 17:00", 2 * H, "2026-02-24 09:00"),  # last working day before 春节
        ("2026-10-07 12:00", 1 * H, "2026-10-08 09:00"),  # last day of 国庆 -> first day back
    ],
)
def test_add_working_time_boundaries(start, duration, result):
    assert CAL.add_working_time(at(start), duration) == at(result)


@pytest.mark.parametrize(
    ("a", "b", "between"),
    [
        ("2026-12-04 07:59", "2026-12-04 08:01", 1 * M),
        ("2026-12-04 17:59", "2026-12-07 08:01", 2 * M),
        ("2026-12-04 00:00", "2026-12-05 00:00", 10 * H),
        ("2026-12-04 18:00", "2026-12-07 08:00", timedelta(0)),
        ("2026-02-14 18:00", "2026-02-24 08:00", timedelta(0)),  # the whole 春节 break
        ("2026-10-01 00:00", "2026-10-08 00:00", timedelta(0)),  # the whole 国庆 break
        ("2026-12-04 12:00", "2026-12-04 12:00", timedelta(0)),
        ("2026-12-04 13:00", "2026-12-04 12:00", timedelta(0)),  # b before a
    ],
)
def test_working_time_between_boundaries(a, b, between):
    assert CAL.working_time_between(at(a), at(b)) == between


def test_adding_nothing_returns_the_start_unchanged():
    for moment in ("2026-12-04 12:00", "2026-12-05 03:00", "2026-12-04 18:00"):
        assert CAL.add_working_time(at(moment), timedelta(0)) == at(moment)


def test_negative_working_time_is_refused():
    with pytest.raises(InvalidInput, match="must not be negative"):
        CAL.add_working_time(at("2026-12-04 12:00"), -M)


def test_second_exact_arithmetic():
    start = at("2026-12-04 17:59") + timedelta(seconds=59)
    assert CAL.add_working_time(start, timedelta(seconds=1)) == at("2026-12-04 18:00")
    assert CAL.add_working_time(start, timedelta(seconds=2)) == at("2026-12-07 08:00") + timedelta(seconds=1)
    assert CAL.working_time_between(start, at("2026-12-07 08:00") + timedelta(seconds=7)) == timedelta(seconds=8)


@pytest.mark.parametrize(
    ("day", "kind", "reason"),
    [
        ("2026-02-14", "swapped_workday", "调休上班"),
        ("2026-02-15", "weekend", "周末"),  # first day of the 春节 break
        ("2026-02-16", "holiday", "农历除夕"),
        ("2026-02-17", "holiday", "春节"),
        ("2026-02-20", "swapped_off", "调休"),
        ("2026-02-23", "swapped_off", "调休"),  # last day of the break
        ("2026-02-24", "working", "工作日"),
        ("2026-10-01", "holiday", "国庆节"),  # first day of 国庆
        ("2026-10-03", "holiday", "国庆节"),  # a Saturday holiday is named, not 周末
        ("2026-10-05", "holiday", "国庆节（补假）"),
        ("2026-10-07", "swapped_off", "调休"),  # last day of 国庆
        ("2026-10-08", "working", "工作日"),
        ("2026-12-06", "weekend", "周末"),
    ],
)
def test_day_kind(day, kind, reason):
    d = date.fromisoformat(day)
    result = CAL.day_kind(d)
    assert (result.day, result.kind, result.reason, result.confirmed) == (d, kind, reason, True)
    assert result.working is (kind in ("working", "swapped_workday"))
    assert CAL.is_working_day(d) is result.working


SWAPPED_WORKDAYS_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
SWAPPED_DAYS_OFF_2026 = ["2026-01-02", "2026-02-20", "2026-02-23", "2026-05-05", "2026-10-06", "2026-10-07"]


@pytest.mark.parametrize("day", SWAPPED_WORKDAYS_2026)
def test_every_2026_swapped_working_day_counts(day):
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert CAL.day_kind(d).kind == "swapped_workday"
    assert CAL.working_time_between(at(f"{day} 00:00"), at(f"{day} 23:59")) == 10 * H
    assert CAL.add_working_time(at(f"{day} 07:00"), 3 * H) == at(f"{day} 11:00")


@pytest.mark.parametrize("day", SWAPPED_DAYS_OFF_2026)
def test_every_2026_swapped_day_off_counts_nothing(day):
    d = date.fromisoformat(day)
    assert d.weekday() < 5
    assert CAL.day_kind(d).kind == "swapped_off"
    assert CAL.working_time_between(at(f"{day} 00:00"), at(f"{day} 23:59")) == timedelta(0)
    assert not CAL.in_working_hours(at(f"{day} 10:00"))


def test_2026_swaps_are_exactly_the_published_ones():
    days = [k for month in range(1, 13) for k in CAL.month_days(2026, month)]
    assert len(days) == 365
    assert [k.day.isoformat() for k in days if k.kind == "swapped_workday"] == SWAPPED_WORKDAYS_2026
    assert [k.day.isoformat() for k in days if k.kind == "swapped_off"] == SWAPPED_DAYS_OFF_2026
    # 261 weekdays - 19 weekdays off (元旦 1 + 调休 1, 春节 4 + 调休 2, 清明 补假 1,
    # 劳动节 1 + 补假 1 + 调休 1, 端午 1, 中秋 1, 国庆 2 + 补假 1 + 调休 2) + 6 weekend days on.
    assert sum(k.working for k in days) == 248


# --------------------------------------------------------------------------- overrides


def test_override_turns_a_working_day_off():
    cal = WorkCalendar(TERMS, [Override(date(2026, 12, 7), False, "医院停电检修")])
    assert cal.day_kind(date(2026, 12, 7)) == DayKind(date(2026, 12, 7), False, "override_off", "医院停电检修", True)
    assert cal.official_day_kind(date(2026, 12, 7)).kind == "working"
    # Fri 0.5 h; Mon off; Tue 10 h (10.5); Wed 12-09 9.5 h -> 17:30.
    result = clocks("2026-12-04 17:30", now="2026-12-04 17:30", cal=cal)
    assert result.resolution.deadline == at("2026-12-09 17:30")


def test_override_turns_a_sunday_on():
    cal = WorkCalendar(TERMS, [Override(date(2026, 12, 6), True, "上线保障")])
    kind = cal.day_kind(date(2026, 12, 6))
    assert (kind.working, kind.kind, kind.reason) == (True, "override_work", "上线保障")
    # Fri 0.5 h; Sun 10 h (10.5); Mon 12-07 9.5 h -> 17:30.
    result = clocks("2026-12-04 17:30", now="2026-12-04 17:30", cal=cal)
    assert result.resolution.deadline == at("2026-12-07 17:30")
    # A report on that Sunday is inside working hours.
    assert clocks("2026-12-06 10:00", now="2026-12-06 10:00", cal=cal).inside_hours


def test_override_wins_over_a_holiday_and_the_last_one_for_a_day_wins():
    cal = WorkCalendar(
        TERMS,
        [Override(date(2026, 10, 1), False, "先录入"), Override(date(2026, 10, 1), True, "值班")],
    )
    assert cal.is_working_day(date(2026, 10, 1))
    assert cal.day_kind(date(2026, 10, 1)).reason == "值班"
    assert cal.official_day_kind(date(2026, 10, 1)).reason == "国庆节"


def test_override_needs_a_whole_day():
    with pytest.raises(InvalidInput, match="whole day"):
        Override(at("2026-12-07 00:00"), False, "x")


# --------------------------------------------------------------------------- unconfirmed years


def test_ticket_into_unpublished_year_is_flagged_until_confirmed():
    result = clocks("2026-12-31 12:00", now="2026-12-31 12:00")
    assert result.resolution.unconfirmed_years == (2027,)
    assert result.response.unconfirmed_years == ()  # decided by the 2026 report time
    assert result.unconfirmed_years == (2027,)
    assert not CAL.is_year_confirmed(2027)
    assert not CAL.day_kind(date(2027, 1, 4)).confirmed

    confirmed = WorkCalendar(TERMS, confirmed_years=[2027])
    result = clocks("2026-12-31 12:00", now="2026-12-31 12:00", cal=confirmed)
    assert result.unconfirmed_years == ()
    assert result.resolution.deadline == at("2027-01-05 12:00")
    assert confirmed.day_kind(date(2027, 1, 4)).confirmed


def test_published_years_are_confirmed():
    assert CAL.is_year_confirmed(2001)
    assert CAL.is_year_confirmed(2026)
    assert CAL.unconfirmed_years(date(2025, 6, 1), date(2028, 1, 1)) == (2027, 2028)
    assert CAL.unconfirmed_years(at("2028-01-01 00:00"), at("2025-06-01 00:00")) == (2027, 2028)


def test_report_in_unpublished_year_flags_every_clock():
    result = clocks("2027-03-01 10:00", now="2027-03-01 10:00")
    assert [c.unconfirmed_years for c in result] == [(2027,)] * 3


def test_open_clock_flags_the_years_up_to_now():
    result = clocks("2026-12-28 10:00", now="2027-01-04 09:00")
    assert result.resolution.unconfirmed_years == (2027,)


# --------------------------------------------------------------------------- clock states


def test_response_met_breached_running_overdue_with_exact_margins():
    met = clocks("2026-12-04 17:30", responded="2026-12-04 17:50", now="2026-12-04 19:00").response
    assert (met.state, met.actual, met.elapsed, met.margin) == (
        "met",
        at("2026-12-04 17:50"),
        20 * M,
        10 * M,
    )
    on_time = clocks("2026-12-04 17:30", responded="2026-12-04 18:00", now="2026-12-04 19:00")
    assert (on_time.response.state, on_time.response.margin) == ("met", timedelta(0))
    late = clocks("2026-12-04 17:30", responded="2026-12-04 18:05", now="2026-12-04 19:00").response
    assert (late.state, late.elapsed, late.margin) == ("breached", 35 * M, -5 * M)
    running = clocks("2026-12-04 17:30", now="2026-12-04 17:45").response
    assert (running.state, running.actual, running.elapsed, running.margin) == (
        "running",
        None,
        15 * M,
        15 * M,
    )
    at_deadline = clocks("2026-12-04 17:30", now="2026-12-04 18:00").response
    assert (at_deadline.state, at_deadline.margin) == ("running", timedelta(0))
    overdue = clocks("2026-12-04 17:30", now="2026-12-04 18:10").response
    assert (overdue.state, overdue.elapsed, overdue.margin) == ("overdue", 40 * M, -10 * M)


@pytest.mark.parametrize("seconds", [0, 0.3, 59.9])
def test_no_clock_is_overdue_inside_its_deadline_minute(seconds):
    """A cron run a few hundred ms into the deadline minute: met is still possible (a response
    recorded in that minute is met), so the clock runs; from the minute after, it is overdue."""
    into = timedelta(seconds=seconds)
    report = at("2026-12-04 17:30")  # response due 18:00 (wall), resolution Tue 12-08 17:30 (working)
    minute = ticket_clocks(CAL, TERMS, kind="fault", reported=report, now=at("2026-12-04 18:00") + into)
    assert (minute.response.state, minute.response.margin) == ("running", timedelta(0))
    after = ticket_clocks(CAL, TERMS, kind="fault", reported=report, now=at("2026-12-04 18:01") + into)
    assert (after.response.state, after.response.margin) == ("overdue", -M)
    answered = clocks("2026-12-04 17:30", responded="2026-12-04 18:00", now="2026-12-04 18:00")
    assert answered.response.state == "met"
    due = at("2026-12-08 17:30")
    minute = ticket_clocks(CAL, TERMS, kind="fault", reported=report, now=due + into).resolution
    assert (minute.state, minute.margin) == ("running", timedelta(0))
    after = ticket_clocks(CAL, TERMS, kind="fault", reported=report, now=due + M + into).resolution
    assert (after.state, after.margin) == ("overdue", -M)


def test_arrival_not_needed_when_resolved_by_its_deadline():
    for remote in (True, False):  # the remote flag alone does not decide it
        result = clocks(
            "2026-12-04 17:30",
            responded="2026-12-04 17:35",
            resolved="2026-12-04 18:20",
            remote=remote,
            now="2026-12-05 09:00",
        )
        arrival = result.arrival
        assert (arrival.state, arrival.actual) == ("not_applicable", None)
        assert (arrival.elapsed, arrival.margin) == (50 * M, 10 * M)
        assert not result.breached()
        assert result.remote is remote


def test_remote_resolution_after_the_arrival_deadline_is_an_arrival_breach():
    result = clocks(
        "2026-12-04 17:30",
        responded="2026-12-04 17:35",
        resolved="2026-12-04 18:45",
        remote=True,
        now="2026-12-05 09:00",
    )
    assert (result.arrival.state, result.arrival.margin) == ("breached", -15 * M)
    assert result.breached()


def test_arrival_met_breached_running_overdue():
    assert clocks("2026-12-04 17:30", arrived="2026-12-04 18:30", now="2026-12-04 19:00").arrival.state == "met"
    late = clocks("2026-12-04 17:30", arrived="2026-12-04 18:31", now="2026-12-04 19:00").arrival
    assert (late.state, late.margin) == ("breached", -M)
    assert clocks("2026-12-04 17:30", now="2026-12-04 18:29").arrival.state == "running"
    overdue = clocks("2026-12-04 17:30", now="2026-12-04 18:40").arrival
    assert (overdue.state, overdue.margin) == ("overdue", -10 * M)


def test_arrival_or_resolution_implies_the_response():
    result = clocks("2026-12-04 17:30", arrived="2026-12-04 17:50", now="2026-12-04 19:00")
    assert (result.response.state, result.response.actual) == ("met", at("2026-12-04 17:50"))
    result = clocks("2026-12-04 17:30", resolved="2026-12-04 18:10", now="2026-12-04 19:00")
    assert (result.response.state, result.response.margin) == ("breached", -10 * M)


def test_resolution_states_and_working_margins():
    met = clocks("2026-12-04 17:30", resolved="2026-12-08 17:30", now="2026-12-09 09:00").resolution
    assert (met.state, met.elapsed, met.margin) == ("met", 20 * H, timedelta(0))
    late = clocks("2026-12-04 17:30", resolved="2026-12-08 17:31", now="2026-12-09 09:00")
    assert (late.resolution.state, late.resolution.margin) == ("breached", -M)
    assert late.breached()
    # Fri 0.5 h + Mon 08:00-10:00 2 h.
    running = clocks("2026-12-04 17:30", now="2026-12-07 10:00").resolution
    assert (running.state, running.elapsed, running.margin) == ("running", 2.5 * H, 17.5 * H)
    # 20 h by Tue 17:30, then Tue 17:30-18:00 and Wed 08:00-09:00: 21.5 h.
    overdue = clocks("2026-12-04 17:30", now="2026-12-09 09:00").resolution
    assert (overdue.state, overdue.elapsed, overdue.margin) == ("overdue", 21.5 * H, -1.5 * H)


# SPEC: resolution is met while the working time elapsed is at most the target. A deadline that
# falls at the end of a working day holds until the next working minute; one minute into it is late.
END_OF_DAY = [
    # (reported, deadline, next working minute): Sat 12-05 10:00 waits for Mon; Mon 10 h, Tue 10 h.
    ("2026-12-05 10:00", "2026-12-08 18:00", "2026-12-09 08:00"),
    # Wed 12-02 18:00 waits for Thu; Thu 10 h, Fri 10 h; the weekend follows.
    ("2026-12-02 18:00", "2026-12-04 18:00", "2026-12-07 08:00"),
    # Tue 09-29 08:00: Tue 10 h, Wed 10 h; 10-01..10-07 off (国庆节, 周末, 补假, 调休).
    ("2026-09-29 08:00", "2026-09-30 18:00", "2026-10-08 08:00"),
    # Thu 10-08 08:00: Thu 10 h, Fri 10 h; Sat 10-10 is 调休上班, a working day.
    ("2026-10-08 08:00", "2026-10-09 18:00", "2026-10-10 08:00"),
]


@pytest.mark.parametrize(("reported", "deadline", "next_minute"), END_OF_DAY)
def test_a_deadline_at_the_end_of_a_working_day_holds_until_the_next_working_minute(reported, deadline, next_minute):
    clock = clocks(reported, now=reported).resolution
    assert (clock.deadline, clock.met_until) == (at(deadline), at(next_minute))


@pytest.mark.parametrize(("reported", "deadline", "next_minute"), END_OF_DAY)
def test_a_fix_after_hours_past_the_deadline_used_no_working_time_beyond_the_target(reported, deadline, next_minute):
    day_end, next_start = at(deadline), at(next_minute)
    for fixed, state, margin in [
        (day_end - M, "met", M),  # 17:59
        (day_end, "met", timedelta(0)),  # 18:00
        (day_end + M, "met", timedelta(0)),  # 18:01
        (day_end.replace(hour=23, minute=59), "met", timedelta(0)),
        (next_start.replace(hour=0, minute=30), "met", timedelta(0)),  # after midnight
        (next_start, "met", timedelta(0)),  # the next working period has not begun
        (next_start + M, "breached", -M),  # one minute into it
    ]:
        clock = ticket_clocks(CAL, TERMS, kind="fault", reported=at(reported), resolved=fixed, now=next_start + H)
        assert (clock.resolution.state, clock.resolution.margin) == (state, margin), fixed


@pytest.mark.parametrize(("reported", "deadline", "next_minute"), END_OF_DAY)
def test_a_running_clock_is_overdue_from_the_first_working_minute_past_the_target(reported, deadline, next_minute):
    assert clocks(reported, now=deadline).resolution.state == "running"
    assert clocks(reported, now=next_minute).resolution.state == "running"
    overdue = ticket_clocks(CAL, TERMS, kind="fault", reported=at(reported), now=at(next_minute) + M).resolution
    assert (overdue.state, overdue.margin) == ("overdue", -M)


def test_a_deadline_inside_working_hours_holds_until_itself():
    clock = clocks("2026-12-04 17:30", now="2026-12-04 17:30").resolution
    assert clock.deadline == clock.met_until == at("2026-12-08 17:30")
    response = clocks("2026-12-05 10:00", now="2026-12-05 10:00").response
    assert response.met_until == response.deadline  # wall clocks: the deadline itself


def test_ticket_clocks_iterate_in_order_and_report_breaches():
    result = clocks(
        "2026-12-04 17:30",
        responded="2026-12-04 17:40",
        arrived="2026-12-04 18:10",
        resolved="2026-12-07 10:00",
        now="2026-12-08 09:00",
    )
    assert [c.name for c in result] == list(CLOCKS)
    assert [c.state for c in result] == ["met", "met", "met"]
    assert not result.breached()


# --------------------------------------------------------------------------- refusals


def test_naive_datetime_is_refused_with_a_readable_message():
    message = "naive datetime 2026-12-04 17:30: opsdesk needs a timezone-aware time (Asia/Shanghai)"
    naive = datetime(2026, 12, 4, 17, 30)
    with pytest.raises(InvalidInput) as caught:
        ticket_clocks(CAL, TERMS, kind="fault", reported=naive, now=at("2026-12-04 18:00"))
    assert str(caught.value) == message
    for call in (
        lambda: CAL.add_working_time(naive, H),
        lambda: CAL.working_time_between(at("2026-12-04 08:00"), naive),
        lambda: CAL.in_working_hours(naive),
        lambda: CAL.ledger(naive, at("2026-12-05 08:00")),
        lambda: change_due(naive, TERMS),
        lambda: ticket_clocks(CAL, TERMS, kind="fault", reported=at("2026-12-04 17:00"), responded=naive, now=naive),
    ):
        with pytest.raises(InvalidInput, match="naive datetime 2026-12-04 17:30"):
            call()


def test_unknown_kind_is_refused_naming_the_kinds():
    with pytest.raises(InvalidInput, match="unknown ticket kind 'outage': use one of fault, defect, data"):
        clocks("2026-12-04 17:30", kind="outage", now="2026-12-04 17:30")
    with pytest.raises(InvalidInput, match="fault, defect, data"):
        TERMS.resolution_target("outage")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ({"responded": "2026-12-04 17:00"}, "responded at 2026-12-04 17:00 is before reported"),
        ({"arrived": "2026-12-04 17:00"}, "arrived at 2026-12-04 17:00 is before reported"),
        (
            {"responded": "2026-12-04 17:50", "arrived": "2026-12-04 17:40"},
            "arrived at 2026-12-04 17:40 is before responded at 2026-12-04 17:50",
        ),
        ({"resolved": "2026-12-04 17:29"}, "resolved at 2026-12-04 17:29 is before reported"),
    ],
)
def test_steps_out_of_order_are_refused(steps, message):
    with pytest.raises(InvalidInput, match=message):
        clocks("2026-12-04 17:30", now="2026-12-04 19:00", **steps)


def test_non_datetimes_are_refused():
    with pytest.raises(InvalidInput, match="expected a date and time"):
        CAL.in_working_hours("2026-12-04 10:00")
    with pytest.raises(InvalidInput, match="expected a date"):
        CAL.is_working_day("2026-12-04")
    with pytest.raises(InvalidInput, match="month 13"):
        CAL.month_days(2026, 13)


# --------------------------------------------------------------------------- explain


def test_ledger_of_a_national_day_fault():
    ledger = CAL.ledger(at("2026-09-30 16:00"), at("2026-10-09 16:00"), 20 * H)
    rows = [
        (
            d.day.isoformat(),
            d.kind.reason,
            d.start and f"{d.start:%H:%M}",
            d.end and f"{d.end:%H:%M}",
            d.seconds // 60,
            d.running_total // 60,
        )
        for d in ledger.days
    ]
    assert rows == [
        ("2026-09-30", "工作日", "16:00", "18:00", 120, 120),
        ("2026-10-01", "国庆节", None, None, 0, 120),
        ("2026-10-02", "国庆节", None, None, 0, 120),
        ("2026-10-03", "国庆节", None, None, 0, 120),
        ("2026-10-04", "周末", None, None, 0, 120),
        ("2026-10-05", "国庆节（补假）", None, None, 0, 120),
        ("2026-10-06", "调休", None, None, 0, 120),
        ("2026-10-07", "调休", None, None, 0, 120),
        ("2026-10-08", "工作日", "08:00", "18:00", 600, 720),
        ("2026-10-09", "工作日", "08:00", "16:00", 480, 1200),
    ]
    assert ledger.total == 20 * H == ledger.target
    assert ledger.unconfirmed_years == ()
    assert ledger.days[0].start == at("2026-09-30 16:00")


def test_ledger_shows_working_days_the_clock_did_not_reach_and_overrides():
    cal = WorkCalendar(TERMS, [Override(date(2026, 12, 7), False, "医院停电检修")])
    ledger = cal.ledger(at("2026-12-04 18:30"), at("2026-12-08 09:00"))
    assert [(d.kind.reason, d.seconds) for d in ledger.days] == [
        ("工作日", 0),  # after hours: a working day on which the clock did not run
        ("周末", 0),
        ("周末", 0),
        ("医院停电检修", 0),
        ("工作日", 3600),
    ]
    assert ledger.days[0].start is None
    assert ledger.total == H


def test_ledger_cannot_run_backwards():
    with pytest.raises(InvalidInput, match="backwards"):
        CAL.ledger(at("2026-12-05 08:00"), at("2026-12-04 08:00"))


def test_explain_clock():
    reported = at("2026-09-30 16:00")
    open_ticket = ticket_clocks(CAL, TERMS, kind="fault", reported=reported, now=at("2026-10-08 09:00"))
    # A running clock is explained up to its deadline.
    ledger = explain_clock(CAL, open_ticket.resolution, reported, at("2026-10-08 09:00"))
    assert (ledger.end, ledger.total, ledger.target) == (at("2026-10-09 16:00"), 20 * H, 20 * H)
    # An overdue one up to now, a closed one up to its actual time.
    ledger = explain_clock(CAL, open_ticket.resolution, reported, at("2026-10-12 09:00"))
    # 2 h + 10-08 10 h + 10-09 10 h + Sat 10-10 (调休上班) 10 h + Mon 10-12 1 h.
    assert (ledger.end, ledger.total) == (at("2026-10-12 09:00"), 33 * H)
    closed = ticket_clocks(
        CAL, TERMS, kind="fault", reported=reported, resolved=at("2026-10-08 09:00"), now=at("2026-10-12 09:00")
    )
    ledger = explain_clock(CAL, closed.resolution, reported, at("2026-10-12 09:00"))
    assert (ledger.end, ledger.total) == (at("2026-10-08 09:00"), 3 * H)
    # A wall clock is one line.
    ledger = explain_clock(CAL, closed.response, reported, at("2026-10-12 09:00"))
    assert len(ledger.days) == 1
    assert (ledger.start, ledger.end, ledger.total) == (reported, at("2026-10-08 09:00"), closed.response.elapsed)


# --------------------------------------------------------------------------- change requests


def test_change_due_is_thirty_calendar_days_later():
    assert change_due(at("2026-12-10 15:00"), TERMS) == at("2027-01-09 15:00")
    assert change_due(datetime(2026, 12, 10, 7, tzinfo=UTC), TERMS) == at("2027-01-09 15:00")


@pytest.mark.parametrize(
    ("implemented", "earliest"),
    [
        # Fri 11 (1); 14-18 (6); 21, 22, 23, 24 (10).
        ("2026-12-10 15:00", "2026-12-24"),
        # 09-29 (1), 09-30 (2), 国庆 off, 10-08 (3), 10-09 (4), Sat 10-10 调休上班 (5),
        # 10-12..16 (10).
        ("2026-09-28 10:00", "2026-10-16"),
        # Implemented on a Sunday: counting starts the next day.
        ("2026-12-06 10:00", "2026-12-18"),
    ],
)
def test_acceptance_earliest_is_the_tenth_working_day_after(implemented, earliest):
    assert acceptance_earliest(CAL, at(implemented), TERMS) == date.fromisoformat(earliest)


def test_working_day_after():
    assert CAL.working_day_after(date(2026, 12, 4), 1) == date(2026, 12, 7)
    assert CAL.working_day_after(date(2026, 12, 5), 0) == date(2026, 12, 5)
    assert CAL.working_day_after(date(2026, 1, 1), 248) == date(2026, 12, 31)
    with pytest.raises(InvalidInput):
        CAL.working_day_after(date(2026, 12, 4), -1)


def test_free_maintenance_ends_the_day_before_the_anniversary_of_acceptance():
    # SPEC: accepted 2026-11-24, free maintenance until 2027-11-23 (as the contract's period runs).
    assert warranty_end(date(2026, 11, 24), TERMS) == date(2027, 11, 23)
    assert warranty_end(date(2026, 12, 24), TERMS) == date(2027, 12, 23)
    assert warranty_end(date(2026, 3, 1), TERMS) == date(2027, 2, 28)
    # 2029 has no 02-29: the period of 12 months ends as a contract starting that day would.
    assert warranty_end(date(2028, 2, 29), TERMS) == date(2029, 2, 27)
    assert warranty_end(at("2026-12-24 23:30"), TERMS) == date(2027, 12, 23)


# --------------------------------------------------------------------------- terms


def test_terms_defaults_and_targets():
    assert TERMS.to_dict()["timezone"] == "Asia/Shanghai"
    assert [TERMS.resolution_target(k) for k in KINDS] == [20 * H, 10 * H, 10 * H]
    assert CAL.working_day_length == 10 * H
    assert clock_target(TERMS, "fault", "response", True) == 30 * M
    assert clock_target(TERMS, "fault", "response", False) == 60 * M
    assert clock_target(TERMS, "data", "arrival", True) == 60 * M
    assert clock_target(TERMS, "data", "arrival", False) == 120 * M
    assert clock_target(TERMS, "defect", "resolution", False) == 10 * H
    with pytest.raises(InvalidInput, match="unknown clock 'repair'"):
        clock_target(TERMS, "fault", "repair", True)


def test_terms_round_trip_and_ignore_unknown_keys():
    terms = SlaTerms(resolve_fault_days=1.5, workday_start="09:00", workday_end="17:30")
    assert SlaTerms.from_dict(terms.to_dict()) == terms
    assert SlaTerms.from_dict({**terms.to_dict(), "future_setting": 1}) == terms
    assert SlaTerms.from_dict({}) == SlaTerms()
    assert SlaTerms.from_dict({"response_inside_min": 45.0}).response_inside_min == 45
    assert terms.resolution_target("fault") == timedelta(hours=12, minutes=45)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"response_inside_min": 0}, "response_inside_min must be a whole number of at least 1"),
        ({"response_inside_min": "30"}, "response_inside_min"),
        ({"response_inside_min": True}, "response_inside_min"),
        ({"resolve_fault_days": -1}, "resolve_fault_days must be a number of days above 0"),
        ({"resolve_fault_days": float("nan")}, "resolve_fault_days"),
        ({"workday_start": "8am"}, "workday_start '8am' is not a time of day"),
        ({"workday_end": "25:00"}, "workday_end '25:00'"),
        ({"workday_start": "18:00", "workday_end": "08:00"}, "working hours 18:00-08:00 are empty"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_invalid_terms_are_refused(data, message):
    with pytest.raises(InvalidInput, match=message):
        SlaTerms.from_dict(data)


def test_from_dict_needs_a_mapping():
    with pytest.raises(InvalidInput, match="mapping"):
        SlaTerms.from_dict(["response_inside_min", 30])


def test_calendar_with_other_hours():
    terms = SlaTerms(workday_start="09:00", workday_end="17:00")
    cal = WorkCalendar(terms)
    assert cal.working_day_length == 8 * H
    assert cal.add_working_time(at("2026-12-04 08:00"), 8 * H) == at("2026-12-04 17:00")
    assert not cal.in_working_hours(at("2026-12-04 08:30"))
    result = ticket_clocks(cal, terms, kind="fault", reported=at("2026-12-04 16:00"), now=at("2026-12-04 16:00"))
    # Fri 1 h; Mon 8 h (9); Tue 09:00-16:00 7 h (16 = 2 x 8).
    assert result.resolution.deadline == at("2026-12-08 16:00")


def test_working_day_may_end_at_midnight():
    terms = SlaTerms(workday_start="08:00", workday_end="24:00")
    cal = WorkCalendar(terms)
    assert cal.working_day_length == 16 * H
    assert cal.in_working_hours(at("2026-12-04 23:59"))
    assert cal.add_working_time(at("2026-12-04 23:00"), H) == at("2026-12-05 00:00")
    assert cal.add_working_time(at("2026-12-04 23:00"), H + M) == at("2026-12-07 08:01")


def test_a_calendar_reads_the_years_its_source_gives():
    """The store hands its recorded years to the calendar as data: the calendar asks its source once
    per year, and what the source says is what the clocks use (never the installed package)."""
    from opsdesk.sla import workcalendar as sla

    package = sla.package_year(2026)
    recorded = sla.OfficialYear(
        2026,
        {**package.names, date(2026, 12, 7): "记录的假日"},
        package.weekend_workdays,
        package.swapped_off,
        True,
        "holidays 0.109",
    )
    asked: list[int] = []

    def source(year: int) -> sla.OfficialYear:
        asked.append(year)
        return recorded

    cal = WorkCalendar(TERMS, official=source)
    assert not cal.is_working_day(date(2026, 12, 7))
    assert cal.day_kind(date(2026, 12, 7)).reason == "记录的假日"
    assert cal.working_time_between(at("2026-12-04 17:00"), at("2026-12-08 09:00")) == 2 * H
    assert cal.is_year_confirmed(2026)
    assert asked == [2026]


# --------------------------------------------------------------------------- agreed pauses


def test_a_three_working_hour_pause_moves_the_deadline_by_three_working_hours_across_national_day():
    """Reported 2026-09-30 14:00: 4 h that day, 国庆 1-7 October off, 10 h on the 8th, 6 h on the 9th:
    due 2026-10-09 14:00. Paused 30 September 16:00 to 8 October 09:00 (2 h + 1 h): due 17:00; a
    fix at 16:00 is met, breached as recorded."""
    pause = [(at("2026-09-30 16:00"), at("2026-10-08 09:00"))]
    recorded = clocks("2026-09-30 14:00", now="2026-10-09 16:00", resolved="2026-10-09 16:00").resolution
    paused = ticket_clocks(
        CAL,
        TERMS,
        kind="fault",
        reported=at("2026-09-30 14:00"),
        resolved=at("2026-10-09 16:00"),
        now=at("2026-10-09 16:00"),
        pauses=pause,
    ).resolution
    assert (recorded.deadline, recorded.state) == (at("2026-10-09 14:00"), "breached")
    assert (paused.deadline, paused.state, paused.paused, paused.elapsed) == (
        at("2026-10-09 17:00"),
        "met",
        3 * H,
        19 * H,
    )
    ledger = explain_clock(CAL, paused, at("2026-09-30 14:00"), at("2026-10-09 16:00"))
    assert [(d.day.day, d.seconds // 60, d.paused // 60) for d in ledger.days if d.seconds or d.paused] == [
        (30, 120, 120),
        (8, 540, 60),
        (9, 480, 0),
    ]
    assert (ledger.total, ledger.paused) == (19 * H, 3 * H)


def test_a_running_pause_ends_at_the_fix_or_now_and_a_waived_arrival_leaves_the_rate():
    running = ticket_clocks(
        CAL,
        TERMS,
        kind="defect",
        reported=at("2026-12-07 09:00"),
        now=at("2026-12-07 15:00"),
        pauses=[(at("2026-12-07 10:00"), None)],
        arrival_waived=True,
    )
    assert (running.resolution.elapsed, running.resolution.paused, running.resolution.state) == (H, 5 * H, "running")
    assert running.resolution.deadline == at("2026-12-08 14:00")  # 1 h before, 9 h from 15:00 tomorrow
    assert running.arrival.state == "waived"
    fixed = ticket_clocks(
        CAL,
        TERMS,
        kind="defect",
        reported=at("2026-12-07 09:00"),
        resolved=at("2026-12-07 12:00"),
        now=at("2026-12-09 12:00"),
        pauses=[(at("2026-12-07 10:00"), None)],
    )
    assert (fixed.resolution.elapsed, fixed.resolution.paused) == (H, 2 * H)

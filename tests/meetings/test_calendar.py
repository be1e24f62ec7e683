"""The dates of the werkoverleg: monthly rules, working days, the assembly moment."""

from datetime import date, time, timedelta

import pytest

from app.meetings import calendar

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database


@pytest.mark.parametrize(("year", "month", "weekday", "week", "expected"), [
    (2026, 12, 1, 2, date(2026, 12, 8)),  # tweede dinsdag
    (2026, 11, 2, -1, date(2026, 11, 25)),  # laatste woensdag
    (2027, 3, 0, 1, date(2027, 3, 1)),  # eerste maandag, on the first
    (2027, 2, 4, 4, date(2027, 2, 26)),  # vierde vrijdag
    (2027, 12, 4, -1, date(2027, 12, 31)),  # laatste vrijdag, December to January
])
def test_nth_weekday(year, month, weekday, week, expected):
    assert calendar.nth_weekday(year, month, weekday, week) == expected


def test_working_days_skip_weekends_and_dutch_public_holidays():
    assert calendar.holiday(date(2027, 4, 27)) == "Koningsdag"
    assert calendar.holiday(date(2027, 5, 6)) == "Hemelvaartsdag"
    assert not calendar.is_working_day(date(2027, 5, 6))
    assert not calendar.is_working_day(date(2027, 5, 8))  # Saturday
    # Five working days before Thursday 13 May 2027: 12, 11, 10, 7 (Friday), and 5 (6 is
    # Ascension Day).
    assert calendar.working_days_before(date(2027, 5, 13), 5) == date(2027, 5, 5)


def test_assembly_never_on_a_friday():
    # Thursday 10 December 2026: five working days back is Thursday 3 December.
    assert calendar.assembly_day(date(2026, 12, 10), 5) == date(2026, 12, 3)
    # Friday 11 December: five back is Friday 4 December, which moves to Thursday 3 December.
    assert calendar.assembly_day(date(2026, 12, 11), 5) == date(2026, 12, 3)
    # Monday 10 May 2027: five back is Friday 30 April, which moves to Thursday 29 April.
    assert calendar.assembly_day(date(2027, 5, 10), 5) == date(2027, 4, 29)
    # Tuesday 11 May 2027: back over 10, 7, 5, 4 and 3 May (6 May is Ascension Day).
    assert calendar.assembly_day(date(2027, 5, 11), 5) == date(2027, 5, 3)
    for day in (date(2027, 1, 4) + timedelta(days=n) for n in range(365)):
        if calendar.is_working_day(day):
            made = calendar.assembly_day(day, 5)
            assert made.weekday() != calendar.FRIDAY and calendar.is_working_day(made) and made < day


def test_a_meeting_on_a_public_holiday_moves_to_the_next_working_day():
    # The fourth Friday of December 2026 is Christmas Day; the 26th is Saturday and a holiday.
    assert calendar.nth_weekday(2026, 12, 4, 4) == date(2026, 12, 25)
    assert calendar.next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_local_moments_follow_daylight_saving_time():
    winter = calendar.local_moment(date(2027, 1, 12), time(10))
    summer = calendar.local_moment(date(2027, 7, 13), time(10))
    assert winter.utcoffset().total_seconds() == 3600 and summer.utcoffset().total_seconds() == 7200
    assert calendar.describe_rule(1, 2, time(10)) == "tweede dinsdag van de maand, 10:00"

"""Dates of the werkoverleg: a monthly rule, working days and the agenda's assembly moment.

Working days are Monday to Friday except Dutch public holidays, from the `holidays` library.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from app.config import LOCAL_TZ

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
# Which week of the month: 1 to 4, or -1 for the last.
WEEKS = {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde", -1: "laatste"}
FRIDAY = 4


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("NL", years=[year], language="nl"))


def holiday(day: date) -> str | None:
    """The name of the Dutch public holiday on this day, if any."""
    return _holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and holiday(day) is None


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day`."""
    for _ in range(count):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    return day


def next_working_day(day: date) -> date:
    """This day if it is a working day, otherwise the first one after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    """The `week`-th (1-4, or -1: last) `weekday` (0 = Monday) of a month."""
    if week == -1:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def describe_rule(weekday: int, week: int, at: time) -> str:
    """"tweede dinsdag van de maand, 10:00"."""
    return f"{WEEKS[week]} {WEEKDAYS[weekday]} van de maand, {at:%H:%M}"


def assembly_day(meeting_day: date, lead_days: int) -> date:
    """`lead_days` working days before the meeting; a Friday moves to the working day before
    it (the seed: on a Friday there is no time left to read)."""
    day = working_days_before(meeting_day, lead_days)
    while day.weekday() == FRIDAY or not is_working_day(day):
        day -= timedelta(days=1)
    return day


def local_moment(day: date, at: time) -> datetime:
    """A Dutch date and time as an aware datetime (daylight saving time included)."""
    return datetime.combine(day, at, LOCAL_TZ)


def months(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) from start's month up to and including end's."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out

"""The one range of dates the application accepts, for every date a person or client sends:
query parameters, forms and JSON bodies alike.

A date far from now breaks the date arithmetic (time zones, durations, "working days before");
stored, it would break every page that shows it later. Everything the kennisbank records or
plans lies well within this century."""

from datetime import date, datetime, time
from typing import Annotated

from pydantic import AfterValidator

from app.config import LOCAL_TZ
from app.errors import InputError

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DATE_RANGE_MESSAGE = "Kies een datum tussen 1 januari 2000 en 31 december 2100."
DATE_FORMAT_MESSAGE = "Vul een datum in als JJJJ-MM-DD."


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def _in_range(day: date) -> date:
    if not in_range(day):
        raise ValueError(DATE_RANGE_MESSAGE)
    return day


# A date within the range, for pydantic models, query parameters and form fields.
SaneDate = Annotated[date, AfterValidator(_in_range)]


def checked(field: str, day: date) -> date:
    """`day`, or a refusal naming `field` when it lies outside the range."""
    if not in_range(day):
        raise InputError(field, DATE_RANGE_MESSAGE)
    return day


def parse_date(field: str, text: str, message: str = DATE_FORMAT_MESSAGE) -> date:
    """A date typed in a form (JJJJ-MM-DD); else a refusal naming `field`. The range is the
    domain's to check: `checked`, or a narrower rule with a message of its own."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, message) from None


def parse_time(field: str, text: str, message: str = "Vul een tijd in als UU:MM.") -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, message) from None


# --- dates for people: "1 juni 2027", everywhere ---------------------------------------------

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


def local(value: date | datetime) -> date | datetime:
    """A moment in Dutch time (a date, or a naive datetime, as it is)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ)
    return value


def nl_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    value = local(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def nl_month(value: date | datetime | None) -> str:
    """"maart 2027": a month, as the analytics, the worklist and the inbox name it."""
    if value is None:
        return ""
    value = local(value)
    return f"{MONTHS[value.month - 1]} {value.year}"

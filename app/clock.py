"""The one source of "now": the application asks it, tests set it.

Scheduling is about dates (the second Tuesday, five working days before, never on a Friday):
tests drive a simulated half year by moving this clock instead of waiting.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from app.config import LOCAL_TZ

_frozen: datetime | None = None


def now() -> datetime:
    """Aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today in the Netherlands (the date people see)."""
    return now().astimezone(LOCAL_TZ).date()


class FrozenClock:
    """A clock that stands still until it is set or advanced."""

    def set(self, moment: datetime) -> None:
        global _frozen
        if moment.tzinfo is None:
            raise ValueError("the clock takes aware datetimes")
        _frozen = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(now() + delta)

    def now(self) -> datetime:
        return now()


@contextmanager
def frozen(moment: datetime) -> Iterator[FrozenClock]:
    """Freeze the clock at `moment` for the duration of a block (tests only)."""
    global _frozen
    before = _frozen
    clock = FrozenClock()
    clock.set(moment)
    try:
        yield clock
    finally:
        _frozen = before

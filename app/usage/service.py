"""Recording that a person used the Wiki-bibliotheek on a day (for the goals dashboard)."""

from datetime import date

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app import clock
from app.accounts.models import User
from app.db import execute_at_commit
from app.usage.models import UsageDay, UsageKind


def record(
    session: Session, user: User, kind: UsageKind, day: date | None = None, *, at_commit: bool = False
) -> None:
    """At most one row per person, day and kind, also when two requests race. `at_commit`:
    written when the request commits, after its page is made."""
    values = {"user_id": user.id, "day": day or clock.today(), "kind": kind.value}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(UsageDay).values(**values).on_conflict_do_nothing()
    if at_commit:
        execute_at_commit(session, statement)
    else:
        session.execute(statement)


def days_used(session: Session, user: User) -> list[UsageDay]:
    return list(
        session.exec(
            select(UsageDay).where(UsageDay.user_id == user.id).order_by(col(UsageDay.day))
        )
    )


def days_per_person(session: Session, user_ids, start: date, end: date) -> dict[int, int]:
    """Per person: on how many days (start to end, both included) they searched or read."""
    rows = session.exec(
        select(UsageDay.user_id, func.count(func.distinct(UsageDay.day)))
        .where(col(UsageDay.user_id).in_(user_ids), col(UsageDay.day) >= start, col(UsageDay.day) <= end)
        .group_by(UsageDay.user_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def prune(session: Session, before: date) -> int:
    """Retention: forget usage days before a day."""
    result = session.execute(delete(UsageDay).where(col(UsageDay.day) < before))
    return result.rowcount or 0  # type: ignore[attr-defined]


def read_days(session: Session, user_ids: set[int], start: date, end: date) -> dict[int, list[date]]:
    """Per person: the days (start to end, both included) on which they read in the library."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(UsageDay.user_id, UsageDay.day)
        .where(col(UsageDay.user_id).in_(user_ids), UsageDay.kind == UsageKind.read,
               col(UsageDay.day) >= start, col(UsageDay.day) <= end)
        .order_by(col(UsageDay.day))
    ).all()
    result: dict[int, list[date]] = {}
    for user_id, day in rows:
        result.setdefault(user_id, []).append(day)
    return result

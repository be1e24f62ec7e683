"""Recording that a person used the Wiki-bibliotheek on a day (for the goals dashboard)."""

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.db import utcnow
from app.usage.models import UsageDay, UsageKind


def record(session: Session, user: User, kind: UsageKind, day: date | None = None) -> None:
    """At most one row per person, day and kind, also when two requests race."""
    values = {"user_id": user.id, "day": day or utcnow().date(), "kind": kind.value}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(UsageDay).values(**values).on_conflict_do_nothing())


def days_used(session: Session, user: User) -> list[UsageDay]:
    return list(
        session.exec(
            select(UsageDay).where(UsageDay.user_id == user.id).order_by(col(UsageDay.day))
        )
    )

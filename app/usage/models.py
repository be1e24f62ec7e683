"""Who consulted the Wiki-bibliotheek on which day, and how: nothing more (DESIGN.md, privacy)."""

from datetime import date
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel


class UsageKind(StrEnum):
    search = "search"
    read = "read"
    question = "question"


class UsageDay(SQLModel, table=True):
    __tablename__ = "usage_day"
    __table_args__ = (UniqueConstraint("user_id", "day", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    day: date = Field(index=True)
    kind: str = Field(sa_type=String(20))

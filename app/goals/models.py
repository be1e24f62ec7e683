"""The implementation goals of the plan, and the records only they need: appraisals, the
training flags of Opleiding & Leren, milestones, and daily snapshots for the trend."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Measure(StrEnum):
    """Generic measures: a municipality writes its own plan's goals with these."""

    count_per_person = "count_per_person"  # share of a group with at least N events each
    share_of_persons = "share_of_persons"  # share of a group that did something more than N times
    meetings_held = "meetings_held"  # number of meetings of a kind that took place
    share_of_records = "share_of_records"  # percentage of records with a yes (appraisals, training)
    milestone = "milestone"  # reached: a dated decision
    library_fresh = "library_fresh"  # share of published items within their review date (older plans)
    # the plan's "gebouwd, ingericht en geactualiseerd": four parts (app/goals/library.py)
    library_built_current = "library_built_current"


class Goal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(60), unique=True)
    position: int = 0
    group: str = Field(sa_type=String(120))  # who the goal is about, in Dutch
    text: str = Field(sa_type=Text)  # the goal as the plan says it
    how: str = Field(default="", sa_type=Text)  # how it is measured, in Dutch
    measure: str = Field(sa_type=String(30))
    params: dict = Field(default_factory=dict, sa_type=JSON)
    # The target: a share (0-1) for the shares, a number for meetings, 1 for a milestone.
    target: float
    start: date
    horizon_months: int = 6
    updated_at: datetime = Field(default_factory=utcnow)


class GoalSnapshot(SQLModel, table=True):
    """A goal's value on a day (the daily job), for the trend."""

    __tablename__ = "goal_snapshot"
    __table_args__ = (UniqueConstraint("goal_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    day: date
    value: float
    population: int = 0  # how many persons or records it is a share of


class Appraisal(SQLModel, table=True):
    """That kennisontwikkeling was (not) discussed in a person's functioneringsgesprek. Nothing
    else about the conversation is kept."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    held_on: date = Field(index=True)
    discussed: bool
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class TrainingFlag(SQLModel, table=True):
    """An item Kwaliteit put on the agenda of Opleiding & Leren, and whether it is in the team
    training plan."""

    __tablename__ = "training_flag"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", unique=True)
    flagged_on: date
    flagged_by_id: int = Field(foreign_key="user.id")
    in_plan: bool = False
    in_plan_on: date | None = None


class Milestone(SQLModel, table=True):
    """A dated decision, such as the MT's approval of the implementation."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(60), unique=True)
    reached_on: date
    note: str = Field(default="", sa_type=String(300))
    recorded_by_id: int = Field(foreign_key="user.id")


# --- API schemas -----------------------------------------------------------------------------


class TrendPoint(BaseModel):
    day: date
    value: float


class GoalPublic(BaseModel):
    key: str
    group: str
    text: str
    how: str
    measure: str
    value: float
    target: float
    achieved: float  # share of the target reached, 0-1
    population: int
    start: date
    deadline: date
    due: bool  # the deadline has come
    on_track: bool
    # The verdict the pages show: gehaald, niet-gehaald, op-schema, loopt-achter, nog-niets.
    status: str
    status_label: str
    figure: str  # the value as the pages say it: "3 van 6", "75% (doel 80%)"
    explanation: str  # what the figure is made of
    day: date  # the day the figures are of
    trend: list[TrendPoint]

"""Meetings (werkoverleg, vakoverleg), their rules, agendas, and who attended."""

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.textinput import no_nul


class MeetingKind(StrEnum):
    werkoverleg = "werkoverleg"  # a team, with its contactpersoon Kwaliteit
    vakoverleg = "vakoverleg"  # afdeling Kwaliteit with all contactpersonen


class MeetingStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class AgendaState(StrEnum):
    concept = "concept"
    final = "final"


class EntryKind(StrEnum):
    item = "item"  # a new kennisitem
    review = "review"  # an item past its review date (vakoverleg)
    search_gap = "search_gap"  # a query that found nothing (vakoverleg)
    point = "point"  # a free point the contactpersoon added
    question = "question"  # an answered question of general interest
    goals = "goals"  # the implementation goals (vakoverleg): shown as /doelen has them, dated


KIND_LABELS = {MeetingKind.werkoverleg: "Werkoverleg", MeetingKind.vakoverleg: "Vakoverleg"}
STATE_LABELS = {AgendaState.concept: "Concept", AgendaState.final: "Definitief"}


class MeetingRule(SQLModel, table=True):
    """A monthly recurrence: "tweede dinsdag van de maand, 10:00, Kamer 3"."""

    __tablename__ = "meeting_rule"
    __table_args__ = (UniqueConstraint("kind", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(20))
    team_id: int | None = Field(default=None, foreign_key="team.id")
    weekday: int  # 0 = Monday
    week: int  # 1-4, or -1 for the last of the month
    start_time: time
    duration_minutes: int = 90
    location: str = Field(default="", sa_type=String(200))
    # Working days between assembling the agenda and the meeting; None: the setting.
    lead_days: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    """One meeting. A rule's meetings are created ahead; `occurrence` is the rule's date this
    meeting stands for, so that planning twice (or in two processes) creates it once."""

    __table_args__ = (
        UniqueConstraint("rule_id", "occurrence"),
        Index("ix_meeting_kind_team_starts", "kind", "team_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(20))
    team_id: int | None = Field(default=None, foreign_key="team.id")
    rule_id: int | None = Field(default=None, foreign_key="meeting_rule.id")
    occurrence: date | None = None
    starts_at: datetime = Field(index=True)
    duration_minutes: int = 90
    location: str = Field(default="", sa_type=String(200))
    status: str = Field(default=MeetingStatus.scheduled, sa_type=String(20))
    # Why it was moved or cancelled, in the contactpersoon's words.
    status_note: str = Field(default="", sa_type=String(300))
    moved_from: datetime | None = None
    notes: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Agenda(SQLModel, table=True):
    """The agenda of one meeting. `meeting_id` is unique: the database, not luck, makes sure
    that two runs of the scheduler (or two processes) give one agenda."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    # Items published after `since` and up to `cutoff` were taken in.
    since: datetime
    cutoff: datetime
    assembled_at: datetime = Field(default_factory=utcnow)
    state: str = Field(default=AgendaState.concept, sa_type=String(20))
    finalised_at: datetime | None = None
    finalised_by_id: int | None = Field(default=None, foreign_key="user.id")
    mailed_at: datetime | None = None
    # Optimistic lock for editing: every change names the version it was based on.
    version: int = 1


class AgendaEntry(SQLModel, table=True):
    __tablename__ = "agenda_entry"
    __table_args__ = (UniqueConstraint("agenda_id", "kind", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agenda_id: int = Field(foreign_key="agenda.id", index=True)
    position: int
    kind: str = Field(sa_type=String(20))
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    # Retention may remove an old question; its agenda line keeps its text.
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    # A free point's title and text; a search gap's query; a question and its answer.
    title: str = Field(default="", sa_type=String(200))
    text: str = Field(default="", sa_type=Text)
    prompt: str = Field(default="", sa_type=Text)
    added_by_hand: bool = False
    # How long the point takes, estimated at assembly and editable; and whether it is
    # discussed or only mentioned ("ter kennisname").
    minutes: int = 5
    section: str = Field(default="bespreken", sa_type=String(20))


class AgendaEvent(SQLModel, table=True):
    """The agenda's history: assembled, finalised, reopened (with the reason), mailed."""

    __tablename__ = "agenda_event"

    id: int | None = Field(default=None, primary_key=True)
    agenda_id: int = Field(foreign_key="agenda.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(sa_type=String(20))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    user_name: str = Field(default="", sa_type=String(120))
    reason: str = Field(default="", sa_type=String(300))


class Attendance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    present: bool = False
    # Took an active part in the conversation (a goal of the plan).
    active: bool = False
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- API schemas -----------------------------------------------------------------------------


class AgendaEntryPublic(BaseModel):
    position: int
    kind: str
    theme: str | None
    item: str | None = PField(description="slug van het item")
    title: str
    summary: str
    dossier_meaning: str
    text: str
    prompt: str
    minutes: int
    section: str = PField(description="bespreken of ter-kennisname")


class MeetingPublic(BaseModel):
    id: int
    kind: str
    team: str | None
    starts_at: datetime
    ends_at: datetime
    location: str
    status: str
    status_note: str
    agenda_state: str | None = PField(description="null: nog niet samengesteld")
    agenda_assembly: datetime = PField(description="wanneer de agenda wordt of werd samengesteld")


class MeetingDetail(MeetingPublic):
    agenda: list[AgendaEntryPublic]


class AttendanceRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = PField(min_length=3, max_length=254)
    present: bool
    active: bool = False


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendance: list[AttendanceRow] = PField(max_length=500)
    notes: str | None = PField(default=None, max_length=20_000)

    @field_validator("notes")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return no_nul(value) if value is not None else None


class AttendancePublic(BaseModel):
    email: str
    name: str
    present: bool
    active: bool

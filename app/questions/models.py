"""Questions to the Contactpersoon Kwaliteit: asked in the app, or logged when asked in person,
by phone or by mail; answered, and when of general interest discussed in the werkoverleg."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from app.dates import SaneDate
from app.db import utcnow
from app.textinput import no_nul, required_visible


class Channel(StrEnum):
    app = "app"
    persoonlijk = "persoonlijk"
    telefoon = "telefoon"
    mail = "mail"


CHANNEL_LABELS = {
    Channel.app: "In de Wiki-bibliotheek",
    Channel.persoonlijk: "Persoonlijk",
    Channel.telefoon: "Telefoon",
    Channel.mail: "Mail",
}


class Question(SQLModel, table=True):
    __table_args__ = (Index("ix_question_team_asked", "team_id", "asked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    asker_id: int = Field(foreign_key="user.id", index=True)
    # The asker's team when asking: the werkoverleg it belongs to.
    team_id: int | None = Field(default=None, foreign_key="team.id")
    logged_by_id: int = Field(foreign_key="user.id")
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    channel: str = Field(sa_type=String(20))
    text: str = Field(sa_type=Text)
    asked_at: datetime = Field(index=True)
    answer: str = Field(default="", sa_type=Text)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    # Of general interest: it goes on the team's next werkoverleg agenda (assembled after
    # `shared_at`, the moment it was marked).
    general_interest: bool = False
    shared_at: datetime | None = Field(default=None, index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id")
    # The draft item Kwaliteit made of it.
    draft_item_id: int | None = Field(default=None, foreign_key="item.id")
    # The asker's answer to "Had u hier iets aan?" (none: not said), for the monitoring of the
    # advice function.
    helped: bool | None = None
    helped_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def _no_nul(value: str) -> str:
    return no_nul(value).replace("\r\n", "\n").strip()


class QuestionIn(BaseModel):
    """A question, asked by oneself or logged for a colleague (asker: e-mail address)."""

    model_config = ConfigDict(extra="forbid")

    text: str = PField(min_length=1, max_length=5000)
    theme: str | None = PField(default=None, max_length=80, description="slug van het thema")
    channel: Channel = Channel.app
    asker: str | None = PField(default=None, max_length=254,
                               description="e-mailadres van wie het vroeg; leeg: uzelf")
    asked_on: SaneDate | None = PField(default=None, description="leeg: vandaag")

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return required_visible(_no_nul(value))


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = PField(min_length=1, max_length=10_000)
    general_interest: bool = False
    item: str | None = PField(default=None, max_length=120, description="slug van een item")
    theme: str | None = PField(default=None, max_length=80,
                               description="slug van het thema; leeg: het thema blijft zoals het was")

    @field_validator("answer")
    @classmethod
    def _clean(cls, value: str) -> str:
        return required_visible(_no_nul(value))


class HelpedIn(BaseModel):
    """The asker's "Had u hier iets aan?"."""

    model_config = ConfigDict(extra="forbid")

    helped: bool = PField(description="true: ja, false: nee")


class QuestionPublic(BaseModel):
    id: int
    asker: str
    team: str | None
    theme: str | None
    channel: str
    text: str
    asked_at: datetime
    answer: str
    answered_at: datetime | None
    general_interest: bool
    item: str | None
    helped: bool | None = PField(default=None, description="wat de vraagsteller zei op 'Had u hier iets aan?'; leeg: niets")

"""What the plan's forms and API accept and return."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.dates import SaneDate
from app.plan.models import Direction, Level, Part, Phase, Status
from app.textinput import no_nul, required_visible


def _text(value: str) -> str:
    return no_nul(value).replace("\r\n", "\n").strip()


def _line(value: str) -> str:
    return required_visible(" ".join(_text(value).split()))


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartIn(_In):
    body: str = Field(default="", max_length=50_000)
    version: int = Field(ge=0, le=2**31 - 1, description="de versie van het plan waarop u verder schreef")

    @field_validator("body")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _text(value)


class HeaderIn(_In):
    title: str = Field(min_length=1, max_length=200)
    intervention: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    author: str = Field(default="", max_length=200)
    written: str = Field(default="", max_length=60)
    version: int = Field(ge=0, le=2**31 - 1)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _line(value)

    @field_validator("intervention", "organisation", "author", "written")
    @classmethod
    def _lines(cls, value: str) -> str:
        return " ".join(_text(value).split())


class GroupIn(_In):
    name: str = Field(min_length=1, max_length=120)
    influence: Level
    interest: Level
    involvement: str = Field(default="", max_length=5000)
    is_user: bool = False
    ist: str = Field(default="", max_length=5000)
    soll: str = Field(default="", max_length=5000)
    hourly_rate: int | None = Field(default=None, ge=0, le=10_000, description="euro per uur")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _line(value)

    @field_validator("involvement", "ist", "soll")
    @classmethod
    def _texts(cls, value: str) -> str:
        return _text(value)


class FactorIn(_In):
    group_id: int = Field(ge=1, le=2**31 - 1)
    text: str = Field(min_length=1, max_length=500)
    direction: Direction
    impact: int | None = Field(default=None, ge=1, le=3, description="1 een beetje, 2 redelijk, 3 zeer")
    changeable: bool | None = Field(default=None, description="leeg: nog niet ingeschat")
    priority: int | None = Field(default=None, ge=1, le=99)

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _line(value)


class StrategyIn(_In):
    """Against a barrier (factor_id), or for a user group in a phase (group_id and phase)."""

    text: str = Field(min_length=1, max_length=500)
    factor_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    group_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    phase: Phase | None = None

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _line(value)


class ActionIn(_In):
    title: str = Field(min_length=1, max_length=300)
    owner: str | None = Field(default=None, max_length=254, description="e-mailadres van wie het doet")
    due: SaneDate | None = None
    status: Status = Status.plan
    check_on: SaneDate | None = None
    strategy_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    result_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @field_validator("title")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _line(value)


class ActionPatch(_In):
    """Only the fields sent change."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    owner: str | None = Field(default=None, max_length=254, description="e-mailadres; leeg: niemand")
    due: SaneDate | None = None
    status: Status | None = None
    check_on: SaneDate | None = None
    done: bool | None = Field(default=None, description="afgerond")

    @field_validator("title")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else _line(value)


class ActivityIn(_In):
    group_id: int = Field(ge=1, le=2**31 - 1)
    phase: Phase
    text: str = Field(min_length=1, max_length=300)
    hours: float = Field(gt=0, le=10_000)

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _line(value)


# --- API answers -----------------------------------------------------------------------------


class PartPublic(BaseModel):
    key: Part
    number: int
    title: str
    body: str


class StakeholderPublic(BaseModel):
    id: int
    name: str
    influence: Level
    interest: Level
    quadrant: str  # A-D
    approach: str  # samenwerken, consulteren, betrekken, informeren
    involvement: str
    is_user: bool
    ist: str
    soll: str
    hourly_rate: int | None
    goals: list[str]  # keys of the goals on /doelen


class FactorPublic(BaseModel):
    id: int
    group: str
    text: str
    direction: Direction
    impact: int | None
    changeable: bool | None
    priority: int | None


class StrategyPublic(BaseModel):
    id: int
    text: str
    factor_id: int | None
    group: str | None
    phase: Phase | None


class ActionPublic(BaseModel):
    id: int
    title: str
    owner: str | None  # e-mail address
    owner_name: str | None
    due: date | None
    status: Status
    check_on: date | None
    done: bool
    done_on: date | None
    overdue: bool
    strategy_id: int | None
    result_id: int | None
    version: int


class BorgingPublic(BaseModel):
    key: str
    text: str
    met: bool | None
    judged_by_app: bool
    source: str | None  # what the app judged it from
    note: str | None  # why the app did not judge it (too few people)
    evidence: str
    checked_on: date | None
    checked_by: str | None
    extra_action: str


class PlanPublic(BaseModel):
    title: str
    intervention: str
    organisation: str
    author: str
    written: str
    version: int
    parts: list[PartPublic]
    stakeholders: list[StakeholderPublic]
    factors: list[FactorPublic]
    focus: list[FactorPublic]
    strategies: list[StrategyPublic]
    borging: list[BorgingPublic]

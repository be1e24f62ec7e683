"""The implementation plan as data, in the twelve parts of the guide "Van plan naar actie"
(Schouders Eronder, 2021), and the yearly werkplan that follows it.

The texts of the parts are Markdown; what the guide asks to be weighed or planned (groups,
factors, strategies, actions, activities, the borging checklist) are rows of their own. Every
save makes a revision holding the whole plan as the export file says it (app/plan/document.py).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Part(StrEnum):
    """The guide's twelve parts, in its order (chapter 2)."""

    beschrijving = "beschrijving"
    randvoorwaarden = "randvoorwaarden"
    groepen = "groepen"
    gebruikers = "gebruikers"
    doelen = "doelen"
    context = "context"
    strategieen = "strategieen"
    team = "team"
    borging = "borging"
    monitoring = "monitoring"
    evaluatie = "evaluatie"
    planning = "planning"


PART_TITLES = {
    Part.beschrijving: "Beschrijving interventie",
    Part.randvoorwaarden: "Randvoorwaarden",
    Part.groepen: "Betrokken groepen",
    Part.gebruikers: "Gebruikers",
    Part.doelen: "Implementatiedoelen",
    Part.context: "Contextanalyse",
    Part.strategieen: "Implementatiestrategieën",
    Part.team: "Implementatieteam",
    Part.borging: "Borging",
    Part.monitoring: "Monitoring",
    Part.evaluatie: "Evaluatie",
    Part.planning: "Planning en budgettering",
}
PARTS = tuple(Part)


class Level(StrEnum):
    """Influence and interest of a group (the guide: veel or weinig)."""

    veel = "veel"
    weinig = "weinig"


class Direction(StrEnum):
    bevorderend = "bevorderend"
    belemmerend = "belemmerend"


class Phase(StrEnum):
    """The implementation phases of Wensing & Grol, as the guide names them."""

    orientatie = "orientatie"
    inzicht = "inzicht"
    acceptatie = "acceptatie"
    verandering = "verandering"
    behoud = "behoud"


PHASE_LABELS = {
    Phase.orientatie: "Oriëntatie",
    Phase.inzicht: "Inzicht",
    Phase.acceptatie: "Acceptatie",
    Phase.verandering: "Verandering",
    Phase.behoud: "Behoud",
}


class Status(StrEnum):
    """An action's place in the PDCA cycle."""

    plan = "plan"
    do = "do"
    check = "check"
    act = "act"


STATUS_LABELS = {
    Status.plan: "Plan",
    Status.do: "Do",
    Status.check: "Check",
    Status.act: "Act",
}


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="Implementatieplan", sa_type=String(200))
    intervention: str = Field(default="", sa_type=String(200))
    organisation: str = Field(default="", sa_type=String(200))
    author: str = Field(default="", sa_type=String(200))
    written: str = Field(default="", sa_type=String(60))  # as the plan dates itself: "Mei 2022"
    is_example: bool = False  # the starter plan, until Kwaliteit makes it theirs
    # Raised by every save, in the same statement that takes the row (app/plan/service.py).
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class PlanPart(SQLModel, table=True):
    """The text of one of the twelve parts."""

    __tablename__ = "plan_part"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    key: str = Field(sa_type=String(30))
    body: str = Field(default="", sa_type=Text)


class PlanGroup(SQLModel, table=True):
    """A group involved in the implementation (part 3); a user group (part 4) when it has to
    change how it works, with its ist and soll."""

    __tablename__ = "plan_group"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    name: str = Field(sa_type=String(120))
    influence: str = Field(sa_type=String(10))  # Level
    interest: str = Field(sa_type=String(10))  # Level
    involvement: str = Field(default="", sa_type=Text)  # how the plan involves them
    is_user: bool = False
    ist: str = Field(default="", sa_type=Text)
    soll: str = Field(default="", sa_type=Text)
    # Part 12: what an hour of this group costs, in whole euros (none: not budgeted).
    hourly_rate: int | None = None
    position: int = 0


class PlanGoal(SQLModel, table=True):
    """A goal of the goals engine (/doelen) that belongs to a group of the plan: linked, not
    copied."""

    __tablename__ = "plan_goal"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="plan_group.id", index=True)
    goal_id: int = Field(foreign_key="goal.id", unique=True)


class PlanFactor(SQLModel, table=True):
    """A promoting or hindering factor of a user group (part 6)."""

    __tablename__ = "plan_factor"
    __table_args__ = (CheckConstraint("impact BETWEEN 1 AND 3", name="impact_range"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    group_id: int = Field(foreign_key="plan_group.id", index=True)
    text: str = Field(sa_type=String(500))
    direction: str = Field(sa_type=String(20))  # Direction
    impact: int | None = None  # 1 een beetje, 2 redelijk, 3 zeer; none: not weighed
    changeable: bool | None = None  # none: not judged yet
    priority: int | None = None  # as the group ranked it: 1 first
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class PlanStrategy(SQLModel, table=True):
    """A strategy (part 7): against a barrier, or to move a user group to the next phase."""

    __tablename__ = "plan_strategy"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    text: str = Field(sa_type=String(500))
    factor_id: int | None = Field(default=None, foreign_key="plan_factor.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="plan_group.id", index=True)
    phase: str | None = Field(default=None, sa_type=String(20))  # Phase
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Werkplan(SQLModel, table=True):
    """The yearly werkplan that follows the implementation plan (seed: 'Werkplan')."""

    __table_args__ = (UniqueConstraint("plan_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    year: int
    created_at: datetime = Field(default_factory=utcnow)


class WerkplanGoal(SQLModel, table=True):
    """Doel: 'waarom doe je wat je doet?', said positively."""

    __tablename__ = "werkplan_goal"

    id: int | None = Field(default=None, primary_key=True)
    werkplan_id: int = Field(foreign_key="werkplan.id", index=True)
    text: str = Field(sa_type=String(500))
    position: int = 0


class WerkplanResult(SQLModel, table=True):
    """Resultaat: concrete, it can be ticked off."""

    __tablename__ = "werkplan_result"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="werkplan_goal.id", index=True)
    text: str = Field(sa_type=String(500))
    done_on: date | None = None
    position: int = 0


class PlanAction(SQLModel, table=True):
    """Who does what by when: for a strategy of the plan or a result of a werkplan."""

    __tablename__ = "plan_action"
    __table_args__ = (Index("ix_plan_action_open_due", "done_on", "due"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    strategy_id: int | None = Field(default=None, foreign_key="plan_strategy.id", index=True)
    result_id: int | None = Field(default=None, foreign_key="werkplan_result.id", index=True)
    title: str = Field(sa_type=String(300))
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    due: date | None = None
    status: str = Field(default=Status.plan, sa_type=String(10))
    check_on: date | None = None  # when the result is checked (PDCA)
    done_on: date | None = None
    reminded_on: date | None = None  # the overdue reminder went out (once per due date)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class BorgingCheck(SQLModel, table=True):
    """Kwaliteit's answer to a sign of borging the app cannot judge from its records."""

    __tablename__ = "plan_borging"
    __table_args__ = (UniqueConstraint("plan_id", "sign"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    sign: str = Field(sa_type=String(40))
    met: bool
    evidence: str = Field(default="", sa_type=Text)
    extra_action: str = Field(default="", sa_type=String(500))
    checked_on: date
    checked_by_id: int = Field(foreign_key="user.id")


class PlanActivity(SQLModel, table=True):
    """An implementation activity of a group with its estimated hours (part 12)."""

    __tablename__ = "plan_activity"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    group_id: int = Field(foreign_key="plan_group.id", index=True)
    phase: str = Field(sa_type=String(20))  # Phase
    text: str = Field(sa_type=String(300))
    hours: float
    position: int = 0


class PlanRevision(SQLModel, table=True):
    """The whole plan as it was after a save, in the export format."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    number: int
    document: str = Field(sa_type=Text)
    summary: str = Field(default="", sa_type=String(300))
    saved_by_id: int | None = Field(default=None, foreign_key="user.id")
    saved_at: datetime = Field(default_factory=utcnow)


class PlanEvaluation(SQLModel, table=True):
    """The evaluation Kwaliteit made from the app's draft at the horizon: each goal's figure as
    it was, the barriers met, and the notes."""

    __tablename__ = "plan_evaluation"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    made_on: date
    goals: list = Field(default_factory=list, sa_type=JSON)
    barriers: str = Field(default="", sa_type=Text)
    notes: str = Field(default="", sa_type=Text)
    made_by_id: int = Field(foreign_key="user.id")

"""The implementation goals: loaded from app/content/goals.yaml, edited by Kwaliteit, computed
(app/goals/measures.py), snapshotted daily for the trend; and the records only the goals need:
appraisals, training flags, milestones. Who may see what follows DESIGN.md: a person sees
their own progress, Kwaliteit everyone's, managers aggregates only."""

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.audit import service as audit
from app.audit.models import Action
from app.dates import SaneDate, nl_date
from app.db import read_savepoint, utcnow
from app.errors import InputError
from app.goals import measures
from app.goals.models import Goal, GoalSnapshot, Measure
from app.privacy import SMALL_GROUP, sees_persons, shows_figure

log = logging.getLogger("kennisbank.doelen")
MT_APPROVAL = "mt_approval"


class GoalError(InputError):
    """Input about goals and their records that is refused."""


# --- who may see what ------------------------------------------------------------------------


def may_see_person(viewer: User, person_id: int) -> bool:
    return viewer.id == person_id or sees_persons(viewer)


def records_appraisals(user: User) -> bool:
    return user.role == Role.leidinggevende


def records_milestones(user: User) -> bool:
    return user.role in (Role.management, Role.kwaliteit)


def edits_goals(user: User) -> bool:
    return user.role == Role.kwaliteit


def sources(goal: Goal, viewer: User) -> list[tuple[str, str]]:
    """Where this viewer can see the records a goal's figure is counted from (link, label)."""
    links: list[tuple[str, str]] = []
    if goal.measure in measures.PERSON_MEASURES:
        if sees_persons(viewer):
            links.append((f"#personen-{goal.key}", "de stand per persoon, hieronder"))
        event = goal.params.get("event", "")
        if event.startswith("werkoverleg"):
            links.append(("/werkoverleg", "de werkoverleggen met hun aanwezigheid"))
        elif event in ("consulted", "questions_received"):
            links.append(("/vragen", "de vragen"))
    elif goal.measure == Measure.meetings_held:
        links.append((f"/werkoverleg?team={goal.params.get('kind', 'vakoverleg')}", "de vakoverleggen"))
    elif goal.measure == Measure.share_of_records:
        if goal.params.get("records") == "appraisals" and records_appraisals(viewer):
            links.append(("/doelen/functioneringsgesprekken", "de gesprekken die u vastlegde"))
        if goal.params.get("records") == "training" and sees_persons(viewer):
            links.append(("/doelen/opleiding", "de agenda van Opleiding & Leren"))
    elif goal.measure in (Measure.library_fresh, Measure.library_built_current):
        links.append(("/themas", "de thema's en hun items"))
        if viewer.role == Role.kwaliteit:
            links.append(("/controle", "de controlelijst"))
    return links


# --- the goals -------------------------------------------------------------------------------


class GoalFile(BaseModel):
    """One goal in app/content/goals.yaml."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]+$", max_length=60)
    group: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1)
    how: str = ""
    measure: Measure
    params: dict = Field(default_factory=dict)
    target: float = Field(gt=0)
    horizon_months: int = Field(default=6, ge=1, le=60)
    # A plan starts within the app's date range: a start far off would break every job's arithmetic.
    start: SaneDate | None = None


def load_file(path: Path) -> list[GoalFile]:
    entries = yaml.safe_load(path.read_text("utf-8")) or []
    try:
        return [GoalFile.model_validate(e) for e in entries]
    except ValidationError as exc:
        raise GoalError("goals", f"{path}: {exc}") from exc


def seed(session: Session, entries: list[GoalFile], start: date) -> int:
    """Add the goals that do not exist yet (by key); returns how many were added."""
    known = {g.key for g in list_goals(session)}
    added = 0
    for position, entry in enumerate(entries):
        if entry.key in known:
            continue
        session.add(Goal(
            key=entry.key, position=position, group=entry.group, text=entry.text, how=entry.how,
            measure=entry.measure, params=entry.params, target=entry.target,
            horizon_months=entry.horizon_months, start=entry.start or start,
        ))
        added += 1
    session.flush()
    return added


def list_goals(session: Session) -> list[Goal]:
    return list(session.exec(select(Goal).order_by(Goal.position, Goal.id)))


def get_goal(session: Session, key: str) -> Goal | None:
    return session.exec(select(Goal).where(Goal.key == key)).first()


class GoalEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: float = Field(gt=0, le=1000)
    start: SaneDate
    horizon_months: int = Field(ge=1, le=60)
    # For goals about persons: what each person must reach (at least N, or more than N).
    per_person: int | None = Field(default=None, ge=0, le=1000)


def edit(session: Session, goal: Goal, data: GoalEdit, by: User | None = None) -> Goal:
    shares = goal.measure not in (Measure.meetings_held,)
    if shares and data.target > 1:
        raise GoalError("target", "Dit doel is een aandeel: vul een percentage tot en met 100 in.")
    if goal.measure == Measure.milestone and data.target != 1:
        raise GoalError("target", "Een besluit is genomen of niet: het doel is 1.")
    key = measures.per_person_key(goal)
    if key == "min_count" and data.per_person is not None and data.per_person < 1:
        raise GoalError("per_person", "Vul minstens 1 in.")
    before = {"target": goal.target, "start": goal.start.isoformat(), "horizon_months": goal.horizon_months,
              "per_person": goal.params.get(key) if key else None}
    if key is not None and data.per_person is not None:
        goal.params = {**goal.params, key: data.per_person}  # a new dict: the JSON column notices
    goal.target, goal.start, goal.horizon_months = data.target, data.start, data.horizon_months
    after = {"target": goal.target, "start": goal.start.isoformat(), "horizon_months": goal.horizon_months,
             "per_person": goal.params.get(key) if key else None}
    changed = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    audit.record(session, Action.goal_changed, actor_id=by.id if by else None, subject_type="goal",
                 subject_id=goal.key, summary=f"{goal.key}: " + (", ".join(changed) or "ongewijzigd"),
                 detail={"changed": changed})
    goal.updated_at = utcnow()
    session.add(goal)
    session.flush()
    return goal


def set_all_starts(session: Session, start: date) -> None:
    """The plan starts (demo, or a new municipality): every goal counts from this day."""
    for goal in list_goals(session):
        goal.start = start
        session.add(goal)
    session.flush()


# --- computing and the trend -----------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    day: date
    value: float


@dataclass(frozen=True)
class Status:
    """How a goal or a person stands, in one word for people, and the badge's tone."""

    key: str  # gehaald, niet-gehaald, op-schema, loopt-achter, nog-niets
    label: str
    tone: str


GEHAALD = Status("gehaald", "Gehaald", "success")
NIET_GEHAALD = Status("niet-gehaald", "Niet gehaald", "danger")
OP_SCHEMA = Status("op-schema", "Op schema", "active")
LOOPT_ACHTER = Status("loopt-achter", "Loopt achter", "warning")
NOG_NIETS = Status("nog-niets", "Nog niets om te tellen", "neutral")


def person_status(person: measures.PersonCount, due: bool) -> Status:
    """True for this person: after the deadline only gehaald or niet gehaald."""
    if person.met:
        return GEHAALD
    if due:
        return NIET_GEHAALD
    return OP_SCHEMA if person.on_pace else LOOPT_ACHTER


@dataclass
class GoalView:
    goal: Goal
    value: float
    population: int
    achieved: float
    deadline: date
    due: bool
    on_track: bool
    trend: list[Point]
    result: measures.Result
    day: date  # the day these figures are of
    # The figure would point at fewer than three persons: shown to Kwaliteit only (DESIGN.md).
    hidden: bool = False

    @property
    def empty(self) -> bool:
        """A goal about persons or records with no one or nothing in it yet."""
        return self.population == 0 and (
            self.goal.measure in measures.PERSON_MEASURES or self.goal.measure == Measure.share_of_records)

    @property
    def status(self) -> Status:
        """One verdict for every viewer and every page (the dashboard, the agenda, the CSV)."""
        if self.achieved >= 1:
            return GEHAALD
        if self.due:
            return NIET_GEHAALD
        if self.empty:
            return NOG_NIETS
        return OP_SCHEMA if self.on_track else LOOPT_ACHTER

    @property
    def figure(self) -> str:
        return describe(self.goal, self.value)

    @property
    def explanation(self) -> str:
        """What the figure is made of, for people: "3 van 12 personen gehaald, 9 liggen op
        schema", "8 gesprekken vastgelegd", "3 van 4 onderdelen"."""
        result, goal = self.result, self.goal
        if goal.measure in measures.PERSON_MEASURES:
            n = len(result.persons)
            if n == 0:
                return "Nog niemand in deze groep."
            met = sum(p.met for p in result.persons)
            text = f"{met} van {n} {'persoon' if n == 1 else 'personen'} gehaald"
            if not self.due:
                pace = sum(p.on_pace and not p.met for p in result.persons)
                text += f"; nog niet gehaald maar op schema: {pace}"
            return text + "."
        if goal.measure == Measure.share_of_records:
            if goal.params.get("records") == "appraisals":
                return (f"In {result.yes} van de {self.population} gesprekken is kennisontwikkeling besproken."
                        if self.population else "Nog geen gesprekken vastgelegd.")
            return (f"{result.yes} van de {self.population} geagendeerde items staan in het opleidingsplan."
                    if self.population else "Nog geen items geagendeerd.")
        if goal.measure == Measure.meetings_held:
            return f"{self.population} gehouden" + (f", {result.note}." if result.note else ".")
        if goal.measure == Measure.milestone:
            return f"Akkoord {result.note}." if result.note else "Nog geen akkoord vastgelegd."
        if goal.measure == Measure.library_built_current:
            return "; ".join(f"{p.label}: {'ja' if p.met else 'nee'}, {p.detail}" for p in result.parts) + "."
        return ""


def view(session: Session, goal: Goal, today: date, team_id: int | None = None, trend: bool = True) -> GoalView:
    result = measures.compute(session, goal, today, team_id)
    end = measures.deadline(goal)
    due = today >= end
    achieved = min(1.0, result.value / goal.target) if goal.target else 0.0
    on_track = result.value >= goal.target if due else result.on_pace >= goal.target
    return GoalView(
        goal=goal, value=result.value, population=result.population, achieved=achieved,
        deadline=end, due=due, on_track=on_track,
        trend=snapshots(session, goal) if trend and team_id is None else [], result=result, day=today,
    )


def snapshots(session: Session, goal: Goal) -> list[Point]:
    rows = session.exec(
        select(GoalSnapshot.day, GoalSnapshot.value)
        .where(GoalSnapshot.goal_id == goal.id, col(GoalSnapshot.day) >= goal.start)
        .order_by(col(GoalSnapshot.day))
    ).all()
    return [Point(day, value) for day, value in rows]


def snapshot_missing(session: Session, today: date) -> bool:
    goals = list_goals(session)
    if not goals:
        return False
    made = session.exec(select(GoalSnapshot.goal_id).where(GoalSnapshot.day == today)).all()
    return len(set(made)) < len(goals)


def snapshot_days(session: Session, start: date, end: date) -> list[date]:
    """The days (start to end, both included) on which the goal snapshot job stored a value."""
    rows = session.exec(
        select(GoalSnapshot.day).where(col(GoalSnapshot.day) >= start, col(GoalSnapshot.day) <= end)
        .distinct().order_by(col(GoalSnapshot.day))
    ).all()
    return list(rows)


def last_snapshot_day(session: Session, on_or_before: date) -> date | None:
    """The last day, up to `on_or_before`, on which the goal snapshot job stored a value."""
    return session.exec(select(func.max(GoalSnapshot.day)).where(col(GoalSnapshot.day) <= on_or_before)).one()


def snapshot(session: Session, today: date) -> int:
    """Today's value of every goal, replacing an earlier one of today: safe to run twice."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    computed = []
    for goal in list_goals(session):
        try:
            with read_savepoint(session):
                computed.append((goal, measures.compute(session, goal, today)))
        except Exception:  # one goal that cannot be computed does not stop the others
            log.exception("Doel %s niet berekend", goal.key)
    # Every figure first, the writes after: on SQLite the write lock is held only for these.
    for goal, result in computed:
        statement = insert(GoalSnapshot).values(
            goal_id=goal.id, day=today, value=result.value, population=result.population
        )
        session.execute(statement.on_conflict_do_update(
            index_elements=["goal_id", "day"],
            set_={"value": result.value, "population": result.population},
        ))
    return len(computed)


def summary(session: Session, today: date) -> str:
    """One line per goal, for the vakoverleg's agenda: the goal as the plan words it, then the
    figure and verdict of /doelen ("… zes vakoverleggen … : 3 van 6 (op schema)"), from the same
    views. Anyone may read an agenda: figures about fewer than three persons are left out."""
    lines = []
    for shown in board(session, None, today, trend=False):
        said = shown.goal.text.strip().rstrip(".")
        if shown.empty:
            lines.append(f"{said}: {NOG_NIETS.label.lower()}")
        elif shown.hidden:
            lines.append(f"{said}: te weinig mensen om een cijfer te tonen")
        else:
            lines.append(f"{said}: {shown.figure} ({shown.status.label.lower()})")
    return "\n".join(lines)


def describe(goal: Goal, value: float) -> str:
    """A goal's value for people: "3 van 6", "75% (doel 80%)", "3 van 4 onderdelen", "akkoord"."""
    if goal.measure == Measure.meetings_held:
        return f"{value:.0f} van {goal.target:.0f}"
    if goal.measure == Measure.milestone:
        return "akkoord" if value >= 1 else "nog geen akkoord"
    if goal.measure == Measure.library_built_current:
        return f"{round(value * 4)} van 4 onderdelen"
    return f"{value * 100:.0f}% (doel {goal.target * 100:.0f}%)"


def members_text(goal: Goal) -> str:
    """Who a goal about persons counts, said explicitly: "Telt mee: medewerkers met de functie
    klantbegeleider (niet de contactpersonen Kwaliteit)"."""
    if goal.measure not in measures.PERSON_MEASURES:
        return ""
    group = goal.params.get("group", {})
    roles = [ROLE_PLURALS.get(r, r) for r in group.get("roles") or []] or ["iedereen"]
    text = "Telt mee: " + " en ".join(roles)
    functions = group.get("functions") or []
    if functions:
        text += " met de functie " + " of ".join(functions)
    if Role.contactpersoon not in (group.get("roles") or []) and group.get("roles"):
        text += " (niet de contactpersonen Kwaliteit)"
    return text + "."


ROLE_PLURALS = {
    Role.medewerker: "medewerkers", Role.contactpersoon: "contactpersonen Kwaliteit",
    Role.kwaliteit: "kwaliteitsmedewerkers", Role.leidinggevende: "leidinggevenden",
    Role.management: "leden van het MT", Role.beheerder: "beheerders",
}


def suppressed_teams(counts: dict[int | None, int]) -> set[int | None]:
    """The teams whose figure would point at fewer than three persons (`counts`: persons per
    team): directly, or by subtracting the teams shown from the total. People without a team
    are such a group too; while the hidden groups hold fewer than three persons, the next
    smallest team is hidden."""
    hidden = {t for t, n in counts.items() if t is None or n < SMALL_GROUP}
    hidden_people = sum(counts[t] for t in hidden)
    shown = sorted((n, t) for t, n in counts.items() if t not in hidden)
    while 0 < hidden_people < SMALL_GROUP and shown:
        n, team_id = shown.pop(0)
        hidden.add(team_id)
        hidden_people += n
    return hidden


def _hidden(goal: Goal, counts: dict[int | None, int], shown: GoalView, viewer: User | None,
            team_id: int | None) -> bool:
    """`counts`: the goal's persons per team (measures.people_per_team)."""
    if (viewer is not None and sees_persons(viewer)) or not measures.per_team_possible(goal):
        return False
    if not shows_figure(sum(counts.values()), viewer):
        return True
    return team_id is not None and (shown.result.people < SMALL_GROUP or team_id in suppressed_teams(counts))


def board(session: Session, viewer: User | None, today: date, team_id: int | None = None,
          trend: bool = True) -> list[GoalView]:
    """Every goal as this viewer may see it (None: anyone), for all or for one team; a figure
    that would point at persons is marked hidden, with its value left out."""
    out = []
    sees = viewer is not None and sees_persons(viewer)
    for goal in list_goals(session):
        shown = view(session, goal, today, team_id, trend=trend)
        if not sees and measures.per_team_possible(goal):
            # The overall figure has the counts per team already; a team's needs them counted.
            counts = shown.result.team_people if team_id is None else measures.people_per_team(session, goal, today)
            shown.hidden = _hidden(goal, counts, shown, viewer, team_id)
        out.append(shown)
    return out


def team_views(session: Session, goal: Goal, overall: GoalView, viewer: User | None, today: date,
               teams: list) -> list[tuple[object, GoalView]]:  # type: ignore[type-arg]
    """Per team, where the goal can be split by team; the hidden ones marked."""
    if not measures.per_team_possible(goal):
        return []
    out = []
    for team in teams:
        shown = view(session, goal, today, team.id, trend=False)
        shown.hidden = _hidden(goal, overall.result.team_people, shown, viewer, team.id)
        out.append((team, shown))
    return out


CSV_HEADER = ["doel", "groep", "team", "waarde", "doel_waarde", "behaald_aandeel", "aantal", "deadline", "op_schema",
              "stand", "datum"]


def csv_table(session: Session, viewer: User, today: date, chosen, teams: list) -> tuple[list[str], list[list]]:  # type: ignore[no-untyped-def]
    """The dashboard as rows for /doelen.csv: per goal, and per team where a goal can be split;
    what the viewer may not see on the page (too few people) is not in it either."""
    rows = []
    for shown in board(session, viewer, today, chosen.id if chosen else None, trend=False):
        goal = shown.goal
        views: list = [(None, shown)]
        if chosen is None:
            views += team_views(session, goal, shown, viewer, today, teams)
        for row_team, row in views:
            if row.hidden:
                continue
            rows.append([goal.key, goal.group, row_team.slug if row_team else (chosen.slug if chosen else "alle"),
                         f"{row.value:.3f}", f"{goal.target:g}", f"{row.achieved:.3f}", row.population,
                         row.deadline.isoformat(), "ja" if row.on_track else "nee", row.status.key,
                         today.isoformat()])
    return CSV_HEADER, rows


@dataclass
class Progress:
    goal: Goal
    mine: measures.PersonCount
    due: bool
    deadline: date

    @property
    def counted(self) -> str:
        """"3 werkoverleggen aanwezig en actief meegedaan"."""
        one, more = measures.EVENT_LABELS.get(self.goal.params.get("event", ""), ("keer", "keer"))
        return f"{self.mine.count} {one if self.mine.count == 1 else more}"

    @property
    def asked(self) -> str:
        """What is asked of this person: "minstens 5", or "meer dan 1"; for someone who began
        after the start, in proportion, saying so."""
        late = self.mine.joined is not None and self.mine.joined > self.goal.start
        if late and self.mine.required != measures.wanted(self.goal):
            return f"minstens {self.mine.required} (naar rato: u begon op {nl_date(self.mine.joined)})"
        if self.goal.measure == Measure.share_of_persons:
            return f"meer dan {self.mine.required - 1}"
        return f"minstens {self.mine.required}"

    @property
    def status(self) -> Status:
        return person_status(self.mine, self.due)


def export_csv(session: Session, viewer: User, today: date, chosen, teams: list) -> tuple[list[str], list[list]]:  # type: ignore[no-untyped-def]
    """csv_table, written in the audit log as an export (issue 14)."""
    header, rows = csv_table(session, viewer, today, chosen, teams)
    audit.record(session, Action.export, actor_id=viewer.id, subject_type="export", subject_id="doelen.csv",
                 summary="Doelen als CSV" + (f" (team {chosen.slug})" if chosen else ""), detail={"rows": len(rows)})
    return header, rows


def progress_in(views: list[GoalView], user: User, today: date) -> list[Progress]:
    """This person's own counts, read from views already computed (no second count)."""
    out = []
    for shown in views:
        mine = next((p for p in shown.result.persons if p.user_id == user.id), None)
        if mine is not None:
            out.append(Progress(shown.goal, mine, today >= shown.deadline, shown.deadline))
    return out


def my_progress(session: Session, user: User, today: date) -> list[Progress]:
    """This person's own count for every goal about persons they belong to."""
    out = []
    for goal in list_goals(session):
        if goal.measure not in measures.PERSON_MEASURES:
            continue
        result = measures.compute(session, goal, today, user.team_id)
        mine = next((p for p in result.persons if p.user_id == user.id), None)
        if mine is not None:
            end = measures.deadline(goal)
            out.append(Progress(goal, mine, today >= end, end))
    return out

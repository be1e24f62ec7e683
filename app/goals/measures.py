"""Computing a goal from what the product records. Every measure is one or two aggregate
queries, so the dashboard stays fast with a thousand people and a year of records.

Who counts: the active accounts that match the goal's group. Someone who joined after the
start has a requirement in proportion to the part of the period they were there; someone who
left (an account made inactive) no longer counts.
"""

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app import clock
from app.accounts import service as accounts_service
from app.config import LOCAL_TZ
from app.dates import nl_date
from app.goals import library
from app.goals.models import Appraisal, Goal, Measure, Milestone, TrainingFlag
from app.meetings import attendance as attendance_service
from app.meetings import service as meetings_service
from app.meetings.models import MeetingKind
from app.questions import service as questions_service
from app.usage import service as usage_service
from app.wiki import service as wiki_service

# What a person's count counts, in words for the person: (one, more) — "1 werkoverleg …".
EVENT_LABELS = {
    "werkoverleg_present": ("werkoverleg aanwezig", "werkoverleggen aanwezig"),
    "werkoverleg_active": ("werkoverleg aanwezig en actief meegedaan",
                           "werkoverleggen aanwezig en actief meegedaan"),
    "consulted": ("keer geraadpleegd of een vraag gesteld", "keer geraadpleegd of een vraag gesteld"),
    "questions_received": ("vraag van een collega ontvangen", "vragen van collega's ontvangen"),
}
PERSON_MEASURES = (Measure.count_per_person, Measure.share_of_persons)


def per_person_key(goal: Goal) -> str | None:
    """The parameter that holds what each person must reach: at least N, or more than N."""
    if goal.measure == Measure.count_per_person:
        return "min_count"
    if goal.measure == Measure.share_of_persons:
        return "more_than"
    return None


def wanted(goal: Goal) -> int:
    """How many events a person needs over the whole period ("more than 1" is at least 2)."""
    if goal.measure == Measure.count_per_person:
        return max(1, int(goal.params.get("min_count", 1)))
    return max(0, int(goal.params.get("more_than", 1))) + 1


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def deadline(goal: Goal) -> date:
    return add_months(goal.start, goal.horizon_months)


@dataclass
class PersonCount:
    user_id: int
    name: str
    team_id: int | None
    count: int
    required: int  # what the goal asks of this person by the deadline (pro rata)
    met: bool
    on_pace: bool
    joined: date | None = None  # when this person's period began (later than the start: pro rata)


@dataclass
class Result:
    value: float
    population: int  # what the value is a share of: persons, records or items
    on_pace: float  # the value the pace test uses (the share on pace, or the value itself)
    persons: list[PersonCount] = field(default_factory=list)
    # For figures about persons or their records: how many distinct persons, in all and per
    # team (None: people without a team). The privacy rule for small groups reads these.
    people: int = 0
    team_people: dict[int | None, int] = field(default_factory=dict)
    # For the library goal: its parts, each met or not (app/goals/library.py).
    parts: list[library.Part] = field(default_factory=list)
    # For people, what else the figure stands on: "akkoord op 11 juni 2027", "4 met ja".
    note: str = ""
    yes: int = 0  # records that say yes (share_of_records)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def window_end(goal: Goal, today: date) -> date:
    """The first day that no longer counts: tomorrow, or the deadline ("after six months":
    the period is start up to, not including, the deadline)."""
    return min(today + timedelta(days=1), deadline(goal))


def population(session: Session, group: dict, team_id: int | None = None):  # type: ignore[no-untyped-def]
    """The goal's group: (persons, a subquery of their ids)."""
    return accounts_service.active_people(
        session, roles=group.get("roles"), functions=group.get("functions"), team_id=team_id)


def _counts(session: Session, goal: Goal, people: list, ids, start: date, stop: date) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Per person: how often the goal's event happened from start up to (not including) stop
    (each domain counts its own records; `ids` is a subquery of the people's ids)."""
    begin, end = day_start(start), day_start(stop)
    event = goal.params.get("event")
    if event in ("werkoverleg_present", "werkoverleg_active"):
        return attendance_service.counts_per_person(
            session, ids, begin, end, kind=MeetingKind.werkoverleg, active_only=event == "werkoverleg_active")
    if event == "consulted":
        # Days on which someone searched or read, plus the questions they asked.
        counts = usage_service.days_per_person(session, ids, start, stop - timedelta(days=1))
        for user_id, n in questions_service.asked_per_person(session, ids, begin, end).items():
            counts[user_id] = counts.get(user_id, 0) + n
        return counts
    if event == "questions_received":
        teams = {p.team_id: p.id for p in people if p.team_id is not None}
        received = questions_service.received_per_team(session, list(teams), begin, end, exclude_askers=ids)
        return {teams[t]: n for t, n in received.items()}
    raise ValueError(f"unknown event {event!r}")


def _members(goal: Goal, today: date, people: list) -> Iterator[tuple[object, date]]:  # type: ignore[type-arg]
    """The people the goal is about, with the day their period began: not those who came
    after the period, or who have not started yet."""
    end, began = deadline(goal), day_start(goal.start)
    for person in people:
        # Most were there from the start: a comparison is far cheaper than a time zone change.
        joined = goal.start if person.created_at < began else person.created_at.astimezone(LOCAL_TZ).date()
        if joined < end and joined <= today:
            yield person, joined


def _persons(session: Session, goal: Goal, today: date, team_id: int | None) -> Result:
    """count_per_person and share_of_persons: the share of the group that reached its number."""
    people, ids = population(session, goal.params.get("group", {}), team_id)
    end = deadline(goal)
    counts = _counts(session, goal, people, ids, goal.start, window_end(goal, today))
    total_days = max(1, (end - goal.start).days)
    needed = wanted(goal)
    persons = []
    for person, joined in _members(goal, today, people):
        span = max(1, (end - joined).days)
        required = max(1, math.ceil(needed * min(1.0, span / total_days)))
        elapsed = min(1.0, max(0.0, (today - joined).days / span))  # of this person's own period
        count = counts.get(person.id, 0)  # type: ignore[call-overload]
        on_pace = count >= math.ceil(required * elapsed)
        persons.append(PersonCount(person.id, person.name, person.team_id, count, required,  # type: ignore[arg-type]
                                   count >= required, on_pace, joined))
    n = len(persons)
    value = sum(p.met for p in persons) / n if n else 0.0
    pace = sum(p.on_pace for p in persons) / n if n else 0.0
    return Result(value, n, pace, persons, people=n, team_people=dict(Counter(p.team_id for p in persons)))


def _meetings_held(session: Session, goal: Goal, today: date) -> Result:
    """Meetings of a kind that took place (not cancelled, begun) between start and deadline."""
    upto = min(clock.now(), day_start(window_end(goal, today)))
    held = meetings_service.held_count(session, goal.params.get("kind", MeetingKind.vakoverleg),
                                       day_start(goal.start), upto)
    total_days = max(1, (deadline(goal) - goal.start).days)
    elapsed = min(1.0, max(0.0, (today - goal.start).days / total_days))
    # On pace: as many as a steady monthly rhythm would have held by now, and the meetings
    # still planned before the deadline can make up the rest (else it can no longer be met).
    expected = math.floor(goal.target * elapsed)
    planned = meetings_service.held_count(session, goal.params.get("kind", MeetingKind.vakoverleg),
                                          upto, day_start(deadline(goal))) if upto < day_start(deadline(goal)) else 0
    reachable = held + planned >= goal.target
    return Result(float(held), held, goal.target if held >= expected and reachable else float(held),
                  note=f"nog {planned} gepland vóór de deadline" if today < deadline(goal) else "")


def _appraised(session: Session, goal: Goal, today: date, members=None) -> dict[int, int | None]:  # type: ignore[no-untyped-def]
    """The persons with an appraisal in the period (of `members`, a subquery of ids, if
    given), and their teams."""
    persons = select(Appraisal.user_id).where(
        col(Appraisal.held_on) >= goal.start, col(Appraisal.held_on) < window_end(goal, today)).distinct()
    if members is not None:
        persons = persons.where(col(Appraisal.user_id).in_(members))
    return accounts_service.team_of(session, set(session.exec(persons).all()))


def _records(session: Session, goal: Goal, today: date, team_id: int | None) -> Result:
    end = window_end(goal, today)
    kind = goal.params.get("records")
    if kind == "appraisals":
        within = (col(Appraisal.held_on) >= goal.start, col(Appraisal.held_on) < end)
        query = select(func.count(), func.coalesce(func.sum(case((col(Appraisal.discussed), 1), else_=0)), 0)).where(*within)
        members = None
        if team_id is not None:
            _, members = population(session, {}, team_id)
            query = query.where(col(Appraisal.user_id).in_(members))
        teams = _appraised(session, goal, today, members)  # the same persons as the records counted
        total, yes = session.exec(query).one()
        value = yes / total if total else 0.0
        return Result(value, total, value, people=len(teams), team_people=dict(Counter(teams.values())), yes=int(yes))
    if kind == "training":
        query = select(func.count(), func.coalesce(func.sum(case((col(TrainingFlag.in_plan), 1), else_=0)), 0)).where(
            col(TrainingFlag.flagged_on) >= goal.start, col(TrainingFlag.flagged_on) < end)
        total, yes = session.exec(query).one()
        value = yes / total if total else 0.0
        return Result(value, total, value, yes=int(yes))
    raise ValueError(f"unknown records {kind!r}")


def _milestone(session: Session, goal: Goal, today: date) -> Result:
    reached = session.exec(select(Milestone).where(Milestone.key == goal.params.get("key", goal.key))).first()
    value = 1.0 if reached is not None and reached.reached_on < window_end(goal, today) else 0.0
    return Result(value, 1, value, note=f"op {nl_date(reached.reached_on)}" if value and reached else "")


def _moment(goal: Goal, today: date) -> datetime:
    """Up to when a figure of `today` counts: now, or the end of that day if it is past."""
    return min(clock.now(), day_start(window_end(goal, today)))


def _library(session: Session, goal: Goal, today: date) -> Result:
    """library_fresh, for plans that still use it: the share of the items published at the
    moment whose review date has not passed."""
    moment = _moment(goal, today)
    published = wiki_service.count_published(session, moment)
    if published == 0 or published < int(goal.params.get("min_items", 1)):
        return Result(0.0, published, 0.0)  # not yet filled
    value = wiki_service.count_current(session, today, moment) / published
    return Result(value, published, value)


def _library_parts(session: Session, goal: Goal, today: date) -> Result:
    judged = library.judge(session, goal.params, goal.start, deadline(goal), today, _moment(goal, today))
    return Result(judged.value, len(judged.parts), judged.on_pace, parts=judged.parts)


def compute(session: Session, goal: Goal, today: date, team_id: int | None = None) -> Result:
    measure = goal.measure
    if measure in PERSON_MEASURES:
        return _persons(session, goal, today, team_id)
    if measure == Measure.meetings_held:
        return _meetings_held(session, goal, today)
    if measure == Measure.share_of_records:
        return _records(session, goal, today, team_id)
    if measure == Measure.milestone:
        return _milestone(session, goal, today)
    if measure == Measure.library_fresh:
        return _library(session, goal, today)
    if measure == Measure.library_built_current:
        return _library_parts(session, goal, today)
    raise ValueError(f"unknown measure {measure!r}")


def people_per_team(session: Session, goal: Goal, today: date) -> dict[int | None, int]:
    """For a goal about persons or their records: how many persons it is about, per team
    (None: without a team), without counting anything else (the privacy rule needs only this)."""
    if goal.measure in PERSON_MEASURES:
        people, _ = population(session, goal.params.get("group", {}))
        return dict(Counter(person.team_id for person, _ in _members(goal, today, people)))
    if goal.measure == Measure.share_of_records and goal.params.get("records") == "appraisals":
        return dict(Counter(_appraised(session, goal, today).values()))
    return {}


def per_team_possible(goal: Goal) -> bool:
    return goal.measure in PERSON_MEASURES or (
        goal.measure == Measure.share_of_records and goal.params.get("records") == "appraisals"
    )


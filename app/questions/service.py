"""Questions: asking and logging them, answering, linking them to an item or making a draft item
of them, and who may see which (the asker, the team's contactpersoon, Kwaliteit)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.config import LOCAL_TZ
from app.dates import checked
from app.errors import Forbidden, InputError, NotFound
from app.meetings import calendar
from app.privacy import BSN_MESSAGE, find_bsn, shows_figure
from app.questions.models import AnswerIn, Channel, Question, QuestionIn
from app.textinput import visible
from app.wiki import service as wiki_service
from app.wiki.models import TO_FILL_DOSSIER, TO_FILL_SUMMARY, ItemIn, Theme

LOG_BACK_DAYS = 90  # a question asked in person is logged within this many days


class QuestionError(InputError):
    """Input about questions that is refused."""


class NotAllowed(Forbidden):
    """This person may not do this with this question."""

    def __init__(self, message: str):
        super().__init__("question", message)


# --- who may do what -------------------------------------------------------------------------


def can_log_for_others(user: User) -> bool:
    return user.role in (Role.contactpersoon, Role.kwaliteit)


def askers_for(session: Session, logger: User) -> list[User]:
    """For whom this person may log a question asked in person, by phone or by mail: a
    contactpersoon for their team's members, Kwaliteit for every medewerker and contactpersoon."""
    if logger.role == Role.contactpersoon and logger.team_id is not None:
        team = accounts_service.get_team(session, logger.team_id)
        return [u for u in accounts_service.team_members(session, team) if u.id != logger.id] if team else []
    if logger.role == Role.kwaliteit:
        return accounts_service.active_users(session, roles=[Role.medewerker, Role.contactpersoon])
    return []


def can_answer(user: User, question: Question) -> bool:
    """The asker's contactpersoon, and Kwaliteit."""
    if user.role == Role.kwaliteit:
        return True
    return user.role == Role.contactpersoon and user.team_id is not None and user.team_id == question.team_id


def can_see(user: User, question: Question) -> bool:
    return question.asker_id == user.id or can_answer(user, question)


def visible_query(user: User):  # type: ignore[no-untyped-def]
    """The questions this person may see: their own; their team's for a contactpersoon; all
    for Kwaliteit. Managers see counts only (goals), never a question."""
    query = select(Question)
    if user.role == Role.kwaliteit:
        return query
    if user.role == Role.contactpersoon and user.team_id is not None:
        return query.where(or_(Question.asker_id == user.id, Question.team_id == user.team_id))
    return query.where(Question.asker_id == user.id)


# --- asking ----------------------------------------------------------------------------------


def _theme(session: Session, slug: str | None) -> Theme | None:
    if not slug:
        return None
    theme = wiki_service.get_theme(session, slug)
    if theme is None:
        raise QuestionError("theme", f"Het thema '{slug}' bestaat niet.")
    return theme


def ask(session: Session, data: QuestionIn, by: User, now: datetime) -> Question:
    """A question asked by `by`, or logged by a contactpersoon or Kwaliteit for a colleague."""
    if not data.text:
        raise QuestionError("text", "Schrijf uw vraag op.")
    if find_bsn(data.text):
        raise QuestionError("text", BSN_MESSAGE, kind="bsn")
    asker = by
    if data.asker and data.asker.strip().lower() != by.email:
        if not can_log_for_others(by):
            raise QuestionError("asker", "U kunt alleen uw eigen vraag stellen.")
        found = accounts_service.get_user_by_email(session, data.asker)
        if found is None:
            raise QuestionError("asker", f"Er is geen account met e-mailadres {data.asker}.")
        if by.role == Role.contactpersoon and found.team_id != by.team_id:
            raise QuestionError("asker", "Deze collega hoort niet bij uw team.")
        asker = found
    if not can_log_for_others(by):
        # Asked in the app, now: only who logs a question asked elsewhere says when and how
        # (the goals count questions by date).
        if data.channel != Channel.app:
            raise QuestionError("channel", "Een vraag die u hier stelt, stelt u in de Wiki-bibliotheek.")
        if data.asked_on is not None and data.asked_on != now.astimezone(LOCAL_TZ).date():
            raise QuestionError("asked_on", "Een vraag die u hier stelt, stelt u vandaag.")
    asked_at = now
    if data.asked_on is not None:
        if data.asked_on > now.astimezone(LOCAL_TZ).date():
            raise QuestionError("asked_on", "Deze datum ligt in de toekomst.")
        if data.asked_on < now.astimezone(LOCAL_TZ).date() - timedelta(days=LOG_BACK_DAYS):
            raise QuestionError("asked_on", f"Leg vragen vast binnen {LOG_BACK_DAYS} dagen nadat ze gesteld zijn.")
        asked_at = min(now, datetime.combine(data.asked_on, time(12), LOCAL_TZ))
    question = Question(
        asker_id=asker.id, team_id=asker.team_id, logged_by_id=by.id,  # type: ignore[arg-type]
        theme_id=(t.id if (t := _theme(session, data.theme)) else None),
        channel=data.channel, text=data.text, asked_at=asked_at, created_at=now, updated_at=now,
    )
    session.add(question)
    session.flush()
    return question


def answer(session: Session, question: Question, data: AnswerIn, by: User, now: datetime) -> Question:
    if not can_answer(by, question):
        raise NotAllowed("Alleen de contactpersoon van het team of Kwaliteit beantwoordt deze vraag.")
    if not data.answer:
        raise QuestionError("answer", "Schrijf een antwoord.")
    if find_bsn(data.answer):
        raise QuestionError("answer", BSN_MESSAGE, kind="bsn")
    item_id = None
    if data.item:
        item = wiki_service.get_item(session, data.item, by)
        if item is None or item.status != "published":
            raise QuestionError("item", "Kies een gepubliceerd item om naar te verwijzen.")
        item_id = item.id
    if data.theme:  # the contactpersoon sets or corrects the theme ("Weet ik niet" when asked)
        question.theme_id = _theme(session, data.theme).id  # type: ignore[union-attr]
    question.answer = data.answer
    if data.general_interest and not question.general_interest:
        question.shared_at = now  # from now on it waits for the next werkoverleg agenda
    elif not data.general_interest:
        question.shared_at = None
    question.general_interest = data.general_interest
    question.item_id = item_id
    question.answered_at = question.answered_at or now
    question.answered_by_id = by.id
    question.updated_at = now
    session.add(question)
    session.flush()
    return question


def make_draft_item(session: Session, question: Question, by: User, now: datetime,  # type: ignore[no-untyped-def]
                    theme: str | None = None):
    """Turn a question (and its answer) into a draft item for Kwaliteit to finish; `theme`
    sets the question's theme first when it had none (or should have another)."""
    if not can_answer(by, question):
        raise NotAllowed("Alleen de contactpersoon van het team of Kwaliteit kan dit.")
    if question.draft_item_id is not None:
        raise QuestionError("draft", "Van deze vraag is al een concept-item gemaakt.")
    if theme:
        question.theme_id = _theme(session, theme).id  # type: ignore[union-attr]
    if question.theme_id is None:
        raise QuestionError("theme", "Kies eerst een thema voor deze vraag: een item hoort bij een thema.")
    theme = wiki_service.themes_by_id(session)[question.theme_id]
    # The first line a reader can see, as the working title (a first line of only invisible
    # characters would be an empty title).
    lines = [line for line in question.text.split("\n") if visible(line)]
    title = (lines[0].strip()[:120].rstrip(" ?.") if lines else "") or "Vraag uit het team"
    if not visible(title):
        title = "Vraag uit het team"
    body = f"## De vraag\n\n{question.text}"
    if question.answer:
        body += f"\n\n## Het antwoord van de contactpersoon\n\n{question.answer}"
    data = ItemIn(
        title=title, summary=TO_FILL_SUMMARY, body=body,
        dossier_meaning=TO_FILL_DOSSIER, theme=theme.slug,
        status="draft", note="Concept gemaakt van een vraag uit het team",
    )
    item = wiki_service.create_item(session, data, by)
    question.draft_item_id = item.id
    question.updated_at = now
    session.add(question)
    session.flush()
    return item


def say_helped(session: Session, question: Question, helped: bool, by: User, now: datetime) -> Question:
    """The asker's "Had u hier iets aan?": yes or no, and they may change it."""
    if question.asker_id != by.id:
        # Not the asker's question: it does not exist for them here (a contactpersoon who
        # answered it cannot speak for the asker).
        raise NotFound("question", "Deze vraag bestaat niet.")
    if question.answered_at is None:
        raise QuestionError("helped", "Deze vraag is nog niet beantwoord. Zodra het antwoord er is, kunt u zeggen of u er iets aan had.")
    if question.helped != helped:
        question.helped = helped
        question.helped_at = now
    question.updated_at = now
    session.add(question)
    session.flush()
    return question


# --- reading ---------------------------------------------------------------------------------


def get(session: Session, question_id: int) -> Question | None:
    return session.get(Question, question_id)


def listed(
    session: Session, viewer: User, *, team: Team | None = None, open_only: bool = False,
    limit: int = 200, offset: int = 0,
) -> list[Question]:
    query = visible_query(viewer)
    if team is not None:
        query = query.where(Question.team_id == team.id)
    if open_only:
        query = query.where(col(Question.answered_at).is_(None))
    query = query.order_by(col(Question.asked_at).desc(), col(Question.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))


def mine(session: Session, user: User, limit: int = 50) -> list[Question]:
    """The questions this person asked (or that were logged for them), newest first."""
    return list(session.exec(
        select(Question).where(Question.asker_id == user.id)
        .order_by(col(Question.asked_at).desc(), col(Question.id).desc()).limit(limit)
    ))


def handled_by(session: Session, user: User) -> list[Question]:
    """The questions this person logged for someone else or answered, newest first."""
    return list(session.exec(
        select(Question).where(or_(and_(Question.logged_by_id == user.id, Question.asker_id != user.id),
                                   Question.answered_by_id == user.id))
        .order_by(col(Question.asked_at).desc(), col(Question.id).desc())
    ))


def to_answer(
    session: Session, viewer: User, *, answered: bool | None, theme_id: int | None = None,
    limit: int = 20, offset: int = 0,
) -> tuple[list[Question], int]:
    """Colleagues' questions this contactpersoon or Kwaliteit answers: open (oldest first, so
    nobody waits longest), answered, or all (newest first); and how many there are."""
    query = visible_query(viewer).where(Question.asker_id != viewer.id)
    if answered is not None:
        query = query.where(col(Question.answered_at).is_not(None) if answered else col(Question.answered_at).is_(None))
    if theme_id is not None:
        query = query.where(Question.theme_id == theme_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if answered is False:
        order = (col(Question.asked_at), col(Question.id))
    else:
        order = (col(Question.asked_at).desc(), col(Question.id).desc())
    return list(session.exec(query.order_by(*order).offset(offset).limit(limit))), total


def general_interest_answered(session: Session, team_id: int | None, since: datetime, until: datetime) -> list[Question]:
    """Answered questions marked of general interest in the window, for a werkoverleg agenda
    (team_id None: all). Marked later than the first answer counts from that moment."""
    query = (
        select(Question)
        .where(Question.general_interest, col(Question.shared_at) > since, col(Question.shared_at) <= until)
    )
    if team_id is not None:
        query = query.where(Question.team_id == team_id)
    return list(session.exec(query.order_by(col(Question.shared_at), col(Question.id))))


@dataclass
class ThemeCount:
    theme: str
    count: int


def counts_per_theme(session: Session, since: datetime, until: datetime) -> list[ThemeCount]:
    """How many questions were asked per theme: the vakoverleg's question trend. Anyone may
    read an agenda: a theme whose questions came from fewer than three people is counted under
    "Overige thema's", and those only when they came from three people or more."""
    rows = session.exec(
        select(Question.theme_id, Question.asker_id)
        .where(col(Question.asked_at) > since, col(Question.asked_at) <= until)
    ).all()
    askers: dict[int | None, list[int]] = {}
    for theme_id, asker_id in rows:
        askers.setdefault(theme_id, []).append(asker_id)
    themes = wiki_service.themes_by_id(session)
    counts, rest, rest_people = [], 0, set()
    for theme_id, people in askers.items():
        if shows_figure(len(set(people))):
            counts.append(ThemeCount(themes[theme_id].name if theme_id in themes else "Zonder thema", len(people)))
        else:
            rest += len(people)
            rest_people |= set(people)
    counts.sort(key=lambda c: (-c.count, c.theme))
    if rest and shows_figure(len(rest_people)):
        counts.append(ThemeCount("Overige thema's", rest))
    return counts


def asked_on(question: Question) -> date:
    return question.asked_at.astimezone(LOCAL_TZ).date()


def asked_per_person(session: Session, user_ids, begin: datetime, end: datetime) -> dict[int, int]:
    """Per person: how many questions they asked between begin and end."""
    rows = session.exec(
        select(Question.asker_id, func.count())
        .where(col(Question.asker_id).in_(user_ids), col(Question.asked_at) >= begin, col(Question.asked_at) < end)
        .group_by(Question.asker_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def received_per_team(
    session: Session, team_ids: list[int], begin: datetime, end: datetime, exclude_askers  # type: ignore[no-untyped-def]
) -> dict[int, int]:
    """Per team: how many questions its members put to the contactpersoon (not counting those
    asked by `exclude_askers`: the contactpersonen themselves)."""
    if not team_ids:
        return {}
    rows = session.exec(
        select(Question.team_id, func.count())
        .where(col(Question.team_id).in_(team_ids), col(Question.asked_at) >= begin, col(Question.asked_at) < end)
        .where(col(Question.asker_id).not_in(exclude_askers))
        .group_by(Question.team_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def prune(session: Session, before: datetime) -> int:
    """Retention: remove questions asked before a moment (what was worth keeping has become
    an item by then)."""
    result = session.execute(delete(Question).where(col(Question.asked_at) < before))
    return result.rowcount or 0  # type: ignore[attr-defined]


def drafts_made(session: Session, item_ids: set[int]) -> dict[int, Question]:
    """Of these items, the ones made from a question: item id -> the question."""
    if not item_ids:
        return {}
    rows = session.exec(select(Question).where(col(Question.draft_item_id).in_(item_ids)))
    return {q.draft_item_id: q for q in rows}  # type: ignore[misc]


# --- monitoring the advice function ----------------------------------------------------------

TOO_FEW = "te weinig mensen om te tonen"
NONE_YET = "nog geen vragen"
TREND_MONTHS = 6


@dataclass
class Figure:
    """A figure about questions, and how many distinct askers it counts; under three people
    both are withheld (the under-three rule) and `reason` says why."""

    value: int | float | None
    people: int | None
    reason: str | None = None


def _figure(value: int | float | None, askers: set[int]) -> Figure:
    if not askers:  # nothing to count points at no one: a zero says so plainly
        return Figure(value, 0) if value is not None else Figure(None, None, NONE_YET)
    if not shows_figure(len(askers)):
        return Figure(None, None, TOO_FEW)
    return Figure(value, len(askers))


@dataclass
class ThemeTrend:
    """One theme's questions per month (the months of `AdviceMonitoring.months`). A month
    without questions shows 0. No row total: with one month withheld, it would give that
    month away."""

    theme: str
    slug: str | None
    per_month: list[Figure]


@dataclass
class AdviceMonitoring:
    """How the advice function did over a period: questions received and handled, how fast,
    per theme over the last months, and whether the askers said the answer helped."""

    start: date
    end: date
    received: Figure  # asked in the period
    handled: Figure  # answered in the period
    open: Figure  # asked by the end of the period and not answered by then
    median_working_days: Figure  # of the questions answered in the period
    helped_yes: Figure  # of the questions answered in the period: "ja"
    helped_said: Figure  # ... "ja" or "nee"
    helped_share: Figure  # helped_yes / helped_said, 0 to 1
    months: list[date]  # the first day of each month of the trend, oldest first
    themes: list[ThemeTrend]


def _first_of_month(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _moment(day: date) -> datetime:
    """The start of a Dutch day."""
    return datetime.combine(day, time(0), LOCAL_TZ)


def working_days_between(asked: date, answered: date) -> int:
    """Working days after the day asked up to the day answered: 0 when answered the same day."""
    days, day = 0, asked
    while day < answered:
        day += timedelta(days=1)
        days += calendar.is_working_day(day)
    return days


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def advice_monitoring(session: Session, start: date, end: date) -> AdviceMonitoring:
    """The advice function between `start` and `end` (both days included, Dutch dates), with
    the per-theme trend over the six months up to `end`. Aggregates only, each under the
    under-three rule for anyone: agendas and the API show them to people who may not see a
    single question."""
    checked("start", start)
    checked("end", end)
    if end < start:
        raise QuestionError("end", "De einddatum ligt voor de begindatum. Kies een einddatum op of na de begindatum.")
    begin, until = _moment(start), _moment(end + timedelta(days=1))
    months = [_first_of_month(end, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    trend_begin = _moment(months[0])
    rows = session.exec(
        select(Question.asker_id, Question.theme_id, Question.asked_at, Question.answered_at, Question.helped)
        .where(col(Question.asked_at) < until)
        .where(or_(col(Question.asked_at) >= min(begin, trend_begin), col(Question.answered_at).is_(None),
                   col(Question.answered_at) >= begin))
    ).all()
    received: set[int] = set()
    received_n = 0
    handled: set[int] = set()
    waits: list[int] = []
    still_open: set[int] = set()
    open_n = 0
    said: set[int] = set()
    said_n = yes_n = 0
    cells: dict[int | None, dict[date, list[int]]] = {}
    for asker_id, theme_id, asked_at, answered_at, helped in rows:
        if asked_at >= begin:
            received.add(asker_id)
            received_n += 1
        if answered_at is None or answered_at >= until:
            still_open.add(asker_id)
            open_n += 1
        elif answered_at >= begin:
            handled.add(asker_id)
            waits.append(working_days_between(asked_at.astimezone(LOCAL_TZ).date(),
                                              answered_at.astimezone(LOCAL_TZ).date()))
            if helped is not None:
                said.add(asker_id)
                said_n += 1
                yes_n += bool(helped)
        if asked_at >= trend_begin:
            month = _first_of_month(asked_at.astimezone(LOCAL_TZ).date())
            cells.setdefault(theme_id, {}).setdefault(month, []).append(asker_id)
    themes_by_id = wiki_service.themes_by_id(session)
    trends = []
    for theme_id, per_month in cells.items():
        theme = themes_by_id.get(theme_id) if theme_id is not None else None
        trends.append(ThemeTrend(
            theme=theme.name if theme else "Zonder thema", slug=theme.slug if theme else None,
            per_month=[_figure(len(per_month[m]), set(per_month[m])) if m in per_month else Figure(0, 0)
                       for m in months],
        ))
    trends.sort(key=lambda t: (t.slug is None, t.theme))
    shown_said = _figure(said_n, said)
    shown = said_n > 0 and shown_said.value is not None
    hidden = Figure(None, None, TOO_FEW if said else "nog niemand zei of het antwoord hielp")
    return AdviceMonitoring(
        start=start, end=end,
        received=_figure(received_n, received), handled=_figure(len(waits), handled),
        open=_figure(open_n, still_open), median_working_days=_figure(_median(waits), handled),
        # Yes, said and the share are one figure over those who said something: shown together
        # or not at all, so that none can be worked out from the others.
        helped_yes=Figure(yes_n, len(said)) if shown else hidden,
        helped_said=shown_said if shown else hidden,
        helped_share=Figure(yes_n / said_n, len(said)) if shown else hidden,
        months=months, themes=trends,
    )

"""Demo data across the domains: the history of a first start, and `kennisbank demo simulate`,
which lives through a half year day by day with a frozen clock, so that every figure on
/doelen comes from records the app made the way it always does: meetings planned and agendas
assembled by the planner, attendance, usage, questions, appraisals, training flags, and a
snapshot of the goals every night.

Development only: it replaces the meetings of the demo database.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role, Team, User
from app.config import LOCAL_TZ, Settings
from app.goals import measures
from app.goals import records as goals_records
from app.goals import service as goals_service
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import calendar, jobs
from app.meetings import demo as meetings_demo
from app.meetings import service as meetings_service
from app.meetings.models import MeetingKind
from app.questions import service as questions_service
from app.questions.models import AnswerIn, Channel, QuestionIn
from app.search import service as search_service
from app.usage import service as usage_service
from app.usage.models import UsageKind
from app.wiki import service as wiki_service

DEMO_TEAMS = ("team-centrum", "team-noord", "team-schuldregeling")
SIMULATED = "@voorbeeldstad.example"  # the simulated colleagues' mail domain
# Fictional colleagues: (first name, last name, team, function, habit). The habits make some
# goals met and some not: a diligent reader, an occasional one, one who rarely comes.
PEOPLE = [
    ("Noor", "Jansen", "team-centrum", "klantbegeleider", "trouw"),
    ("Daan", "de Boer", "team-centrum", "klantbegeleider", "trouw"),
    ("Eva", "Mulder", "team-centrum", "schuldregelaar", "wisselend"),
    ("Youssef", "Bakkali", "team-centrum", "klantbegeleider", "zelden"),
    ("Lotte", "Dekker", "team-noord", "klantbegeleider", "trouw"),
    ("Sem", "Vermeulen", "team-noord", "klantbegeleider", "wisselend"),
    ("Fenna", "Smits", "team-noord", "klantbegeleider", "trouw"),
    ("Bram", "Hendriks", "team-noord", "klantbegeleider", "nieuw"),  # joins half-way
    ("Iris", "van Dijk", "team-schuldregeling", "schuldregelaar", "trouw"),
    ("Milan", "Kok", "team-schuldregeling", "schuldregelaar", "wisselend"),
    ("Sara", "Yildiz", "team-schuldregeling", "schuldregelaar", "trouw"),
    ("Thijs", "Bos", "team-schuldregeling", "schuldregelaar", "vertrekt"),  # leaves half-way
    ("Anouk", "Peters", "team-schuldregeling", "schuldregelaar", "contactpersoon"),
]
# Per habit: chance to be at a werkoverleg, to take an active part, to use the library on a
# working day, to ask a question on a working day.
HABITS = {
    "trouw": (0.95, 0.75, 0.35, 0.02),
    "wisselend": (0.7, 0.4, 0.12, 0.01),
    "zelden": (0.35, 0.1, 0.01, 0.0),
    "nieuw": (0.9, 0.6, 0.3, 0.03),
    "vertrekt": (0.8, 0.4, 0.2, 0.01),
    "contactpersoon": (1.0, 1.0, 0.4, 0.0),
}
# What colleagues ask: the question, the theme they chose ("Weet ik niet": None, set by the
# contactpersoon when answering), the item the answer points to, and what the answer adds.
QUESTIONS = [
    ("Telt een tegemoetkoming van het UWV mee voor de beslagvrije voet?", "beslagvrije-voet-en-beslag",
     "beslag-op-uitkering-uwv-svb", "Vraag de inwoner om de beschikking, dan weet u om welke uitkering het gaat."),
    ("Wat doe ik als een schuldeiser niet reageert op het voorstel?", "minnelijk-traject",
     "dwangakkoord-artikel-287a-fw", "Leg vast wanneer u het voorstel stuurde en wanneer u herinnerde."),
    ("Hoe lang blijft een aanmelding geldig als de inwoner niet verschijnt?", None,
     "wettelijke-termijnen-eerste-gesprek", "Wat onze gemeente doet bij niet verschijnen, staat in het beleidsplan."),
    ("Welke stukken heb ik nodig voor een verzoek om een moratorium?", "minnelijk-traject",
     "moratorium-afkoelingsperiode", "Overleg met de schuldregelaar voordat u het verzoek voorbereidt."),
    ("Kan een inwoner met een lopende bewindvoering ook bij ons terecht?", None,
     "samenwerking-met-beschermingsbewindvoerder", "Neem contact op met de bewindvoerder voordat u afspraken maakt."),
    ("Wanneer verwijs ik door naar het wijkteam in plaats van zelf te helpen?", "ketenpartners-en-doorverwijzing",
     "warme-overdracht-bij-doorverwijzing", "Twijfelt u, bespreek het dossier dan in het werkoverleg."),
    ("Wat zeg ik als iemand zich schaamt om over de schulden te praten?", None,
     "schaamte-en-financieel-misbruik-herkennen", "Het item over het eerste gesprek helpt ook."),
    ("Moet een gedupeerde ouder uit de hersteloperatie via ons lopen?", "toeslagen-en-hersteloperatie",
     "hersteloperatie-schulden-gedupeerde-ouders", "Vraag welke brieven de ouder al kreeg."),
]
# Discussion questions Kwaliteit wrote with some starter items (the others get one made from
# their title).
OWN_QUESTIONS = {
    "beslagvrije-voet-uitgelegd": "Bij hoeveel van uw inwoners heeft u de beslagvrije voet deze maand nagerekend?",
    "stress-sensitief-eerste-gesprek": "Wat doet u in het eerste gesprek al om de inwoner rust te geven?",
    "huurachterstand-en-dreigende-ontruiming": "Hoe snel neemt u nu contact op na een signaal van de verhuurder?",
    "intake-checklist-schuldhulpverlening": "Welke stap van de checklist slaat u in de praktijk het vaakst over, en waarom?",
    "wsnp-schone-lei": "Wat vertelt u een inwoner over de schone lei, en wat juist niet?",
}
# What colleagues type into the search box: words from the library, and a few it lacks (the
# vakoverleg sees those as "gezocht zonder resultaat").
SEARCHES = ["beslagvrije voet", "moratorium", "saneringskrediet", "wsnp", "kwijtschelding", "bewind", "intake",
            "vtlb", "huurachterstand", "voedselbank", "energietoeslag", "studieschuld", "kledingbank"]


class DemoError(Exception):
    """The simulation cannot run on this database."""


@dataclass
class Simulation:
    months: int
    start: date
    people: int
    days: int


def first_start(session: Session, data: dict, settings: Settings, now: datetime) -> list[str]:
    """Right after the demo accounts were made: the meetings' history, and goals that count
    from its beginning."""
    done = meetings_demo.prepare(session, data, settings, now)
    if done:
        goals_service.set_all_starts(session, meetings_demo.history_start(now))
    return done


def _people(session: Session, start: date, today: date) -> list[tuple[User, str]]:
    out = []
    for n, (first, last, team_slug, function, habit) in enumerate(PEOPLE):
        role = Role.contactpersoon if habit == "contactpersoon" else Role.medewerker
        email = f"{first.lower()}.{last.lower().replace(' ', '')}{SIMULATED}"
        user = accounts_service.create_user(session, email=email, name=f"{first} {last}", role=role,
                                            team_slug=team_slug, function=function)
        joined = start + timedelta(days=(today - start).days // 2) if habit == "nieuw" else start - timedelta(days=30)
        user.created_at = datetime.combine(joined, time(9), LOCAL_TZ) + timedelta(minutes=n)
        session.add(user)
        out.append((user, habit))
    session.flush()
    return out


def simulate(engine: Engine, settings: Settings, months: int,
             progress: Callable[[int], None] | None = None, seed: int = 2026) -> Simulation:
    now = clock.now()
    today = now.astimezone(LOCAL_TZ).date()
    start = measures.add_months(today, -months)
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        teams = {slug: accounts_service.get_team_by_slug(session, slug) for slug in DEMO_TEAMS}
        if any(t is None for t in teams.values()) or not meetings_service.list_rules(session):
            raise DemoError("Geen demoteams met vaste overlegtijden: start de dienst eerst één keer in de "
                            "ontwikkelstand (met demo-accounts).")
        if accounts_service.get_user_by_email(session, f"noor.jansen{SIMULATED}") is not None:
            raise DemoError("De simulatie heeft al gedraaid op deze database. Begin met een lege gegevensmap.")
        meetings_demo.reset(session)
        for user in accounts_service.list_users(session):  # the demo accounts were there from the start
            user.created_at = datetime.combine(start - timedelta(days=30), time(9), LOCAL_TZ)
            session.add(user)
        for rule in meetings_service.list_rules(session):
            rule.created_at = datetime.combine(start, time(6), LOCAL_TZ)
            session.add(rule)
        goals_service.set_all_starts(session, start)
        people = _people(session, start, today)
        kwaliteit = accounts_service.users_with_role(session, Role.kwaliteit)
        demo_people = [(u, "contactpersoon" if u.role == Role.contactpersoon else "trouw")
                       for u in accounts_service.active_users(session, roles=[Role.medewerker, Role.contactpersoon])
                       if not u.email.endswith(SIMULATED)]
        everyone = people + demo_people
        _spread_items(session, start, today)
        session.commit()

    leaving = next(u for u, habit in people if habit == "vertrekt")
    cancelled_vakoverleg = False
    day = start
    while day <= today:
        with clock.frozen(datetime.combine(day, time(1, 30), LOCAL_TZ)) as frozen:
            with Session(engine, expire_on_commit=False) as session:
                goals_service.snapshot(session, day)  # the nightly job
                session.commit()
            frozen.set(datetime.combine(day, time(7, 5), LOCAL_TZ))
            jobs.tick(engine, settings)  # plans meetings and assembles agendas
            frozen.set(datetime.combine(day, time(16, 0), LOCAL_TZ))
            with Session(engine, expire_on_commit=False) as session:
                if calendar.is_working_day(day):
                    _work(session, rng, day, everyone, teams, kwaliteit)
                cancelled_vakoverleg = _meetings(session, rng, day, everyone, kwaliteit, cancelled_vakoverleg)
                _records(session, rng, day, start, today, everyone, teams, kwaliteit)
                _reviews(session, rng, day, kwaliteit)
                if day == start + timedelta(days=(today - start).days // 2):
                    leaver = session.get(User, leaving.id)
                    leaver.is_active = False  # type: ignore[union-attr]
                    session.add(leaver)
                session.commit()
        if progress:
            progress(1)
        day += timedelta(days=1)
    return Simulation(months, start, len(people), (today - start).days + 1)


def _spread_items(session: Session, start: date, today: date) -> None:
    """The starter items look published over the simulated months."""
    items, _ = wiki_service.list_items(session, viewer=None, per_page=1000)
    span = (today - start).days - 3
    for n, item in enumerate(sorted(items, key=lambda i: (i.slug[::-1], i.id))):
        moment = datetime.combine(start + timedelta(days=3 + span * n // max(1, len(items) - 1)), time(10), LOCAL_TZ)
        # Some review dates fall within the half year (Kwaliteit checks most of them), a few
        # come up in the weeks after it: the review list and the library goal have work.
        review = None
        if n % 4 == 0 and moment.date() + timedelta(days=75) <= today:
            review = moment.date() + timedelta(days=75)
        elif n % 9 == 5:
            review = today + timedelta(days=5 + n % 20)
        wiki_service.backdate(session, item, moment, review)
        if item.slug in OWN_QUESTIONS:  # Kwaliteit wrote the question for the werkoverleg itself
            item.discussion_question = OWN_QUESTIONS[item.slug]
            session.add(item)


def _active(session: Session, user: User) -> bool:
    fresh = session.get(User, user.id)
    return bool(fresh and fresh.is_active and fresh.created_at.astimezone(LOCAL_TZ).date() <= clock.today())


def _work(session: Session, rng: random.Random, day: date, everyone, teams, kwaliteit) -> None:  # type: ignore[no-untyped-def]
    """A working day: people search and read; some ask their contactpersoon a question, who
    answers a few days later."""
    for user, habit in everyone:
        if not _active(session, user):
            continue
        _, _, use, ask = HABITS[habit]
        if rng.random() < use:
            kind = rng.choice([UsageKind.search, UsageKind.read])
            usage_service.record(session, user, kind, day)
            if kind == UsageKind.search:  # what was searched, without the person (as the search page logs it)
                query = rng.choice(SEARCHES)
                search_service._log_query(session, query, len(wiki_service.simple_search(session, query.split(), limit=5)))  # noqa: SLF001
        if rng.random() < ask and user.team_id is not None:
            contact = accounts_service.contactpersoon_of(session, accounts_service.get_team(session, user.team_id))  # type: ignore[arg-type]
            logger = contact or kwaliteit[0]
            channel = rng.choice([Channel.app, Channel.persoonlijk, Channel.telefoon, Channel.mail])
            text, theme, _, _ = rng.choice(QUESTIONS)
            data = QuestionIn(text=text, theme=theme, channel=channel,
                              asker=None if channel == Channel.app else user.email)
            questions_service.ask(session, data, user if channel == Channel.app else logger, clock.now())
    for question in questions_service.listed(session, kwaliteit[0], open_only=True):
        if (clock.now() - question.asked_at).days >= 2:
            team = accounts_service.get_team(session, question.team_id) if question.team_id else None
            answerer = (accounts_service.contactpersoon_of(session, team) if team else None) or kwaliteit[0]
            questions_service.answer(session, question, _answer(session, question, rng), answerer, clock.now())
            if rng.random() < 0.15 and question.draft_item_id is None and kwaliteit:
                questions_service.make_draft_item(session, question, kwaliteit[0], clock.now())  # a concept to finish


def _answer(session: Session, question, rng: random.Random) -> AnswerIn:  # type: ignore[no-untyped-def]
    """The answer that belongs to the question: pointing to its item, with the theme the
    contactpersoon sets when the asker chose "Weet ik niet"."""
    found = next((q for q in QUESTIONS if q[0] == question.text), None)
    if found is None:
        return AnswerIn(answer="Bespreek dit in het werkoverleg.", general_interest=False)
    _, _, slug, extra = found
    item = wiki_service.get_item(session, slug)
    theme = wiki_service.themes_by_id(session)[item.theme_id].slug if item else None
    text = (f"Dit staat in het item ‘{item.title}’ in de Wiki-bibliotheek. {extra}" if item else extra)
    return AnswerIn(answer=text, general_interest=rng.random() < 0.3, item=slug if item else None,
                    theme=None if question.theme_id else theme)


def _meetings(session: Session, rng: random.Random, day: date, everyone, kwaliteit, cancelled: bool) -> bool:  # type: ignore[no-untyped-def]
    """Today's meetings: the contactpersoon finalises the agenda the day before; afterwards the
    register. One vakoverleg (the third) does not go ahead."""
    begin = datetime.combine(day, time.min, LOCAL_TZ)
    tomorrow = meetings_service.meetings(session, start=begin + timedelta(days=1), end=begin + timedelta(days=2),
                                         include_cancelled=False)
    for meeting in tomorrow:
        if meeting.kind == MeetingKind.vakoverleg and not cancelled and meetings_service.held_count(
                session, MeetingKind.vakoverleg, begin - timedelta(days=400), begin) == 2:
            meetings_service.cancel(session, meeting, "Geen quorum: de helft van de contactpersonen is ziek.",
                                    clock.now())
            cancelled = True
            continue
        agenda = agenda_service.get_agenda(session, meeting)
        preparer = _preparer(session, meeting, kwaliteit)
        if agenda is not None and agenda.state == "concept" and preparer is not None:
            agenda_service.finalise(session, agenda, preparer, agenda.version, clock.now())
    for meeting in meetings_service.meetings(session, start=begin, end=begin + timedelta(days=1), include_cancelled=False):
        rows = {}
        for person in attendance_service.expected(session, meeting):
            habit = next((h for u, h in everyone if u.id == person.id), "trouw")
            present_chance, active_chance, _, _ = HABITS[habit]
            if person.role == Role.kwaliteit:
                present_chance, active_chance = (0.45, 0.5) if meeting.kind == MeetingKind.werkoverleg else (1.0, 1.0)
            if person.role == Role.contactpersoon:
                present_chance, active_chance = (0.97, 0.95) if meeting.kind == MeetingKind.werkoverleg else (0.9, 0.7)
            present = rng.random() < present_chance
            rows[person.id] = (present, present and rng.random() < active_chance)
        recorder = _preparer(session, meeting, kwaliteit)
        if recorder is not None and rows:
            attendance_service.record_attendance(session, meeting, rows, "Besproken volgens de agenda.", recorder,
                                                 max(clock.now(), meeting.starts_at))
    return cancelled


def _appraised(session: Session, user: User) -> bool:
    return any(a.user_id == user.id for a in goals_records.appraisals_of(session, user))


def _reviews(session: Session, rng: random.Random, day: date, kwaliteit) -> None:  # type: ignore[no-untyped-def]
    """Kwaliteit checks most items whose review date comes near, on a working day; some are
    left, so the review list has work."""
    if not kwaliteit or not calendar.is_working_day(day):
        return
    for entry in wiki_service.review_queue(session, day):
        if entry.days_left <= 7 and random.Random(entry.item.id * 7 + entry.item.version).random() < 0.7 and rng.random() < 0.5:
            wiki_service.mark_checked(session, entry.item, kwaliteit[0], entry.item.version,
                                      day + timedelta(days=182), "Nagekeken: klopt nog.")


def _preparer(session: Session, meeting, kwaliteit) -> User | None:  # type: ignore[no-untyped-def]
    team = accounts_service.get_team(session, meeting.team_id) if meeting.team_id else None
    return (accounts_service.contactpersoon_of(session, team) if team else None) or (kwaliteit[0] if kwaliteit else None)


def _records(session: Session, rng: random.Random, day: date, start: date, today: date,  # type: ignore[no-untyped-def]
             everyone, teams: dict[str, Team | None], kwaliteit) -> None:
    """The MT approves in the second week; appraisals in months four and five (kennis-
    ontwikkeling discussed in three of four); every three weeks an item for Opleiding & Leren."""
    span = (today - start).days
    if day == start + timedelta(days=10) and kwaliteit:
        management = accounts_service.users_with_role(session, Role.management) or kwaliteit
        goals_records.record_milestone(session, day, "Akkoord in het MT-overleg", management[0], day)
    leader = next(iter(accounts_service.users_with_role(session, Role.leidinggevende)), None)
    if leader is not None and calendar.is_working_day(day):
        for user, _habit in everyone:
            # One functioneringsgesprek per person, on a day of its own in months four and five.
            planned = start + timedelta(days=int(span * 0.55) + random.Random(user.id).randrange(max(1, int(span * 0.25))))
            if (user.team_id == leader.team_id and user.id != leader.id and _active(session, user)
                    and planned <= day < planned + timedelta(days=7) and not _appraised(session, user)):
                goals_records.record_appraisal(session, user, day, rng.random() < 0.75, leader, day)
    if kwaliteit and (day - start).days % 21 == 7:
        items, _ = wiki_service.list_items(session, viewer=None, per_page=60)
        candidates = [i for i in items if goals_records.flag_of(session, i.id) is None]  # type: ignore[arg-type]
        if candidates:
            chosen = rng.choice(candidates)
            goals_records.flag_for_training(session, chosen.id, kwaliteit[0], day)  # type: ignore[arg-type]
            if rng.random() < 0.8:
                goals_records.set_in_plan(session, chosen.id, True, kwaliteit[0], day)  # type: ignore[arg-type]

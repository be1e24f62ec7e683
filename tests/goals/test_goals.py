"""The goals, computed on hand-made scenarios: a person joining or leaving mid-period, a
cancelled meeting, a team without a contactpersoon, a goal whose horizon has not come."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import CONTENT_DIR, LOCAL_TZ
from app.goals import measures, records, service
from app.goals.models import GoalSnapshot
from app.meetings import attendance as attendance_service
from app.meetings import service as meetings_service
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from app.usage import service as usage_service
from app.usage.models import UsageKind
from tests.factories import make_item, make_meeting, make_theme, make_user

START = date(2027, 1, 4)
GOALS = CONTENT_DIR / "goals.yaml"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


def joined(db, user, day: date):  # type: ignore[no-untyped-def]
    user.created_at = at(day, 9)
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def plan(db):  # type: ignore[no-untyped-def]
    service.seed(db, service.load_file(GOALS), START)
    accounts_service.ensure_team(db, "noord", "Team Noord", Audience.klantbegeleider)
    accounts_service.ensure_team(db, "zuid", "Team Zuid")  # without a contactpersoon
    before = START - timedelta(days=30)
    people = {
        "anna": joined(db, make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name="Anna"), before),
        "bram": joined(db, make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name="Bram"), before),
        # Joins three months in: asked half of what the others are asked.
        "cor": joined(db, make_user(db, Role.medewerker, team_slug="zuid", function="klantbegeleider", name="Cor"), START + timedelta(days=90)),
        "dirk": joined(db, make_user(db, Role.medewerker, team_slug="zuid", function="klantbegeleider", name="Dirk"), before),
        "eva": joined(db, make_user(db, Role.medewerker, team_slug="zuid", function="schuldregelaar", name="Eva"), before),
        "cp": joined(db, make_user(db, Role.contactpersoon, team_slug="noord", function="klantbegeleider", name="Carla"), before),
        "kw": joined(db, make_user(db, Role.kwaliteit, name="Kees"), before),
        "lg": joined(db, make_user(db, Role.leidinggevende, team_slug="noord", name="Lotte"), before),
        "mt": joined(db, make_user(db, Role.management, name="Marleen"), before),
    }
    return people


def werkoverleg(db, team_slug: str, day: date, present: list, cancelled: bool = False):  # type: ignore[no-untyped-def]
    """A held werkoverleg on `day` with its register: [(user, active?)]."""
    team = accounts_service.get_team_by_slug(db, team_slug)
    with clock.frozen(at(day, 8)):
        meeting = make_meeting(db, team, days_ahead=2 / 24)
    with clock.frozen(at(day, 12)):
        rows = {u.id: (True, active) for u, active in present}
        kwaliteit = accounts_service.users_with_role(db, Role.kwaliteit)[0]
        attendance_service.record_attendance(db, meeting, rows, None, kwaliteit, clock.now())
    if cancelled:
        meeting.status = "cancelled"
        db.add(meeting)
        db.flush()
    return meeting


def goal(db, key: str):  # type: ignore[no-untyped-def]
    return service.get_goal(db, key)


def test_ten_goals_are_loaded_as_data(db, plan):
    goals = service.list_goals(db)
    assert len(goals) == 10 and {g.measure for g in goals} == {
        "count_per_person", "share_of_persons", "meetings_held", "share_of_records", "milestone", "library_built_current"}
    assert goal(db, "opleidingsplan").horizon_months == 12 and goal(db, "functioneringsgesprekken").target == 0.8
    assert service.seed(db, service.load_file(GOALS), START) == 0  # loading again adds nothing


def test_attending_five_werkoverleggen_with_joiners_leavers_and_a_cancelled_meeting(db, plan):
    p = plan
    for n in range(5):
        day = START + timedelta(days=30 * n + 7)
        werkoverleg(db, "noord", day, [(p["anna"], True), (p["bram"], n < 4), (p["cp"], True)])
        werkoverleg(db, "zuid", day, [(p["dirk"], True)] + ([(p["cor"], True)] if n >= 3 else []))
    # A meeting that did not go ahead counts for nobody, whatever its register says.
    werkoverleg(db, "noord", START + timedelta(days=160), [(p["bram"], True)], cancelled=True)
    # Dirk leaves before the end: he no longer counts.
    p["dirk"].is_active = False
    db.add(p["dirk"])
    db.flush()
    end = START + timedelta(days=182)
    result = measures.compute(db, goal(db, "klantbegeleiders_werkoverleg"), end)
    by_name = {person.name: (person.count, person.required, person.met) for person in result.persons}
    # Carla is a klantbegeleider by function, but as contactpersoon she leads the werkoverleg:
    # the plan gives her goals of her own, and she does not raise the klantbegeleiders' share.
    assert by_name == {"Anna": (5, 5, True), "Bram": (4, 5, False), "Cor": (2, 3, False)}
    assert result.population == 3 and result.value == pytest.approx(1 / 3)
    # Per team: Team Noord's two klantbegeleiders.
    noord = accounts_service.get_team_by_slug(db, "noord")
    assert measures.compute(db, goal(db, "klantbegeleiders_werkoverleg"), end, noord.id).value == pytest.approx(1 / 2)
    # The contactpersoon's own goal counts her.
    own = measures.compute(db, goal(db, "contactpersoon_werkoverleg"), end)
    assert [(x.name, x.count, x.required) for x in own.persons] == [("Carla", 5, 6)]


def test_a_goal_whose_horizon_has_not_come_is_judged_on_pace(db, plan):
    vak = goal(db, "vakoverleggen")
    for month in range(2):
        with clock.frozen(at(START + timedelta(days=30 * month + 3), 8)):
            make_meeting(db, None, days_ahead=0.1)
    with clock.frozen(at(START + timedelta(days=40))):
        cancelled = make_meeting(db, None, days_ahead=5)
        meetings_service.cancel(db, cancelled, "Ziekte", clock.now())
    today = START + timedelta(days=61)  # two months in: two held is the pace of six in six months
    with clock.frozen(at(today)):
        # Only three more planned before the deadline: six can no longer be reached.
        planned = [make_meeting(db, None, days_ahead=70 + 10 * n) for n in range(3)]
        assert service.view(db, vak, today).on_track is False
        planned.append(make_meeting(db, None, days_ahead=105))  # a fourth: reachable, on pace
        shown = service.view(db, vak, today)
    assert (shown.value, shown.due, shown.on_track) == (2.0, False, True)
    assert shown.explanation == "2 gehouden, nog 4 gepland vóór de deadline."
    later = START + timedelta(days=125)  # four months in, still two: behind
    with clock.frozen(at(later)):
        behind = service.view(db, vak, later)
    assert (behind.value, behind.on_track) == (2.0, False)
    with clock.frozen(at(START + timedelta(days=200))):
        due = service.view(db, vak, START + timedelta(days=200))
    # The four planned ones were held: six by the deadline.
    assert due.due and due.value == 6 and due.status.key == "gehaald" and due.deadline == date(2027, 7, 4)


def test_consulting_and_questions_to_a_contactpersoon(db, plan):
    p = plan
    theme = make_theme(db)
    for n, day in enumerate((START + timedelta(days=3), START + timedelta(days=4), START + timedelta(days=4))):
        usage_service.record(db, p["anna"], UsageKind.read if n else UsageKind.search, day)  # two days
    usage_service.record(db, p["bram"], UsageKind.read, START + timedelta(days=5))  # once: not "meermaals"
    with clock.frozen(at(START + timedelta(days=6))):
        questions_service.ask(db, QuestionIn(text="Vraag één", theme=theme.slug), p["bram"], clock.now())  # + a question
        questions_service.ask(db, QuestionIn(text="Vraag twee"), p["anna"], clock.now())
        questions_service.ask(db, QuestionIn(text="Vraag van Eva"), p["eva"], clock.now())  # Team Zuid: no contactpersoon
    today = START + timedelta(days=30)
    consulted = {x.name: x.met for x in measures.compute(db, goal(db, "raadplegen"), today).persons}
    # Cor joins in month three: not counted before he is there.
    assert consulted == {"Anna": True, "Bram": True, "Dirk": False, "Eva": False}  # not Carla: see above
    asked = measures.compute(db, goal(db, "contactpersoon_vraagbaak"), today)
    # Team Zuid has no contactpersoon: its questions count for nobody; Carla got two.
    assert [(x.name, x.count, x.met) for x in asked.persons] == [("Carla", 2, True)]


def test_records_milestone_and_library(db, plan):
    p = plan
    today = START + timedelta(days=60)
    for n, discussed in enumerate((True, True, True, False)):
        records.record_appraisal(db, [p["anna"], p["bram"], p["cp"], p["anna"]][n], START + timedelta(days=10 + n),
                                 discussed, p["lg"], today)
    appraisals = service.view(db, goal(db, "functioneringsgesprekken"), today)
    assert (appraisals.value, appraisals.population, appraisals.on_track) == (0.75, 4, False)
    with pytest.raises(service.GoalError, match="niet bij uw team"):
        records.record_appraisal(db, p["eva"], START, True, p["lg"], today)
    with pytest.raises(service.GoalError, match="leidinggevende"):
        records.record_appraisal(db, p["anna"], START, True, p["kw"], today)
    assert service.view(db, goal(db, "mt_akkoord"), today).value == 0
    records.record_milestone(db, START + timedelta(days=14), "MT-overleg", p["mt"], today)
    assert service.view(db, goal(db, "mt_akkoord"), today).achieved == 1
    theme = make_theme(db)
    items = [make_item(db, theme, p["kw"], review_date="2099-01-01") for _ in range(3)]
    make_item(db, theme, p["kw"], review_date="2027-01-01")
    for item in items[:2]:
        records.flag_for_training(db, item.id, p["kw"], START + timedelta(days=20))
    records.set_in_plan(db, items[0].id, True, p["kw"], START + timedelta(days=30))
    training = service.view(db, goal(db, "opleidingsplan"), today)
    assert (training.value, training.due) == (0.5, False)


def test_snapshots_are_one_a_day(db, plan):
    today = START + timedelta(days=3)
    assert service.snapshot(db, today) == 10
    usage_service.record(db, plan["anna"], UsageKind.read, today)
    service.snapshot(db, today)  # again the same day: replaced, not added
    rows = db.exec(select(GoalSnapshot).where(GoalSnapshot.day == today)).all()
    assert len(rows) == 10
    assert not service.snapshot_missing(db, today) and service.snapshot_missing(db, today + timedelta(days=1))


def test_editing_a_goal(db, plan):
    vak = goal(db, "vakoverleggen")
    service.edit(db, vak, service.GoalEdit(target=5, start=date(2027, 2, 1), horizon_months=5))
    assert measures.deadline(vak) == date(2027, 7, 1)
    with pytest.raises(service.GoalError, match="percentage"):
        service.edit(db, goal(db, "raadplegen"), service.GoalEdit(target=80, start=START, horizon_months=6))


def test_the_trend_starts_at_the_goals_start(db, plan):
    service.snapshot(db, START - timedelta(days=2))  # before the plan began (a changed start date)
    service.snapshot(db, START + timedelta(days=1))
    trend = service.view(db, goal(db, "vakoverleggen"), START + timedelta(days=1)).trend
    assert [p.day for p in trend] == [START + timedelta(days=1)]


def test_the_period_ends_before_the_deadline_and_latecomers_do_not_count(db, plan):
    p = plan
    end = measures.deadline(goal(db, "klantbegeleiders_werkoverleg"))  # 2027-07-04
    for n in range(5):
        werkoverleg(db, "noord", START + timedelta(days=30 * n + 7), [(p["anna"], True), (p["bram"], n < 4)])
    werkoverleg(db, "noord", end, [(p["bram"], True)])  # on the deadline: after the half year
    joined(db, make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name="Laat"),
           end + timedelta(days=10))
    later = end + timedelta(days=30)
    result = measures.compute(db, goal(db, "klantbegeleiders_werkoverleg"), later)
    by_name = {x.name: (x.count, x.met) for x in result.persons}
    assert by_name["Anna"] == (5, True) and by_name["Bram"] == (4, False) and "Laat" not in by_name


def test_a_library_goal_without_items_is_zero(db, plan):
    library = goal(db, "bibliotheek_actueel")
    library.params = {"min_items": 0}
    assert service.view(db, library, START).value == 0.0


def test_a_goal_that_cannot_be_computed_does_not_stop_the_others_or_retention(db, plan):
    from app.goals.models import Goal

    db.add(Goal(key="kapot", group="Test", text="Onbekende maat", measure="onbekend", params={},
                target=1, start=START))
    db.flush()
    assert service.snapshot(db, START + timedelta(days=1)) == 10  # the ten good goals


def test_small_groups_stay_hidden_also_by_subtraction(db, plan):
    """Team Noord has two klantbegeleiders (Anna and Bram; Carla is their contactpersoon);
    team Zuid's are Cor and Dirk: a manager sees neither team, else one follows from the total
    minus the other."""
    p = plan
    today = START + timedelta(days=100)
    werk = goal(db, "klantbegeleiders_werkoverleg")
    overall = service.view(db, werk, today)
    assert overall.result.team_people == {p["anna"].team_id: 2, p["dirk"].team_id: 2}
    assert measures.people_per_team(db, werk, today) == overall.result.team_people  # the cheap count agrees
    assert service.suppressed_teams(overall.result.team_people) == {p["anna"].team_id, p["dirk"].team_id}
    shown = {v.goal.key: v.hidden for v in service.board(db, p["mt"], today)}
    assert shown["klantbegeleiders_werkoverleg"] is False  # four people in all
    noord = service.board(db, p["mt"], today, p["anna"].team_id)
    assert next(v for v in noord if v.goal.key == "klantbegeleiders_werkoverleg").hidden
    assert not any(v.hidden for v in service.board(db, p["kw"], today, p["anna"].team_id))
    # Appraisals count persons, not records: three of one person point at that person.
    for n in range(3):
        records.record_appraisal(db, p["anna"], START + timedelta(days=10 + n), n > 0, p["lg"], today)
    appraisals = next(v for v in service.board(db, p["mt"], today) if v.goal.key == "functioneringsgesprekken")
    assert (appraisals.population, appraisals.result.people, appraisals.hidden) == (3, 1, True)
    # The vakoverleg agenda, which anyone may read, leaves the hidden figures out.
    lines = service.summary(db, today).splitlines()
    said = {g.key: g.text.rstrip(".") for g in service.list_goals(db)}
    assert f"{said['functioneringsgesprekken']}: te weinig mensen om een cijfer te tonen" in lines
    assert f"{said['kwaliteit_werkoverleg']}: te weinig mensen om een cijfer te tonen" in lines


def test_suppression_hides_the_next_smallest_team():
    assert service.suppressed_teams({1: 2, 2: 3, 3: 7}) == {1, 2}  # 2 + 3 persons hidden: safe
    assert service.suppressed_teams({1: 4, 2: 3, 3: 7}) == set()  # nothing small: all teams shown
    assert service.suppressed_teams({None: 1, 2: 4, 3: 7}) == {None, 2}  # one person without a team


def test_a_teams_appraisal_figure_counts_the_persons_whose_records_it_counts(db, plan):
    """Someone who left still has an appraisal, but a team's figure counts only its current
    members' records: the small-group rule must count the same persons."""
    p = plan
    today = START + timedelta(days=60)
    for person in (p["anna"], p["bram"], p["cp"]):
        records.record_appraisal(db, person, START + timedelta(days=10), True, p["lg"], today)
    p["cp"].is_active = False
    db.add(p["cp"])
    db.flush()
    noord = next(v for v in service.board(db, p["mt"], today, p["anna"].team_id) if v.goal.key == "functioneringsgesprekken")
    assert (noord.population, noord.result.people, noord.hidden) == (2, 2, True)

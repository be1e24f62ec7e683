"""The under-three rule on the meeting pages and agendas: no figure over fewer than three people
for anyone but Kwaliteit (and whoever keeps that register); per-person data only for that person."""

from datetime import datetime, timedelta

from bs4 import BeautifulSoup

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import LOCAL_TZ
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.privacy import SMALL_GROUP, shows_figure
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from tests.factories import login, make_meeting, make_theme, make_user

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


def held_meeting(db, slug: str, members: int, kwaliteit):  # type: ignore[no-untyped-def]
    """A team of `members`, a werkoverleg last week where everyone (and Kwaliteit) was present."""
    team = accounts_service.ensure_team(db, slug, f"Team {slug}", Audience.beide)
    people = [make_user(db, Role.medewerker, team_slug=slug, name=f"Lid {n} {slug}") for n in range(members)]
    with clock.frozen(NOW - timedelta(days=7)):
        meeting = make_meeting(db, team, days_ahead=0)
    with clock.frozen(NOW - timedelta(days=7) + timedelta(hours=2)):
        attendance_service.record_attendance(
            db, meeting, {p.id: (True, False) for p in [*people, kwaliteit]}, None, kwaliteit, clock.now())
    return team, people, meeting


def meeting_line(client, slug: str) -> str:  # type: ignore[no-untyped-def]
    overview = page(client.get(f"/werkoverleg?team={slug}"))
    return " ".join(overview.select_one("#eerder-kop ~ ul .kb-meta").text.split())


def test_the_attendance_of_a_one_person_team_is_shown_to_no_manager(client, db):
    kwaliteit = make_user(db, Role.kwaliteit, name="Kees")
    _, (alone,), _ = held_meeting(db, "team-schuldregeling", 1, kwaliteit)
    held_meeting(db, "team-groot", 3, kwaliteit)
    viewers = {
        "management": make_user(db, Role.management),
        "leidinggevende": make_user(db, Role.leidinggevende),
        "collega": make_user(db, Role.medewerker),
        "zelf": alone,
    }
    with clock.frozen(NOW):
        for who, viewer in viewers.items():
            login(client, db, viewer)
            line = meeting_line(client, "team-schuldregeling")
            assert "2 aanwezig" not in line and "te weinig mensen" in line, who
            assert "4 aanwezig" in meeting_line(client, "team-groot"), who
        # Kwaliteit sees the figure; the person their own participation, in "Uw deelname".
        login(client, db, kwaliteit)
        assert "2 aanwezig" in meeting_line(client, "team-schuldregeling")


def test_the_vakoverleg_of_two_shows_no_figure_either(client, db):
    kwaliteit = make_user(db, Role.kwaliteit, name="Kees")
    contact = make_user(db, Role.contactpersoon, name="Carla")
    with clock.frozen(NOW - timedelta(days=7)):
        meeting = make_meeting(db, None, days_ahead=0)
    with clock.frozen(NOW - timedelta(days=7) + timedelta(hours=2)):
        attendance_service.record_attendance(
            db, meeting, {kwaliteit.id: (True, True), contact.id: (True, False)}, None, kwaliteit, clock.now())
    with clock.frozen(NOW):
        login(client, db, make_user(db, Role.management))
        assert "te weinig mensen" in meeting_line(client, "vakoverleg")


def test_question_counts_on_the_vakoverleg_agenda_count_three_people_or_more(db):
    beslag = make_theme(db, slug="beslag", name="Beslag")
    make_theme(db, slug="toeslagen", name="Toeslagen")
    accounts_service.ensure_team(db, "noord", "Team Noord")
    askers = [make_user(db, Role.medewerker, team_slug="noord") for _ in range(4)]
    with clock.frozen(NOW - timedelta(days=10)):
        for person in askers[:3]:
            questions_service.ask(db, QuestionIn(text="Telt de vakantietoeslag mee?", theme="beslag"), person, clock.now())
        # One person asking twice about a theme is a figure about one person.
        for _ in range(2):
            questions_service.ask(db, QuestionIn(text="Hoe zit het met de huurtoeslag?", theme="toeslagen"),
                                  askers[3], clock.now())
    with clock.frozen(NOW):
        vakoverleg = make_meeting(db, None, days_ahead=5)
        lines = agenda_service.lines(db, agenda_service.assemble(db, vakoverleg, clock.now()))
    trend = next(line for line in lines if line.entry.title == "Vragen aan de contactpersonen, per thema")
    assert trend.entry.text.startswith(f"{beslag.name}: 3")
    assert "Toeslagen" not in trend.entry.text and ": 2" not in trend.entry.text


def test_one_rule_for_every_figure():
    class Viewer:
        def __init__(self, role: str):
            self.role = role

    assert SMALL_GROUP == 3
    assert not shows_figure(2) and shows_figure(3)
    assert not shows_figure(2, Viewer(Role.management)) and shows_figure(2, Viewer(Role.kwaliteit))

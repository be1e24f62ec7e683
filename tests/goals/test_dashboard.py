"""/doelen as each role sees it (DESIGN.md, privacy), its CSV, the records pages, retention."""

import csv
import io
from datetime import date, datetime, time, timedelta

from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import CONTENT_DIR, LOCAL_TZ, Settings
from app.goals import jobs, records, service
from app.goals.models import Appraisal
from app.meetings import attendance as attendance_service
from app.meetings.models import Attendance, Meeting
from app.questions import service as questions_service
from app.questions.models import Question, QuestionIn
from app.usage import service as usage_service
from app.usage.models import UsageDay, UsageKind
from tests.factories import login, make_meeting, make_user, post_form

START = date(2027, 1, 4)
TODAY = date(2027, 3, 1)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 422), response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def setting(db):  # type: ignore[no-untyped-def]
    service.seed(db, service.load_file(CONTENT_DIR / "goals.yaml"), START)
    accounts_service.ensure_team(db, "noord", "Team Noord")
    people = {name: make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name=name)
              for name in ("Anna", "Bram", "Cor")}
    people |= {
        "cp": make_user(db, Role.contactpersoon, team_slug="noord", function="klantbegeleider", name="Carla"),
        "kw": make_user(db, Role.kwaliteit, name="Kees"),
        "lg": make_user(db, Role.leidinggevende, team_slug="noord", name="Lotte"),
        "mt": make_user(db, Role.management, name="Marleen"),
    }
    for user in people.values():
        user.created_at = datetime.combine(START - timedelta(days=10), time(9), LOCAL_TZ)
        db.add(user)
    with clock.frozen(datetime.combine(START + timedelta(days=20), time(9), LOCAL_TZ)):
        meeting = make_meeting(db, accounts_service.get_team_by_slug(db, "noord"), days_ahead=0.05)
    with clock.frozen(datetime.combine(START + timedelta(days=20), time(12), LOCAL_TZ)):
        attendance_service.record_attendance(db, meeting, {people["Anna"].id: (True, True), people["cp"].id: (True, True)},
                                             None, people["kw"], clock.now())
    return people


def test_each_role_sees_what_design_allows(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        login(client, db, people["kw"])
        kwaliteit = page(client.get("/doelen"))
        persons = kwaliteit.select_one("#doel-klantbegeleiders_werkoverleg .kb-goal__persons")
        assert persons is not None and "Anna" in persons.text and "Bram" in persons.text
        # The contactpersoon goals are about one person: Kwaliteit sees the figure.
        assert kwaliteit.select_one("#doel-contactpersoon_werkoverleg .kb-goal__number") is not None

        for role in ("mt", "lg", "cp", "Anna"):
            login(client, db, people[role])
            shown = page(client.get("/doelen"))
            assert shown.select(".kb-goal__persons") == [], role  # never another person's figures
            assert "Bram" not in shown.text, role
            card = shown.select_one("#doel-contactpersoon_werkoverleg")
            assert card.select_one(".kb-goal__number") is None and "Te weinig mensen" in card.text, role
            assert client.get(f"/doelen/personen/{people['Bram'].id}").status_code == 403, role
            api = client.get(f"/api/v1/goals/persons/{people['Bram'].id}")
            assert api.status_code == 403, role
            assert client.get("/doelen/opleiding").status_code == 403, role
        # A person sees their own progress, and only that.
        login(client, db, people["Anna"])
        own = page(client.get("/doelen"))
        mine = own.select_one("#mijn-kop").find_next("ul").text
        assert "1 werkoverleg aanwezig en actief meegedaan; gevraagd: minstens 5 vóór 4 juli 2027" in " ".join(mine.split())
        assert client.get(f"/doelen/personen/{people['Anna'].id}").status_code == 200
        login(client, db, people["kw"])
        assert "Anna" in client.get(f"/doelen/personen/{people['Anna'].id}").text


def test_api_and_csv_follow_the_same_rules(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        for role, expected in (("mt", False), ("kw", True)):
            token = accounts_service.create_api_token(db, people[role])
            goals = client.get("/api/v1/goals", headers={"Authorization": f"Bearer {token}"}).json()
            keys = {g["key"] for g in goals}
            assert ("contactpersoon_werkoverleg" in keys) == expected, role
            vak = next(g for g in goals if g["key"] == "vakoverleggen")
            assert vak["target"] == 6 and vak["deadline"] == "2027-07-04" and vak["due"] is False
        login(client, db, people["mt"])
        rows = list(csv.reader(io.StringIO(client.get("/doelen.csv").text), delimiter=";"))
        assert rows[0][:4] == ["doel", "groep", "team", "waarde"]
        werk = [r for r in rows if r[0] == "klantbegeleiders_werkoverleg"]
        assert [r[2] for r in werk] == ["alle", "noord"]
        # Anna, Bram and Cor: Carla is a klantbegeleider too, but as contactpersoon she has goals of her own.
        assert float(werk[0][3]) == 0.0 and werk[0][6] == "3"
        assert not any(r[0] == "contactpersoon_werkoverleg" for r in rows)  # one person: not for managers
        assert client.get("/doelen?team=nergens").status_code == 404


def test_recording_appraisals_and_the_mt_approval(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        token = login(client, db, people["lg"])
        form = {"person": str(people["Bram"].id), "held_on": "2027-02-10", "discussed": "ja"}
        assert post_form(client, "/doelen/functioneringsgesprekken", form, token).status_code == 303
        refused = post_form(client, "/doelen/functioneringsgesprekken", {**form, "held_on": "2027-04-01"}, token)
        assert page(refused).find(id="held_on-error").text == "Deze datum ligt in de toekomst."
        assert page(refused).find(id="person").find("option", selected=True)["value"] == str(people["Bram"].id)
        assert post_form(client, "/doelen/functioneringsgesprekken", {**form, "person": "abc"}, token).status_code == 422
        assert post_form(client, "/doelen/functioneringsgesprekken", {**form, "discussed": ""}, token).status_code == 422
        recorded = db.exec(select(Appraisal)).all()
        assert [(a.user_id, a.discussed) for a in recorded] == [(people["Bram"].id, True)]
        token = login(client, db, people["Anna"])
        assert client.get("/doelen/functioneringsgesprekken").status_code == 403
        token = login(client, db, people["mt"])
        assert post_form(client, "/doelen/mt-akkoord", {"reached_on": "2027-01-20"}, token).status_code == 303
        assert records.get_milestone(db).reached_on == date(2027, 1, 20)
        bad = post_form(client, "/doelen/mt-akkoord", {"reached_on": "morgen"}, token)
        assert bad.status_code == 422 and page(bad).find(id="reached-on-error") is not None


def test_kwaliteit_edits_a_goal(client, db):
    people = setting(db)
    token = login(client, db, people["kw"])
    url = "/doelen/functioneringsgesprekken/bewerken"
    assert post_form(client, url, {"target": "85", "start": "2027-01-04", "horizon_months": "6"}, token).status_code == 303
    assert service.get_goal(db, "functioneringsgesprekken").target == 0.85
    bad = post_form(client, url, {"target": "veel", "start": "2027-01-04", "horizon_months": "6"}, token)
    assert bad.status_code == 422 and page(bad).find(id="target").get("value") == "veel"
    bad = post_form(client, url, {"target": "150", "start": "2027-01-04", "horizon_months": "6"}, token)
    assert page(bad).find(id="target-error").text.startswith("Dit doel is een aandeel")
    bad = post_form(client, url, {"target": "85", "start": "2027-01-04", "horizon_months": "0"}, token)
    assert page(bad).find(id="horizon_months-error").text == "Vul minstens 1 in."
    # What each person must reach is part of the goal too: "minimaal vijf keer".
    url = "/doelen/klantbegeleiders_werkoverleg/bewerken"
    form = {"target": "100", "start": "2027-01-04", "horizon_months": "6", "per_person": "4"}
    assert page(client.get(url)).find(id="per_person")["value"] == "5"
    assert post_form(client, url, form, token).status_code == 303
    assert service.get_goal(db, "klantbegeleiders_werkoverleg").params["min_count"] == 4
    bad = post_form(client, url, {**form, "per_person": "0"}, token)
    assert bad.status_code == 422, bad.text[:300]
    assert page(bad).find(id="per_person-error").text == "Vul minstens 1 in."
    assert service.get_goal(db, "klantbegeleiders_werkoverleg").params["min_count"] == 4
    token = login(client, db, people["mt"])
    assert post_form(client, url, {"target": "10", "start": "2027-01-04", "horizon_months": "6"}, token).status_code == 403


def test_each_figure_says_where_its_records_are(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        login(client, db, people["kw"])
        shown = page(client.get("/doelen"))
        links = {a["href"] for a in shown.select("#doel-klantbegeleiders_werkoverleg .kb-goal__how a")}
        assert links == {"#personen-klantbegeleiders_werkoverleg", "/werkoverleg"}
        assert shown.find(id="personen-klantbegeleiders_werkoverleg") is not None
        assert {a["href"] for a in shown.select("#doel-opleidingsplan .kb-goal__how a")} == {"/doelen/opleiding"}
        assert {a["href"] for a in shown.select("#doel-vakoverleggen .kb-goal__how a")} == {"/werkoverleg?team=vakoverleg"}
        for who, sees in (("lg", True), ("mt", False)):
            login(client, db, people[who])
            shown = page(client.get("/doelen"))
            hrefs = {a["href"] for a in shown.select(".kb-goal__how a")}
            assert ("/doelen/functioneringsgesprekken" in hrefs) == sees, who
            assert not any(h.startswith("#personen-") for h in hrefs) and "/doelen/opleiding" not in hrefs, who


def test_retention_removes_old_personal_records(db):
    people = setting(db)
    settings = Settings(secret_key="s" * 40, retention_months=13)
    now = datetime(2028, 3, 1, 3, 0, tzinfo=LOCAL_TZ)
    old, recent = date(2027, 1, 10), date(2027, 6, 1)
    for day in (old, recent):
        usage_service.record(db, people["Anna"], UsageKind.read, day)
        with clock.frozen(datetime.combine(day, time(10), LOCAL_TZ)):
            questions_service.ask(db, QuestionIn(text=f"Vraag van {day}"), people["Anna"], clock.now())
        records.record_appraisal(db, people["Bram"], day, True, people["lg"], day)
    with clock.frozen(now):
        removed = jobs.retention(db, settings)
    assert removed == 3 + 2  # a usage day, a question, an appraisal, and two people's January attendance
    assert [u.day for u in db.exec(select(UsageDay)).all()] == [recent]
    assert [q.text for q in db.exec(select(Question)).all()] == [f"Vraag van {recent}"]
    assert [a.held_on for a in db.exec(select(Appraisal)).all()] == [recent]
    assert db.exec(select(Attendance)).all() == [] and len(db.exec(select(Meeting)).all()) == 1  # the meeting stays


def test_a_leidinggevende_records_no_appraisal_of_themselves(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        token = login(client, db, people["lg"])
        # Not offered on the page, and refused when sent by hand.
        offered = [o["value"] for o in page(client.get("/doelen/functioneringsgesprekken")).find(id="person").find_all("option")]
        assert str(people["lg"].id) not in offered
        form = {"person": str(people["lg"].id), "held_on": "2027-02-10", "discussed": "ja"}
        refused = post_form(client, "/doelen/functioneringsgesprekken", form, token)
        assert refused.status_code == 422
        assert "uzelf" in page(refused).find(id="person-error").text
    assert db.exec(select(Appraisal)).all() == []


def test_a_leidinggevende_without_a_team_records_appraisals_only_of_medewerkers(client, db):
    """The attacker pass: a lead without a team could record gesprekken of management, Kwaliteit
    or the beheerder by a hand-made POST, and they counted in the organisation's figure."""
    people = setting(db)
    lead = make_user(db, Role.leidinggevende, name="Zonder team")
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        token = login(client, db, lead)
        for other in (people["mt"], people["kw"]):
            form = {"person": str(other.id), "held_on": "2027-02-10", "discussed": "ja"}
            refused = post_form(client, "/doelen/functioneringsgesprekken", form, token)
            assert refused.status_code == 422
            assert page(refused).find(id="person-error").text == "Kies een medewerker of contactpersoon."
        allowed = post_form(client, "/doelen/functioneringsgesprekken",
                            {"person": str(people["Anna"].id), "held_on": "2027-02-10", "discussed": "ja"}, token)
        assert allowed.status_code == 303
    assert [a.user_id for a in db.exec(select(Appraisal)).all()] == [people["Anna"].id]


def test_bad_input_on_the_records_pages_is_refused_by_field(client, db):
    people = setting(db)
    with clock.frozen(datetime.combine(TODAY, time(10), LOCAL_TZ)):
        token = login(client, db, people["lg"])
        huge = post_form(client, "/doelen/functioneringsgesprekken",
                         {"person": "9" * 30, "held_on": "2027-02-10", "discussed": "ja"}, token)
        assert huge.status_code == 422 and page(huge).find(id="person-error").text == "Kies de medewerker."
        token = login(client, db, people["mt"])
        nul = post_form(client, "/doelen/mt-akkoord", {"reached_on": "2027-01-20", "note": "a\x00b"}, token)
        assert nul.status_code in (400, 422) and records.get_milestone(db) is None
        old = post_form(client, "/doelen/mt-akkoord", {"reached_on": "0001-01-01"}, token)
        assert old.status_code == 422 and page(old).find(id="reached-on-error").text == "Deze datum ligt te ver terug."
        token = login(client, db, people["kw"])
        url = "/doelen/vakoverleggen/bewerken"
        far = post_form(client, url, {"target": "6", "start": "9999-12-01", "horizon_months": "6"}, token)
        assert far.status_code == 422 and page(far).find(id="start-error") is not None
        assert client.get("/doelen").status_code == 200 and service.get_goal(db, "vakoverleggen").start == START


def test_the_words_are_true_for_each_goal_and_each_person(client, db):
    """The wording the first walk-through found wrong: "0% Op schema" without saying why,
    "naar rato" for people who began at the start, "loopt achter" after the deadline, and an
    empty goal that read differently for Kwaliteit than for others."""
    people = setting(db)
    late = make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name="Dina")
    late.created_at = datetime.combine(START + timedelta(days=90), time(9), LOCAL_TZ)
    db.add(late)
    db.flush()
    early_day = START + timedelta(days=100)
    with clock.frozen(datetime.combine(early_day, time(10), LOCAL_TZ)):
        login(client, db, people["kw"])
        shown = page(client.get("/doelen"))
        assert "Stand op 14 april 2027" in shown.text
        card = shown.select_one("#doel-klantbegeleiders_werkoverleg")
        # Anna has one of five with two months to go: behind; the others none. Said in full.
        assert " ".join(card.select_one(".kb-goal__explanation").text.split()) == (
            "0 van 4 personen gehaald; nog niet gehaald maar op schema: 0.")
        assert "Telt mee: medewerkers met de functie klantbegeleider (niet de contactpersonen Kwaliteit)" in card.text
        # No appraisals recorded: the same words for Kwaliteit as for the MT.
        for role in ("kw", "mt"):
            login(client, db, people[role])
            appraisals = page(client.get("/doelen")).select_one("#doel-functioneringsgesprekken")
            assert appraisals.select_one(".utrecht-status-badge").text == "Nog niets om te tellen", role
            assert appraisals.select_one(".kb-goal__number") is None, role  # no "0%" beside it
        # Pro rata only for whoever began later, with the day they began.
        login(client, db, people["Anna"])
        mine = " ".join(page(client.get("/doelen")).select_one("#mijn-kop").find_next("ul").text.split())
        assert "gevraagd: minstens 5 vóór" in mine and "naar rato" not in mine
        login(client, db, late)
        mine = " ".join(page(client.get("/doelen")).select_one("#mijn-kop").find_next("ul").text.split())
        assert "naar rato: u begon op 4 april 2027" in mine
    after = START + timedelta(days=200)
    with clock.frozen(datetime.combine(after, time(10), LOCAL_TZ)):
        login(client, db, people["kw"])
        shown = page(client.get("/doelen"))
        rows = shown.select("#personen-klantbegeleiders_werkoverleg tbody tr")
        states = {r.select("td")[0].text: r.select("td")[3].text for r in rows}
        assert states["Anna"] == "niet gehaald" and "loopt achter" not in states.values()
        appraisals = shown.select_one("#doel-functioneringsgesprekken")
        assert appraisals.select_one(".utrecht-status-badge").text == "Niet gehaald"
        login(client, db, people["Anna"])
        mine = page(client.get("/doelen")).select_one("#mijn-kop").find_next("ul")
        assert "Niet gehaald" in mine.text and "Loopt achter" not in mine.text

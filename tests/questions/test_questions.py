"""Questions: asked in the app or logged by the contactpersoon, answered, put on the werkoverleg
agenda when of general interest, turned into a draft item; and who sees which."""

from datetime import datetime, timedelta

from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import LOCAL_TZ
from app.meetings import agenda as agenda_service
from app.privacy import BSN_MESSAGE
from app.questions import service
from app.questions.models import AnswerIn, QuestionIn
from app.wiki.models import ItemStatus
from tests.factories import login, make_meeting, make_theme, make_user, post_form

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def teams(db):  # type: ignore[no-untyped-def]
    accounts_service.ensure_team(db, "noord", "Team Noord")
    accounts_service.ensure_team(db, "zuid", "Team Zuid")
    return {
        "anna": make_user(db, Role.medewerker, team_slug="noord", name="Anna", function="klantbegeleider"),
        "bram": make_user(db, Role.medewerker, team_slug="noord", name="Bram"),
        "cp_noord": make_user(db, Role.contactpersoon, team_slug="noord", name="Carla"),
        "cp_zuid": make_user(db, Role.contactpersoon, team_slug="zuid", name="Zeynep"),
        "kw": make_user(db, Role.kwaliteit, name="Kees"),
        "mt": make_user(db, Role.management, name="Marleen"),
    }


def test_asking_and_who_sees_it(client, db):
    people = teams(db)
    make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW):
        token = login(client, db, people["anna"])
        assert post_form(client, "/vragen", {"text": "Telt de vakantietoeslag mee?", "theme": "beslag"}, token).status_code == 303
        question = service.listed(db, people["anna"])[0]
        assert (question.team_id, question.channel) == (people["anna"].team_id, "app")
        for who, sees in (("anna", True), ("bram", False), ("cp_noord", True), ("cp_zuid", False), ("kw", True), ("mt", False)):
            assert (question in service.listed(db, people[who])) == sees, who
        # Another team's contactpersoon cannot answer it.
        token = login(client, db, people["cp_zuid"])
        assert post_form(client, f"/vragen/{question.id}/antwoord", {"answer": "Ja."}, token).status_code == 403
        token = login(client, db, people["bram"])
        assert "Telt de vakantietoeslag mee?" not in client.get("/vragen").text


def test_the_contactpersoon_logs_a_question_asked_by_phone(client, db):
    people = teams(db)
    with clock.frozen(NOW):
        token = login(client, db, people["cp_noord"])
        form = {"text": "Wat als de werkgever niet inhoudt?", "asker": people["bram"].email,
                "channel": "telefoon", "asked_on": "2027-02-26"}
        assert post_form(client, "/vragen", form, token).status_code == 303
        logged = service.listed(db, people["bram"])[0]
        assert (logged.asker_id, logged.logged_by_id, logged.channel) == (people["bram"].id, people["cp_noord"].id, "telefoon")
        assert logged.asked_at.astimezone(LOCAL_TZ).date().isoformat() == "2027-02-26"
        other = post_form(client, "/vragen", {**form, "asker": people["cp_zuid"].email}, token)
        assert other.status_code == 422 and page(other).find(id="ask-asker-error").text == "Deze collega hoort niet bij uw team."
        future = post_form(client, "/vragen", {**form, "asked_on": "2027-03-05"}, token)
        assert page(future).find(id="ask-date-error").text == "Deze datum ligt in de toekomst."
        assert page(future).find(id="ask-text").text == form["text"]  # nothing typed is lost
        token = login(client, db, people["anna"])
        mine = post_form(client, "/vragen", {**form, "asker": people["bram"].email}, token)
        assert "U kunt alleen uw eigen vraag stellen." in page(mine).find(id="ask-errors").text


def test_a_question_with_a_bsn_is_refused(client, db):
    people = teams(db)
    with clock.frozen(NOW):
        token = login(client, db, people["anna"])
        refused = post_form(client, "/vragen", {"text": "Inwoner 1234.56.782 heeft beslag, wat nu?"}, token)
        assert refused.status_code == 422
        assert page(refused).find(id="ask-text-error").text == BSN_MESSAGE
        assert "1234.56.782" in page(refused).find(id="ask-text").text
        api_token = accounts_service.create_api_token(db, people["anna"])
        headers = {"Authorization": f"Bearer {api_token}"}
        response = client.post("/api/v1/questions", json={"text": "BSN 123456782"}, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "text" and response.json()["detail"][0]["type"] == "bsn"
        fine = client.post("/api/v1/questions", json={"text": "Zaak 123456789: hoe verder?"}, headers=headers)
        assert fine.status_code == 201 and fine.json()["asker"] == people["anna"].email
        assert [q["text"] for q in client.get("/api/v1/questions", headers=headers).json()] == ["Zaak 123456789: hoe verder?"]
        missing = client.post("/api/v1/questions", json={"theme": "beslag"}, headers=headers)
        assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "text"


def test_answered_questions_of_general_interest_go_on_the_next_agenda(db):
    people = teams(db)
    make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW - timedelta(days=10)):
        asked = service.ask(db, QuestionIn(text="Telt de vakantietoeslag mee?", theme="beslag"), people["anna"], clock.now())
        private = service.ask(db, QuestionIn(text="Mijn eigen dossiervraag"), people["bram"], clock.now())
    with clock.frozen(NOW - timedelta(days=5)):
        service.answer(db, asked, AnswerIn(answer="Ja, naar rato.", general_interest=True), people["cp_noord"], clock.now())
        service.answer(db, private, AnswerIn(answer="Bel even."), people["cp_noord"], clock.now())
        refused = None
        try:
            service.answer(db, asked, AnswerIn(answer="Ja."), people["cp_zuid"], clock.now())
        except service.NotAllowed as exc:
            refused = str(exc)
        assert refused and "contactpersoon van het team" in refused
    with clock.frozen(NOW):
        werkoverleg = make_meeting(db, accounts_service.get_team_by_slug(db, "noord"), days_ahead=5)
        other_team = make_meeting(db, accounts_service.get_team_by_slug(db, "zuid"), days_ahead=5)
        vakoverleg = make_meeting(db, None, days_ahead=5)
        lines = agenda_service.lines(db, agenda_service.assemble(db, werkoverleg, clock.now()))
        assert [(line.entry.kind, line.entry.title, line.entry.text) for line in lines] == [
            ("question", "Telt de vakantietoeslag mee?", "Ja, naar rato.")]
        assert agenda_service.sections(lines)[0].heading == "Vragen uit het team"
        assert agenda_service.lines(db, agenda_service.assemble(db, other_team, clock.now())) == []
        vak = agenda_service.lines(db, agenda_service.assemble(db, vakoverleg, clock.now()))
        # Two people asked: too few for a count per theme (the under-three rule).
        assert [line for line in vak if line.entry.title == "Vragen aan de contactpersonen, per thema"] == []


def test_turning_a_question_into_a_draft_item(client, db):
    people = teams(db)
    make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW):
        without_theme = service.ask(db, QuestionIn(text="Vraag zonder thema"), people["anna"], clock.now())
        with_theme = service.ask(db, QuestionIn(text="Telt de vakantietoeslag mee?\nIk twijfel.", theme="beslag"),
                                 people["anna"], clock.now())
        token = login(client, db, people["cp_noord"])
        refused = post_form(client, f"/vragen/{without_theme.id}/concept", {}, token)
        assert refused.status_code == 422 and "Kies eerst een thema" in refused.text
        # The concept form offers the theme it needs; chosen there, the concept is made.
        assert page(refused).find(id=f"concept-theme-{without_theme.id}") is not None
        made_by_cp = post_form(client, f"/vragen/{without_theme.id}/concept", {"theme": "beslag"}, token)
        assert made_by_cp.status_code == 303 and "concept=" in made_by_cp.headers["location"]
        db.refresh(without_theme)
        assert without_theme.draft_item_id is not None and without_theme.theme_id is not None
        assert "concept-item van de vraag gemaakt" in page(client.get(made_by_cp.headers["location"])).text
        token = login(client, db, people["kw"])
        made = post_form(client, f"/vragen/{with_theme.id}/concept", {}, token)
        assert made.status_code == 303 and made.headers["location"].endswith("/bewerken")
        db.refresh(with_theme)
        editor = page(client.get(made.headers["location"]))
        assert editor.find(id="title")["value"] == "Telt de vakantietoeslag mee"
        assert "## De vraag" in editor.find(id="body").text
        assert editor.find(id="status").find("option", selected=True)["value"] == ItemStatus.draft
        again = post_form(client, f"/vragen/{with_theme.id}/concept", {}, token)
        assert again.status_code == 422 and "al een concept-item" in again.text
        token = login(client, db, people["anna"])
        assert post_form(client, f"/vragen/{with_theme.id}/concept", {}, token).status_code == 403


def test_the_contactpersoon_sees_open_questions_first_and_pages_through_the_rest(client, db):
    people = teams(db)
    make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW - timedelta(days=3)):
        answered = service.ask(db, QuestionIn(text="Al beantwoord", theme="beslag"), people["anna"], clock.now())
        service.answer(db, answered, AnswerIn(answer="Zo zit het."), people["cp_noord"], clock.now())
    with clock.frozen(NOW - timedelta(days=2)):
        oldest = service.ask(db, QuestionIn(text="De oudste open vraag"), people["bram"], clock.now())
    for n in range(24):
        with clock.frozen(NOW - timedelta(hours=24 - n)):
            service.ask(db, QuestionIn(text=f"Open vraag {n}"), people["anna"], clock.now())
    with clock.frozen(NOW):
        token = login(client, db, people["cp_noord"])
        first = page(client.get("/vragen"))
        cards = first.select("#team-kop ~ ul .kb-question")
        assert len(cards) == 20 and cards[0]["id"] == f"vraag-{oldest.id}"  # who waited longest
        assert "25 vragen wachten op antwoord" in first.text and "Al beantwoord" not in first.text
        second = page(client.get("/vragen?toon=open&page=2"))
        assert len(second.select("#team-kop ~ ul .kb-question")) == 5
        done = page(client.get("/vragen?toon=beantwoord&thema=beslag"))
        card = done.find(id=f"vraag-{answered.id}")
        assert "Zo zit het." in card.select_one(".kb-question__answer").text
        assert card.select_one("details.kb-question__edit form") is not None  # the form is folded away
        assert page(client.get("/vragen?toon=beantwoord&thema=onbekend")).find(id=f"vraag-{answered.id}")
        # A refused answer to a question that is not on the first page keeps what was typed.
        last = service.listed(db, people["anna"])[0]
        refused = post_form(client, f"/vragen/{last.id}/antwoord", {"answer": "BSN 123456782", "toon": "open"}, token)
        assert refused.status_code == 422
        assert page(refused).find(id=f"answer-{last.id}").text == "BSN 123456782"
        saved = post_form(client, f"/vragen/{last.id}/antwoord", {"answer": "Dat mag.", "toon": "open"}, token)
        assert saved.headers["location"].startswith("/vragen?toon=open&beantwoord=")
        assert "24 vragen wachten op antwoord" in page(client.get("/vragen")).text


def test_a_question_marked_of_general_interest_later_joins_the_next_agenda(db):
    people = teams(db)
    with clock.frozen(NOW - timedelta(days=40)):
        question = service.ask(db, QuestionIn(text="Telt kinderbijslag mee?"), people["anna"], clock.now())
        service.answer(db, question, AnswerIn(answer="Nee."), people["cp_noord"], clock.now())
    with clock.frozen(NOW - timedelta(days=2)):  # a month later it turns out others ask it too
        service.answer(db, question, AnswerIn(answer="Nee, nooit.", general_interest=True), people["cp_noord"], clock.now())
    with clock.frozen(NOW):
        meeting = make_meeting(db, accounts_service.get_team_by_slug(db, "noord"), days_ahead=5)
        lines = agenda_service.lines(db, agenda_service.assemble(db, meeting, clock.now()))
    assert [(line.entry.title, line.entry.text) for line in lines] == [("Telt kinderbijslag mee?", "Nee, nooit.")]


def test_a_question_logged_long_after_it_was_asked_is_refused(db):
    people = teams(db)
    with clock.frozen(NOW):
        data = QuestionIn(text="Oude vraag", asker=people["bram"].email, channel="telefoon",
                          asked_on=(NOW - timedelta(days=400)).date())
        try:
            service.ask(db, data, people["cp_noord"], clock.now())
        except service.QuestionError as exc:
            assert exc.field == "asked_on"
        else:
            raise AssertionError("a date a year back was accepted")


def test_a_medewerker_cannot_backdate_a_question_or_name_another_channel(client, db):
    """The attacker pass: a medewerker could post asked_on and channel by hand and move their
    own questions back in time (the goals count questions by date)."""
    from app.questions.models import Question as QuestionRow

    asker = make_user(db, Role.medewerker)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, asker)}"}
    db.commit()
    backdated = client.post("/api/v1/questions", headers=headers,
                            json={"text": "Een vraag.", "asked_on": (clock.today() - timedelta(days=30)).isoformat()})
    assert backdated.status_code == 422 and backdated.json()["detail"][0]["field"] == "asked_on"
    phoned = client.post("/api/v1/questions", headers=headers, json={"text": "Een vraag.", "channel": "telefoon"})
    assert phoned.status_code == 422 and phoned.json()["detail"][0]["field"] == "channel"
    assert db.exec(select(QuestionRow)).all() == []
    assert client.post("/api/v1/questions", headers=headers, json={"text": "Een vraag."}).status_code == 201


def test_answering_sets_the_theme_and_the_answer_stays_in_view(client, db):
    """A question asked with "Weet ik niet" gets its theme from the contactpersoon when
    answering; after saving, the answer stays on screen with a confirmation."""
    people = teams(db)
    beslag = make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW):
        question = service.ask(db, QuestionIn(text="Mag de deurwaarder de auto meenemen?"), people["anna"], clock.now())
        token = login(client, db, people["cp_noord"])
        form = page(client.get("/vragen")).find(id=f"theme-{question.id}")
        assert form.find("option", selected=True).text == "Weet ik niet"
        sent = post_form(client, f"/vragen/{question.id}/antwoord",
                         {"answer": "Alleen als die niet nodig is voor werk.", "theme": "beslag", "toon": "open"}, token)
        assert sent.status_code == 303
        shown = page(client.get(sent.headers["location"].split("#")[0]))
    db.refresh(question)
    assert question.theme_id == beslag.id
    card = shown.find(id=f"vraag-{question.id}")
    assert card is not None and "Alleen als die niet nodig is voor werk." in card.text
    assert "Opgeslagen: dit antwoord" in card.select_one("[role=status]").text
    assert card.find(id=f"theme-{question.id}").find("option", selected=True)["value"] == "beslag"
    assert "Alle vragen zijn beantwoord." in shown.text  # and the count is right: none left open


def test_a_question_whose_first_line_shows_nothing_still_becomes_a_concept(client, db):
    """The attacker pass: a first line of zero-width characters gave an empty title and a 500."""
    people = teams(db)
    make_theme(db, slug="beslag", name="Beslag")
    with clock.frozen(NOW):
        odd = service.ask(db, QuestionIn(text="\u200b\u200b\nHoe zit het met beslag?", theme="beslag"),
                          people["anna"], clock.now())
        only = service.ask(db, QuestionIn(text="\u200b" * 130 + "x", theme="beslag"), people["anna"], clock.now())
        token = login(client, db, people["kw"])
        made = post_form(client, f"/vragen/{odd.id}/concept", {}, token)
        assert made.status_code == 303
        assert page(client.get(made.headers["location"])).find(id="title")["value"] == "Hoe zit het met beslag"
        made = post_form(client, f"/vragen/{only.id}/concept", {}, token)
        assert made.status_code == 303
        assert page(client.get(made.headers["location"])).find(id="title")["value"] == "Vraag uit het team"

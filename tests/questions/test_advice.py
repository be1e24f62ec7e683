"""Monitoring the advice function: the asker's "Had u hier iets aan?", the figures over a
period (received, handled, open, handling time, per theme per month, helped), each under the
under-three rule, on the vakoverleg agenda page and by API."""

from datetime import date, datetime

from bs4 import BeautifulSoup

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import LOCAL_TZ
from app.errors import InputError
from app.meetings import service as meetings_service
from app.questions import service
from app.questions.models import AnswerIn, QuestionIn
from app.web.templating import templates
from tests.factories import login, make_meeting, make_theme, make_user, post_form

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time().replace(hour=hour), LOCAL_TZ)


def people(db):  # type: ignore[no-untyped-def]
    accounts_service.ensure_team(db, "noord", "Team Noord")
    return {
        **{name: make_user(db, Role.medewerker, team_slug="noord", name=name.title())
           for name in ("anna", "bram", "cas", "dirk", "eva")},
        "cp": make_user(db, Role.contactpersoon, team_slug="noord", name="Carla"),
        "kw": make_user(db, Role.kwaliteit, name="Kees"),
        "mt": make_user(db, Role.management, name="Marleen"),
    }


def api_headers(db, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}


def test_the_asker_says_whether_the_answer_helped_on_the_page(client, db):
    who = people(db)
    with clock.frozen(NOW):
        answered = service.ask(db, QuestionIn(text="Telt de vakantietoeslag mee?"), who["anna"], clock.now())
        service.answer(db, answered, AnswerIn(answer="Ja, naar rato."), who["cp"], clock.now())
        waiting = service.ask(db, QuestionIn(text="Nog geen antwoord"), who["anna"], clock.now())
        token = login(client, db, who["anna"])
        card = page(client.get("/vragen")).find(id=f"vraag-{answered.id}")
        assert "Had u hier iets aan?" in card.find("legend").text
        assert page(client.get("/vragen")).find(id=f"geholpen-{waiting.id}") is None  # no answer, no question
        sent = post_form(client, f"/vragen/{answered.id}/geholpen", {"helped": "ja"}, token)
        assert sent.status_code == 303 and sent.headers["location"] == f"/vragen?geholpen={answered.id}#vraag-{answered.id}"
        shown = client.get(sent.headers["location"].split("#")[0])
        assert shown.status_code == 200
        card = page(shown).find(id=f"vraag-{answered.id}")
        assert "uw antwoord is opgeslagen" in card.select_one("[role=status]").text
        assert "U zei: ja." in card.find("legend").text
        assert card.find("button", value="ja")["aria-pressed"] == "true"
        db.refresh(answered)
        assert (answered.helped, answered.helped_at) == (True, clock.now())
        # Changing it: "nee" after all.
        assert post_form(client, f"/vragen/{answered.id}/geholpen", {"helped": "nee"}, token).status_code == 303
        db.refresh(answered)
        assert answered.helped is False
        assert "U zei: nee." in page(client.get("/vragen")).find(id=f"vraag-{answered.id}").find("legend").text
        refused = post_form(client, f"/vragen/{waiting.id}/geholpen", {"helped": "ja"}, token)
        assert refused.status_code == 422
        assert "nog niet beantwoord" in page(refused).find(id=f"vraag-{waiting.id}").select_one("[role=alert]").text
        odd = post_form(client, f"/vragen/{answered.id}/geholpen", {"helped": "misschien"}, token)
        assert odd.status_code == 422 and "Kies ja of nee." in page(odd).find(id=f"vraag-{answered.id}").text
        # Not the asker: not even the contactpersoon who answered says it for her.
        for other in ("bram", "cp", "kw"):
            token = login(client, db, who[other])
            assert post_form(client, f"/vragen/{answered.id}/geholpen", {"helped": "ja"}, token).status_code == 404, other
    db.refresh(answered)
    assert answered.helped is False


def test_the_asker_says_whether_the_answer_helped_by_api(client, db):
    who = people(db)
    with clock.frozen(NOW):
        answered = service.ask(db, QuestionIn(text="Telt de vakantietoeslag mee?"), who["anna"], clock.now())
        service.answer(db, answered, AnswerIn(answer="Ja."), who["cp"], clock.now())
        waiting = service.ask(db, QuestionIn(text="Nog open"), who["anna"], clock.now())
        anna = api_headers(db, who["anna"])
        said = client.post(f"/api/v1/questions/{answered.id}/helped", json={"helped": True}, headers=anna)
        assert said.status_code == 200 and said.json()["helped"] is True
        said = client.post(f"/api/v1/questions/{answered.id}/helped", json={"helped": False}, headers=anna)
        assert said.json()["helped"] is False
        early = client.post(f"/api/v1/questions/{waiting.id}/helped", json={"helped": True}, headers=anna)
        assert early.status_code == 422
        assert early.json()["detail"][0]["field"] == "helped" and "nog niet beantwoord" in early.json()["detail"][0]["message"]
        wrong = client.post(f"/api/v1/questions/{answered.id}/helped", json={"helped": "misschien"}, headers=anna)
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "helped"
        for other in ("bram", "cp"):
            refused = client.post(f"/api/v1/questions/{answered.id}/helped", json={"helped": True},
                                  headers=api_headers(db, who[other]))
            assert refused.status_code == 404 and refused.json()["detail"] == "Deze vraag bestaat niet.", other
        assert client.post("/api/v1/questions/999999/helped", json={"helped": True}, headers=anna).status_code == 404
    db.refresh(answered)
    assert answered.helped is False


def february(db):  # type: ignore[no-untyped-def]
    """Five colleagues' questions in February 2027 and one in January; Monday 1 February."""
    who = people(db)
    make_theme(db, slug="beslag", name="Beslag")
    make_theme(db, slug="toeslagen", name="Toeslagen")
    ask = {name: service.ask(db, QuestionIn(text=f"Vraag van {name}", theme="beslag"), who[name], at("2027-02-01"))
           for name in ("anna", "bram", "cas", "dirk")}
    service.ask(db, QuestionIn(text="Toeslag?", theme="toeslagen"), who["eva"], at("2027-02-03"))
    # Answered after one, two and four working days; Dirk's and Eva's stay open.
    for name, day in (("anna", "2027-02-02"), ("bram", "2027-02-03"), ("cas", "2027-02-05")):
        service.answer(db, ask[name], AnswerIn(answer="Zo."), who["cp"], at(day))
    for name, helped in (("anna", True), ("bram", True), ("cas", False)):
        service.say_helped(db, ask[name], helped, who[name], at("2027-02-08"))
    # January, answered in January: only in the trend. March: after the period.
    old = service.ask(db, QuestionIn(text="Oud", theme="beslag"), who["anna"], at("2027-01-12"))
    service.answer(db, old, AnswerIn(answer="Zo."), who["cp"], at("2027-01-13"))
    service.ask(db, QuestionIn(text="Later", theme="beslag"), who["bram"], at("2027-03-01", 9))
    return who


def test_the_figures_of_the_advice_function(db):
    february(db)
    shown = service.advice_monitoring(db, date(2027, 2, 1), date(2027, 2, 28))
    assert (shown.received.value, shown.received.people) == (5, 5)
    assert (shown.handled.value, shown.handled.people) == (3, 3)
    assert shown.median_working_days.value == 2
    # Open at the end of February: Dirk's and Eva's, two people: too few to show.
    assert shown.open == service.Figure(None, None, "te weinig mensen om te tonen")
    assert (shown.helped_yes.value, shown.helped_said.value, shown.helped_said.people) == (2, 3, 3)
    assert round(shown.helped_share.value, 3) == 0.667  # type: ignore[arg-type]
    assert shown.months == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1),
                            date(2027, 1, 1), date(2027, 2, 1)]
    rows = {t.theme: [f.value for f in t.per_month] for t in shown.themes}
    # Beslag: four people in February; one in January (withheld). Toeslagen: one person.
    assert rows == {"Beslag": [0, 0, 0, 0, None, 4], "Toeslagen": [0, 0, 0, 0, 0, None]}
    assert shown.themes[0].per_month[4].reason == "te weinig mensen om te tonen"
    # The first half of February: Cas's answer came on the 5th, so handled by three people still.
    week = service.advice_monitoring(db, date(2027, 2, 1), date(2027, 2, 4))
    assert (week.received.value, week.handled.value) == (5, None)  # Anna and Bram: two answered
    assert week.helped_said.value is None and week.helped_share.reason == "te weinig mensen om te tonen"
    assert (week.open.value, week.open.people) == (3, 3)  # Cas, Dirk, Eva


def test_monitoring_refuses_dates_it_cannot_use(db):
    for start, end, field in ((date(1, 1, 1), date(2027, 1, 1), "start"), (date(2027, 1, 1), date(9999, 12, 31), "end"),
                              (date(2027, 2, 1), date(2027, 1, 31), "end")):
        try:
            service.advice_monitoring(db, start, end)
        except InputError as refused:
            assert refused.field == field and refused.status == 422
        else:
            raise AssertionError(f"{start}..{end} was accepted")


def test_the_partial_renders_from_advice_alone(db):
    february(db)
    html = templates.env.get_template("_advice_monitoring.html").render(
        advice=service.advice_monitoring(db, date(2027, 2, 1), date(2027, 2, 28)))
    shown = BeautifulSoup(html, "html.parser")
    assert "Van 1 februari 2027 tot en met 28 februari 2027." in shown.text
    assert shown.find(id="advies-behandeltijd").dd.text.split() == ["2", "werkdagen", "(3", "mensen)"]
    assert shown.find(id="advies-open").dd.text == "te weinig mensen om te tonen"
    assert shown.find(id="advies-geholpen").dd.text.startswith("67% ja")
    table = shown.find(id="advies-per-thema")
    assert [th.text for th in table.thead.find_all("th")][1:] == [
        "september 2026", "oktober 2026", "november 2026", "december 2026", "januari 2027", "februari 2027"]
    beslag = table.tbody.find("th", string="Beslag").parent
    assert [td.text for td in beslag.find_all("td")] == ["0", "0", "0", "0", "–te weinig mensen om te tonen", "4"]


def test_the_vakoverleg_page_has_the_advice_function_since_the_previous_one(client, db):
    who = february(db)
    with clock.frozen(NOW):
        noord = accounts_service.get_team_by_slug(db, "noord")
        coming = make_meeting(db, None, days_ahead=5)
        token = login(client, db, who["anna"])
        # None held before: the last month, up to today.
        response = client.get(f"/werkoverleg/{coming.id}")
        assert response.status_code == 200
        section = page(response).find("section", attrs={"aria-labelledby": "advies-kop"})
        assert section.h2.text == "Adviesfunctie"
        assert "Van 2 februari 2027 tot en met 1 maart 2027." in section.text
        # Asked from 2 February: Eva's and Bram's, too few; answered: Anna's, Bram's and Cas's.
        assert section.find(id="advies-ontvangen").dd.text == "te weinig mensen om te tonen"
        assert section.find(id="advies-behandeld").dd.text.split() == ["3", "(3", "mensen)"]
        # Since the previous vakoverleg, 15 February: only what came after.
        make_meeting(db, None, days_ahead=-14)
        section = page(client.get(f"/werkoverleg/{coming.id}")).find(id="adviesfunctie")
        assert "Van 16 februari 2027 tot en met 1 maart 2027." in section.text
        # None answered: a plain zero, which points at no one.
        assert section.find(id="advies-behandeld").dd.text == "0"
        assert section.find(id="advies-open").dd.text.split()[0] == "3"  # Dirk, Eva, Bram
        # A team's werkoverleg has no such section; nor has a cancelled vakoverleg.
        werkoverleg = make_meeting(db, noord, days_ahead=5)
        response = client.get(f"/werkoverleg/{werkoverleg.id}")
        assert response.status_code == 200 and page(response).find(id="advies-kop") is None
        meetings_service.cancel(db, coming, "Te weinig mensen", clock.now())
        response = client.get(f"/werkoverleg/{coming.id}")
        assert response.status_code == 200 and page(response).find(id="advies-kop") is None
    assert token


def test_the_monitoring_api(client, db):
    who = february(db)
    with clock.frozen(NOW):
        url = "/api/v1/questions/monitoring?start=2027-02-01&end=2027-02-28"
        for role in ("kw", "cp", "mt"):
            answer = client.get(url, headers=api_headers(db, who[role]))
            assert answer.status_code == 200, role
            body = answer.json()
            assert body["received"] == {"value": 5, "people": 5, "reason": None}
            assert body["open"] == {"value": None, "people": None, "reason": "te weinig mensen om te tonen"}
            assert body["months"][-1] == "2027-02-01" and body["themes"][0]["theme"] == "Beslag"
            assert "text" not in str(body) and "asker" not in str(body)  # aggregates only
        assert client.get(url, headers=api_headers(db, who["anna"])).status_code == 403
        kw = api_headers(db, who["kw"])
        out_of_range = "Kies een datum tussen 1 januari 2000 en 31 december 2100."
        for query, field, message in (
            ("start=0001-01-01&end=2027-02-28", "start", out_of_range),
            ("start=2027-02-01&end=9999-12-31", "end", out_of_range),
            ("start=2027-02-01&end=2027-01-31", "end",
             "De einddatum ligt voor de begindatum. Kies een einddatum op of na de begindatum."),
            ("start=2027-02-30&end=2027-03-01", "start", "Vul een datum in als JJJJ-MM-DD."),
            ("end=2027-03-01", "start", "Dit veld is verplicht."),
        ):
            refused = client.get(f"/api/v1/questions/monitoring?{query}", headers=kw)
            assert refused.status_code == 422, query
            detail = refused.json()["detail"][0]
            assert (detail["field"], detail["message"]) == (field, message), query

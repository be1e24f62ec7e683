"""Kwaliteit's worklist (/werk): concepts (also those made from a question), review dates,
open questions and searches without results, each with its action; in the menu for Kwaliteit."""

from datetime import datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup

from app import clock
from app.accounts.models import Role
from app.config import LOCAL_TZ
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from app.search import service as search_service
from tests.factories import login, make_item, make_theme, make_user

pytestmark = pytest.mark.any_database
NOW = datetime(2027, 3, 10, 10, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


def test_the_worklist_gathers_what_waits_for_kwaliteit(client, db):
    kees = make_user(db, Role.kwaliteit, name="Kees")
    anna = make_user(db, Role.medewerker, name="Anna")  # no team: Kwaliteit answers her
    with clock.frozen(NOW - timedelta(days=20)):
        theme = make_theme(db, name="Beslag")
        make_item(db, theme, kees, title="Half af", status="draft")
        make_item(db, theme, kees, title="Bijna verlopen", review_date=(NOW.date() + timedelta(days=5)).isoformat())
        make_item(db, theme, kees, title="Nog lang goed", review_date=(NOW.date() + timedelta(days=90)).isoformat())
        asked = questions_service.ask(db, QuestionIn(text="Geldt de bvv ook bij toeslagen?", theme=theme.slug), anna, clock.now())
        questions_service.make_draft_item(db, asked, kees, clock.now())
        questions_service.ask(db, QuestionIn(text="Wie belt de deurwaarder?"), anna, clock.now())
    with clock.frozen(NOW):
        for _ in range(2):
            search_service._log_query(db, "energietoeslag", 0)  # noqa: SLF001 - the analytics' own writer
        db.flush()
        login(client, db, kees)
        work = page(client.get("/werk"))
    drafts = work.select_one("#concepten-kop").find_parent("section")
    titles = [a.text for a in drafts.select(".kb-card__title a")]
    assert set(titles) == {"Half af", "Geldt de bvv ook bij toeslagen"}
    from_question = next(c for c in drafts.select(".kb-card") if "Geldt de bvv" in c.text)
    assert "gemaakt van een vraag uit het team" in from_question.text
    assert from_question.find("a", string="de vraag")["href"] == f"/vragen?toon=alle&vraag={asked.id}#vraag-{asked.id}"
    reviews = work.select_one("#controle-kop").find_parent("section")
    assert [a.text for a in reviews.select("li a")] == ["Bijna verlopen"]
    questions = work.select_one("#vragen-kop").find_parent("section")
    # Both still open (a concept does not answer a question), oldest first.
    assert [a.text for a in questions.select("li a")] == ["Geldt de bvv ook bij toeslagen?", "Wie belt de deurwaarder?"]
    gaps = work.select_one("#zoeken-kop").find_parent("section")
    assert gaps.select_one("td").text == "energietoeslag"
    assert gaps.select_one("td a")["href"] == "/items/nieuw?titel=energietoeslag"
    new_item = page(client.get("/items/nieuw?titel=energietoeslag"))
    assert new_item.find(id="title")["value"] == "energietoeslag"
    menu = [a.text for a in work.select("nav[aria-label=Hoofdmenu] a")]
    assert "Werklijst" in menu and "Controle" not in menu and "Zoekanalyse" not in menu


def test_the_worklist_is_for_kwaliteit(client, db):
    for role in (Role.medewerker, Role.contactpersoon, Role.management):
        login(client, db, make_user(db, role))
        assert client.get("/werk").status_code == 403, role
        menu = [a.text for a in page(client.get("/")).select("nav[aria-label=Hoofdmenu] a")]
        assert "Werklijst" not in menu
    with clock.frozen(datetime.combine(NOW.date(), time(10), LOCAL_TZ)):
        login(client, db, make_user(db, Role.kwaliteit))
        empty = page(client.get("/werk"))
    assert "Geen concepten." in empty.text and "Alles is binnen de controledatum." in empty.text

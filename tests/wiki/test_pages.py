"""The wiki's pages, checked by parsing their HTML."""

import pytest
from bs4 import BeautifulSoup

from app.accounts.models import Role
from tests.factories import login, make_item, make_theme, make_user, post_form

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def test_pages_need_login(client):
    response = client.get("/themas", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/themas"


def test_home_theme_and_item_pages(client, db):
    user = make_user(db, Role.medewerker, function="klantbegeleider")
    theme = make_theme(db, name="Beslagvrije voet en beslag")
    item = make_item(
        db, theme, title="Beslag op een uitkering", summary="Wat u controleert bij beslag.",
        dossier_meaning="Vraag de beslagleggers om een overzicht.",
        body="## Stappen\n\n| wie | wat |\n|---|---|\n| u | bellen |\n",
        source_name="Rijksoverheid", source_url="https://www.rijksoverheid.nl/",
        valid_from="2026-01-01",
    )
    make_item(db, theme, title="Nog een concept", status="draft")
    login(client, db, user)

    home = soup(client.get("/"))
    assert home.html["lang"] == "nl"
    tiles = {a.select_one(".kb-tile__name").text: a.select_one(".kb-tile__count").text for a in home.select(".kb-tile__link")}
    assert tiles["Beslagvrije voet en beslag"] == "1 item"

    page = soup(client.get(f"/themas/{theme.slug}"))
    titles = [a.text for a in page.select(".kb-card__title a")]
    assert titles == ["Beslag op een uitkering"]  # the draft is not shown to a medewerker
    # The audience filter as the browser sends it when "Iedereen" is chosen.
    assert client.get(f"/themas/{theme.slug}?doelgroep=").status_code == 200

    page = soup(client.get(f"/items/{item.slug}"))
    assert page.h1.text == "Beslag op een uitkering"
    assert page.select_one(".kb-dossier p").text == "Vraag de beslagleggers om een overzicht."
    assert page.select_one(".kb-body table td").text == "u"
    source = page.find("a", href="https://www.rijksoverheid.nl/")
    assert source is not None and source.text == "Rijksoverheid"
    meta = {dt.text: dt.find_next_sibling("dd").text for dt in page.select("dl.kb-data-list dt")}
    assert meta["Doelgroep"] == "Klantbegeleiders en schuldregelaars"
    assert meta["Geldig vanaf"] == "1 januari 2026"
    assert "Volgende controle" in meta
    assert page.find("a", href=f"/items/{item.slug}/geschiedenis") is not None
    assert page.find("a", href=f"/items/{item.slug}/bewerken") is None  # medewerker cannot edit


def test_draft_is_hidden_from_readers_and_shown_to_kwaliteit(client, db):
    theme = make_theme(db)
    draft = make_item(db, theme, status="draft")
    login(client, db, make_user(db, Role.medewerker))
    assert client.get(f"/items/{draft.slug}").status_code == 404
    login(client, db, make_user(db, Role.kwaliteit))
    page = soup(client.get(f"/items/{draft.slug}"))
    assert "Concept" in page.select_one("article .kb-alert").text


def test_kwaliteit_creates_publishes_and_archives(client, db):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    token = login(client, db, editor)
    form = {
        "title": "Nieuwe normen", "summary": "De normen zijn gewijzigd.",
        "dossier_meaning": "Herbereken de afloscapaciteit.", "body": "Tekst",
        "theme": theme.slug, "audience": "schuldregelaar", "tags": "vtlb, normen",
        "status": "draft", "note": "Eerste versie",
    }
    response = post_form(client, "/items/nieuw", form, token)
    assert response.status_code == 303
    slug = response.headers["location"].split("/")[2].split("?")[0]
    assert slug == "nieuwe-normen"

    response = post_form(client, f"/items/{slug}/status", {"status": "published", "version": "1"}, token)
    assert response.status_code == 303
    page = soup(client.get(f"/themas/{theme.slug}"))
    assert [a.text for a in page.select(".kb-card__title a")] == ["Nieuwe normen"]

    response = post_form(client, f"/items/{slug}/status", {"status": "archived", "version": "2"}, token)
    assert response.status_code == 303
    page = soup(client.get(f"/items/{slug}"))
    assert "Gearchiveerd" in page.select_one("article .kb-alert").text
    history = soup(client.get(f"/items/{slug}/geschiedenis"))
    notes = [row.select("td")[3].text for row in history.select("tbody tr")]
    assert notes == ["Gearchiveerd", "Gepubliceerd", "Eerste versie"]


def test_kwaliteit_creates_and_edits_a_theme(client, db):
    token = login(client, db, make_user(db, Role.kwaliteit))
    response = post_form(client, "/themas/nieuw", {"name": "Schulden & jongeren", "description": "Jongeren tot 27.",
                                                   "icon": "signaal", "position": "3"}, token)
    assert response.status_code == 303 and response.headers["location"] == "/themas/schulden-jongeren"
    response = post_form(client, "/themas/schulden-jongeren/bewerken",
                         {"name": "Jongeren en schulden", "description": "", "icon": "bestaat-niet", "position": "x"}, token)
    assert response.status_code == 422
    page = soup(response)
    assert "pictogrammen" in page.find(id="icon-error").text
    assert page.find(id="position-error").text == "Vul een geheel getal in."
    assert page.find(id="name")["value"] == "Jongeren en schulden"  # what was typed stays
    response = post_form(client, "/themas/schulden-jongeren/bewerken",
                         {"name": "Jongeren en schulden", "description": "", "icon": "wet", "position": ""}, token)
    assert response.status_code == 303
    page = soup(client.get("/themas/schulden-jongeren"))
    assert page.h1.text == "Jongeren en schulden"
    response = post_form(client, "/themas/nieuw", {"name": "Jongeren en schulden", "icon": "boek"}, token)
    assert response.status_code == 303  # a new slug: jongeren-en-schulden differs from the kept slug
    response = post_form(client, "/themas/nieuw", {"name": "Jongeren en schulden", "icon": "boek"}, token)
    assert response.status_code == 422
    assert "bestaat al" in soup(response).find(id="name-error").text


def test_review_page_checks_many_and_rechecks_a_theme(client, db):
    theme = make_theme(db, name="Beslag")
    old = make_item(db, theme, title="Oud item", review_date="2020-01-01")
    make_item(db, theme, title="Vers item", review_date="2099-01-01")
    token = login(client, db, make_user(db, Role.kwaliteit))
    page = soup(client.get("/controle"))
    assert [a.text for a in page.select("tbody td a")] == ["Oud item"]
    assert "te laat" in page.select_one("tbody .badge-error").text

    response = post_form(client, "/controle/gecontroleerd", {"item": old.slug}, token)
    assert response.headers["location"] == "/controle?klaar=1"
    page = soup(client.get("/controle?klaar=1"))
    assert page.select("tbody tr") == []
    assert page.select_one("[role=status]").get_text(strip=True) == "1 item bijgewerkt."

    response = post_form(client, "/controle/thema", {"theme": theme.slug, "reason": "  "}, token)
    assert response.status_code == 422
    page = soup(response)
    assert "waarom" in page.find(id="reason-error").text
    assert page.find(id="review-theme").find("option", selected=True)["value"] == theme.slug

    response = post_form(client, "/controle/thema", {"theme": theme.slug, "reason": "Normen 1 juli"}, token)
    assert response.headers["location"] == "/controle?klaar=2"
    page = soup(client.get("/controle"))
    assert sorted(a.text for a in page.select("tbody td a")) == ["Oud item", "Vers item"]


def test_huge_numbers_in_the_address_are_a_422(client, db):
    theme = make_theme(db)
    item = make_item(db, theme)
    login(client, db, make_user(db))
    assert client.get(f"/items/{item.slug}/geschiedenis?van=99999999999999999999").status_code == 422


def test_a_refused_form_shows_what_was_typed(client, db):
    theme = make_theme(db)
    login(client, db, make_user(db, Role.kwaliteit))
    form = {"title": "Mijn titel", "body": "Een hele middag werk.", "theme": theme.slug, "csrf_token": "verlopen"}
    response = client.post("/items/nieuw", data=form)
    assert response.status_code == 403
    page = soup(response)
    typed = [t.text for t in page.select("textarea[readonly]")]
    assert "Een hele middag werk." in typed and "Mijn titel" in typed


def test_each_reader_sees_their_own_audience_first_with_everyone_one_click_away(client, db):
    theme = make_theme(db)
    for title, audience in [("Voor schuldregelaars", "schuldregelaar"), ("Voor klantbegeleiders", "klantbegeleider"),
                            ("Voor beide", "beide")]:
        make_item(db, theme, title=title, audience=audience)
    reader = make_user(db, Role.medewerker, function="klantbegeleider")
    login(client, db, reader)
    home = soup(client.get("/"))
    recent = [a.text for a in home.select("#nieuw-kop ~ ul .kb-card__title a")]
    assert recent == ["Voor beide", "Voor klantbegeleiders"]
    assert home.select_one("a[href='/?doelgroep=iedereen']").text == "Toon alles"
    everything = soup(client.get("/?doelgroep=iedereen"))
    assert len(everything.select("#nieuw-kop ~ ul .kb-card__title a")) == 3
    shown = soup(client.get(f"/themas/{theme.slug}"))
    assert shown.find(id="doelgroep").find("option", selected=True)["value"] == "klantbegeleider"
    assert sorted(a.text for a in shown.select(".kb-card__title a")) == ["Voor beide", "Voor klantbegeleiders"]
    all_items = soup(client.get(shown.find("a", string="Toon de items voor iedereen")["href"]))
    assert len(all_items.select(".kb-card__title a")) == 3
    assert all_items.find(id="doelgroep").find("option", selected=True)["value"] == "iedereen"
    # Someone without a function (Kwaliteit) sees everything.
    login(client, db, make_user(db, Role.kwaliteit))
    assert len(soup(client.get(f"/themas/{theme.slug}")).select(".kb-card__title a")) == 3

"""The main journeys, as people make them in a browser: log in; infographic → theme → item;
search with a typo and follow the suggestion; Kwaliteit publishes an item that shows in search
and as new on the infographic; a second editor's stale save is refused and nothing is lost."""

import re
import secrets

import pytest

from tests.browser.conftest import SECOND_EDITOR


def new_count(page, theme_name: str) -> int:  # type: ignore[no-untyped-def]
    tile = page.locator(".kb-tile__link", has=page.locator(".kb-tile__name", has_text=theme_name))
    badge = tile.locator(".kb-tile__new")
    return int(badge.inner_text().split()[0]) if badge.count() else 0


def test_log_in_and_out(visitor):
    page = visitor.go("/themas/overzicht")
    assert page.url.endswith("/login?next=/themas/overzicht")  # not logged in: to the login page
    page.get_by_label("E-mailadres").fill("medewerker@example.org")
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    alert = page.get_by_role("alert")
    assert "wachtwoord" in alert.inner_text().lower()
    assert page.get_by_label("E-mailadres").input_value() == "medewerker@example.org"
    page.get_by_label("Wachtwoord").fill("demo-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/themas/overzicht$"))  # back where they wanted to go
    assert page.get_by_role("heading", level=1).inner_text() == "Thema's in één oogopslag"
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/login"))
    assert visitor.problems == []


@pytest.mark.parametrize("width", ["desktop", "telefoon"])
def test_from_the_infographic_to_an_item(visitor, phone_visitor, width):
    person = visitor if width == "desktop" else phone_visitor
    person.login("medewerker@example.org")
    page = person.page
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Thema's").click()
    page.wait_for_url(re.compile(r"/themas/overzicht$"))
    tiles = page.locator(".kb-infographic .kb-tile__link")
    assert tiles.count() == 12
    # Every tile is visible within the width of the screen: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.get_by_role("link", name=re.compile(r"^Wsnp \d+ items?")).click()
    page.wait_for_url(re.compile(r"/themas/wsnp$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Wsnp"
    first = page.locator(".kb-card__title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/items/"))
    assert page.get_by_role("heading", level=1).inner_text().replace("\u00ad", "") == title  # soft hyphens in long compounds
    assert page.get_by_role("heading", name="Wat betekent dit voor het dossier?").is_visible()
    # And back up by the breadcrumb.
    page.get_by_role("navigation", name="Kruimelpad").get_by_role("link", name="Wsnp").click()
    page.wait_for_url(re.compile(r"/themas/wsnp$"))
    assert person.problems == []


def test_search_with_a_typo_and_follow_the_suggestion(visitor):
    visitor.login("medewerker@example.org")
    page = visitor.page
    page.get_by_role("search", name="Zoeken in de hele Wiki-bibliotheek").get_by_role("searchbox").fill("kwijtscelding")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/zoeken\?q=kwijtscelding"))
    suggestion = page.locator("#suggestion")
    assert "Niets gevonden voor kwijtscelding" in suggestion.inner_text()
    assert page.locator(".result-list .kb-card").count() > 0  # the corrected results, at once
    suggestion.get_by_role("link", name="kwijtschelding").click()
    page.wait_for_url(re.compile(r"/zoeken\?q=kwijtschelding$"))
    assert page.locator("#suggestion").count() == 0
    titles = page.locator(".result-list .kb-card__title").all_inner_texts()
    assert any("Kwijtschelding" in t for t in titles)
    assert visitor.problems == []


def test_results_follow_the_typing(visitor):
    visitor.login("medewerker@example.org")
    page = visitor.go("/zoeken")
    field = page.get_by_label("Waar zoekt u naar?")
    field.press_sequentially("schone lei", delay=40)
    page.locator("#resultaten-kop").wait_for()
    assert "schone lei" in page.locator(".result-list").inner_text().lower()
    assert re.search(r"/zoeken\?q=schone(\+|%20)lei", page.url)  # the address follows, for Back and sharing
    assert re.fullmatch(r"\d+ resultaten?", page.locator("#zoekstatus").inner_text())
    assert visitor.problems == []


def test_kwaliteit_publishes_an_item_that_shows_in_search_and_as_new(visitor):
    word = "proefwoord" + secrets.token_hex(3)
    visitor.login("kwaliteit@example.org")
    page = visitor.go("/")
    before = new_count(page, "Vroegsignalering")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Werklijst").click()
    page.get_by_role("link", name="Nieuw item").click()
    page.get_by_label("Titel").fill(f"Signaal van de drinkwaterbedrijven ({word})")
    page.get_by_label("Samenvatting").fill("Wat u doet als een signaal van het drinkwaterbedrijf binnenkomt.")
    page.get_by_label("Wat betekent dit voor het dossier?").fill("Neem binnen vijf werkdagen contact op.")
    page.get_by_label("Tekst", exact=True).fill(f"Een voorbeeldtekst met het woord {word}.")
    page.get_by_label("Thema").select_option(label="Vroegsignalering")
    page.get_by_label("Klantbegeleiders en schuldregelaars").check()
    page.get_by_label("Status").select_option(label="Gepubliceerd")
    page.get_by_label("Wat heeft u gewijzigd?").fill("Nieuw item")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/items/.+\?opgeslagen=1$"))
    assert page.get_by_role("status").inner_text().strip() == "Opgeslagen en gepubliceerd."

    page = visitor.go(f"/zoeken?q={word}")
    assert page.locator(".result-list .kb-card__title").all_inner_texts() == [
        f"Signaal van de drinkwaterbedrijven ({word})"]
    page = visitor.go("/")
    assert new_count(page, "Vroegsignalering") == before + 1
    assert f"({word})" in page.locator(".kb-cards").first.inner_text()  # first under "Nieuw"
    assert visitor.problems == []


def test_a_stale_save_is_refused_and_nothing_is_lost(visitor, second_visitor):
    item = "/items/wsnp-bewindvoerder-rol/bewerken"
    anna, bram = visitor, second_visitor
    anna.login("kwaliteit@example.org")
    bram.login(SECOND_EDITOR)
    anna.go(item)
    bram.go(item)

    bram.page.get_by_label("Samenvatting").fill("Bram herschreef de samenvatting.")
    bram.page.get_by_label("Wat heeft u gewijzigd?").fill("Samenvatting korter")
    bram.page.get_by_role("button", name="Opslaan").click()
    bram.page.wait_for_url(re.compile(r"\?opgeslagen=1$"))

    anna_text = "Anna voegde een alinea toe die niet verloren mag gaan."
    body = anna.page.get_by_label("Tekst", exact=True)
    body.fill(body.input_value() + "\n\n" + anna_text)
    anna.page.get_by_role("button", name="Opslaan").click()
    conflict = anna.page.locator("#conflict")
    conflict.wait_for()
    assert "iemand anders was u voor" in conflict.inner_text()
    assert "Bram Tweede" in conflict.inner_text()
    assert anna_text in anna.page.get_by_label("Tekst", exact=True).input_value()  # kept in the form
    # Bram's version is what is stored.
    stored = bram.go("/items/wsnp-bewindvoerder-rol")
    assert stored.locator(".kb-lead").inner_text() == "Bram herschreef de samenvatting."
    assert anna_text not in stored.locator(".kb-body").inner_text()
    # Anna has seen Bram's version; saving again is her deliberate choice and is accepted.
    anna.page.get_by_role("textbox", name="Samenvatting").fill("Bram herschreef de samenvatting.")
    anna.page.get_by_role("button", name="Opslaan").click()
    anna.page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
    assert anna_text in anna.page.locator(".kb-body").inner_text()
    assert anna.page.locator(".kb-lead").inner_text() == "Bram herschreef de samenvatting."
    assert anna.problems == [] and bram.problems == []

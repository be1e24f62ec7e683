"""WCAG 2.1 AA in a real browser: axe-core on every main page, at desktop and phone width, plus
what axe cannot see: the skip link, the focus ring, and no page that the browser had to
refuse part of (a Content-Security-Policy violation shows as a console error)."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, describe, new_visitor

ITEM = "wsnp-schone-lei"
THEME = "beslagvrije-voet-en-beslag"

# What a kwaliteitsmedewerker reaches: every page of the product. Each pair: a name and how to
# get the page in its state (a path, or a function that acts on the page).
PAGES = {
    "start": "/",
    "thema's": "/themas",
    "infographic": "/themas/overzicht",
    "thema": f"/themas/{THEME}",
    "item": f"/items/{ITEM}",
    "item met een brede tabel": "/items/samenwerking-met-beschermingsbewindvoerder",
    "geschiedenis": f"/items/{ITEM}/geschiedenis",
    "editor": f"/items/{ITEM}/bewerken",
    "nieuw item": "/items/nieuw",
    "zoeken": "/zoeken",
    "zoekresultaten": "/zoeken?q=bvv+bij+uitkering",
    "zoeken met tikfout": "/zoeken?q=kwijtscelding",
    "controle": "/controle",
    "nieuw thema": "/themas/nieuw",
    "synoniemen": "/zoeken/synoniemen",
    "zoekanalyse": "/zoeken/analyse",
    "account": "/account",
    "werklijst": "/werk",
    "inbox": "/inbox",
    "bronnen": "/inbox/bronnen",
    "delen": "/inbox/delen",
    "implementatieplan": "/plan",
    "plan: beschrijving bewerken": "/plan/bewerken/beschrijving",
    "plan: contextanalyse bewerken": "/plan/bewerken/context",
    "plan: strategieën bewerken": "/plan/bewerken/strategieen",
    "plan: borging bewerken": "/plan/bewerken/borging",
    "plan: planning bewerken": "/plan/bewerken/planning",
    "plan: geschiedenis": "/plan/geschiedenis",
}
# And as a klantbegeleider of Team Centrum: the start page with the next werkoverleg, a theme
# page that shows their audience first.
READER_PAGES = {"start (medewerker)": "/", "thema (medewerker)": f"/themas/{THEME}", "vragen (medewerker)": "/vragen",
                "implementatieplan (medewerker)": "/plan"}
# And as the MT: the plan at a glance.
MANAGER_PAGES = {"implementatieplan voor het MT": "/plan/mt"}


def werkoverleg_pages(visitor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The werkoverleg pages of the demo's Team Centrum: its next meeting (agenda assembled)
    and its last one (attendance recorded)."""
    page = visitor.go("/werkoverleg?team=team-centrum")
    upcoming = page.locator("#komend-kop ~ ul a").first.get_attribute("href")
    earlier = page.locator("#eerder-kop ~ ul a").first.get_attribute("href")
    return {
        "werkoverleg": "/werkoverleg?team=team-centrum",
        "vakoverleg": "/werkoverleg?team=vakoverleg",
        "overleg": upcoming,
        "agenda voorbereiden": f"{upcoming}/bewerken",
        "eerder overleg": earlier,
        "aanwezigheid": f"{earlier}/aanwezigheid",
        "vaste tijden": "/werkoverleg/regels",
    }


def _check(visitor, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    violations = visitor.axe()
    if violations:
        found.append(f"{name}: {describe(violations)}")
    page = visitor.page
    if page.locator("h1").count() != 1:
        found.append(f"{name}: {page.locator('h1').count()} h1 elements")
    if page.locator("main#inhoud").count() != 1:
        found.append(f"{name}: no <main id=inhoud>")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:  # WCAG 1.4.10 reflow: no sideways scrolling
        found.append(f"{name}: {width} px wide on a {page.viewport_size['width']} px screen")
    return found


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "telefoon"])
def test_every_main_page_passes_axe(browser, live_server, viewport):
    visitor = new_visitor(browser, live_server, viewport)
    problems: list[str] = []
    visitor.go("/login")
    problems += _check(visitor, "inloggen")
    visitor.page.get_by_label("E-mailadres").fill("kwaliteit@example.org")
    visitor.page.get_by_label("Wachtwoord").fill("fout-wachtwoord")
    visitor.page.get_by_role("button", name="Inloggen").click()
    problems += _check(visitor, "inloggen mislukt")
    visitor.login("kwaliteit@example.org")
    for name, path in {**PAGES, **werkoverleg_pages(visitor)}.items():
        visitor.go(path)
        problems += _check(visitor, name)
    # Forms in their error state: messages tied to their fields.
    visitor.go("/items/nieuw")
    visitor.page.get_by_role("button", name="Opslaan").click()
    visitor.page.wait_for_selector("#form-errors")
    problems += _check(visitor, "nieuw item met fouten")
    visitor.go("/themas/nieuw")
    visitor.page.get_by_role("button", name="Opslaan").click()
    problems += _check(visitor, "nieuw thema met fouten")
    visitor.go("/items/bestaat-niet")
    problems += _check(visitor, "pagina niet gevonden")
    visitor.page.get_by_role("button", name="Uitloggen").click()
    visitor.login("medewerker@example.org")
    for name, path in READER_PAGES.items():
        visitor.go(path)
        problems += _check(visitor, name)
    visitor.page.get_by_role("button", name="Uitloggen").click()
    visitor.login("management@example.org")
    for name, path in MANAGER_PAGES.items():
        visitor.go(path)
        problems += _check(visitor, name)
    assert problems + visitor.problems == [], "\n".join(problems + visitor.problems)
    visitor.page.context.close()


def test_skip_link_comes_first_and_jumps_to_the_content(visitor):
    visitor.login("medewerker@example.org")
    page = visitor.go(f"/items/{ITEM}")
    skip = page.locator(".kb-skip-link")
    assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Direct naar de inhoud"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0  # now visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    assert page.url.endswith("#inhoud")


def test_keyboard_focus_is_visible(visitor):
    visitor.login("medewerker@example.org")
    page = visitor.go("/")
    for _ in range(4):  # skip link, brand, search field, search button
        page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {tag: document.activeElement.tagName, style: s.outlineStyle,
                           width: parseFloat(s.outlineWidth)}; }"""
    )
    assert focused["tag"] == "BUTTON"
    assert focused["style"] != "none" and focused["width"] >= 2


def test_form_errors_are_tied_to_their_fields(visitor):
    visitor.login("kwaliteit@example.org")
    page = visitor.go("/items/nieuw")
    page.get_by_label("Titel").fill("Alleen een titel")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.get_by_label("Samenvatting")
    assert summary.get_attribute("aria-invalid") == "true"
    described = summary.get_attribute("aria-describedby").split()
    assert described == ["summary-hint", "summary-error"]
    assert page.locator("#summary-error").inner_text() == "Dit veld mag niet leeg zijn."
    assert page.get_by_label("Titel").input_value() == "Alleen een titel"  # nothing typed is lost
    # The summary at the top links to each field.
    page.locator("#form-errors a[href='#summary']").click()
    assert page.evaluate("document.activeElement.id") == "summary"


def test_the_axe_check_catches_what_it_should(visitor):
    """Guards the check above: an unlabeled field and grey-on-white text must be reported."""
    visitor.login("medewerker@example.org")
    page = visitor.go("/")
    assert visitor.axe() == []
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend", "<input type='text'>");
            const p = document.createElement("p");
            p.textContent = "Nauwelijks leesbaar";
            p.style.color = "#cccccc";
            main.append(p);
        }"""
    )
    assert {v["id"] for v in visitor.axe()} >= {"label", "color-contrast"}


def test_the_menu_of_kwaliteit_fits_one_line_at_1280_pixels(browser, live_server):
    visitor = new_visitor(browser, live_server, {"width": 1280, "height": 800})
    visitor.login("kwaliteit@example.org")
    page = visitor.go("/werk")
    links = page.locator("nav[aria-label=Hoofdmenu] .kb-nav__link")
    tops = {round(links.nth(n).bounding_box()["y"]) for n in range(links.count())}
    assert len(tops) == 1, f"the menu wraps: rows at {sorted(tops)}"
    assert page.locator("nav[aria-label=Hoofdmenu] [aria-current=page]").inner_text() == "Werklijst"
    visitor.page.context.close()

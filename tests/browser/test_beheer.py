"""The beheerder's pages in a real browser: axe-core (WCAG 2.1 AA) on every page of /beheer, the
audit log, the erase page, people's own data and the invitation link, at desktop and phone width;
and the journey of a functioneel beheerder, from a new team to a deactivated account."""

import re
import secrets
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, new_visitor
from tests.browser.test_accessibility import (
    _check as check,  # axe, one h1, <main id=inhoud>, no sideways scroll
)

ADMIN = "beheerder@example.org"
NEW_PASSWORD = "een-lang-nieuw-wachtwoord"

# What the beheerder reaches by address alone; the rest (a person, a team, the import preview,
# the invitation link) is made through the pages themselves first.
PAGES = {
    "beheer": "/beheer",
    "gebruikers (lijst en nieuw-formulier)": "/beheer/gebruikers",
    "teams (lijst en nieuw-formulier)": "/beheer/teams",
    "instellingen": "/beheer/instellingen",
    "auditlog": "/beheer/audit",
    "auditlog met fout filter": "/beheer/audit?van=gisteren",
    "eigen gegevens (beheerder)": "/account/gegevens",
}
# The audit log filtered, once the beheerder has made accounts ({me}: the beheerder's own id).
AUDIT_PAGES = {
    "auditlog op handeling": "/beheer/audit?action=user_created",
    "auditlog op datum, persoon en handeling": "/beheer/audit?van=2020-01-01&tot=2099-12-31&actor={me}&action=user_created",
}
# And as a klantbegeleider: their own data.
READER_PAGES = {"eigen gegevens (medewerker)": "/account/gegevens"}


def own_id(visitor) -> str:  # type: ignore[no-untyped-def]
    """The beheerder's own account id, from the people list."""
    row = visitor.go("/beheer/gebruikers").locator("#gebruikers tbody tr", has_text=ADMIN)
    return row.get_by_role("link").get_attribute("href").rsplit("/", 1)[1]


def status_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_role("status").first.inner_text().strip()


def add_team(page, name: str, slug: str) -> str:  # type: ignore[no-untyped-def]
    """Through /beheer/teams; the new team's address."""
    form = page.locator("form#nieuw")
    form.get_by_label("Naam", exact=True).fill(name)
    form.get_by_label("Korte naam").fill(slug)
    form.get_by_label("Doelgroep").select_option(label="Klantbegeleiders")
    form.get_by_role("button", name="Toevoegen").click()
    page.wait_for_url(re.compile(r"/beheer/teams/\d+\?aangemaakt=1$"))
    return page.url.split("?")[0]


def add_person(page, name: str, email: str, team: str | None = None,  # type: ignore[no-untyped-def]
               role: str = "Medewerker") -> str:
    """Through the form on /beheer/gebruikers; the new person's address."""
    form = page.locator("form#nieuw")
    form.get_by_label("Naam", exact=True).fill(name)
    form.get_by_label("E-mailadres").fill(email)
    form.get_by_label("Rol").select_option(label=role)
    if team:
        form.get_by_label("Team").select_option(label=team)
    form.get_by_label("Functie").select_option(label="Klantbegeleider")
    form.get_by_role("button", name="Toevoegen").click()
    page.wait_for_url(re.compile(r"/beheer/gebruikers/\d+\?aangemaakt=1$"))
    return page.url.split("?")[0]


def invitation_link(page) -> str:  # type: ignore[no-untyped-def]
    """Press Uitnodigen on a person's page; without a mail server the page shows the link."""
    page.get_by_role("button", name="Uitnodigen").click()
    page.locator("#link-url").wait_for()
    assert "Er is geen mailserver ingesteld" in page.locator("#link").inner_text()
    return page.locator("#link-url").inner_text().strip()


def upload_csv(page, tmp_path: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "mensen.csv"
    file.write_text(text, encoding="utf-8")
    page.goto(page.url.split("/beheer")[0] + "/beheer/gebruikers")
    page.locator("form#import").get_by_label("CSV-bestand").set_input_files(str(file))
    page.locator("form#import").get_by_role("button", name="Bekijken").click()
    page.get_by_role("heading", level=1, name="Controleer de import").wait_for()


def import_rows(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """E-mail address → the Resultaat column."""
    found = {}
    for row in page.locator("#regels tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        found[cells[1].strip()] = cells[5].strip()
    return found


def set_password(browser, live_server, viewport: dict, link: str, password: str = NEW_PASSWORD,  # type: ignore[no-untyped-def]
                 problems: list[str] | None = None):
    """Open the link in a browser context of its own (no cookies: as the new person would)
    and choose a password; returns that visitor, on the login page it is sent to."""
    newcomer = new_visitor(browser, live_server, viewport)
    assert link.startswith(live_server.url + "/wachtwoord/")
    newcomer.go(link.removeprefix(live_server.url))
    if problems is not None:
        problems += check(newcomer, "wachtwoord kiezen (uitnodiging)")
    page = newcomer.page
    page.get_by_label("Nieuw wachtwoord").fill(password)
    page.get_by_label("Herhaal het wachtwoord").fill(password)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.wait_for_url(re.compile(r"/login\?wachtwoord=1$"))
    if problems is not None:
        problems += check(newcomer, "inloggen na wachtwoord kiezen")
    return newcomer


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "telefoon"])
def test_every_beheer_page_passes_axe(browser, live_server, viewport, tmp_path):
    word = secrets.token_hex(3)
    admin = new_visitor(browser, live_server, viewport)
    problems: list[str] = []
    admin.login(ADMIN)
    for name, path in PAGES.items():
        admin.go(path)
        problems += check(admin, name)
    page = admin.page
    # The forms in their error state.
    admin.go("/beheer/gebruikers")
    page.locator("form#nieuw").get_by_role("button", name="Toevoegen").click()
    page.locator("form#nieuw .utrecht-form-field-error-message").first.wait_for()
    problems += check(admin, "nieuwe gebruiker met fouten")
    admin.go("/beheer/teams")
    page.locator("form#nieuw").get_by_role("button", name="Toevoegen").click()
    page.locator("form#nieuw .utrecht-form-field-error-message").first.wait_for()
    problems += check(admin, "nieuw team met fouten")
    # A team and a person, made through the pages; then their own pages.
    admin.go("/beheer/teams")
    team = add_team(page, f"Team Axe {word}", f"team-axe-{word}")
    problems += check(admin, "team (net aangemaakt)")
    admin.go("/beheer/gebruikers")
    person = add_person(page, f"Ada Axe {word}", f"ada.{word}@example.org", team=f"Team Axe {word}")
    problems += check(admin, "gebruiker wijzigen (net aangemaakt)")
    admin.go(team.removeprefix(live_server.url))
    problems += check(admin, "team met een lid")
    admin.go(person.removeprefix(live_server.url))
    page.get_by_label("Naam", exact=True).fill("")
    page.locator("form#wijzigen").get_by_role("button", name="Opslaan").click()
    page.locator("#name-error").wait_for()
    problems += check(admin, "gebruiker wijzigen met fouten")
    admin.go(person.removeprefix(live_server.url))
    page.get_by_role("link", name="Persoonsgegevens verwijderen").click()  # not done: only the page
    page.wait_for_url(re.compile(rf"/beheer/personen/{person.rsplit('/', 1)[1]}/verwijderen$"))
    problems += check(admin, "persoonsgegevens verwijderen (bevestigen)")
    page.get_by_label("Typ VERWIJDEREN om te bevestigen").fill("ja")
    page.get_by_role("button", name="Persoonsgegevens verwijderen").click()
    page.locator("#erase-error").wait_for()  # the wrong word: nothing removed
    problems += check(admin, "persoonsgegevens verwijderen (niet bevestigd)")
    admin.go(f"/beheer/personen/{own_id(admin)}/verwijderen")  # the beheerder themself: refused, with the reason
    page.locator("#refusal").wait_for()
    problems += check(admin, "persoonsgegevens verwijderen (geweigerd)")
    # The CSV import: the form's error, the preview, and the report.
    upload_csv(page, tmp_path, "email,name,role,team,function\n"
                               f"bo.{word}@example.org,Bo {word},medewerker,,\n"
                               f"cas.{word}@example.org,Cas {word},baas,,\n")
    problems += check(admin, "import: controleren")
    page.get_by_role("button", name="Importeren").click()
    page.get_by_role("heading", level=1, name="Import klaar").wait_for()
    problems += check(admin, "import: klaar")
    admin.go("/beheer/gebruikers")
    page.locator("form#import").get_by_role("button", name="Bekijken").click()  # no file chosen
    page.locator("#bestand-error").wait_for()
    problems += check(admin, "import zonder bestand")
    me = own_id(admin)
    for name, path in AUDIT_PAGES.items():
        admin.go(path.format(me=me))
        assert page.locator("#audit tbody tr").count() >= 2, name  # Ada and Bo at least
        problems += check(admin, name)
    # The invitation link, opened as the new person would.
    admin.go(person.removeprefix(live_server.url))
    link = invitation_link(page)
    problems += check(admin, "gebruiker met uitnodigingslink")
    newcomer = set_password(browser, live_server, viewport, link, problems=problems)
    newcomer.go(link.removeprefix(live_server.url))  # used once: no longer valid
    problems += check(newcomer, "wachtwoordlink al gebruikt")
    newcomer.login(f"ada.{word}@example.org", NEW_PASSWORD)
    for name, path in READER_PAGES.items():
        newcomer.go(path)
        problems += check(newcomer, name)
    assert problems + admin.problems + newcomer.problems == [], "\n".join(problems + admin.problems + newcomer.problems)
    admin.page.context.close()
    newcomer.page.context.close()


def test_a_functioneel_beheerder_from_new_team_to_deactivated_account(browser, live_server, visitor, tmp_path):
    word = secrets.token_hex(3)
    team_name, person_name = f"Team Oost {word}", f"Fenna Visser {word}"
    email = f"fenna.{word}@example.org"
    visitor.login(ADMIN)
    page = visitor.page
    admin_name = visitor.go("/beheer/gebruikers").locator("#gebruikers tbody tr", has_text=ADMIN).get_by_role("link").inner_text()
    visitor.go("/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.wait_for_url(re.compile(r"/beheer$"))

    # A team.
    page.get_by_role("link", name="Teams").click()
    team_url = add_team(page, team_name, f"team-oost-{word}")
    assert status_text(page) == "Opgeslagen."
    assert page.get_by_role("heading", level=1).inner_text() == team_name
    assert page.get_by_label("Doelgroep").input_value() == "klantbegeleider"

    # A person, by hand, in that team.
    visitor.go("/beheer/gebruikers")
    person_url = add_person(page, person_name, email, team=team_name)
    assert page.get_by_role("heading", level=1).inner_text() == person_name
    assert email in page.locator(".kb-meta").inner_text()
    assert page.locator("form#wijzigen").get_by_label("Team").input_value() == f"team-oost-{word}"
    page.goto(team_url)
    assert page.locator("#leden tbody tr").first.locator("td").first.inner_text() == person_name

    # Two more by CSV; one row is refused, with the reason.
    upload_csv(page, tmp_path, "email,name,role,team,function\n"
                               f"gijs.{word}@example.org,Gijs {word},medewerker,team-oost-{word},klantbegeleider\n"
                               f"hanna.{word}@example.org,Hanna {word},kwaliteit,,\n"
                               f"{email},Fenna Dubbel,medewerker,,\n")
    assert page.locator("#samenvatting").inner_text() == (
        "2 worden aangemaakt, 1 geweigerd. Er is nog niets opgeslagen.")
    preview = import_rows(page)
    assert preview[f"gijs.{word}@example.org"] == "wordt aangemaakt"
    assert preview[email].startswith("geweigerd: e-mailadres") and "bestaat al" in preview[email]
    visitor.go("/beheer/gebruikers")
    assert page.get_by_role("link", name=f"Gijs {word}").count() == 0  # the preview saved nothing
    upload_csv(page, tmp_path, "email,name,role,team,function\n"
                               f"gijs.{word}@example.org,Gijs {word},medewerker,team-oost-{word},klantbegeleider\n"
                               f"hanna.{word}@example.org,Hanna {word},kwaliteit,,\n"
                               f"{email},Fenna Dubbel,medewerker,,\n")
    page.get_by_role("button", name="Importeren").click()
    page.get_by_role("heading", level=1, name="Import klaar").wait_for()
    assert page.locator("#samenvatting").inner_text() == "2 aangemaakt, 1 geweigerd."
    report = import_rows(page)
    assert report == {f"gijs.{word}@example.org": "aangemaakt", f"hanna.{word}@example.org": "aangemaakt",
                      email: preview[email]}
    page.get_by_role("link", name="Terug naar de gebruikers").click()
    listed = page.locator("#gebruikers tbody tr", has=page.get_by_role("link", name=f"Hanna {word}"))
    assert listed.locator("td").nth(2).inner_text() == "Kwaliteitsmedewerker"
    page.goto(team_url)
    assert sorted(page.locator("#leden tbody tr td:first-child").all_inner_texts()) == [person_name, f"Gijs {word}"]

    # The invitation: no mail server in the tests, so the page shows the link to pass on.
    page.goto(person_url)
    link = invitation_link(page)
    newcomer = set_password(browser, live_server, DESKTOP, link)
    try:
        login = newcomer.page
        assert "wachtwoord is opgeslagen" in status_text(login).lower()
        login.get_by_label("E-mailadres").fill(email)
        login.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
        login.get_by_role("button", name="Inloggen").click()
        login.wait_for_url(live_server.url + "/")
        newcomer.go("/account")
        assert person_name in login.locator("main").inner_text()
        login.get_by_role("link", name="Alles wat de Wiki-bibliotheek over u bewaart").click()
        login.wait_for_url(re.compile(r"/account/gegevens$"))
        assert login.locator("#account ~ dl").inner_text().split("\n")[:2] == ["Naam", person_name]
        sessions = login.locator("#sessies-table tbody tr")
        assert sessions.count() == 1 and sessions.locator("td").nth(2).inner_text() == "wachtwoord"
        assert login.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").count() == 0
        assert newcomer.problems == []
    finally:
        newcomer.page.context.close()

    # Back as beheerder: a new role, found in the audit log.
    page.goto(person_url)
    page.locator("form#wijzigen").get_by_label("Rol").select_option(label="Contactpersoon Kwaliteit")
    page.locator("form#wijzigen").get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
    assert page.locator("form#wijzigen").get_by_label("Rol").input_value() == "contactpersoon"
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Auditlog").click()
    page.wait_for_url(re.compile(r"/beheer/audit$"))
    page.get_by_label("Handeling").select_option(label="Account gewijzigd")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(re.compile(r"/beheer/audit\?.*action=user_changed"))
    rows = page.locator("#audit tbody tr")
    assert rows.count() >= 1
    assert {r.get_attribute("data-action") for r in rows.all()} == {"user_changed"}
    ours = rows.filter(has_text=email)
    assert ours.count() == 1, page.locator("#audit").inner_text()
    assert ours.locator("td").nth(2).inner_text() == (
        f"Account gewijzigd: Account {email} gewijzigd: rol van Medewerker naar Contactpersoon Kwaliteit")
    assert ours.locator("td").nth(1).inner_text() == admin_name

    # Deactivated: the login is refused.
    page.goto(person_url)
    page.get_by_role("button", name="Deactiveren").click()
    page.wait_for_url(re.compile(r"\?gedeactiveerd=1$"))
    assert "gedeactiveerd" in page.locator(".kb-meta").inner_text()
    assert page.get_by_role("button", name="Weer activeren").is_visible()
    refused = new_visitor(browser, live_server, DESKTOP)
    try:
        refused.go("/login")
        refused.page.get_by_label("E-mailadres").fill(email)
        refused.page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
        refused.page.get_by_role("button", name="Inloggen").click()
        assert "Uw account is gedeactiveerd" in refused.page.get_by_role("alert").inner_text()
        assert refused.page.url.endswith("/login")
        assert refused.go("/account").url.startswith(live_server.url + "/login")
        assert refused.problems == []
    finally:
        refused.page.context.close()
    visitor.go("/beheer/audit?action=user_deactivated")
    assert visitor.page.locator("#audit tbody tr").filter(has_text=email).count() == 1
    assert visitor.problems == []


def test_the_people_list_and_form_fit_a_phone(browser, live_server, phone_visitor):
    word = secrets.token_hex(3)
    phone_visitor.login(ADMIN)
    page = phone_visitor.go("/beheer/gebruikers")

    def fits() -> None:
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{width} px wide on {page.url}"

    fits()
    # The table scrolls inside its own box, which can take the keyboard focus.
    region = page.get_by_role("region", name="Gebruikers")
    assert region.get_attribute("tabindex") == "0"
    box = region.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    # Every field of the form is within the screen and can be filled in.
    form = page.locator("form#nieuw")
    for label in ("Naam", "Rol", "Team", "Functie", "E-mailadres"):
        field = form.get_by_label(label)
        field.scroll_into_view_if_needed()
        box = field.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], label
    # An address that is taken: refused, and nothing typed is lost.
    form.get_by_label("Naam", exact=True).fill(f"Ivo Telefoon {word}")
    form.get_by_label("Rol").select_option(label="Leidinggevende")
    form.get_by_label("Team").select_option(label="Team Centrum")
    form.get_by_label("E-mailadres").fill("medewerker@example.org")
    form.get_by_role("button", name="Toevoegen").click()
    form = page.locator("form#nieuw")
    assert "bestaat al" in form.locator("#email-error").inner_text()
    assert form.get_by_label("E-mailadres").get_attribute("aria-invalid") == "true"
    assert [form.get_by_label(label, exact=True).input_value() for label in ("Naam", "Rol", "Team")] == [
        f"Ivo Telefoon {word}", "leidinggevende", "team-centrum"]
    fits()
    add_person(page, f"Ivo Telefoon {word}", f"ivo.{word}@example.org")
    fits()
    form = page.locator("form#wijzigen")
    form.get_by_label("Functie").select_option(label="Schuldregelaar")
    button = form.get_by_role("button", name="Opslaan")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
    button.click()
    page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
    assert form.get_by_label("Functie").input_value() == "schuldregelaar"
    fits()
    # A refused change keeps what was typed.
    form.get_by_label("Naam", exact=True).fill("")
    form.get_by_label("Functie").select_option(label="Klantbegeleider")
    form.get_by_role("button", name="Opslaan").click()
    assert page.locator("#name-error").is_visible()
    assert form.get_by_label("Functie").input_value() == "klantbegeleider"
    fits()
    assert phone_visitor.problems == []

"""Issue 14's "done when", walked in Chromium on a running service with a real OpenID Connect
provider beside it: a beheerder who has never seen a terminal brings a new team of five people
in (three by hand, one by CSV, one at her first login through the municipality's account),
each of them logs in (four with a password they chose through their invitation, one through the
provider), a role change shows in the audit log, and a departed colleague's data is removed
while /doelen stays exactly the same."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, LiveServer, _serve, new_visitor
from tests.browser.test_beheer import (
    add_person,
    add_team,
    import_rows,
    invitation_link,
    set_password,
    upload_csv,
)
from tests.factories import free_port
from tests.oidc.provider import Provider, start_provider

NEW_PASSWORD = "een-lang-nieuw-wachtwoord"
FATIMA = {"sub": "entra-fatima", "email": "fatima.bakker@voorbeeldstad.example", "email_verified": True,
          "name": "Fatima Bakker", "groups": ["sg-wiki-team-zuid"]}


@pytest.fixture(scope="module")
def with_provider(tmp_path_factory) -> Iterator[tuple[LiveServer, Provider]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = {"client_id": "wiki-bibliotheek", "client_secret": "geheim-" + "k" * 30,
              "redirect_uris": [f"{url}/login/oidc/callback"],
              "post_logout_redirect_uris": [f"{url}/login?uitgelogd=1"]}
    with start_provider(tmp_path_factory.mktemp("idp"), clients=[client], accounts={"fatima": FATIMA}) as provider:
        env = {"KENNISBANK_OIDC_ISSUER": provider.issuer, "KENNISBANK_OIDC_CLIENT_ID": client["client_id"],
               "KENNISBANK_OIDC_CLIENT_SECRET": client["client_secret"],
               "KENNISBANK_OIDC_SCOPES": "openid email profile groups",
               "KENNISBANK_OIDC_GROUP_MAP": json.dumps({"sg-wiki-team-zuid": {"role": "medewerker", "team": "team-zuid"}})}
        with _serve(port=port, extra_env=env) as live:
            yield live, provider


def goals_text(browser, live: LiveServer) -> str:
    """/doelen as Kwaliteit reads it: every figure, for the period it stands in."""
    reader = new_visitor(browser, live, DESKTOP)
    reader.login("kwaliteit@example.org")
    page = reader.go("/doelen")
    # The figures, not the team filter (which lists the new team).
    page.evaluate("document.querySelectorAll('main form').forEach(form => form.remove())")
    text = page.locator("main").inner_text()
    reader.page.context.close()
    return text


def test_a_beheerder_brings_a_team_of_five_in_and_removes_a_departed_colleague(browser, with_provider, tmp_path: Path):
    live, _ = with_provider

    admin = new_visitor(browser, live, DESKTOP)
    admin.login("beheerder@example.org")
    page = admin.page
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Teams").click()
    add_team(page, "Team Zuid", "team-zuid")

    # Three by hand, one by CSV; each gets an invitation link (no mail server here).
    people = [("Anna Zuid", "anna.zuid@voorbeeldstad.example"), ("Bert Zuid", "bert.zuid@voorbeeldstad.example"),
              ("Cor Zuid", "cor.zuid@voorbeeldstad.example")]
    pages = {}
    for name, email in people:
        admin.go("/beheer/gebruikers")
        pages[email] = add_person(page, name, email, team="Team Zuid")
    upload_csv(page, tmp_path, "email,name,role,team,function\n"
                               "dirk.zuid@voorbeeldstad.example,Dirk Zuid,medewerker,team-zuid,schuldregelaar\n")
    assert import_rows(page) == {"dirk.zuid@voorbeeldstad.example": "wordt aangemaakt"}
    page.get_by_role("button", name="Importeren").click()
    page.get_by_role("heading", level=1, name="Import klaar").wait_for()
    admin.go("/beheer/gebruikers")
    dirk = page.locator("#gebruikers tbody tr", has_text="dirk.zuid@voorbeeldstad.example").get_by_role("link")
    pages["dirk.zuid@voorbeeldstad.example"] = live.url + dirk.get_attribute("href")

    # Each of the four chooses a password through the link and logs in.
    for email, address in pages.items():
        page.goto(address)
        link = invitation_link(page)
        newcomer = set_password(browser, live, DESKTOP, link)
        newcomer.page.get_by_label("E-mailadres").fill(email)
        newcomer.page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
        newcomer.page.get_by_role("button", name="Inloggen").click()
        newcomer.page.wait_for_url(live.url + "/")
        assert newcomer.go("/account").locator("main").inner_text().count(email) >= 1
        newcomer.page.context.close()

    # The fifth logs in with her municipal account: the account is made at that first login.
    fatima = new_visitor(browser, live, DESKTOP)
    fatima.go("/login")
    fatima.page.get_by_role("link", name="Inloggen met uw gemeenteaccount").click()
    fatima.page.locator("input[name=login]").fill("fatima")  # the provider's own sign-in page
    fatima.page.locator("input[name=login]").press("Enter")
    fatima.page.wait_for_url(re.compile(re.escape(live.url) + r"/$"))
    assert "Fatima Bakker" in fatima.go("/account").locator("main").inner_text()
    fatima.page.context.close()

    # The team now has its five.
    admin.go("/beheer/teams")
    page.get_by_role("link", name="Team Zuid").click()
    members = page.locator("main").inner_text()
    for name in ("Anna Zuid", "Bert Zuid", "Cor Zuid", "Dirk Zuid", "Fatima Bakker"):
        assert name in members

    # A role change, and where the beheerder finds it.
    page.goto(pages["bert.zuid@voorbeeldstad.example"])
    page.locator("form#wijzigen").get_by_label("Rol").select_option(label="Contactpersoon Kwaliteit")
    page.locator("form#wijzigen").get_by_role("button", name="Opslaan").click()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Auditlog").click()
    page.get_by_label("Handeling").select_option(label="Account gewijzigd")
    page.get_by_role("button", name="Toon").click()
    log = page.locator("main table").inner_text()
    assert "bert.zuid@voorbeeldstad.example" in log and "rol" in log

    # A colleague with a history in the goals has left: her personal data goes, and the goals
    # for the period she was there stay as they are.
    before = goals_text(browser, live)
    assert re.search(r"\d+\s?%", before), "the demo's goals show figures"
    admin.go("/beheer/gebruikers")
    page.locator("#gebruikers tbody tr", has_text="medewerker@example.org").get_by_role("link").click()
    page.get_by_role("link", name="Persoonsgegevens verwijderen").click()
    page.get_by_label("Typ VERWIJDEREN om te bevestigen").fill("VERWIJDEREN")
    page.get_by_role("button", name="Persoonsgegevens verwijderen").click()
    page.locator("#done").wait_for()
    admin.go("/beheer/gebruikers")
    assert page.locator("#gebruikers tbody tr", has_text="medewerker@example.org").count() == 0
    admin.page.context.close()

    assert goals_text(browser, live) == before

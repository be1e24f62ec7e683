"""The goals and questions in Chromium, after `kennisbank demo simulate --months 6`: each demo
role sees on /doelen what DESIGN.md allows, the trend charts draw, every page passes axe at
desktop and phone width, and a question goes from medewerker to contactpersoon and back."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, new_visitor
from tests.browser.test_accessibility import _check

BSN_TEXT = "Inwoner 1234.56.782 heeft beslag, wat nu?"


def charts_drawn(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(canvases, canvases that Chart.js drew on)."""
    return page.evaluate(
        """() => { const all = [...document.querySelectorAll("canvas[data-chart]")];
                   return [all.length, all.filter(c => window.Chart && Chart.getChart(c)).length]; }"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "telefoon"])
def test_goal_and_question_pages_pass_axe(browser, simulated_server, viewport):
    visitor = new_visitor(browser, simulated_server, viewport)
    problems: list[str] = []
    visitor.login("kwaliteit@example.org")
    page = visitor.go("/doelen")
    canvases, drawn = charts_drawn(page)
    assert canvases >= 8 and drawn == canvases  # every goal with a history has its chart
    person = page.locator(".kb-goal__persons a").first.get_attribute("href")
    for name, path in {
        "doelen": "/doelen", "doelen per team": "/doelen?team=team-centrum",
        "doel aanpassen": "/doelen/klantbegeleiders_werkoverleg/bewerken",
        "opleiding en leren": "/doelen/opleiding", "voortgang van een persoon": person,
        "vragen": "/vragen", "beantwoorde vragen": "/vragen?toon=beantwoord",
    }.items():
        visitor.go(path)
        problems += _check(visitor, name)
    visitor.go("/doelen/klantbegeleiders_werkoverleg/bewerken")
    visitor.page.get_by_label("Termijn in maanden").fill("0")
    visitor.page.get_by_role("button", name="Opslaan").click()
    problems += _check(visitor, "doel aanpassen met fouten")
    visitor.page.context.close()
    for email, path in (("leidinggevende@example.org", "/doelen/functioneringsgesprekken"),
                        ("management@example.org", "/doelen")):
        other = new_visitor(browser, simulated_server, viewport)
        other.login(email)
        other.go(path)
        problems += _check(other, f"{email}: {path}")
        problems += other.problems
        other.page.context.close()
    assert problems + visitor.problems == [], "\n".join(problems + visitor.problems)


def test_each_demo_role_sees_what_design_allows(browser, simulated_server):
    seen = {}
    for email in ("kwaliteit", "management", "leidinggevende", "contactpersoon", "medewerker", "beheerder"):
        visitor = new_visitor(browser, simulated_server, DESKTOP)
        visitor.login(f"{email}@example.org")
        page = visitor.go("/doelen")
        seen[email] = {
            "goals": page.locator(".kb-goal").count(),
            "figures": page.locator(".kb-goal__number").count(),
            "per_person": page.locator(".kb-goal__persons").count(),
            "own": page.locator("#mijn-kop").count(),
            "appraisal_form": page.get_by_role("link", name="Functioneringsgesprekken vastleggen").count(),
        }
        assert visitor.problems == [], visitor.problems
        visitor.page.context.close()
    assert all(s["goals"] == 10 for s in seen.values())
    # Kwaliteit: every figure, and each person's count; the others: aggregates only, and the
    # goals about one or two contactpersonen or kwaliteitsmedewerkers hidden.
    assert seen["kwaliteit"]["figures"] == 10 and seen["kwaliteit"]["per_person"] >= 4
    for role in ("management", "leidinggevende", "contactpersoon", "medewerker", "beheerder"):
        assert seen[role]["per_person"] == 0 and seen[role]["figures"] < 10, role
    # Their own progress: the people the person goals are about.
    assert seen["medewerker"]["own"] == seen["contactpersoon"]["own"] == seen["kwaliteit"]["own"] == 1
    assert seen["management"]["own"] == seen["beheerder"]["own"] == 0
    assert seen["leidinggevende"]["appraisal_form"] == 1 and seen["management"]["appraisal_form"] == 0


def test_a_question_from_medewerker_to_contactpersoon_and_back(browser, simulated_server):
    asker = new_visitor(browser, simulated_server, DESKTOP)
    asker.login("medewerker@example.org")
    page = asker.go("/vragen")
    page.get_by_label("Uw vraag").fill(BSN_TEXT)
    page.get_by_role("button", name="Vraag versturen").click()
    field = page.get_by_label("Uw vraag")
    assert field.get_attribute("aria-invalid") == "true"
    assert "burgerservicenummer" in page.locator("#ask-text-error").inner_text()
    assert field.input_value() == BSN_TEXT  # nothing typed is lost
    field.fill("Telt een eenmalige uitkering mee voor de beslagvrije voet?")
    page.get_by_role("button", name="Vraag versturen").click()
    assert "Uw vraag is verstuurd" in page.locator("main").inner_text()

    contact = new_visitor(browser, simulated_server, DESKTOP)
    contact.login("contactpersoon@example.org")
    page = contact.go("/vragen")
    card = page.locator(".kb-question", has_text="eenmalige uitkering").first
    card.get_by_label("Antwoord").fill("Dat hangt af van de soort uitkering; zie het item.")
    card.get_by_label("Van algemeen belang").check()
    card.get_by_role("button", name="Antwoord opslaan").click()
    assert "Het antwoord is opgeslagen" in page.locator("main").inner_text()
    # No longer open, but still in view with its answer and a confirmation.
    saved = page.locator(".kb-question", has_text="eenmalige uitkering")
    assert saved.count() == 1 and "Dat hangt af van de soort uitkering" in saved.inner_text()
    assert "komt op de agenda van het volgende werkoverleg" in saved.get_by_role("status").inner_text()

    page = asker.go("/vragen")
    mine = page.locator("#mijn-kop ~ ul .kb-question", has_text="eenmalige uitkering")
    assert "Dat hangt af van de soort uitkering" in mine.inner_text()
    assert asker.problems + contact.problems == [], asker.problems + contact.problems
    for one in (asker, contact):
        one.page.context.close()


def test_the_dashboard_reads_without_javascript(browser, simulated_server):
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.goto(simulated_server.url + "/login")
    page.get_by_label("E-mailadres").fill("management@example.org")
    page.get_by_label("Wachtwoord").fill("demo-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(simulated_server.url + "/doelen")
    card = page.locator("#doel-vakoverleggen")
    card.locator("summary", has_text="Verloop als tabel").click()
    rows = card.locator("table tbody tr")
    assert rows.count() >= 20  # one row a week over half a year
    assert rows.last.locator("td").last.inner_text().endswith(" van 6")
    context.close()

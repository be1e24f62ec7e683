"""The implementation plan in Chromium: Kwaliteit adds a barrier, a strategy against it and
two actions (one past its date) and sees them on /plan; a medewerker reads the plan without
edit links; the MT opens its page; and the plan's main pages at desktop and phone width, as
screenshots in the test's folder and without sideways scrolling."""

import re
import secrets
from datetime import date, timedelta

from tests.browser.conftest import new_visitor

PHONE_390 = {"width": 390, "height": 844}
DESKTOP_1280 = {"width": 1280, "height": 900}
GROUP = "Klantbegeleiders en schuldregelaars"
OWNER = "contactpersoon@example.org"
OWNER_NAME = "Inge Bakker"


def test_kwaliteit_adds_a_barrier_a_strategy_and_actions(visitor):
    word = secrets.token_hex(3)
    barrier, strategy = f"Geen tijd in de caseload {word}", f"Tijd afspreken met de leidinggevende {word}"
    soon, late = f"Tijd afspreken in het MT-overleg {word}", f"Caseload doorlichten {word}"
    visitor.login("kwaliteit@example.org")
    page = visitor.go("/plan")
    assert page.get_by_role("heading", level=1).inner_text() == "Implementatieplan: Kennisoverdracht"
    assert page.locator(".kb-matrix__cell--c li").all_inner_texts() == ["Opleiding & Leren"]

    page = visitor.go("/plan/bewerken/context")
    new = page.locator('form[action="/plan/factoren"]')  # each factor has its own form too
    new.get_by_label("Gebruikersgroep").select_option(label=GROUP)
    new.get_by_label("Factor", exact=True).fill(barrier)
    new.get_by_label("Richting").select_option("belemmerend")
    new.get_by_label("Mate van invloed").select_option("3")
    new.get_by_label("Veranderbaar?").select_option("ja")
    new.get_by_role("button", name="Factor toevoegen").click()
    page.wait_for_url(re.compile(r"/plan/bewerken/context\?opgeslagen=1"))
    page = visitor.go("/plan")
    focus = page.locator(".kb-plan-focus li").all_inner_texts()
    assert any(line.startswith(barrier) for line in focus), focus

    page = visitor.go("/plan/bewerken/strategieen")
    block = page.locator(".kb-plan-barrier", has=page.get_by_role("heading", name=barrier))
    field = block.get_by_label("Nieuwe strategie tegen deze belemmering")
    assert field.get_attribute("list") == "suggesties"  # the guide's examples as suggestions
    assert page.locator("datalist#suggesties option").count() >= 5
    field.fill(strategy)
    block.get_by_role("button", name="Strategie toevoegen").click()
    page.wait_for_url(re.compile(r"/plan/bewerken/strategieen\?opgeslagen=1"))

    for title, due in ((soon, date.today() + timedelta(days=14)), (late, date.today() - timedelta(days=3))):
        item = page.locator(".kb-plan-strategies > li", has_text=strategy)
        item.locator("summary", has_text="Actie toevoegen").click()
        form = item.locator("form[action='/plan/acties']")
        form.get_by_label("Wat").fill(title)
        form.get_by_label("Wie").select_option(OWNER)
        form.get_by_label("Klaar op").fill(due.isoformat())
        form.get_by_role("button", name="Actie toevoegen").click()
        page.wait_for_url(re.compile(r"/plan/bewerken/strategieen\?opgeslagen=1"))
        assert page.locator(".kb-plan-actions li", has_text=title).count() == 1

    page = visitor.go("/plan")
    actions = page.locator("#acties table")
    row = actions.locator("tr", has_text=soon)
    assert OWNER_NAME in row.inner_text() and "Over de datum" not in row.inner_text()
    assert "Over de datum" in actions.locator("tr", has_text=late).inner_text()
    assert visitor.problems == [], visitor.problems


def test_a_medewerker_reads_the_plan_without_edit_links(visitor):
    visitor.login("medewerker@example.org")
    page = visitor.go("/plan")
    assert page.get_by_role("heading", level=1).inner_text() == "Implementatieplan: Kennisoverdracht"
    assert page.locator("section.kb-plan-part > h2").count() == 12
    assert page.locator("a[href^='/plan/bewerken']").count() == 0
    assert page.get_by_role("link", name="Plan bewerken").count() == 0
    response = page.goto(visitor.base + "/plan/bewerken/context")
    assert response is not None and response.status == 403
    assert visitor.problems == [], visitor.problems


def test_the_mt_opens_its_page(visitor):
    visitor.login("management@example.org")
    page = visitor.go("/plan")
    page.get_by_role("link", name="Overzicht voor het MT").click()
    page.wait_for_url(re.compile(r"/plan/mt$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Het implementatieplan in één oogopslag"
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert [h.split(":")[0] for h in headings] == ["Doelen", "Focus", "Borging", "Acties", "Budget"]
    assert page.locator("a[href^='/plan/bewerken']").count() == 0
    assert visitor.problems == [], visitor.problems


def test_the_plan_pages_fit_desktop_and_phone(browser, live_server, tmp_path):
    """Screenshots to look at (tmp_path/plan-*.png), and no page wider than the screen."""
    problems: list[str] = []
    for viewport in (DESKTOP_1280, PHONE_390):
        visitor = new_visitor(browser, live_server, viewport)
        visitor.login("kwaliteit@example.org")
        for name, path in (("plan", "/plan"), ("mt", "/plan/mt"), ("strategieen", "/plan/bewerken/strategieen")):
            page = visitor.go(path)
            for details in page.locator("details.kb-plan-edit").all()[:1]:
                details.locator("summary").click()  # one action form open, as people use it
            page.screenshot(path=str(tmp_path / f"plan-{name}-{viewport['width']}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{path}: {width} px wide on a {viewport['width']} px screen")
            twice = page.evaluate(
                """() => { const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
                           return [...new Set(ids.filter((id, n) => ids.indexOf(id) !== n))]; }""")
            if twice:
                problems.append(f"{path}: the same id twice: {twice[:5]}")
            if page.locator("[aria-invalid=true]").count():  # nothing was sent: no field is in error
                problems.append(f"{path}: {page.locator('[aria-invalid=true]').count()} fields marked invalid")
        problems += visitor.problems
        visitor.page.context.close()
    assert problems == [], "\n".join(problems)

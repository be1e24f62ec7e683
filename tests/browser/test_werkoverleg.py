"""The werkoverleg in the running demo, as the contactpersoon of Team Centrum makes it: open the
next meeting and find its agenda assembled from the month's new items, prepare and finalise it,
print it, and after the meeting record who was there."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE


def test_contactpersoon_prepares_finalises_prints_and_records(visitor):
    visitor.login("contactpersoon@example.org")
    page = visitor.page
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Werkoverleg").click()
    page.wait_for_url(re.compile(r"/werkoverleg$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Werkoverleg Team Centrum"
    upcoming = page.locator("#komend-kop ~ ul .kb-meeting-row").first
    assert "Agenda concept" in upcoming.inner_text()  # already assembled by the planner
    upcoming.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/werkoverleg/\d+$"))
    meeting_url = page.url
    titles = page.locator(".kb-agenda .kb-agenda__title a").all_inner_texts()
    assert len(titles) >= 3  # the new items since the previous werkoverleg
    assert "samengesteld op" in page.locator(".kb-meeting-head").inner_text()

    page.get_by_role("link", name="Agenda voorbereiden").click()
    page.wait_for_url(re.compile(r"/bewerken$"))
    assert "minuten" in page.locator("#agenda-timing").inner_text()
    # With JavaScript, Omhoog moves the point at once (no page load) and keeps the focus on it;
    # a screen reader hears where it went; the order is saved.
    page.get_by_role("button", name="Omhoog: punt 2").click()
    expect(page.locator("#agenda-announce")).to_contain_text("plaats 1")
    # The point is now first: its Omhoog is gone, the focus is on its Omlaag.
    assert page.evaluate("document.activeElement.textContent") == "Omlaag"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Omlaag: punt 1"
    moved = page.locator(".kb-agenda-edit .kb-agenda__title a").all_inner_texts()
    assert moved[:2] == [titles[1], titles[0]]
    page.reload()
    assert page.locator(".kb-agenda-edit .kb-agenda__title a").all_inner_texts()[:2] == [titles[1], titles[0]]
    # Dragging the third point to the top saves the new order too.
    lines = page.locator("ol[data-section=bespreken] > li[data-entry]")
    third = lines.nth(2).locator(".kb-agenda__title a").inner_text()
    page.set_viewport_size({"width": 1280, "height": 2000})  # both points on screen
    lines.nth(0).scroll_into_view_if_needed()
    source, target = lines.nth(2).locator(".kb-agenda__number").bounding_box(), lines.nth(0).bounding_box()
    page.mouse.move(source["x"] + 5, source["y"] + 5)
    page.mouse.down()
    page.mouse.move(target["x"] + 20, target["y"] + 20, steps=8)
    page.mouse.move(target["x"] + 20, target["y"] + 4, steps=4)
    page.mouse.up()
    expect(page.locator("#agenda-announce")).to_contain_text("plaats 1")
    page.reload()
    assert page.locator(".kb-agenda-edit .kb-agenda__title a").first.inner_text() == third
    first = page.locator(".kb-agenda-edit__line").first
    first.get_by_text("Gespreksvraag aanpassen").click()
    first.get_by_label("Gespreksvraag").fill("Welk dossier van u raakt dit deze maand?")
    first.get_by_role("button", name="Vraag opslaan").click()
    page.wait_for_url(re.compile(r"opgeslagen=1"))
    page.get_by_label("Titel").fill("Rondvraag")
    page.get_by_label("Toelichting (niet verplicht)").fill("Wat kwam u deze maand tegen?")
    page.get_by_role("button", name="Punt toevoegen").click()
    page.wait_for_url(re.compile(r"opgeslagen=1"))
    page.get_by_role("button", name="Agenda definitief maken").click()
    page.wait_for_url(re.compile(r"opgeslagen=1"))
    assert page.get_by_role("status").filter(has_text="Definitief sinds").count() == 1
    assert page.get_by_role("button", name="Punt toevoegen").count() == 0  # locked

    page.goto(meeting_url)
    assert "Definitief" in page.locator(".kb-meeting-head").inner_text()
    agenda = " ".join(page.locator(".kb-agenda").all_inner_texts())
    assert "Welk dossier van u raakt dit deze maand?" in agenda and "Rondvraag" in agenda
    # Printable: with print styles, only the meeting and its agenda remain.
    assert page.get_by_role("button", name="Afdrukken").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".kb-nav").is_visible() and not page.locator(".kb-header-search").is_visible()
    assert page.locator(".kb-agenda").first.is_visible() and page.locator(".kb-print-only").first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.emulate_media(media="screen")

    # After a meeting: who was there, who took part, and notes.
    page.goto(visitor.base + "/werkoverleg")
    page.locator("#eerder-kop ~ ul .kb-meeting-row a").first.click()
    page.get_by_role("link", name="Aanwezigheid en aantekeningen").click()
    page.wait_for_url(re.compile(r"/aanwezigheid$"))
    boxes = page.locator("input[name=aanwezig]")
    people = boxes.count()
    for n in range(people):
        boxes.nth(n).set_checked(n < 2)
    actives = page.locator("input[name=actief]")
    for n in range(actives.count()):
        actives.nth(n).set_checked(n == 0)
    page.get_by_label("Aantekeningen").fill("Beslagregels besproken; Sanne zoekt de nieuwe bedragen op.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/werkoverleg/\d+\?opgeslagen=1$"))
    assert page.locator("#aanwezig-kop ~ p").first.inner_text() == f"2 van de {people} aanwezig, 1 deed actief mee."
    assert "Sanne zoekt de nieuwe bedragen op" in page.locator(".kb-notes").inner_text()
    assert visitor.problems == []


def test_a_team_member_sees_the_agenda_on_the_phone(phone_visitor):
    phone_visitor.login("medewerker@example.org")
    page = phone_visitor.go("/werkoverleg")
    assert page.get_by_role("heading", level=1).inner_text() == "Werkoverleg Team Centrum"
    assert page.get_by_role("heading", name="Nog niet besproken in Team Centrum").is_visible()
    page.locator("#komend-kop ~ ul a").first.click()
    page.wait_for_url(re.compile(r"/werkoverleg/\d+$"))
    assert page.locator(".kb-agenda__line").count() >= 3
    assert page.get_by_role("link", name="Agenda voorbereiden").count() == 0  # not the contactpersoon
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone_visitor.problems == []

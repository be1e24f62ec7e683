"""The editor: validation that keeps the input, and two editors at once."""

import pytest
from bs4 import BeautifulSoup

from app.accounts.models import Role
from app.wiki import service
from app.wiki.forms import values_from_item
from tests.factories import login, make_item, make_theme, make_user, post_form

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def edit_form(item, theme, **changes):  # type: ignore[no-untyped-def]
    return {**values_from_item(item, theme), **changes}


def test_missing_and_too_long_fields_keep_what_was_typed(client, db):
    theme = make_theme(db)
    token = login(client, db, make_user(db, Role.kwaliteit))
    form = {"title": "Mijn titel", "summary": "x" * 301, "dossier_meaning": "", "body": "Lange tekst die ik typte.",
            "theme": theme.slug, "audience": "beide"}
    response = post_form(client, "/items/nieuw", form, token)
    assert response.status_code == 422
    html = page(response)
    assert html.find(id="summary-error").text == "Maximaal 300 tekens."
    assert html.find(id="dossier_meaning-error").text == "Dit veld mag niet leeg zijn."
    assert html.find(id="summary")["aria-describedby"] == "summary-hint summary-error"
    assert html.find(id="summary")["aria-invalid"] == "true"
    assert html.find(id="title")["value"] == "Mijn titel"
    assert html.find(id="body").text == "Lange tekst die ik typte."
    assert html.find(id="summary").text == "x" * 301


def test_unknown_theme_in_form(client, db):
    token = login(client, db, make_user(db, Role.kwaliteit))
    form = {"title": "T", "summary": "S", "dossier_meaning": "D", "theme": "weg", "audience": "beide"}
    response = post_form(client, "/items/nieuw", form, token)
    assert response.status_code == 422
    assert "bestaat niet" in page(response).find(id="theme-error").text


def test_second_editor_is_refused_and_loses_nothing(client, db):
    theme = make_theme(db)
    anna = make_user(db, Role.kwaliteit, name="Anna")
    bram = make_user(db, Role.kwaliteit, name="Bram")
    item = make_item(db, theme, author=anna, body="Regel een.\nRegel twee.\n")
    # Both open the editor on version 1.
    anna_form = edit_form(item, theme, body="Regel een.\nRegel twee, door Anna.\n", note="Anna's wijziging")
    bram_form = edit_form(item, theme, body="Regel een.\nRegel twee.\nRegel drie van Bram.\n")

    token = login(client, db, anna)
    assert post_form(client, f"/items/{item.slug}/bewerken", anna_form, token).status_code == 303

    token = login(client, db, bram)
    response = post_form(client, f"/items/{item.slug}/bewerken", bram_form, token)
    assert response.status_code == 409
    html = page(response)
    notice = html.find(id="conflict")
    assert "Anna heeft dit item op" in notice.text and "Anna's wijziging" in notice.text
    assert "niets verloren" in notice.text
    # Bram's text is still in the form, and the stored text is Anna's.
    assert html.find(id="body").text == "Regel een.\nRegel twee.\nRegel drie van Bram.\n"
    db.refresh(item)
    assert item.body == "Regel een.\nRegel twee, door Anna."
    assert item.version == 2
    # The diff shows what Bram would change on top of Anna's version, and only that: not the
    # status or theme, which neither changed.
    assert "Regel drie van Bram." in notice.select_one(".diff").text
    assert [h.text for h in notice.select(".diff h3")] == ["Tekst"]
    # Having seen it, Bram can save on top of version 2.
    assert html.find("input", attrs={"name": "version"})["value"] == "2"
    resubmit = {**bram_form, "version": "2", "body": "Regel een.\nRegel twee, door Anna.\nRegel drie van Bram.\n"}
    assert post_form(client, f"/items/{item.slug}/bewerken", resubmit, token).status_code == 303
    db.refresh(item)
    assert item.version == 3 and "Regel drie van Bram." in item.body
    assert [r.author_name for r in service.revisions(db, item)] == ["Bram", "Anna", "Anna"]


def test_history_shows_a_readable_diff(client, db):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    item = make_item(db, theme, author=editor, summary="De oude samenvatting.", body="Eerste regel.\nTweede regel.")
    token = login(client, db, editor)
    form = edit_form(item, theme, summary="De nieuwe samenvatting.", body="Eerste regel.\nTweede regel, aangepast.\nDerde regel.")
    assert post_form(client, f"/items/{item.slug}/bewerken", form, token).status_code == 303
    html = page(client.get(f"/items/{item.slug}/geschiedenis?van=1&naar=2"))
    sections = {s.h3.text: s for s in html.select("section.diff")}
    assert set(sections) == {"Samenvatting", "Tekst"}
    summary = sections["Samenvatting"]
    assert summary.find("del").text == "oude" and summary.find("ins").text == "nieuwe"
    body = sections["Tekst"]
    assert body.select_one(".kb-diff__added").text.endswith("Derde regel.")
    assert body.select_one(".kb-diff__changed ins").text == ", aangepast"


def test_saves_are_sanitized_on_every_page(client, db):
    theme = make_theme(db)
    token = login(client, db, make_user(db, Role.kwaliteit))
    evil = ('<script>alert(1)</script>\n\n[klik](javascript:alert(2))\n\n'
            '<img src=x onerror=alert(3)>\n\n<a href="https://x.nl" onclick="alert(4)">a</a>')
    form = {"title": "T", "summary": "S", "dossier_meaning": "D", "body": evil, "theme": theme.slug,
            "audience": "beide", "status": "published"}
    response = post_form(client, "/items/nieuw", form, token)
    slug = response.headers["location"].split("/")[2].split("?")[0]
    body = page(client.get(f"/items/{slug}")).select_one(".kb-body")
    assert body.find("script") is None and body.find("img") is None
    assert not any(a.get("href", "").startswith("javascript") for a in body.find_all("a"))
    assert not any(attr.startswith("on") for tag in body.find_all(True) for attr in tag.attrs)

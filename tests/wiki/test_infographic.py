"""The theme infographic (home and /themas/overzicht) and its poster."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from app.accounts.models import Role
from app.db import utcnow
from app.wiki import service
from tests.factories import login, make_item, make_theme, make_user

# Pages and texts: SQL does not decide them, so SQLite is enough.
pytestmark = pytest.mark.any_database

SVG = "{http://www.w3.org/2000/svg}"


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def published_days_ago(db, item, days: int) -> None:  # type: ignore[no-untyped-def]
    item.published_at = utcnow() - timedelta(days=days)
    db.add(item)
    db.flush()


def library(db):  # type: ignore[no-untyped-def]
    """Two themes: Beslag with one old and two new items (and a draft), Wsnp with one old."""
    beslag = make_theme(db, slug="beslag", name="Beslag")
    wsnp = make_theme(db, slug="wsnp", name="Wsnp")
    empty = make_theme(db, slug="leeg", name="Leeg thema")
    published_days_ago(db, make_item(db, beslag, title="Oud beslag"), 90)
    make_item(db, beslag, title="Nieuw beslag 1")
    make_item(db, beslag, title="Nieuw beslag 2")
    make_item(db, beslag, title="Concept", status="draft")
    published_days_ago(db, make_item(db, wsnp, title="Oude wsnp"), 45)
    return beslag, wsnp, empty


def tiles(page: BeautifulSoup) -> dict[str, tuple[str, str | None, str]]:
    """name -> (count text, new text or None, link)."""
    found = {}
    for link in page.select(".kb-infographic .kb-tile__link"):
        new = link.select_one(".kb-tile__new")
        new_text = new.contents[0].strip() if new else None
        found[link.select_one(".kb-tile__name").text] = (
            link.select_one(".kb-tile__count").text, new_text, link["href"],
        )
    return found


def test_overview_counts_published_and_new_per_theme(db):
    beslag, wsnp, empty = library(db)
    since = utcnow() - timedelta(days=30)
    stats = {s.theme.slug: (s.published, s.new) for s in service.theme_overview(db, since)}
    assert stats == {"beslag": (3, 2), "wsnp": (1, 0), "leeg": (0, 0)}


def test_home_and_overview_show_every_theme_as_a_tile(client, db):
    library(db)
    login(client, db, make_user(db, Role.medewerker))
    for url in ("/", "/themas/overzicht"):
        page = soup(client.get(url))
        assert tiles(page) == {
            "Beslag": ("3 items", "2 nieuw", "/themas/beslag"),
            "Wsnp": ("1 item", None, "/themas/wsnp"),
            "Leeg thema": ("0 items", None, "/themas/leeg"),
        }, url
        # The tile says what "nieuw" counts, also to a screen reader.
        assert "in de afgelopen 30 dagen" in page.select_one(".kb-tile__new").text
        # Icons are decoration: the text carries the meaning.
        assert all(svg["aria-hidden"] == "true" for svg in page.select(".kb-tile__link svg"))
    overview = soup(client.get("/themas/overzicht"))
    assert overview.select_one(".kb-infographic--described") is not None
    assert {a["href"] for a in overview.select("a[download]")} == {
        "/themas/poster?formaat=a4", "/themas/poster?formaat=a3"}


def test_theme_page_marks_new_items(client, db):
    beslag, _, _ = library(db)
    login(client, db, make_user(db, Role.medewerker))
    page = soup(client.get("/themas/beslag"))
    marked = {card.select_one(".kb-card__title").text.strip(): card.select_one(".utrecht-status-badge") is not None
              for card in page.select(".kb-card")}
    assert marked == {"Nieuw beslag 1": True, "Nieuw beslag 2": True, "Oud beslag": False}


def test_poster_is_an_svg_of_every_theme_in_a4_and_a3(client, db):
    library(db)
    login(client, db, make_user(db, Role.medewerker))
    sizes = {}
    for size in ("a4", "a3"):
        response = client.get(f"/themas/poster?formaat={size}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["content-disposition"] == f'attachment; filename="wiki-bibliotheek-poster-{size}.svg"'
        root = ElementTree.fromstring(response.content)
        assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 210 297"
        sizes[size] = (root.get("width"), root.get("height"))
        texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
        for expected in ("Beslag", "3 items", "Wsnp", "1 item", "Leeg thema", "0 items"):
            assert expected in texts
        assert "Testthema" in texts  # the theme's description
        assert "data:font/woff2;base64," in root.find(f"{SVG}style").text  # carries its font
    assert sizes == {"a4": ("210mm", "297mm"), "a3": ("297mm", "420mm")}


def test_poster_refuses_an_unknown_size(client, db):
    login(client, db, make_user(db, Role.medewerker))
    response = client.get("/themas/poster?formaat=a0")
    assert response.status_code == 422

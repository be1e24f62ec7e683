"""Sharing between municipalities (issue 13, point 6): A's shareable published items as Atom,
behind a feed key; B subscribes to that feed as a source and adopts an item with its origin."""

from http.server import BaseHTTPRequestHandler
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts.models import Role
from app.config import get_settings
from app.inbox import service, sharing
from app.inbox.models import Entry, SourceIn
from app.wiki import service as wiki_service
from tests.factories import http_server, login, make_item, make_theme, make_user, post_form

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_shared_feed_holds_only_shareable_published_content_behind_a_key(client, db, monkeypatch):
    kees = make_user(db, Role.kwaliteit)
    theme = make_theme(db, slug="beslag", name="Beslag")
    shared = make_item(db, theme, kees, title="Beslagvrije voet: zo rekent u", shareable=True,
                       summary="De rekenregels op een rij.", dossier_meaning="Reken altijd na.")
    make_item(db, theme, kees, title="Alleen voor ons", shareable=False)
    make_item(db, theme, kees, title="Nog een concept", shareable=True, status="draft")
    token = login(client, db, kees)
    made = post_form(client, "/inbox/delen", {"name": "Gemeente Buurstad"}, token)
    assert made.status_code == 201
    address = BeautifulSoup(made.text, "html.parser").select_one(".kb-code-font").text
    key = address.split("sleutel=")[1]
    assert key.startswith("kbf_") and key not in BeautifulSoup(client.get("/inbox/delen").text, "html.parser").text
    client.cookies.clear()  # another service reads it: no session, only the key
    feed = client.get("/feeds/items.atom", params={"sleutel": key})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.text)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Beslagvrije voet: zo rekent u"]
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id").text.endswith(f"/items/{shared.slug}")
    assert "Reken altijd na." in entry.find(f"{ATOM}content").text
    assert kees.email not in feed.text and kees.name not in feed.text  # no people
    assert client.get("/feeds/items.atom").status_code == 403
    assert client.get("/feeds/items.atom", params={"sleutel": "kbf_verzonnen"}).status_code == 403
    token = login(client, db, kees)
    revoked = sharing.list_tokens(db)[0]
    post_form(client, f"/inbox/delen/{revoked.id}/intrekken", {}, token)
    client.cookies.clear()
    assert client.get("/feeds/items.atom", params={"sleutel": key}).status_code == 403


@pytest.fixture
def serve_feed(monkeypatch):  # type: ignore[no-untyped-def]
    """A's feed, served over HTTP as A's service would serve it."""
    monkeypatch.setattr(get_settings(), "inbox_private_hosts", True)
    body = {"xml": ""}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

        def do_GET(self) -> None:  # noqa: N802
            data = body["xml"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with http_server(Handler) as base:
        yield body, f"{base}/feeds/items.atom?sleutel=kbf_x"


def test_another_municipality_adopts_a_shared_item_with_its_origin(db, serve_feed):
    body, url = serve_feed
    kees = make_user(db, Role.kwaliteit)
    theme = make_theme(db, slug="beslag", name="Beslag")
    shared = make_item(db, theme, kees, title="Beslagvrije voet: zo rekent u", shareable=True)
    body["xml"] = sharing.atom(db, "https://kennisbank.voorbeeldstad.example", "Gemeente Voorbeeldstad")
    # B: the same database here, a source like any other.
    source = service.add_source(db, SourceIn(name="Wiki-bibliotheek Voorbeeldstad", url=url, theme="beslag"))
    assert service.poll(db, source) == 1
    entry = db.exec(select(Entry).where(Entry.source_id == source.id)).one()
    assert entry.title == "Beslagvrije voet: zo rekent u"
    adopted = service.make_draft(db, entry, kees, None)
    assert adopted.source_name == "Gemeente Voorbeeldstad"  # the organisation, from the feed
    # Everything came along: nothing to retype.
    assert (adopted.summary, adopted.dossier_meaning) == (shared.summary, shared.dossier_meaning)
    assert adopted.body.startswith(shared.body) and adopted.theme_id == theme.id
    assert adopted.source_url == f"https://kennisbank.voorbeeldstad.example/items/{shared.slug}"  # its origin
    # and the version it was taken from, in its history
    from app.dates import nl_date
    [first] = wiki_service.revisions(db, adopted)
    assert first.note == f"Concept uit de bronnen-inbox (Gemeente Voorbeeldstad), versie van {nl_date(shared.updated_at)}"
    assert service.poll(db, source) == 0  # a second poll: the same id, nothing new
    assert wiki_service.get_item(db, adopted.slug, kees).status == "draft"


def test_the_inbox_shows_when_an_adopted_items_origin_changed(client, db, serve_feed):
    """A publishes a new version of an item B adopted: B's next poll marks the entry, the inbox
    shows it among what asks for a decision, with a link to B's own item, until 'Gezien'."""
    from datetime import timedelta

    from bs4 import BeautifulSoup

    from app import clock

    body, url = serve_feed
    kees = make_user(db, Role.kwaliteit)
    theme = make_theme(db, slug="beslag", name="Beslag")
    shared = make_item(db, theme, kees, title="Beslagvrije voet: zo rekent u", shareable=True)
    origin = "https://kennisbank.voorbeeldstad.example"
    body["xml"] = sharing.atom(db, origin, "Gemeente Voorbeeldstad")
    source = service.add_source(db, SourceIn(name="Wiki-bibliotheek Voorbeeldstad", url=url, theme="beslag"))
    service.poll(db, source)
    entry = db.exec(select(Entry).where(Entry.source_id == source.id)).one()
    adopted = service.make_draft(db, entry, kees, None)
    service.poll(db, source, now=clock.now() + timedelta(hours=1))
    assert entry.origin_changed_at is None  # the same version: nothing changed
    assert service.waiting_count(db) == 0

    shared.updated_at = shared.updated_at + timedelta(days=2)  # A's new version
    db.add(shared)
    db.flush()
    body["xml"] = sharing.atom(db, origin, "Gemeente Voorbeeldstad")
    assert service.poll(db, source, now=clock.now() + timedelta(hours=2)) == 0  # no new entry
    db.refresh(entry)
    assert entry.origin_changed_at is not None and service.waiting_count(db) == 1
    assert [e.id for e in service.entries(db, "gewijzigd")[0]] == [entry.id]

    token = login(client, db, kees)
    page = client.get("/inbox")
    assert page.status_code == 200
    card = BeautifulSoup(page.text, "html.parser").select_one(f"#bericht-{entry.id}")
    assert "Het origineel is gewijzigd" in card.get_text(" ", strip=True)
    assert card.select_one(f'a[href="/items/{adopted.slug}"]') is not None
    api = client.get("/api/v1/inbox", params={"status": "gewijzigd"})
    assert api.status_code == 200 and [e["item"] for e in api.json()] == [adopted.slug]
    seen = client.post(f"/inbox/berichten/{entry.id}", data={"csrf_token": token, "actie": "gezien"},
                       follow_redirects=False)
    assert seen.status_code == 303
    db.refresh(entry)
    assert entry.origin_changed_at is None and service.waiting_count(db) == 0
    # The same version again: still seen.
    assert service.poll(db, source, now=clock.now() + timedelta(hours=3)) == 0
    db.refresh(entry)
    assert entry.origin_changed_at is None

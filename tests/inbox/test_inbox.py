"""The bronnen-inbox against a real HTTP server the test starts, serving feeds in their real
formats: RSS 2.0 and Atom 1.0 with Dutch text, validators (ETag, Last-Modified), a malformed
feed, 429 then 200, a permanent redirect and 410 Gone."""

from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.db import utcnow
from app.inbox import service
from app.inbox.models import Entry, EntryStatus, SourceIn, SourceState
from app.wiki.models import Item
from tests.factories import http_server, login, make_theme, make_user, post_form

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Nieuws van de brancheorganisatie</title><link>https://example.org</link>
<description>Nieuws over schuldhulpverlening</description>
<item><title>Nieuwe normen voor de beslagvrije voet</title><link>https://example.org/bvv?utm_source=nieuwsbrief&amp;id=7</link>
<guid>https://example.org/bvv-2027</guid><pubDate>Mon, 04 Jan 2027 09:00:00 +0100</pubDate>
<description>&lt;p&gt;Per 1 januari gelden &lt;b&gt;nieuwe normen&lt;/b&gt; voor de beslagvrije voet.&lt;/p&gt;</description></item>
<item><title>Webinar over vroegsignalering</title><link>https://example.org/webinar</link>
<guid>https://example.org/webinar</guid><description>Een webinar voor gemeenten.</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kennisbank van een buurgemeente</title><id>urn:buur</id>
<updated>2027-01-05T10:00:00Z</updated>
<entry><title>Moratorium aanvragen: een stappenplan</title><id>urn:buur:1</id><updated>2027-01-05T10:00:00Z</updated>
<link href="https://buur.example/moratorium"/><summary>Zo vraagt u een moratorium aan.</summary></entry>
</feed>"""
BROKEN = """<?xml version="1.0"?><rss version="2.0"><channel><title>Half kapot</title>
<item><title>Item in een kapotte feed</title><guid>kapot-1</guid><description>Tekst & nog meer</description></item>
</channel>"""


class Feeds(BaseHTTPRequestHandler):
    busy = {"count": 0}

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def _send(self, status: int, body: str = "", headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/nieuws.rss":
            if self.headers.get("If-None-Match") == '"v1"':
                return self._send(304)
            return self._send(200, RSS, {"Content-Type": "application/rss+xml", "ETag": '"v1"',
                                         "Last-Modified": "Mon, 04 Jan 2027 09:00:00 GMT"})
        if self.path == "/atom.xml":
            return self._send(200, ATOM, {"Content-Type": "application/atom+xml", "Cache-Control": "max-age=7200"})
        if self.path == "/kapot.xml":
            return self._send(200, BROKEN, {"Content-Type": "application/rss+xml"})
        if self.path == "/druk.xml":
            self.busy["count"] += 1
            if self.busy["count"] == 1:
                return self._send(429, "", {"Retry-After": "120"})
            return self._send(200, ATOM, {"Content-Type": "application/atom+xml"})
        if self.path == "/verhuisd.xml":
            return self._send(301, "", {"Location": "/nieuws.rss"})
        if self.path == "/weg.xml":
            return self._send(410)
        return self._send(404)


@pytest.fixture
def feeds(monkeypatch):  # type: ignore[no-untyped-def]
    """The feeds' server on 127.0.0.1: allowed as an intranet feed would be."""
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "inbox_private_hosts", True)
    Feeds.busy["count"] = 0
    with http_server(Feeds) as base:
        yield base


def add(db, feeds, path: str, name: str = "Bron"):  # type: ignore[no-untyped-def]
    return service.add_source(db, SourceIn(name=name, url=feeds + path))


def test_a_feed_comes_in_once_and_a_second_poll_fetches_nothing_new(db, feeds):
    source = add(db, feeds, "/nieuws.rss")
    assert service.poll(db, source) == 2
    entries = db.exec(select(Entry).order_by(Entry.id)).all()
    first = entries[0]
    assert first.title == "Nieuwe normen voor de beslagvrije voet"
    assert first.excerpt == "Per 1 januari gelden nieuwe normen voor de beslagvrije voet."  # HTML gone
    assert first.link == "https://example.org/bvv?id=7"  # tracking parameter stripped
    assert (source.etag, source.last_modified) == ('"v1"', "Mon, 04 Jan 2027 09:00:00 GMT")
    assert service.poll(db, source) == 0  # 304 Not Modified
    assert "Laatst opgehaald" in service.status_text(source) and source.failures == 0
    # A rejected entry never comes back, also when the server sends the whole feed again.
    service.decide(db, first, EntryStatus.rejected, "Staat al in ons item")
    source.etag = ""
    assert service.poll(db, source) == 0
    assert db.get(Entry, first.id).status == EntryStatus.rejected
    assert len(db.exec(select(Entry)).all()) == 2


def test_atom_malformed_busy_moved_and_gone(db, feeds):
    atom = add(db, feeds, "/atom.xml", "Atom")
    before = utcnow()
    assert service.poll(db, atom) == 1
    assert atom.next_poll_at >= before + timedelta(hours=2)  # Cache-Control: max-age=7200
    broken = add(db, feeds, "/kapot.xml", "Kapot")
    assert service.poll(db, broken) == 1 and broken.malformed
    assert "niet helemaal correct" in service.status_text(broken)
    busy = add(db, feeds, "/druk.xml", "Druk")
    assert service.poll(db, busy) == 0
    assert busy.failures == 1 and "later terug" in busy.error and busy.next_poll_at >= utcnow() + timedelta(seconds=110)
    assert "Fout sinds" in service.status_text(busy)
    assert service.poll(db, busy) == 1 and busy.error == "" and busy.failures == 0
    moved = add(db, feeds, "/verhuisd.xml", "Verhuisd")
    assert service.poll(db, moved) == 2 and moved.url == feeds + "/nieuws.rss"
    gone = add(db, feeds, "/weg.xml", "Weg")
    assert service.poll(db, gone) == 0 and gone.state == SourceState.gone
    assert "bestaat niet meer" in service.status_text(gone)
    assert gone.id not in service.claim_due(db, utcnow() + timedelta(days=30))  # never polled again
    missing = add(db, feeds, "/bestaat-niet.xml", "Fout")
    assert service.poll(db, missing) == 0 and "404" in missing.error


def test_two_processes_never_poll_the_same_source_at_once(db, feeds):
    source = add(db, feeds, "/nieuws.rss")
    now = utcnow() + timedelta(seconds=1)
    assert service.claim_due(db, now) == [source.id]
    assert service.claim_due(db, now) == []  # claimed: the other process skips it


def test_kwaliteit_turns_an_entry_into_a_concept_and_rejects_another(client, db, feeds, search_index):
    kees = make_user(db, Role.kwaliteit, name="Kees")
    theme = make_theme(db, slug="beslag", name="Beslag")
    token = login(client, db, kees)
    sent = post_form(client, "/inbox/bronnen", {"name": "Brancheorganisatie", "url": feeds + "/nieuws.rss",
                                                "theme": "beslag", "audience": "klantbegeleider"}, token)
    assert sent.status_code == 303, BeautifulSoup(sent.text, "html.parser").select_one("main").text[:500]
    source_id = int(sent.headers["location"].split("=")[1])
    polled = post_form(client, f"/inbox/bronnen/{source_id}", {"actie": "ophalen"}, token)
    assert polled.status_code == 303 and "nieuw=2" in polled.headers["location"]
    inbox = BeautifulSoup(client.get("/inbox").text, "html.parser")
    cards = inbox.select(".kb-entry")
    assert [c.select_one(".kb-card__title").text for c in cards] == ["Nieuwe normen voor de beslagvrije voet", "Webinar over vroegsignalering"]
    first, second = (int(c["id"].split("-")[1]) for c in cards)
    made = post_form(client, f"/inbox/berichten/{first}", {"actie": "concept", "theme": ""}, token)
    assert made.status_code == 303 and made.headers["location"].endswith("/bewerken")
    editor = BeautifulSoup(client.get(made.headers["location"]).text, "html.parser")
    assert editor.find(id="title")["value"] == "Nieuwe normen voor de beslagvrije voet"  # nothing retyped
    assert editor.find(id="source_url")["value"] == "https://example.org/bvv?id=7"
    assert editor.find(id="theme").find("option", selected=True)["value"] == theme.slug
    item = db.exec(select(Item).where(Item.title == "Nieuwe normen voor de beslagvrije voet")).one()
    assert (item.status, item.audience, item.source_name) == ("draft", "klantbegeleider", "Brancheorganisatie")
    # What the concept says is still to be written cannot go live unnoticed.
    edit = BeautifulSoup(client.get(made.headers["location"]).text, "html.parser")
    fields = {f["name"]: f.get("value", "") for f in edit.select("form.kb-form input[name]") if f.get("type") != "checkbox"}
    fields.update({t["name"]: t.text for t in edit.select("form.kb-form textarea[name]")})
    fields.update({sel["name"]: (sel.find("option", selected=True) or sel.find("option"))["value"]
                   for sel in edit.select("form.kb-form select[name]")})
    fields.update({"status": "published", "note": "Meteen live"})
    refused = post_form(client, made.headers["location"], fields, token)
    page = BeautifulSoup(refused.text, "html.parser")
    assert refused.status_code == 422 and "Vul eerst wat dit betekent voor het dossier in" in page.text
    assert page.find(id="note")["value"] == "Meteen live"  # what was typed stays
    db.refresh(item)
    assert item.status == "draft"
    rejected = post_form(client, f"/inbox/berichten/{second}", {"actie": "niet-relevant", "reason": "Geen nieuws voor ons"}, token)
    assert rejected.status_code == 303
    assert BeautifulSoup(client.get("/inbox").text, "html.parser").select(".kb-entry") == []
    # The worklist counts what waits in the inbox.
    work = BeautifulSoup(client.get("/werk").text, "html.parser")
    assert "Inbox (0)" in work.text


def test_the_api_and_who_may_use_it(client, db, feeds, search_index):
    kees = make_user(db, Role.kwaliteit)
    make_theme(db, slug="beslag", name="Beslag")
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, kees)}"}
    created = client.post("/api/v1/sources", headers=auth, json={"name": "Buur", "url": feeds + "/atom.xml"})
    assert created.status_code == 201, created.text
    source = created.json()["id"]
    assert client.post("/api/v1/sources", headers=auth, json={"name": "Dubbel", "url": feeds + "/atom.xml"}).status_code == 422
    bad = client.post("/api/v1/sources", headers=auth, json={"name": "x", "url": "ftp://example.org"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "url"
    polled = client.post(f"/api/v1/sources/{source}/poll", headers=auth).json()
    assert polled["new_entries"] == 1 and polled["status"].startswith("Laatst opgehaald")
    assert client.post(f"/api/v1/sources/{source}/poll", headers=auth).json()["new_entries"] == 0
    waiting = client.get("/api/v1/inbox", headers=auth).json()
    assert [e["title"] for e in waiting] == ["Moratorium aanvragen: een stappenplan"]
    draft = client.post(f"/api/v1/inbox/{waiting[0]['id']}/draft", headers=auth)
    assert draft.status_code == 201 and draft.json()["slug"]
    assert client.post(f"/api/v1/inbox/{waiting[0]['id']}/draft", headers=auth).status_code == 422  # once
    assert client.get("/api/v1/inbox", params={"status": "concept"}, headers=auth).json()[0]["item"] == draft.json()["slug"]
    assert client.post("/api/v1/inbox/999999/reject", headers=auth).status_code == 404
    reader = {"Authorization": f"Bearer {accounts_service.create_api_token(db, make_user(db, Role.medewerker))}"}
    assert client.get("/api/v1/sources", headers=reader).status_code == 403
    assert client.get("/api/v1/inbox", headers=reader).status_code == 403
    with clock.frozen(utcnow()):
        assert client.get("/api/v1/sources", headers=auth).json()[0]["entries"] == 1


def test_the_inbox_never_fetches_this_machine_or_the_local_network_unless_allowed(db, feeds, monkeypatch):
    from app.config import get_settings

    urls = (feeds + "/nieuws.rss", "http://10.0.0.1/feed", "http://[::1]/feed", "http://169.254.169.254/latest")
    monkeypatch.setattr(get_settings(), "inbox_private_hosts", True)
    added = [service.add_source(db, SourceIn(name=url[:50], url=url)) for url in urls]  # allowed, once
    monkeypatch.setattr(get_settings(), "inbox_private_hosts", False)
    for url in urls:  # refused when added, with the reason
        with pytest.raises(service.InboxError, match="openbare adressen"):
            service.add_source(db, SourceIn(name="Nog eens", url=url + "-2"))
        with pytest.raises(service.InboxError, match="staat er al"):  # the same address, in capitals
            service.add_source(db, SourceIn(name="Nog eens", url=url.replace("http://", "HTTP://")))
    for source in added:  # and never fetched once the setting is off again
        assert service.poll(db, source) == 0
        assert "openbare adressen" in source.error, source.url
    assert db.exec(select(Entry)).all() == []


def test_an_entry_whose_title_shows_nothing_still_becomes_a_concept(db, feeds):
    source = add(db, feeds, "/nieuws.rss")
    service.poll(db, source)
    entry = db.exec(select(Entry).order_by(Entry.id)).first()
    entry.title, entry.excerpt = "\u200b\u200b", "\u200d"
    db.add(entry)
    item = service.make_draft(db, entry, make_user(db, Role.kwaliteit), None) if make_theme(db) else None
    assert item.title == "(zonder titel)" and item.summary.startswith("Nog invullen")


def test_the_months_figures_show_what_came_in_and_how_fast_it_was_published(client, db, feeds):
    """Issue 13, point 7: per month in, published, not relevant, and the median time."""
    from datetime import datetime, time

    from app.config import LOCAL_TZ
    from app.meetings import agenda as agenda_service
    from app.wiki import service as wiki_service
    from app.wiki.models import ItemUpdateIn
    from tests.factories import make_meeting

    kees = make_user(db, Role.kwaliteit)
    make_theme(db, slug="beslag", name="Beslag")
    arrived = datetime(2027, 3, 2, 9, 0, tzinfo=LOCAL_TZ)
    with clock.frozen(arrived):
        source = add(db, feeds, "/nieuws.rss")
        service.poll(db, source)
        first, second = db.exec(select(Entry).order_by(Entry.id)).all()
        item = service.make_draft(db, first, kees, "beslag")
        service.decide(db, second, EntryStatus.rejected)
    with clock.frozen(arrived + timedelta(days=3)):
        data = ItemUpdateIn.model_validate({
            "title": item.title, "summary": "Nieuwe normen per 1 januari.", "body": item.body,
            "dossier_meaning": "Reken de beslagvrije voet opnieuw na.", "theme": "beslag",
            "status": "published", "version": item.version})
        wiki_service.update_item(db, item, data, kees)
    march = next(m for m in service.monthly(db, datetime(2027, 3, 20).date()) if m.month.month == 3)
    assert (march.came_in, march.adopted, march.rejected, march.median_days) == (2, 1, 1, 3.0)
    with clock.frozen(datetime.combine(datetime(2027, 3, 20).date(), time(9), LOCAL_TZ)):
        login(client, db, kees)
        shown = BeautifulSoup(client.get("/inbox").text, "html.parser")
        assert shown.title.text.startswith("Bronnen-inbox · ") and len(shown.select("#maanden-kop")) == 1
        row = [td.text for td in shown.select("#maanden-kop ~ div tbody tr")[0].select("td")]
        assert row == ["maart 2027", "2", "1", "1", "3,0 dagen"]
        meeting = make_meeting(db, None, days_ahead=3, with_agenda=True)  # the vakoverleg
    point = next(line for line in agenda_service.lines(db, agenda_service.get_agenda(db, meeting))
                 if line.entry.title.startswith("Nieuwe kennis uit de bronnen-inbox"))
    assert "2 binnen, 1 als item gepubliceerd, 1 niet relevant" in point.entry.text and "mediaan 3,0 dagen" in point.entry.text


NEWSLETTER = __import__("pathlib").Path(__file__).parent / "files" / "nieuwsbrief.eml"


def test_a_newsletter_by_mail_becomes_one_entry_per_article(client, db):
    """A saved newsletter (.eml, multipart with quoted-printable HTML): its two articles, not
    the browser version, 'Lees meer' twice, social links or the unsubscribe link; the links
    without tracking parameters; a second upload adds nothing."""
    kees = make_user(db, Role.kwaliteit)
    token = login(client, db, kees)
    raw = NEWSLETTER.read_bytes()
    sent = client.post("/inbox/nieuwsbrief", data={"csrf_token": token},
                       files={"file": ("nieuwsbrief.eml", raw, "message/rfc822")}, follow_redirects=False)
    assert sent.status_code == 303 and "nieuwsbrief=2" in sent.headers["location"]
    entries = db.exec(select(Entry).order_by(Entry.id)).all()
    assert [(e.title, e.link) for e in entries] == [
        ("Nieuwe normen voor de beslagvrije voet", "https://brancheorganisatie.example/nieuws/bvv-2027"),
        ("Webinar vroegsignalering voor gemeenten", "https://brancheorganisatie.example/agenda/webinar"),
    ]
    assert entries[0].excerpt == "Uit de nieuwsbrief ‘Nieuwsbrief schuldhulpverlening, januari 2027’."
    source = db.get(service.Source, entries[0].source_id)
    assert (source.kind, source.name) == ("mail", "Nieuwsbrief Brancheorganisatie")
    assert "Laatste nieuwsbrief" in service.status_text(source)
    again = client.post("/inbox/nieuwsbrief", data={"csrf_token": token},
                        files={"file": ("nieuwsbrief.eml", raw, "message/rfc822")}, follow_redirects=False)
    assert "nieuwsbrief=0" in again.headers["location"]
    with pytest.raises(service.InboxError):
        service.poll(db, source)  # a mail source is uploaded, not fetched
    refused = client.post("/inbox/nieuwsbrief", data={"csrf_token": token},
                          files={"file": ("leeg.eml", b"dit is geen mail", "message/rfc822")}, follow_redirects=False)
    assert refused.status_code == 422 and "geen e-mail" in refused.text


def test_the_proposed_theme_is_the_same_on_the_card_and_in_the_concept(db, feeds):
    """The source's default theme before the search's suggestion, on every path (the card's
    button, the decision "overnemen", the API): what the card proposes is what the item gets."""
    from app.inbox import decisions

    kees = make_user(db, Role.kwaliteit)
    beslag, vroeg = make_theme(db, slug="beslag", name="Beslag"), make_theme(db, slug="vroeg", name="Vroegsignalering")
    with_default = service.add_source(db, SourceIn(name="Met thema", url=feeds + "/nieuws.rss", theme="beslag"))
    without = service.add_source(db, SourceIn(name="Zonder thema", url=feeds + "/atom.xml"))
    service.poll(db, with_default)
    service.poll(db, without)
    first, second = db.exec(select(Entry).where(Entry.source_id == with_default.id).order_by(Entry.id)).all()
    [other] = db.exec(select(Entry).where(Entry.source_id == without.id)).all()
    assert service.proposed_theme(db, first, "vroeg") == "beslag"
    assert service.proposed_theme(db, other, "vroeg") == "vroeg"
    assert service.proposed_theme(db, other, "bestaat-niet") is None
    item = service.make_draft(db, first, kees, None, "vroeg")
    assert item.theme_id == beslag.id
    decisions.record(db, second, "analyse", "Beantwoordt de wens om sneller te signaleren.", kees)
    adopted = decisions.record(db, second, "overnemen", "Past bij ons werk.", kees, suggested="vroeg")
    assert adopted is not None and adopted.theme_id == beslag.id
    chosen = service.make_draft(db, other, kees, "beslag", "vroeg")  # Kwaliteit's own choice wins
    assert chosen.theme_id == beslag.id and vroeg.id != beslag.id


def test_a_long_inbox_is_paged_on_the_page_and_in_the_api(client, db, feeds):
    kees = make_user(db, Role.kwaliteit)
    source = add(db, feeds, "/veel.xml", "Veel")
    many = [{"id": f"veel-{n}", "title": f"Bericht nummer {n:02d} over schulden", "summary": "Tekst."} for n in range(60)]
    assert service.store(db, source, many, utcnow()) == 60
    token = login(client, db, kees)
    first = BeautifulSoup(client.get("/inbox", params={"bron": source.id}).text, "html.parser")
    second_page = client.get("/inbox", params={"bron": source.id, "page": 2})
    second = BeautifulSoup(second_page.text, "html.parser")
    assert second_page.status_code == 200
    assert len(first.select(".kb-entry")) == 50 and len(second.select(".kb-entry")) == 10
    assert "Pagina 1 van 2" in first.select_one(".kb-pager").text
    assert first.select_one(".kb-pager a[rel=next]")["href"] == f"?page=2&bron={source.id}"
    shown = {e["id"] for e in first.select(".kb-entry")} | {e["id"] for e in second.select(".kb-entry")}
    assert len(shown) == 60  # every entry on one of the pages
    api = client.get("/api/v1/inbox", params={"source": source.id, "limit": 20, "offset": 50},
                     headers={"x-csrf-token": token})
    assert api.status_code == 200 and len(api.json()) == 10

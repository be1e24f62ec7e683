"""What an attacker (or a broken publisher) sends the inbox: a compressed bomb, a feed sent a
byte at a time, links that are scripts, markup in titles, an address that is no address, a mail
dated in the year 9999. Each is refused or read safely, never a crash, never a blocked inbox."""

import gzip
import ipaddress
import time
import tracemalloc
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler

import pytest
from pydantic import ValidationError
from sqlmodel import select

from app.inbox import fetch, mail, service
from app.inbox.models import Entry, SourceIn
from tests.factories import http_server

BOMB = gzip.compress(gzip.compress(bytes(60 * 1024 * 1024)))  # 60 MB of zeros, gzipped twice
HOSTILE = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Vijandig</title>
<item><title>Toeslag &gt; 1000 euro &amp; meer</title><guid>h1</guid><link>javascript:alert(document.cookie)</link>
<description>Per 1 januari: &lt;b&gt;meer&lt;/b&gt; dan 1000 &lt; 2000</description></item>
<item><title>Data-link</title><guid>h2</guid><link> data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>
</channel></rss>"""


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/bom.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Encoding", "gzip, gzip")
            self.send_header("Content-Length", str(len(BOMB)))
            self.end_headers()
            self.wfile.write(BOMB)
        elif self.path == "/traag.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            for _ in range(40):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        else:
            body = HOSTILE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture
def hostile(monkeypatch):  # type: ignore[no-untyped-def]
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "inbox_private_hosts", True)
    with http_server(_Hostile) as base:
        yield base


def test_a_compressed_bomb_is_refused_without_inflating_it(hostile):
    tracemalloc.start()
    try:
        got = fetch.fetch(hostile + "/bom.xml", "", "", allow_private=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.error == fetch.TOO_BIG and got.entries == []
    assert peak < 20 * 1024 * 1024, f"{peak / 2**20:.0f} MB in memory for a 60 MB bomb"


def test_a_feed_sent_a_byte_at_a_time_is_given_up_on(hostile, monkeypatch):
    monkeypatch.setattr(fetch, "TOTAL_SECONDS", 1.0)
    started = time.monotonic()
    got = fetch.fetch(hostile + "/traag.xml", "", "", allow_private=True)
    assert "te traag" in got.error and time.monotonic() - started < 3.5


def test_script_links_are_dropped_and_markup_in_titles_is_text(db, hostile):
    source = service.add_source(db, SourceIn(name="Vijandig", url=hostile + "/vijandig.xml"))
    assert service.poll(db, source) == 2
    first, second = db.exec(select(Entry).where(Entry.source_id == source.id).order_by(Entry.id)).all()
    assert first.title == "Toeslag > 1000 euro & meer"  # not "&gt;": the page escapes it once
    assert first.excerpt == "Per 1 januari: meer dan 1000 < 2000"
    assert first.link == "" and second.link == ""  # javascript: and data: are no links


@pytest.mark.parametrize("url", ["http://[::1", "http://e.org/f\r\nX: y", "http://e.org/een spatie", "https://"])
def test_an_address_that_is_no_address_is_refused_when_added(url):
    with pytest.raises(ValidationError, match="geen geldig adres|begint met"):
        SourceIn(name="Fout", url=url)


def test_a_stored_address_that_is_no_address_is_a_status_not_a_crash(db):
    source = service.add_source(db, SourceIn(name="Oud", url="https://example.org/feed.xml"))
    source.url = "http://[::1"  # stored before addresses were checked
    assert service.poll(db, source) == 0
    assert "ongeldig" in service.status_text(source)


@pytest.mark.parametrize(("address", "public"), [
    ("::ffff:127.0.0.1", False), ("::127.0.0.1", False), ("64:ff9b::7f00:1", False), ("64:ff9b::a9fe:a9fe", False),
    ("::ffff:8.8.8.8", True), ("2001:4860:4860::8888", True), ("169.254.169.254", False),
])
def test_ipv6_forms_of_a_private_ipv4_address_are_private(address, public):
    assert fetch._public(ipaddress.ip_address(address)) is public


def test_a_mail_dated_in_the_year_9999_is_read_without_a_date(db):
    message = EmailMessage()
    message["From"] = "Nieuwsbrief <nieuws@example.org>"
    message["Subject"] = "Nieuws uit de sector"
    message["Date"] = "Fri, 31 Dec 9999 23:59:59 -1200"
    message.set_content("Geen links, alleen tekst over schuldhulp.")
    source, new = mail.import_newsletter(db, message.as_bytes())
    [entry] = db.exec(select(Entry).where(Entry.source_id == source.id)).all()
    assert new == 1 and entry.published_at is None


def test_a_redirect_to_no_address_is_a_status_not_a_crash():
    import httpx

    def moved(request):  # type: ignore[no-untyped-def]
        return httpx.Response(301, headers={"Location": "http://[::1"})

    got = fetch.fetch("https://example.org/feed.xml", "", "", transport=httpx.MockTransport(moved), allow_private=True)
    assert got.status == 0 and got.error

"""The inbox journey as Kwaliteit makes it in a browser: add a feed, fetch it, turn an entry
into a published item without retyping, reject another; a second fetch adds nothing. The
clicks are counted (a click, a choice or a field filled in is one step) and timed."""

import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Nieuws van de brancheorganisatie</title><link>https://example.org</link>
<description>Nieuws over schuldhulpverlening</description>
<item><title>Nieuwe rekenregels beslagvrije voet {word}</title><link>https://example.org/rekenregels?utm_source=rss</link>
<guid>https://example.org/rekenregels-{word}</guid><pubDate>Mon, 04 Jan 2027 09:00:00 +0100</pubDate>
<description>Per 1 januari rekent de deurwaarder de beslagvrije voet met nieuwe normbedragen.</description></item>
<item><title>Vacature bij de brancheorganisatie {word}</title><link>https://example.org/vacature</link>
<guid>https://example.org/vacature-{word}</guid><description>Wij zoeken een collega.</description></item>
</channel></rss>"""


@pytest.fixture
def feed():  # type: ignore[no-untyped-def]
    word = "bron" + secrets.token_hex(3)
    body = FEED.replace("{word}", word).encode()
    asked = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

        def do_GET(self) -> None:  # noqa: N802
            asked["count"] += 1
            if self.headers.get("If-None-Match") == '"een"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", '"een"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/nieuws.rss", word, asked
    server.shutdown()


def test_from_a_new_feed_entry_to_a_published_item(visitor, feed):
    url, word, asked = feed
    visitor.login("kwaliteit@example.org")
    page = visitor.page
    steps = 0
    started = time.perf_counter()

    def step(action) -> None:  # type: ignore[no-untyped-def]
        nonlocal steps
        steps += 1
        action()

    visitor.go("/werk")
    step(lambda: page.get_by_role("link", name=re.compile("inbox", re.I)).first.click())
    step(lambda: page.get_by_role("link", name="Bronnen beheren").click())
    step(lambda: page.get_by_label("Naam").fill("Brancheorganisatie"))
    step(lambda: page.get_by_label("Adres van de feed").fill(url))
    step(lambda: page.get_by_role("button", name="Toevoegen").click())
    step(lambda: page.get_by_role("button", name=re.compile(r"^Nu ophalen\W+Brancheorganisatie$")).click())
    assert "2 nieuwe berichten" in page.get_by_role("status").inner_text()
    step(lambda: page.get_by_role("link", name="Naar de inbox").click())
    step(lambda: page.get_by_role("button", name=re.compile(rf"^Maak concept-item\W+Nieuwe rekenregels beslagvrije voet {word}$")).click())
    page.wait_for_url(re.compile(r"/items/.+/bewerken$"))
    assert page.get_by_label("Titel").input_value() == f"Nieuwe rekenregels beslagvrije voet {word}"  # not retyped
    assert page.get_by_label("Samenvatting").input_value().startswith("Per 1 januari rekent de deurwaarder")
    step(lambda: page.get_by_label("Wat betekent dit voor het dossier?").fill("Reken de beslagvrije voet na bij elk nieuw beslag."))
    step(lambda: page.get_by_label("Status").select_option(label="Gepubliceerd"))
    step(lambda: page.get_by_label("Wat heeft u gewijzigd?").fill("Uit de bronnen-inbox"))
    step(lambda: page.get_by_role("button", name="Opslaan").click())
    page.wait_for_url(re.compile(r"/items/.+\?opgeslagen=1$"))
    published, to_publish = time.perf_counter() - started, steps
    assert page.locator("h1").inner_text() == f"Nieuwe rekenregels beslagvrije voet {word}"

    visitor.go("/inbox")
    step(lambda: page.get_by_role("button", name=re.compile(rf"^Niet relevant\W+Vacature bij de brancheorganisatie {word}$")).click())
    assert "niet relevant" in page.get_by_role("status").inner_text()
    assert page.locator(".kb-entry").count() == 0

    # A second fetch: 304, nothing new, no doubles.
    visitor.go("/inbox/bronnen")
    before = asked["count"]
    page.get_by_role("button", name=re.compile(r"^Nu ophalen\W+Brancheorganisatie$")).click()
    assert "0 nieuwe berichten" in page.get_by_role("status").inner_text() and asked["count"] == before + 1
    page = visitor.go(f"/zoeken?q={word}")
    assert page.locator(".result-list .kb-card__title").all_inner_texts() == [f"Nieuwe rekenregels beslagvrije voet {word}"]
    print(f"\ninbox journey: {to_publish} steps to the published item, {published:.1f} s in the browser")
    # 5 of them add the source, once; then 5 per entry: concept, dossier, status, note, save.
    assert to_publish <= 12
    assert visitor.problems == []


def test_another_municipality_adopts_a_shared_item_with_its_origin(browser, live_server, second_server):
    """Two running instances, each with a data folder of its own: A makes an item shareable
    and a feed key; B's Kwaliteit subscribes to A's feed, adopts the item and publishes it with
    its origin; a second fetch on B brings nothing new and no double."""
    from tests.browser.conftest import DESKTOP, new_visitor

    a = new_visitor(browser, live_server, DESKTOP)
    b = new_visitor(browser, second_server, DESKTOP)
    try:
        a.login("kwaliteit@example.org")
        page = a.go("/zoeken?q=beslagvrije+voet")
        page.locator(".result-list .kb-card__title a").first.click()
        title = page.locator("h1").inner_text()
        origin = page.url.split("?")[0]
        page.get_by_role("link", name="Bewerken").click()
        page.get_by_label("Deelbaar met andere gemeenten").check()
        page.get_by_label("Wat heeft u gewijzigd?").fill("Gedeeld met Buurstad")
        page.get_by_role("button", name="Opslaan").click()
        page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
        page = a.go("/inbox/delen")
        page.get_by_label("Voor wie").fill("Gemeente Buurstad")
        page.get_by_role("button", name="Sleutel maken").click()
        feed_url = page.locator(".kb-code-font").inner_text().strip()
        assert feed_url.startswith(f"{live_server.url}/feeds/items.atom?sleutel=")

        b.login("kwaliteit@example.org")
        page = b.go("/inbox/bronnen")
        page.get_by_label("Naam").fill("Wiki-bibliotheek Voorbeeldstad")
        page.get_by_label("Adres van de feed").fill(feed_url)
        page.get_by_role("button", name="Toevoegen").click()
        fetch = re.compile(r"^Nu ophalen\W+Wiki-bibliotheek Voorbeeldstad$")
        page.get_by_role("button", name=fetch).click()
        assert "Opgehaald: 1 nieuwe bericht." in page.get_by_role("status").inner_text()
        page.get_by_role("link", name="Naar de inbox").click()
        page.get_by_role("button", name=re.compile(rf"^Maak concept-item\W+{re.escape(title)}$")).click()
        page.wait_for_url(re.compile(r"/items/.+/bewerken$"))
        assert page.get_by_label("Titel").input_value() == title
        assert page.get_by_label("Bron", exact=True).input_value() == "Wiki-bibliotheek Voorbeeldstad"
        assert page.get_by_label("Bronlink").input_value() == origin  # the origin's own address
        page.get_by_label("Status").select_option(label="Gepubliceerd")
        page.get_by_label("Wat heeft u gewijzigd?").fill("Overgenomen van Voorbeeldstad")
        page.get_by_role("button", name="Opslaan").click()
        page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
        assert page.locator("h1").inner_text() == title
        assert page.get_by_role("link", name="Wiki-bibliotheek Voorbeeldstad").get_attribute("href") == origin

        page = b.go("/inbox/bronnen")
        page.get_by_role("button", name=fetch).click()
        assert "Opgehaald: 0 nieuwe berichten." in page.get_by_role("status").inner_text()
        assert b.go("/inbox").locator(".kb-entry").count() == 0  # nothing new waits
        page = b.go("/inbox?status=concept")
        assert page.locator(".kb-entry").count() == 1  # the one entry, adopted; no double
        assert a.problems == [] and b.problems == []
    finally:
        a.page.context.close()
        b.page.context.close()

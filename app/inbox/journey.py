"""The inbox journey in a browser, as Kwaliteit walks it: from a new feed entry to a published
item, and another municipality adopting a shared item. One definition, walked by the browser
test (which asserts on it) and by `kennisbank bench inbox` (which measures it and writes the
figures to docs/benchmarks.md).

A step is what a person does: a click, a choice, a field filled in. Each walk checks what the
person would see (the title came along, the origin is kept) and raises JourneyError otherwise.
"""

import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PASSWORD = "demo-wachtwoord"  # the demo accounts' (KENNISBANK_LOAD_DEMO_ACCOUNTS)
KWALITEIT = "kwaliteit@example.org"

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Nieuws van de brancheorganisatie</title><link>https://example.org</link>
<description>Nieuws over schuldhulpverlening</description>
<item><title>Nieuwe rekenregels beslagvrije voet {word}</title><link>https://example.org/rekenregels?utm_source=rss</link>
<guid>https://example.org/rekenregels-{word}</guid><pubDate>Mon, 04 Jan 2027 09:00:00 +0100</pubDate>
<description>Per 1 januari rekent de deurwaarder de beslagvrije voet met nieuwe normbedragen.</description></item>
<item><title>Vacature bij de brancheorganisatie {word}</title><link>https://example.org/vacature</link>
<guid>https://example.org/vacature-{word}</guid><description>Wij zoeken een collega.</description></item>
</channel></rss>"""


class JourneyError(Exception):
    """The page did not show what the person needs at this step."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise JourneyError(what)


@dataclass
class Steps:
    """Counts and times the steps of one walk."""

    count: int = 0
    started: float = field(default_factory=time.perf_counter)

    def __call__(self, action: Callable[[], object]) -> None:
        self.count += 1
        action()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class Walked:
    steps: int  # to the published item
    seconds: float
    source_steps: int  # of them: adding the source, once per source
    title: str = ""
    address: str = ""  # the published item's own address
    shared: bool = False  # published as shareable (one step more)


@dataclass
class Adopted:
    steps: int  # on B, from its inbox to the published item (the source added before)
    seconds: float


def login(page, base: str, email: str = KWALITEIT, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/")


def fetch_button(page, source: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name=re.compile(rf"^Nu ophalen\W+{re.escape(source)}$"))


def publish_from_feed(page, base: str, feed_url: str, word: str, source: str = "Brancheorganisatie",  # type: ignore[no-untyped-def]
                      shareable: bool = False) -> Walked:
    """From the worklist: add the feed, fetch it, turn its first entry into a published item
    (nothing retyped; shareable with other municipalities when asked, one step more), reject
    the second. A logged-in Kwaliteit page."""
    page.goto(base + "/werk")
    step = Steps()
    step(lambda: page.get_by_role("link", name=re.compile("inbox", re.I)).first.click())
    step(lambda: page.get_by_role("link", name="Bronnen beheren").click())
    step(lambda: page.get_by_label("Naam").fill(source))
    step(lambda: page.get_by_label("Adres van de feed").fill(feed_url))
    step(lambda: page.get_by_role("button", name="Toevoegen").click())
    source_steps = step.count
    step(lambda: fetch_button(page, source).click())
    check("2 nieuwe berichten" in page.get_by_role("status").inner_text(), "the fetch did not bring the feed's 2 entries")
    step(lambda: page.get_by_role("link", name="Naar de inbox").click())
    title = f"Nieuwe rekenregels beslagvrije voet {word}"
    step(lambda: page.get_by_role("button", name=re.compile(rf"^Maak concept-item\W+{re.escape(title)}$")).click())
    page.wait_for_url(re.compile(r"/items/.+/bewerken$"))
    check(page.get_by_label("Titel").input_value() == title, "the title was not taken from the entry")
    check(page.get_by_label("Samenvatting").input_value().startswith("Per 1 januari rekent de deurwaarder"),
          "the summary was not taken from the entry")
    step(lambda: page.get_by_label("Wat betekent dit voor het dossier?").fill("Reken de beslagvrije voet na bij elk nieuw beslag."))
    step(lambda: page.get_by_label("Status").select_option(label="Gepubliceerd"))
    step(lambda: page.get_by_label("Wat heeft u gewijzigd?").fill("Uit de bronnen-inbox"))
    if shareable:
        step(lambda: page.get_by_label("Deelbaar met andere gemeenten").check())
    step(lambda: page.get_by_role("button", name="Opslaan").click())
    page.wait_for_url(re.compile(r"/items/.+\?opgeslagen=1$"))
    walked = Walked(step.count, step.seconds, source_steps, title, page.url.split("?")[0], shareable)
    check(page.locator("h1").inner_text() == title, "the published item has another title")

    page.goto(base + "/inbox")
    page.get_by_role("button", name=re.compile(rf"^Niet relevant\W+Vacature bij de brancheorganisatie {word}$")).click()
    check("niet relevant" in page.get_by_role("status").inner_text(), "the rejection was not confirmed")
    check(page.locator(".kb-entry").count() == 0, "the inbox still shows entries")
    return walked


def make_key(page, base: str, for_whom: str) -> str:  # type: ignore[no-untyped-def]
    """On A: a feed key for another municipality; returns the shared feed's address with it.
    A logged-in Kwaliteit page."""
    page.goto(base + "/inbox/delen")
    page.get_by_label("Voor wie").fill(for_whom)
    page.get_by_role("button", name="Sleutel maken").click()
    feed_url = page.locator(".kb-code-font").inner_text().strip()
    check(feed_url.startswith(f"{base}/feeds/items.atom?sleutel="), f"no feed address with a key: {feed_url!r}")
    return feed_url


def subscribe(page, base: str, feed_url: str, source: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/inbox/bronnen")
    page.get_by_label("Naam").fill(source)
    page.get_by_label("Adres van de feed").fill(feed_url)
    page.get_by_role("button", name="Toevoegen").click()


def adopt(page, base: str, source: str, title: str, origin: str, organisation: str) -> Adopted:  # type: ignore[no-untyped-def]
    """On B, the source added: fetch, adopt the item (all its fields came along), publish it
    with its origin: A's organisation and the address of A's item."""
    page.goto(base + "/inbox/bronnen")
    step = Steps()
    step(lambda: fetch_button(page, source).click())
    check("Opgehaald: 1 nieuw bericht." in page.get_by_role("status").inner_text(), "the shared feed did not bring the item")
    step(lambda: page.get_by_role("link", name="Naar de inbox").click())
    step(lambda: page.get_by_role("button", name=re.compile(rf"^Maak concept-item\W+{re.escape(title)}$")).click())
    page.wait_for_url(re.compile(r"/items/.+/bewerken$"))
    check(page.get_by_label("Titel").input_value() == title, "the title was not taken from the shared item")
    check(page.get_by_label("Bron", exact=True).input_value() == organisation, "the origin's organisation is not the source")
    check(not page.get_by_label("Wat betekent dit voor het dossier?").input_value().startswith("Nog invullen"),
          "the dossier meaning did not come along")
    check(page.get_by_label("Bronlink").input_value() == origin, "the link is not the origin's address")
    step(lambda: page.get_by_label("Status").select_option(label="Gepubliceerd"))
    step(lambda: page.get_by_label("Wat heeft u gewijzigd?").fill("Overgenomen van een andere gemeente"))
    step(lambda: page.get_by_role("button", name="Opslaan").click())
    page.wait_for_url(re.compile(r"\?opgeslagen=1$"))
    adopted = Adopted(step.count, step.seconds)
    check(page.locator("h1").inner_text() == title, "the adopted item has another title")
    check(page.get_by_role("link", name=organisation).get_attribute("href") == origin, "the item page does not link its origin")
    return adopted


def fetch_again(page, base: str, source: str) -> str:  # type: ignore[no-untyped-def]
    """Nu ophalen once more; the confirmation's text."""
    page.goto(base + "/inbox/bronnen")
    fetch_button(page, source).click()
    return page.get_by_role("status").inner_text()


# --- served for the benchmark ------------------------------------------------------------------


@contextmanager
def serve_feed(body: bytes) -> Iterator[tuple[str, dict]]:
    """The feed on 127.0.0.1 with an ETag; a conditional GET gets a 304. Yields its address and
    a counter of requests."""
    asked = {"count": 0, "not_modified": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

        def do_GET(self) -> None:  # noqa: N802
            asked["count"] += 1
            if self.headers.get("If-None-Match") == '"een"':
                asked["not_modified"] += 1
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
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/nieuws.rss", asked
    finally:
        server.shutdown()


def demo_env(data: Path, base: str, municipality: str) -> dict[str, str]:
    """The environment of a demo instance on this machine: its own data folder (SQLite), the
    starter content and demo accounts, plain http on 127.0.0.1, feeds read from this machine
    too, and its own address and name for the shared feed."""
    import os

    env = {**os.environ, "KENNISBANK_DATA_DIR": str(data), "KENNISBANK_ENVIRONMENT": "development",
           "KENNISBANK_LOAD_STARTER_CONTENT": "true", "KENNISBANK_LOAD_DEMO_ACCOUNTS": "true",
           "KENNISBANK_COOKIE_SECURE": "false", "KENNISBANK_SECRET_KEY": "demo-" + os.urandom(24).hex(),
           "KENNISBANK_INBOX_PRIVATE_HOSTS": "true", "KENNISBANK_BASE_URL": base,
           "KENNISBANK_MUNICIPALITY_NAME": municipality}
    env.pop("KENNISBANK_DATABASE_URL", None)
    return env


@contextmanager
def _instance(municipality: str, logs: Path) -> Iterator[str]:
    """`kennisbank serve` on a fresh data folder with the starter content and demo accounts."""
    import shutil

    from app.loadbench.run import _free_port, _kennisbank, _stop, _wait_for_health

    data = Path(tempfile.mkdtemp(prefix="kb-journey-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = demo_env(data, base, municipality)
    log = logs / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen([*_kennisbank(), "serve", "--port", str(port)], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_health(base, process, log)
        yield base
    finally:
        _stop(process)
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class JourneyFigures:
    runs: int
    walked: list[Walked]
    adopted: list[Adopted]
    second_fetch: list[str]  # what the page said at each second fetch

    def median(self, values: list[float]) -> float:
        return statistics.median(values)


def run(chromium: str, runs: int, echo: Callable[[str], None]) -> JourneyFigures:
    """Two instances (A and B); per run a new feed on A, walked to a published item, and a new
    shared item adopted on B."""
    from playwright.sync_api import sync_playwright

    logs = Path(tempfile.mkdtemp(prefix="kb-journey-logs-"))
    walked, adopted, again = [], [], []
    with _instance("Gemeente Voorbeeldstad", logs) as a, _instance("Gemeente Buurstad", logs) as b, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page_a = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam").new_page()
        page_b = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam").new_page()
        login(page_a, a)
        login(page_b, b)
        subscribe(page_b, b, make_key(page_a, a, "Gemeente Buurstad"), "Wiki-bibliotheek Voorbeeldstad")
        for number in range(runs + 1):  # the first round also shares its item, for B to adopt
            word = f"meting{number}x{int(time.time())}"
            with serve_feed(FEED.replace("{word}", word).encode()) as (url, asked):
                walked.append(publish_from_feed(page_a, a, url, word, source=f"Brancheorganisatie {number + 1}",
                                                shareable=number == 0))
                said = fetch_again(page_a, a, f"Brancheorganisatie {number + 1}")
                check("0 nieuwe berichten" in said and asked["not_modified"] == 1, "the second fetch was not a 304")
                again.append(said)
            if number == 0:
                first = walked[0]
                adopted.append(adopt(page_b, b, "Wiki-bibliotheek Voorbeeldstad", first.title, first.address,
                                     "Gemeente Voorbeeldstad"))
            echo(f"  ronde {number + 1}: {walked[-1].steps} stappen, {walked[-1].seconds:.1f} s")
        said = fetch_again(page_b, b, "Wiki-bibliotheek Voorbeeldstad")
        check("0 nieuwe berichten" in said, "the shared feed brought the adopted item again")
        browser.close()
    return JourneyFigures(runs, walked, adopted, again)


def write_markdown(path: Path, figures: JourneyFigures) -> None:
    from app.search.bench import machine, write_section

    shared, w, a = figures.walked[0], figures.walked[1:], figures.adopted[0]
    body = "\n".join([
        "## Inbox: from a feed entry to a published item (`kennisbank bench inbox`)",
        "",
        f"Measured on {machine()}. Headless Chromium walks what Kwaliteit does, on two running",
        "instances with data folders of their own (A and B): on A, from the worklist, add a feed",
        "(served on this machine, with an ETag), fetch it, turn the first entry into a published",
        "item without retyping (title, summary and source come along), reject the second; on B,",
        "subscribe to A's shared feed with a key, adopt a shared item and publish it with its origin.",
        "The first round publishes its item as shareable (one step more) and B adopts that item.",
        "A step is a click, a choice or a field filled in. Seconds are the browser's, with the",
        "server and the page loads: what the service adds to the person's own reading and typing",
        f"(a person filling in the dossier line takes longer). After the first, {figures.runs} rounds on A, each with a new feed.",
        "",
        "| journey | steps | seconds, median (min–max) |",
        "|---|---:|---:|",
        f"| A: new feed entry → published item | {w[0].steps} ({w[0].source_steps} of them adding the source) | "
        f"{statistics.median(x.seconds for x in w):.1f} ({min(x.seconds for x in w):.1f}–{max(x.seconds for x in w):.1f}) |",
        f"| A: the same, published as shareable (first round) | {shared.steps} | {shared.seconds:.1f} |",
        f"| B: A's shared item → published item with its origin | {a.steps} (the source added once before) | {a.seconds:.1f} |",
        "",
        f"Target: under a minute, without retyping: met (slowest round {max(x.seconds for x in w):.1f} s of the machine's,",
        "leaving the minute to the person's own steps).",
        f"A second fetch of each feed: \"{figures.second_fetch[0].split('.')[0].strip()}.\" (a 304); of A's shared feed on B: nothing new.",
    ])
    write_section(path, "inbox", body)

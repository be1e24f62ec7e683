"""Model-based: random sequences of what happens to a feed (articles published, withdrawn,
retitled) and in the inbox (polls, decisions, concept items), then a comparison with a model of
what the inbox must hold. One entry per article ever fetched, never a double, a decision never
undone by a poll, and the counts Kwaliteit sees agree with the entries."""

from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlmodel import select

from app import clock
from app.accounts.models import Role
from app.inbox import service
from app.inbox.models import Entry, EntryStatus, SourceIn
from tests.factories import http_server, make_theme, make_user

ARTICLES = st.integers(min_value=0, max_value=7)


class _Feed(BaseHTTPRequestHandler):
    articles: dict[str, dict[int, str]] = {}  # path -> {number: title}

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def do_GET(self) -> None:  # noqa: N802
        items = "".join(
            f"<item><title>{escape(title)}</title><guid>{self.path}/{n}</guid>"
            f"<link>https://example.org{self.path}/{n}?utm_source=rss</link>"
            f"<description>Tekst van artikel {n} over schulden.</description></item>"
            for n, title in sorted(self.articles.get(self.path, {}).items())
        )
        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Model</title>'
                f"<link>https://example.org</link><description>x</description>{items}</channel></rss>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def feed_server(monkeypatch):  # type: ignore[no-untyped-def]
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "inbox_private_hosts", True)
    with http_server(_Feed) as base:
        yield base


def test_the_inbox_always_matches_what_the_feed_brought_and_what_kwaliteit_decided(db, feed_server):
    kees = make_user(db, Role.kwaliteit)
    make_theme(db, slug="model", name="Model")
    runs = {"n": 0}

    class Inbox(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            runs["n"] += 1
            self.path = f"/model-{runs['n']}.rss"
            _Feed.articles[self.path] = {}
            self.source = service.add_source(db, SourceIn(name=f"Model {runs['n']}", url=feed_server + self.path))
            self.fetched: dict[int, str] = {}  # number -> status the entry must have
            self.now = clock.now()

        @property
        def feed(self) -> dict[int, str]:
            return _Feed.articles[self.path]

        @rule(n=ARTICLES)
        def publish(self, n: int) -> None:
            self.feed.setdefault(n, f"Artikel {n}")

        @rule(n=ARTICLES)
        def withdraw(self, n: int) -> None:
            self.feed.pop(n, None)

        @rule(n=ARTICLES)
        def retitle(self, n: int) -> None:
            if n in self.feed:
                self.feed[n] += " (bijgewerkt)"

        @rule()
        def poll(self) -> None:
            self.now += timedelta(hours=2)
            new = service.poll(db, self.source, now=self.now)
            expected_new = [n for n in self.feed if n not in self.fetched]
            assert new == len(expected_new)
            self.fetched.update({n: EntryStatus.new for n in expected_new})

        @rule(n=ARTICLES, status=st.sampled_from([EntryStatus.rejected, EntryStatus.later, EntryStatus.new]))
        def decide(self, n: int, status: EntryStatus) -> None:
            entry = self._entry(n)
            if entry is None:
                return
            if self.fetched[n] == EntryStatus.drafted:
                with pytest.raises(service.InboxError):
                    service.decide(db, entry, status)
                return
            service.decide(db, entry, status, "Model")
            self.fetched[n] = status

        @rule(n=ARTICLES)
        def draft(self, n: int) -> None:
            entry = self._entry(n)
            if entry is None:
                return
            if self.fetched[n] == EntryStatus.drafted:
                with pytest.raises(service.InboxError):
                    service.make_draft(db, entry, kees, "model")
                return
            item = service.make_draft(db, entry, kees, "model")
            assert item.source_url == f"https://example.org{self.path}/{n}"  # without the tracking
            self.fetched[n] = EntryStatus.drafted

        def _entry(self, n: int) -> Entry | None:
            guid = f"id:{self.path}/{n}"
            found = [e for e in self._entries() if e.key == guid]
            assert len(found) == (1 if n in self.fetched else 0), f"article {n}: {len(found)} entries"
            return found[0] if found else None

        def _entries(self) -> list[Entry]:
            return list(db.exec(select(Entry).where(Entry.source_id == self.source.id)))

        @invariant()
        def matches_the_model(self) -> None:
            entries = self._entries()
            by_guid = {e.key: e for e in entries}
            assert len(by_guid) == len(entries), "an entry twice"
            assert {int(g.rsplit("/", 1)[1]) for g in by_guid} == set(self.fetched)
            for n, status in self.fetched.items():
                assert by_guid[f"id:{self.path}/{n}"].status == status, f"article {n}"
            shown, total = service.entries(db, source_id=self.source.id, limit=100)
            waiting = sum(s in (EntryStatus.new, EntryStatus.later) for s in self.fetched.values())
            assert total == len(shown) == waiting  # the inbox's default view: what asks for a decision
            new_here = sum(s == EntryStatus.new for s in self.fetched.values())
            assert len(service.entries(db, "nieuw", source_id=self.source.id, limit=100)[0]) == new_here

    run = settings(max_examples=10, stateful_step_count=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))(Inbox)
    run.TestCase().runTest()

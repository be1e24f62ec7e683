"""The inbox journey as Kwaliteit makes it in a browser: add a feed, fetch it, turn an entry
into a published item without retyping, reject another; a second fetch adds nothing. The
clicks are counted (a click, a choice or a field filled in is one step) and timed. The walks
live in app/inbox/journey.py: `kennisbank bench inbox` measures the same ones."""

import secrets

import pytest

from app.inbox import journey


@pytest.fixture
def feed():  # type: ignore[no-untyped-def]
    word = "bron" + secrets.token_hex(3)
    with journey.serve_feed(journey.FEED.replace("{word}", word).encode()) as (url, asked):
        yield url, word, asked


def test_from_a_new_feed_entry_to_a_published_item(visitor, feed):
    url, word, asked = feed
    visitor.login("kwaliteit@example.org")
    walked = journey.publish_from_feed(visitor.page, visitor.base, url, word)
    # A second fetch: 304, nothing new, no doubles.
    assert "0 nieuwe berichten" in journey.fetch_again(visitor.page, visitor.base, "Brancheorganisatie")
    assert asked == {"count": 2, "not_modified": 1}
    page = visitor.go(f"/zoeken?q={word}")
    assert page.locator(".result-list .kb-card__title").all_inner_texts() == [f"Nieuwe rekenregels beslagvrije voet {word}"]
    print(f"\ninbox journey: {walked.steps} steps to the published item, {walked.seconds:.1f} s in the browser")
    # 5 of them add the source, once; then 7 for the entry: fetch, inbox, concept, dossier, status, note, save.
    assert (walked.steps, walked.source_steps) == (12, 5)
    assert visitor.problems == []

def test_another_municipality_adopts_a_shared_item_with_its_origin(browser, live_server, second_server, feed):
    """The issue's demo on two running instances, each with a data folder of its own: A turns a
    feed entry into a published, shareable item and makes a feed key; B's Kwaliteit subscribes
    to A's feed, adopts that item with its origin and publishes it; a second fetch on B brings
    nothing new and no double."""
    from tests.browser.conftest import DESKTOP, new_visitor

    url, word, _ = feed
    a = new_visitor(browser, live_server, DESKTOP)
    b = new_visitor(browser, second_server, DESKTOP)
    try:
        a.login("kwaliteit@example.org")
        walked = journey.publish_from_feed(a.page, a.base, url, word, source="Brancheorganisatie gedeeld", shareable=True)
        assert walked.steps == 13  # one more than unshared: the "deelbaar" box
        feed_url = journey.make_key(a.page, a.base, "Gemeente Buurstad")
        b.login("kwaliteit@example.org")
        journey.subscribe(b.page, b.base, feed_url, "Wiki-bibliotheek Voorbeeldstad")
        adopted = journey.adopt(b.page, b.base, "Wiki-bibliotheek Voorbeeldstad", walked.title, walked.address,
                                "Gemeente Voorbeeldstad")
        assert adopted.steps == 6
        assert "Opgehaald: 0 nieuwe berichten." in journey.fetch_again(b.page, b.base, "Wiki-bibliotheek Voorbeeldstad")
        assert b.go("/inbox").locator(".kb-entry").count() == 0  # nothing new waits
        page = b.go("/inbox?status=concept")
        assert page.locator(".kb-entry").count() == 1  # the one entry, adopted; no double
        body = b.go("/zoeken?q=" + word).locator(".result-list .kb-card__title").all_inner_texts()
        assert body == [walked.title]  # B's own library finds it
        assert a.problems == [] and b.problems == []
    finally:
        a.page.context.close()
        b.page.context.close()

"""Deciding on a knowledge product (seed 004): the steps with their notes and dates, the entry
on the vakoverleg's agenda while it waits for a decision, and the decision itself."""

from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts.models import Role
from app.inbox import decisions, service
from app.inbox.models import Entry, EntryStatus, SourceIn
from app.meetings.models import AgendaEntry
from app.wiki.models import Item
from tests.factories import login, make_meeting, make_theme, make_user, post_form
from tests.inbox.test_inbox import feeds  # noqa: F401 - the fixture


def _two_entries(db, feeds_url):  # type: ignore[no-untyped-def]
    make_theme(db, slug="beslag", name="Beslag")
    source = service.add_source(db, SourceIn(name="Brancheorganisatie", url=feeds_url + "/nieuws.rss", theme="beslag"))
    assert service.poll(db, source) == 2
    db.commit()
    return db.exec(select(Entry).order_by(Entry.id)).all()


def test_the_steps_lead_to_the_vakoverleg_and_a_decision(client, db, feeds, search_index):  # noqa: F811
    kees = make_user(db, Role.kwaliteit, name="Kees")
    first, second = _two_entries(db, feeds)
    token = login(client, db, kees)
    for step, note in [("analyse", "Beantwoordt de wens om de bvv sneller te controleren."),
                       ("memo", "Overnemen als werkinstructie; kost een uur per team.")]:  # beoordeling skipped
        sent = post_form(client, f"/inbox/berichten/{first.id}", {"actie": "stap", "step": step, "note": note}, token)
        assert sent.status_code == 303
    # A step already set, an unknown one, a decision without its reason: refused, what was typed kept.
    for step, note, field in [("analyse", "Nog eens", "step"), ("onzin", "x", "step"), ("overnemen", "", "note")]:
        refused = post_form(client, f"/inbox/berichten/{first.id}", {"actie": "stap", "step": step, "note": note}, token)
        page = BeautifulSoup(refused.text, "html.parser")
        assert refused.status_code == 422 and page.find(id=f"notitie-{first.id}").text == note, (step, field)
    assert post_form(client, f"/inbox/berichten/{first.id}", {"actie": "stap", "step": "vakoverleg", "note": ""},
                     token).status_code == 303

    card = BeautifulSoup(client.get("/inbox").text, "html.parser").select_one(f"#bericht-{first.id}")
    assert [li.strong.text for li in card.select(".kb-steps li")] == [
        "Analyse: welke wens van de organisatie beantwoordt het?", "Korte memo", "Naar het vakoverleg, voor een besluit"]
    options = [o["value"] for o in card.select(f"#stap-{first.id} option")]
    assert options == ["overnemen", "niet-overnemen"]

    # The vakoverleg's agenda lists it, with the memo.
    meeting = make_meeting(db, None, days_ahead=7, with_agenda=True)
    assert meeting.id is not None
    rows = db.exec(select(AgendaEntry)).all()  # the only agenda in this database
    point = [r for r in rows if r.title.startswith("Besluit over een kennisproduct")]
    assert [(p.title, p.text) for p in point] == [
        (f"Besluit over een kennisproduct: {first.title}",
         f"Overnemen als werkinstructie; kost een uur per team.\n\nIn de bronnen-inbox: /inbox#bericht-{first.id}")]
    assert [w.entry.id for w in decisions.awaiting_decision(db)] == [first.id]

    adopted = post_form(client, f"/inbox/berichten/{first.id}",
                        {"actie": "stap", "step": "overnemen", "note": "Besloten in het vakoverleg."}, token)
    assert adopted.status_code == 303 and adopted.headers["location"].endswith("/bewerken")
    db.refresh(first)
    assert first.status == EntryStatus.drafted and db.get(Item, first.item_id).title == first.title
    assert decisions.awaiting_decision(db) == []

    # To the vakoverleg after its agenda was assembled: onto that agenda (a concept), once.
    sent = post_form(client, f"/inbox/berichten/{second.id}", {"actie": "stap", "step": "vakoverleg", "note": "Graag een besluit."}, token)
    assert sent.status_code == 303 and f"agenda={meeting.id}" in sent.headers["location"]
    titles = [r.title for r in db.exec(select(AgendaEntry)).all()]
    assert titles.count(f"Besluit over een kennisproduct: {second.title}") == 1
    page = BeautifulSoup(client.get(sent.headers["location"]).text, "html.parser")
    assert "Het staat op de agenda van het volgende vakoverleg" in page.select_one(f"#bericht-{second.id} [role=status]").text
    post_form(client, f"/inbox/berichten/{second.id}", {"actie": "stap", "step": "niet-overnemen", "note": "Past niet bij ons."}, token)
    db.refresh(second)
    assert (second.status, second.reason) == (EntryStatus.rejected, "Past niet bij ons.")
    late = post_form(client, f"/inbox/berichten/{second.id}", {"actie": "stap", "step": "memo", "note": "Te laat"}, token)
    assert late.status_code == 422
    decided = BeautifulSoup(client.get("/inbox", params={"status": "niet-relevant"}).text, "html.parser")
    card = decided.select_one(f"#bericht-{second.id}")
    assert len(card.select(".kb-steps li")) == 2 and card.select(f"#stap-{second.id}") == []  # history, no form


def test_a_note_with_a_bsn_is_refused(db, feeds):  # noqa: F811
    import pytest

    kees = make_user(db, Role.kwaliteit)
    first, _ = _two_entries(db, feeds)
    with pytest.raises(service.InboxError) as refused:
        decisions.record(db, first, "analyse", "Zoals bij inwoner 111222333", kees)
    assert refused.value.field == "note"

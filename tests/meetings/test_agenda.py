"""Assembling an agenda, and preparing it: reorder, drop, add, prompts, finalise and reopen."""

from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import CONTENT_DIR, LOCAL_TZ
from app.meetings import agenda as agenda_service
from app.meetings import service
from app.meetings.models import Agenda, AgendaState, MeetingKind, MeetingStatus
from app.search import service as search_service
from tests.factories import login, make_item, make_meeting, make_theme, make_user, post_form

MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def team_with_news(db):  # type: ignore[no-untyped-def]
    """Team Noord (klantbegeleiders) and items published over the past weeks."""
    with clock.frozen(MONDAY - timedelta(days=20)) as frozen:
        team = accounts_service.ensure_team(db, "noord", "Team Noord", Audience.klantbegeleider)
        first, second = make_theme(db, slug="beslag", name="Beslag"), make_theme(db, slug="wsnp", name="Wsnp")
        first.position, second.position = 1, 2
        items = {}
        for n, (theme, audience) in enumerate([(second, "beide"), (first, "klantbegeleider"),
                                                (first, "schuldregelaar"), (first, "beide")]):
            frozen.advance(timedelta(days=2))
            items[n] = make_item(db, theme, title=f"Nieuw {n}", audience=audience)
    return team, items


def test_assembly_takes_what_fits_the_team_grouped_by_theme(db, team_with_news):
    team, items = team_with_news
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        agenda = agenda_service.assemble(db, meeting, clock.now())
    lines = agenda_service.lines(db, agenda)
    # Not the schuldregelaar item; themes in their order (Beslag before Wsnp), then by date.
    assert [line.item.title for line in lines] == ["Nieuw 1", "Nieuw 3", "Nieuw 0"]
    assert [s.heading for s in agenda_service.sections(lines)] == ["Beslag", "Wsnp"]
    # Each item its own question (made from its title: these items have none of their own).
    assert all(line.item.title in line.entry.prompt for line in lines)
    assert len({line.entry.prompt for line in lines}) == 3
    assert agenda_service.history(db, agenda)[0].action == "assembled"


def test_a_second_assembly_changes_nothing_and_the_database_refuses_a_double(db, team_with_news):
    team, _ = team_with_news
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        first = agenda_service.assemble(db, meeting, clock.now())
        assert agenda_service.assemble(db, meeting, clock.now()) is None
        # As if another process had assembled it between our check and our insert:
        with mock.patch.object(agenda_service, "get_agenda", return_value=None):
            assert agenda_service.assemble(db, meeting, clock.now()) is None
    assert db.exec(select(Agenda).where(Agenda.meeting_id == meeting.id)).all() == [first]
    assert len(agenda_service.entries(db, first)) == 3


def test_the_vakoverleg_also_gets_review_dates_and_searches_that_found_nothing(db):
    with clock.frozen(MONDAY - timedelta(days=10)):
        theme = make_theme(db)
        make_item(db, theme, title="Nieuw item")
        make_item(db, theme, title="Verouderd", review_date="2027-01-01")
        for _ in range(3):
            search_service._log_query(db, "voedselbank", 0)  # noqa: SLF001 - the analytics' own writer
        db.commit()  # the query log is written with the searches' commit
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, None, days_ahead=3)
        agenda = agenda_service.assemble(db, meeting, clock.now())
    kinds = [(line.entry.kind, line.item.title if line.item else line.entry.title) for line in agenda_service.lines(db, agenda)]
    assert ("item", "Nieuw item") in kinds and ("review", "Verouderd") in kinds
    assert ("search_gap", "voedselbank") in kinds


def test_preparing_the_agenda(db, team_with_news):
    team, items = team_with_news
    editor = make_user(db, Role.contactpersoon, team_slug="noord")
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        agenda = agenda_service.assemble(db, meeting, clock.now())
        entries = agenda_service.entries(db, agenda)
        agenda_service.move_entry(db, agenda, entries[2].id, -1, based_on=1)
        agenda_service.remove_entry(db, agenda, entries[0].id, based_on=2)
        agenda_service.set_prompt(db, agenda, entries[1].id, "Wie heeft zo'n dossier?", based_on=3)
        agenda_service.add_point(db, agenda, "Rondvraag", "", based_on=4)
        agenda_service.add_item(db, agenda, items[2].slug, editor, based_on=5)  # by hand: a schuldregelaar item
        with pytest.raises(service.MeetingError, match="al op de agenda"):
            agenda_service.add_item(db, agenda, items[2].slug, editor, based_on=6)
        with pytest.raises(agenda_service.StaleAgenda):
            agenda_service.add_point(db, agenda, "Te laat", "", based_on=2)
    titles = [line.item.title if line.item else line.entry.title for line in agenda_service.lines(db, agenda)]
    assert titles == ["Nieuw 0", "Nieuw 3", "Rondvraag", "Nieuw 2"]
    assert [e.position for e in agenda_service.entries(db, agenda)] == [1, 2, 3, 4]
    assert agenda_service.entries(db, agenda)[1].prompt == "Wie heeft zo'n dossier?"


def test_a_final_agenda_is_locked_and_reopening_needs_a_reason(db, team_with_news):
    team, _ = team_with_news
    editor = make_user(db, Role.contactpersoon, team_slug="noord")
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        agenda = agenda_service.assemble(db, meeting, clock.now())
        agenda_service.finalise(db, agenda, editor, based_on=1, now=clock.now())
        with pytest.raises(service.MeetingError, match="definitief"):
            agenda_service.add_point(db, agenda, "Nog iets", "", based_on=2)
        with pytest.raises(service.MeetingError, match="waarom"):
            agenda_service.reopen(db, agenda, editor, "  ", based_on=2, now=clock.now())
        agenda_service.reopen(db, agenda, editor, "Nieuw item van Kwaliteit erbij", based_on=2, now=clock.now())
        agenda_service.add_point(db, agenda, "Nog iets", "", based_on=3)
    assert agenda.state == AgendaState.concept
    events = [(e.action, e.user_name, e.reason) for e in agenda_service.history(db, agenda)]
    assert events[1:] == [("finalised", editor.name, ""), ("reopened", editor.name, "Nieuw item van Kwaliteit erbij")]


# --- pages -------------------------------------------------------------------------------------


def test_contactpersoon_prepares_on_the_page(client, db, team_with_news):
    team, items = team_with_news
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        agenda_service.assemble(db, meeting, clock.now())
        token = login(client, db, make_user(db, Role.contactpersoon, team_slug="noord"))
        edit = page(client.get(f"/werkoverleg/{meeting.id}/bewerken"))
        assert [h.a.text for h in edit.select(".kb-agenda-edit .kb-agenda__title")] == ["Nieuw 1", "Nieuw 3", "Nieuw 0"]
        first = edit.select_one(".kb-agenda-edit__line")["id"].removeprefix("punt-")
        url = f"/werkoverleg/{meeting.id}/agenda"
        assert post_form(client, url, {"actie": "omlaag", "entry": first, "version": "1"}, token).status_code == 303
        response = post_form(client, url, {"actie": "punt", "title": "", "text": "Zonder titel", "version": "2"}, token)
        assert response.status_code == 422
        form = page(response)
        assert form.find(id="point-title-error").text == "Geef het punt een korte titel."
        assert form.find(id="point-text").text == "Zonder titel"  # what was typed stays
        stale = post_form(client, url, {"actie": "punt", "title": "Rondvraag", "version": "1"}, token)
        assert stale.status_code == 409 and "intussen gewijzigd" in page(stale).find(id="agenda-error").text
        assert page(stale).find(id="point-title")["value"] == "Rondvraag"
        assert post_form(client, url, {"actie": "definitief", "version": "2"}, token).status_code == 303
        shown = page(client.get(f"/werkoverleg/{meeting.id}"))
    assert [h.a.text for h in shown.select(".kb-agenda .kb-agenda__title")] == ["Nieuw 3", "Nieuw 1", "Nieuw 0"]
    assert "Definitief" in shown.select_one(".kb-meeting-head").text
    assert shown.find("a", href=f"/werkoverleg/{meeting.id}/agenda.ics") is not None


def test_only_the_teams_contactpersoon_and_kwaliteit_prepare(client, db, team_with_news):
    team, _ = team_with_news
    other = accounts_service.ensure_team(db, "zuid", "Team Zuid")
    meeting = make_meeting(db, team, days_ahead=7, with_agenda=True)
    for user, expected in ((make_user(db, Role.contactpersoon, team_slug="zuid"), 403),
                           (make_user(db, Role.medewerker, team_slug="noord"), 403),
                           (make_user(db, Role.kwaliteit), 200)):
        login(client, db, user)
        assert client.get(f"/werkoverleg/{meeting.id}/bewerken").status_code == expected
        assert client.get(f"/werkoverleg/{meeting.id}").status_code == 200  # everyone may read
    assert other.id != team.id


def test_moving_and_cancelling(client, db, team_with_news):
    team, _ = team_with_news
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        token = login(client, db, make_user(db, Role.contactpersoon, team_slug="noord"))
        url = f"/werkoverleg/{meeting.id}/verplaatsen"
        weekend = post_form(client, url, {"day": "2027-03-13", "at": "10:00"}, token)
        assert weekend.status_code == 422 and "weekend" in page(weekend).find(id="move-day-error").text
        kings_day = post_form(client, url, {"day": "2027-04-27", "at": "10:00"}, token)
        assert "Koningsdag" in page(kings_day).find(id="move-day-error").text
        assert page(kings_day).find(id="move-day")["value"] == "2027-04-27"  # typed value kept
        moved = post_form(client, url, {"day": "2027-03-16", "at": "13:30", "location": "Kamer 9"}, token)
        assert moved.status_code == 303
        db.refresh(meeting)
        assert meeting.starts_at == datetime(2027, 3, 16, 13, 30, tzinfo=LOCAL_TZ) and meeting.moved_from is not None
        assert post_form(client, f"/werkoverleg/{meeting.id}/afzeggen", {"reason": ""}, token).status_code == 422
        assert post_form(client, f"/werkoverleg/{meeting.id}/afzeggen", {"reason": "Ziekte"}, token).status_code == 303
        db.refresh(meeting)
        assert meeting.status == MeetingStatus.cancelled and meeting.status_note == "Ziekte"
        assert "gaat niet door" in page(client.get(f"/werkoverleg/{meeting.id}")).text


def test_rules_page_plans_the_meetings(client, db):
    team = accounts_service.ensure_team(db, "noord", "Team Noord")
    with clock.frozen(MONDAY):
        token = login(client, db, make_user(db, Role.contactpersoon, team_slug="noord"))
        form = {"kind": "werkoverleg", "team": "noord", "weekday": "1", "week": "2", "start_time": "10:00",
                "location": "Kamer 2", "duration_minutes": "60"}
        bad = post_form(client, "/werkoverleg/regels", {**form, "week": "6"}, token)
        assert bad.status_code == 422 and page(bad).find(id="werkoverleg-noord-week-error") is not None
        assert post_form(client, "/werkoverleg/regels", form, token).status_code == 303
        planned = service.meetings(db, kind=MeetingKind.werkoverleg, team=team)
        assert [m.starts_at.astimezone(LOCAL_TZ).date().isoformat() for m in planned[:3]] == [
            "2027-03-09", "2027-04-13", "2027-05-11"]
        assert planned[0].location == "Kamer 2" and planned[0].duration_minutes == 60
        # Changing the rule plans the untouched meetings anew.
        assert post_form(client, "/werkoverleg/regels", {**form, "weekday": "3"}, token).status_code == 303
        replanned = service.meetings(db, kind=MeetingKind.werkoverleg, team=team)
        assert replanned[0].starts_at.astimezone(LOCAL_TZ).date().isoformat() == "2027-03-11"
        # Another team's rule is not the contactpersoon's business.
        accounts_service.ensure_team(db, "zuid", "Team Zuid")
        assert post_form(client, "/werkoverleg/regels", {**form, "team": "zuid"}, token).status_code == 403
        overview = page(client.get("/werkoverleg"))
    assert "tweede donderdag van de maand, 10:00, Kamer 2" in overview.text
    assert service.get_rule(db, MeetingKind.werkoverleg, team).start_time == time(10)


def test_the_vakoverleg_shows_the_goals_as_doelen_does_at_that_moment_and_dated(client, db):
    """Assembled a week before, the agenda would carry last week's figures: it shows those of
    /doelen when read (for a held meeting those of its day), with the day, from one computation."""
    from app.goals import service as goals_service

    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), MONDAY.date() - timedelta(days=40))
    kwaliteit = make_user(db, Role.kwaliteit)
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, None, days_ahead=7)
        agenda = agenda_service.assemble(db, meeting, clock.now())
    vak_goal = goals_service.get_goal(db, "vakoverleggen").text.rstrip(".")
    assembled = next(line for line in agenda_service.lines(db, agenda) if line.entry.kind == "goals")
    assert f"{vak_goal}: 0 van 6" in assembled.entry.text
    with clock.frozen(MONDAY + timedelta(days=2)):
        make_meeting(db, None, days_ahead=-0.5)  # a vakoverleg held since: one of six
        for month in range(1, 6):  # and the rest planned, as the planner does
            make_meeting(db, None, days_ahead=30 * month)
    later = MONDAY + timedelta(days=3)
    with clock.frozen(later):
        login(client, db, kwaliteit)
        shown = page(client.get(f"/werkoverleg/{meeting.id}"))
        doelen = page(client.get("/doelen"))
    point = next(li for li in shown.select(".kb-agenda__line") if "Stand van de implementatiedoelen" in li.text)
    assert "Stand van de implementatiedoelen op 4 maart 2027" in point.select_one(".kb-agenda__title").text
    text = point.select_one(".kb-agenda__text").text.splitlines()
    vak = next(x for x in text if x.startswith(vak_goal))
    card = doelen.select_one("#doel-vakoverleggen")
    figure, badge = card.select_one(".kb-goal__number").text, card.select_one(".utrecht-status-badge").text
    assert vak == f"{vak_goal}: {figure} ({badge.lower()})" == f"{vak_goal}: 1 van 6 (op schema)"
    # Every goal's verdict on the agenda is the one /doelen shows (where anyone may see it:
    # Kwaliteit sees the figures of small groups, the agenda leaves them out).
    for card in doelen.select(".kb-goal"):
        line = next(x for x in text if x.startswith(card.select_one(".kb-goal__text").text.rstrip(".") + ":"))
        if line.endswith("te weinig mensen om een cijfer te tonen"):
            continue
        badge = card.select_one(".utrecht-status-badge").text.lower()
        assert line.endswith(f"({badge})") or line.endswith(f": {badge}"), (line, badge)


def test_the_agenda_fits_the_meeting_and_the_contactpersoon_can_change_it(client, db):
    """A 45-minute werkoverleg leaves 30 minutes for the points: what Kwaliteit marked
    "bespreken" first, then items for exactly the team's audience, the rest ter kennisname;
    an item marked "ter kennisname" is never discussed."""
    team = accounts_service.ensure_team(db, "oost", "Team Oost", Audience.klantbegeleider)
    editor = make_user(db, Role.contactpersoon, team_slug="oost")
    with clock.frozen(MONDAY - timedelta(days=10)) as frozen:
        theme = make_theme(db)
        made = {}
        for name, audience, advice, question in [
            ("Voor iedereen 1", "beide", "", ""), ("Voor iedereen 2", "beide", "", ""),
            ("Voor klantbegeleiders", "klantbegeleider", "", ""),
            ("Moet besproken", "beide", "bespreken", "Wie heeft hier deze maand mee te maken gehad?"),
            ("Alleen lezen", "klantbegeleider", "ter-kennisname", ""),
            ("Voor iedereen 3", "beide", "", ""), ("Voor iedereen 4", "beide", "", ""),
        ]:
            frozen.advance(timedelta(hours=1))
            made[name] = make_item(db, theme, title=name, audience=audience, agenda_advice=advice,
                                   discussion_question=question)
    with clock.frozen(MONDAY):
        meeting = make_meeting(db, team, days_ahead=7)
        meeting.duration_minutes = 45
        db.add(meeting)
        agenda = agenda_service.assemble(db, meeting, clock.now())
    lines = agenda_service.lines(db, agenda)
    part = {line.item.title: line.entry.section for line in lines}
    minutes = {line.item.title: line.entry.minutes for line in lines}
    assert minutes["Moet besproken"] == 10 and minutes["Alleen lezen"] == 2 and minutes["Voor iedereen 1"] == 5
    # 30 minutes: Moet besproken (10), Voor klantbegeleiders (5), then Voor iedereen 1-3 (15).
    assert [t for t, s in part.items() if s == "bespreken"] == [
        "Voor iedereen 1", "Voor iedereen 2", "Voor klantbegeleiders", "Moet besproken", "Voor iedereen 3"]
    assert part["Alleen lezen"] == part["Voor iedereen 4"] == "ter-kennisname"
    timing = agenda_service.timing(meeting, lines)
    assert (timing.planned, timing.available, timing.over) == (30, 30, False)
    asked = next(line.entry.prompt for line in lines if line.item.title == "Moet besproken")
    assert asked == "Wie heeft hier deze maand mee te maken gehad?"  # Kwaliteit's own question

    with clock.frozen(MONDAY + timedelta(hours=1)):
        token = login(client, db, editor)
        edit = page(client.get(f"/werkoverleg/{meeting.id}/bewerken"))
        assert "Bespreken: 30 van 30 minuten." in edit.select_one("#agenda-timing").text
        later = next(line for line in lines if line.item.title == "Voor iedereen 4")
        # Moved to Bespreken with 8 minutes: the page says it no longer fits.
        sent = post_form(client, f"/werkoverleg/{meeting.id}/agenda", {
            "actie": "plan", "version": str(agenda.version), "entry": str(later.entry.id),
            "section": "bespreken", "minutes": "8"}, token)
        assert sent.status_code == 303
        edit = page(client.get(f"/werkoverleg/{meeting.id}/bewerken"))
        assert "Bespreken: 38 van 30 minuten." in edit.select_one("#agenda-timing").text
        assert edit.select_one(f"#punt-{later.entry.id}").find_parent("ol")["data-section"] == "bespreken"
        # Bad minutes: a Dutch message at the field, what was typed kept.
        db.refresh(agenda)
        refused = post_form(client, f"/werkoverleg/{meeting.id}/agenda", {
            "actie": "plan", "version": str(agenda.version), "entry": str(later.entry.id),
            "section": "bespreken", "minutes": "veel"}, token)
        assert refused.status_code == 422
        field = page(refused).select_one(f"#minuten-{later.entry.id}")
        assert field["value"] == "veel" and "Vul een aantal minuten in" in page(refused).text
        # The whole order at once, as the page's script sends it after dragging.
        db.refresh(agenda)
        ids = [line.entry.id for line in agenda_service.lines(db, agenda)]
        wanted = list(reversed(ids))
        order = ",".join(f"{i}:{'ter-kennisname' if i == wanted[0] else 'bespreken'}" for i in wanted)
        before = agenda.version
        saved = client.post(f"/werkoverleg/{meeting.id}/agenda", headers={"Accept": "application/json"},
                            data={"actie": "volgorde", "version": str(agenda.version), "order": order,
                                  "csrf_token": token})
        assert saved.status_code == 200 and saved.json()["version"] == before + 1
        db.refresh(agenda)
        after = agenda_service.lines(db, agenda)
        assert [line.entry.id for line in after] == wanted[1:] + wanted[:1]  # Bespreken first
        assert after[-1].entry.section == "ter-kennisname"
        # An order that leaves a point out is refused.
        stale = client.post(f"/werkoverleg/{meeting.id}/agenda", headers={"Accept": "application/json"},
                            data={"actie": "volgorde", "version": str(agenda.version), "order": order.split(",", 1)[1],
                                  "csrf_token": token})
        assert stale.status_code == 422 and stale.json()["detail"][0]["field"] == "entry"  # JSON for the script
    api = client.get(f"/api/v1/meetings/{meeting.id}").json()["agenda"]
    assert ("bespreken", 8) in {(e["section"], e["minutes"]) for e in api}
    assert [e["section"] for e in api].count("bespreken") == len(wanted) - 1
    assert all(e["prompt"] for e in api)

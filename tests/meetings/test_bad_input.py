"""Plain input on the werkoverleg pages and API never makes a 500, and nothing a contactpersoon
can store makes a page fail later (issue #11)."""

from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import LOCAL_TZ
from app.dates import DATE_RANGE_MESSAGE
from tests.factories import login, make_meeting, make_user, post_form

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def team_meeting(db):  # type: ignore[no-untyped-def]
    team = accounts_service.ensure_team(db, "noord", "Team Noord", Audience.beide)
    cp = make_user(db, Role.contactpersoon, team_slug="noord", name="Carla")
    with clock.frozen(NOW):
        meeting = make_meeting(db, team, days_ahead=10)
    token = accounts_service.create_api_token(db, cp)
    return meeting, cp, {"Authorization": f"Bearer {token}"}


def test_an_empty_team_lists_every_meeting(client, db, team_meeting):
    meeting, _, headers = team_meeting
    with clock.frozen(NOW):
        response = client.get("/api/v1/meetings?team=", headers=headers)
        assert response.status_code == 200
        assert [m["id"] for m in response.json()] == [meeting.id]
        assert client.get("/api/v1/meetings?team=&from=&to=", headers=headers).status_code == 200


@pytest.mark.parametrize("param", ["from", "to"])
@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_the_range_are_a_422_naming_the_field(client, db, team_meeting, param, value):
    _, _, headers = team_meeting
    response = client.get(f"/api/v1/meetings?{param}={value}", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == param
    assert response.json()["detail"][0]["message"] == DATE_RANGE_MESSAGE


def test_the_first_and_last_day_of_the_range_are_fine(client, db, team_meeting):
    meeting, _, headers = team_meeting
    response = client.get("/api/v1/meetings?from=2000-01-01&to=2100-12-31", headers=headers)
    assert response.status_code == 200 and [m["id"] for m in response.json()] == [meeting.id]


def test_a_meeting_cannot_be_moved_past_the_range_and_its_pages_keep_working(client, db, team_meeting):
    meeting, cp, headers = team_meeting
    with clock.frozen(NOW):
        token = login(client, db, cp)
        url = f"/werkoverleg/{meeting.id}/verplaatsen"
        refused = post_form(client, url, {"day": "9999-12-31", "at": "23:59", "location": "Zaal 9"}, token)
        assert refused.status_code == 422
        form = page(refused)
        assert form.find(id="move-day-error").text.strip() == DATE_RANGE_MESSAGE
        assert form.find(id="move-day")["value"] == "9999-12-31"  # what was typed is kept
        assert form.find(id="move-location")["value"] == "Zaal 9"
        for url in (f"/werkoverleg/{meeting.id}", f"/werkoverleg/{meeting.id}/agenda.ics",
                    f"/werkoverleg/{meeting.id}/bewerken"):
            assert client.get(url).status_code == 200, url
        assert page(client.get(f"/werkoverleg/{meeting.id}")).h1 is not None
        listed = client.get("/api/v1/meetings", headers=headers)
        assert listed.status_code == 200
        assert listed.json()[0]["starts_at"].startswith(meeting.starts_at.date().isoformat())
        # The last day of the range is a move like any other.
        moved = post_form(client, f"/werkoverleg/{meeting.id}/verplaatsen",
                          {"day": "2100-12-31", "at": "23:59"}, token)
        assert moved.status_code == 303
        for url in (f"/werkoverleg/{meeting.id}", f"/werkoverleg/{meeting.id}/agenda.ics",
                    f"/werkoverleg/{meeting.id}/bewerken", f"/api/v1/meetings/{meeting.id}",
                    f"/api/v1/meetings/{meeting.id}/agenda.ics"):
            assert client.get(url, headers=headers if url.startswith("/api") else {}).status_code == 200, url
        assert client.get("/api/v1/meetings", headers=headers).json()[0]["ends_at"].startswith("2101-01-01")


def test_a_time_that_is_not_a_time_is_refused_next_to_the_field(client, db, team_meeting):
    meeting, cp, _ = team_meeting
    with clock.frozen(NOW):
        token = login(client, db, cp)
        refused = post_form(client, f"/werkoverleg/{meeting.id}/verplaatsen", {"day": "2027-03-23", "at": "25:00"}, token)
        assert refused.status_code == 422
        assert page(refused).find(id="move-day-error") is not None


def test_no_bsn_and_no_invisible_text_in_what_the_team_reads(client, db):
    """Agenda points, questions for discussion, reasons, notes and the register's notes reach
    the whole team (page, mail, .ics): a BSN is refused there as in items, and a text that
    shows nothing counts as empty."""
    from datetime import timedelta as _td

    from app.meetings import agenda as agenda_service
    from app.meetings import attendance as attendance_service
    from app.meetings import service as meetings_service
    from app.meetings.service import MeetingError

    team = accounts_service.ensure_team(db, "noord", "Team Noord")
    cp = make_user(db, Role.contactpersoon, team_slug="noord")
    meeting = make_meeting(db, team, days_ahead=10, with_agenda=True)
    agenda = agenda_service.get_agenda(db, meeting)
    bsn = "111222333"  # passes the elfproef
    for call in (
        lambda: agenda_service.add_point(db, agenda, f"Inwoner {bsn}", "", agenda.version),
        lambda: agenda_service.add_point(db, agenda, "Rondvraag", f"Over {bsn}", agenda.version),
        lambda: agenda_service.add_point(db, agenda, "\u200b\u200d", "", agenda.version),
        lambda: meetings_service.cancel(db, meeting, f"Inwoner {bsn} ziek", meeting.starts_at - _td(days=1)),
        lambda: meetings_service.cancel(db, meeting, "\u200b", meeting.starts_at - _td(days=1)),
    ):
        with pytest.raises(MeetingError) as refused:
            call()
        assert refused.value.kind in ("bsn", "invalid"), refused.value.message
    held = make_meeting(db, team, days_ahead=-1)
    with pytest.raises(MeetingError) as refused:
        attendance_service.record_attendance(db, held, {}, f"Besproken: {bsn}", cp, held.starts_at + _td(hours=2))
    assert refused.value.field == "notes" and refused.value.kind == "bsn"

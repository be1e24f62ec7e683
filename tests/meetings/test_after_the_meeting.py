"""After the meeting: the attendance register, notes, each person's participation, what a team
has discussed; and the meetings API with its iCalendar event."""

from datetime import datetime, timedelta

import icalendar
from bs4 import BeautifulSoup

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Audience, Role
from app.config import LOCAL_TZ
from app.meetings import agenda as agenda_service
from app.meetings import attendance as attendance_service
from app.meetings import service
from app.meetings.models import MeetingStatus
from tests.factories import login, make_item, make_meeting, make_theme, make_user, post_form

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=LOCAL_TZ)


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def setting(db):  # type: ignore[no-untyped-def]
    """Team Noord with two members and a contactpersoon, Kwaliteit, one item discussed in a
    meeting last week and one published since."""
    team = accounts_service.ensure_team(db, "noord", "Team Noord", Audience.beide)
    people = {
        "anna": make_user(db, Role.medewerker, team_slug="noord", name="Anna"),
        "bram": make_user(db, Role.medewerker, team_slug="noord", name="Bram"),
        "cp": make_user(db, Role.contactpersoon, team_slug="noord", name="Carla"),
        "kw": make_user(db, Role.kwaliteit, name="Kees"),
    }
    theme = make_theme(db)
    with clock.frozen(NOW - timedelta(days=20)):
        old = make_item(db, theme, people["kw"], title="Besproken item")
    with clock.frozen(NOW - timedelta(days=10)):
        held = make_meeting(db, team, days_ahead=3, with_agenda=True)  # held a week ago
    with clock.frozen(NOW - timedelta(days=2)):
        new = make_item(db, theme, people["kw"], title="Nog niet besproken")
    return team, people, held, old, new


def test_attendance_register_and_participation(client, db):
    team, people, held, _, _ = setting(db)
    with clock.frozen(NOW):
        token = login(client, db, people["cp"])
        register = page(client.get(f"/werkoverleg/{held.id}/aanwezigheid"))
        names = [th.contents[0].strip() for th in register.select("tbody th")]
        assert names == ["Anna", "Bram", "Carla", "Kees"]  # the team, then Kwaliteit
        url = f"/werkoverleg/{held.id}/aanwezigheid"
        a, b, c, k = (str(people[p].id) for p in ("anna", "bram", "cp", "kw"))
        refused = post_form(client, url, {"aanwezig": [a, c], "actief": [b], "notes": "Goed gesprek"}, token)
        assert refused.status_code == 422 and "ook aanwezig" in page(refused).find(id="attendance-error").text
        kept = page(refused)
        assert kept.find(id=f"actief-{b}").has_attr("checked") and kept.find(id="notes").text == "Goed gesprek"
        # A hand-made form naming someone outside the meeting (or no one) saves nothing.
        for stranger in ("abc", "-1", str(people["kw"].id * 1000)):
            sent = post_form(client, url, {"aanwezig": [stranger], "notes": "Goed gesprek"}, token)
            assert sent.status_code == 422 and "niet bij dit overleg hoort" in page(sent).text
        assert attendance_service.attendance(db, held) == []
        saved = post_form(client, url, {"aanwezig": [a, c, k], "actief": [a, c], "notes": "Goed gesprek"}, token)
        assert saved.status_code == 303
        shown = page(client.get(f"/werkoverleg/{held.id}"))
        assert "3 van de 4 aanwezig, 2 deden actief mee." in shown.text
        assert "Goed gesprek" in shown.select_one(".kb-notes").text
        # Anna sees her own participation, and nobody else's.
        login(client, db, people["anna"])
        mine = page(client.get("/werkoverleg"))
        rows = [[td.text for td in tr.select("td")] for tr in mine.select("#deelname-kop ~ div tbody tr")]
        assert rows == [["Werkoverleg Team Noord", held.starts_at.astimezone(LOCAL_TZ).strftime("%-d maart %Y"), "ja", "ja"]]
        assert "deden actief mee" not in page(client.get(f"/werkoverleg/{held.id}")).text
    assert [p.present for p in attendance_service.participation(db, people["bram"])] == [False]


def test_the_register_of_a_meeting_to_come_cannot_be_filled_in(client, db):
    team, people, _, _, _ = setting(db)
    with clock.frozen(NOW):
        upcoming = make_meeting(db, team, days_ahead=5)
        login(client, db, people["cp"])
        shown = page(client.get(f"/werkoverleg/{upcoming.id}/aanwezigheid"))
    assert shown.select("input[name=aanwezig]") == [] and shown.find("button", string="Opslaan") is None
    assert "nog niet begonnen" in shown.select_one("[role=note]").text


def test_attendance_waits_for_the_meeting(db):
    team, people, _, _, _ = setting(db)
    with clock.frozen(NOW):
        upcoming = make_meeting(db, team, days_ahead=5)
        try:
            attendance_service.record_attendance(db, upcoming, {people["anna"].id: (True, False)}, None, people["cp"], clock.now())
        except service.MeetingError as exc:
            assert exc.field == "attendance" and "begonnen" in exc.message
        else:
            raise AssertionError("attendance before the meeting must be refused")


def test_what_the_team_discussed(client, db):
    team, people, held, old, new = setting(db)
    with clock.frozen(NOW):
        login(client, db, people["anna"])
        item_page = page(client.get(f"/items/{old.slug}"))
        discussed = item_page.find("dt", string="Besproken in").find_next_sibling("dd")
        assert discussed.a["href"] == f"/werkoverleg/{held.id}" and "Team Noord" in discussed.text
        overview = page(client.get("/werkoverleg"))
        open_titles = [a.text for a in overview.select("#open-kop ~ ul .kb-card__title a")]
        assert open_titles == ["Nog niet besproken"]
        # The infographic counts what is new since the team's last werkoverleg.
        home = page(client.get("/"))
        assert home.select_one(".kb-tile__new").text.startswith("1 nieuw")
        assert "na de agenda van het werkoverleg van 3 maart 2027" in home.select_one(".kb-legend").text


def test_new_means_the_same_on_the_home_page_and_the_next_agenda_and_the_home_page_prepares(client, db):
    """One definition of "nieuw": not yet on the agenda of a held werkoverleg. The home page
    shows the next werkoverleg's points to read beforehand, and what someone missed."""
    team, people, held, old, new = setting(db)
    with clock.frozen(NOW - timedelta(days=9)):
        # Published after the held meeting's agenda was assembled, before the meeting: on no
        # agenda yet, so new (a window from the meeting itself would lose it).
        make_item(db, make_theme(db), people["kw"], title="Tussen agenda en overleg")
        # Not for this team's audience: not on its agenda, and not "nieuw" for its members.
        team.audience = Audience.klantbegeleider
        db.add(team)
        make_item(db, make_theme(db), people["kw"], title="Alleen schuldregelaars", audience="schuldregelaar")
    with clock.frozen(NOW - timedelta(days=6)):
        attendance_service.record_attendance(db, held, {people["anna"].id: (True, True), people["bram"].id: (False, False)},
                                             "Beslag besproken.", people["cp"], clock.now())
    with clock.frozen(NOW):
        upcoming = make_meeting(db, team, days_ahead=5, with_agenda=True)
        on_agenda = {line.item.title for line in agenda_service.lines(db, agenda_service.get_agenda(db, upcoming))}
        login(client, db, people["bram"])
        home = page(client.get("/"))
    new_count = sum(int(t.text.split()[0]) for t in home.select(".kb-tile__new"))
    assert on_agenda == {"Tussen agenda en overleg", "Nog niet besproken"} and new_count == len(on_agenda)
    ahead = home.select_one("#volgend-kop").find_parent("section")
    assert {a.text for a in ahead.select("li a")} == on_agenda
    missed = home.select_one("#gemist-kop").find_parent("section")
    assert "Besproken item" in missed.text and missed.select("a")[-1]["href"] == f"/werkoverleg/{held.id}"
    with clock.frozen(NOW):
        login(client, db, people["anna"])  # she was there
        assert page(client.get("/")).select_one("#gemist-kop") is None


def test_meetings_api_and_icalendar(client, db):
    team, people, held, _, _ = setting(db)
    with clock.frozen(NOW):
        upcoming = make_meeting(db, team, days_ahead=6, with_agenda=True, location="Kamer 3")
        cancelled = make_meeting(db, team, days_ahead=30)
        service.cancel(db, cancelled, "Vakantie", clock.now())
        token = accounts_service.create_api_token(db, people["anna"])
        headers = {"Authorization": f"Bearer {token}"}
        listed = client.get("/api/v1/meetings", params={"team": "noord", "from": "2027-03-01", "to": "2027-03-31"}, headers=headers)
        assert listed.status_code == 200
        assert [m["id"] for m in listed.json()] == [held.id, upcoming.id]
        assert client.get("/api/v1/meetings", params={"team": "nergens"}, headers=headers).json()["detail"][0]["field"] == "team"
        assert client.get("/api/v1/meetings", params={"from": "maart"}, headers=headers).status_code == 422
        detail = client.get(f"/api/v1/meetings/{upcoming.id}", headers=headers).json()
        assert detail["location"] == "Kamer 3" and detail["agenda_state"] == "concept"
        assert [e["title"] for e in detail["agenda"]] == ["Nog niet besproken"]
        ics = client.get(f"/api/v1/meetings/{upcoming.id}/agenda.ics", headers=headers)
        assert ics.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(ics.content)
        event = next(iter(calendar.walk("VEVENT")))
        assert str(event["SUMMARY"]) == "Werkoverleg Team Noord"
        assert str(event["LOCATION"]) == "Kamer 3"
        assert event.decoded("DTSTART") == upcoming.starts_at
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
        assert "Nog niet besproken" in str(event["DESCRIPTION"])
        assert any(tz["TZID"] == "Europe/Amsterdam" for tz in calendar.walk("VTIMEZONE"))
        gone = icalendar.Calendar.from_ical(client.get(f"/api/v1/meetings/{cancelled.id}/agenda.ics", headers=headers).content)
        assert str(next(iter(gone.walk("VEVENT")))["STATUS"]) == "CANCELLED"


def test_attendance_api(client, db):
    team, people, held, _, _ = setting(db)
    with clock.frozen(NOW):
        def put(user, meeting, body):  # type: ignore[no-untyped-def]
            token = accounts_service.create_api_token(db, user)
            return client.put(f"/api/v1/meetings/{meeting.id}/attendance", json=body,
                              headers={"Authorization": f"Bearer {token}"})

        body = {"attendance": [{"email": people["anna"].email, "present": True, "active": True},
                               {"email": people["bram"].email, "present": False}], "notes": "Kort overleg"}
        assert put(people["anna"], held, body).status_code == 403
        saved = put(people["cp"], held, body)
        assert saved.status_code == 200
        assert saved.json() == [{"email": people["anna"].email, "name": "Anna", "present": True, "active": True},
                                {"email": people["bram"].email, "name": "Bram", "present": False, "active": False}]
        unknown = put(people["kw"], held, {"attendance": [{"email": "niemand@example.org", "present": True}]})
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "attendance.0.email"
        active_absent = put(people["kw"], held, {"attendance": [{"email": people["bram"].email, "present": False, "active": True}]})
        assert active_absent.status_code == 422 and "aanwezig" in active_absent.json()["detail"][0]["message"]
        future = make_meeting(db, team, days_ahead=3)
        assert put(people["cp"], future, body).json()["detail"][0]["field"] == "attendance"
        wrong = put(people["cp"], held, {"attendance": [{"email": people["anna"].email, "present": "misschien"}]})
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "attendance.0.present"
    assert held.notes == "Kort overleg" and held.status == MeetingStatus.scheduled
    assert agenda_service.get_agenda(db, held) is not None

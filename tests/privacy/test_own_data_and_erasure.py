"""AVG: a person sees and downloads their own data (and nothing of anyone else's); a beheerder
removes a departed person's personal data, and the goals on /doelen stay exactly the same."""

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import String, Text, cast, or_
from sqlalchemy import select as sa_select
from sqlmodel import select

from app import clock
from app.accounts.models import Role, User
from app.audit.models import Action, AuditEvent
from app.avg import erasure as avg_service
from app.db import metadata
from app.goals import records as goals_records
from app.goals import service as goals_service
from app.questions import service as questions_service
from app.questions.models import QuestionIn
from app.usage import service as usage_service
from app.usage.models import UsageKind
from app.wiki import service as wiki_service
from tests.factories import login, make_theme, make_user, post_form
from tests.goals.test_goals import START, at, plan, werkoverleg  # noqa: F401 - plan is a fixture


def figures(db, viewer, day):  # type: ignore[no-untyped-def]
    """What /doelen shows (goals_service.board), without names."""
    out = []
    for v in goals_service.board(db, viewer, day, trend=False):
        out.append((v.goal.key, v.value, v.population, v.achieved, v.on_track, v.hidden,
                    sorted((p.user_id, p.count, p.required, p.met) for p in v.result.persons)))
    return out


def history_for(db, plan, person):  # type: ignore[no-untyped-def]  # noqa: F811 - the plan fixture
    """Attendance, usage, a question and an appraisal of `person` within the goals' period."""
    werkoverleg(db, "noord", START + timedelta(days=10), [(person, True), (plan["bram"], False)])
    werkoverleg(db, "noord", START + timedelta(days=40), [(person, True)])
    for n in (3, 5, 8):
        usage_service.record(db, person, UsageKind.read, START + timedelta(days=n))
    with clock.frozen(at(START + timedelta(days=6))):
        questions_service.ask(db, QuestionIn(text="Groeten, Anna Achternaam: hoe zit het met de bvv?"), person, clock.now())
        goals_records.record_appraisal(db, person, START + timedelta(days=5), True, plan["lg"], clock.today())


def test_own_data_page_and_json_hold_the_persons_records_and_nothing_of_another(client, db, plan):  # noqa: F811 - the plan fixture
    anna, bram = plan["anna"], plan["bram"]
    history_for(db, plan, anna)
    usage_service.record(db, bram, UsageKind.search, START + timedelta(days=4))
    with clock.frozen(at(START + timedelta(days=7))):
        questions_service.ask(db, QuestionIn(text="Bram vraagt iets anders"), bram, clock.now())
    login(client, db, anna)

    page = client.get("/account/gegevens")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("h1").get_text() == "Mijn gegevens"
    assert len(soup.select("#aanwezigheid-table tbody tr")) == 2
    assert len(soup.select("#gebruik-table tbody tr")) == 3
    assert "hoe zit het met de bvv" in soup.select_one("#vragen-table").get_text()
    assert len(soup.select("#gesprekken-table tbody tr")) == 1
    assert "Bram vraagt" not in page.text and bram.email not in page.text

    download = client.get("/account/gegevens.json")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    data = download.json()
    assert data["account"]["email"] == anna.email and data["account"]["name"] == "Anna"
    assert len(data["attendance"]) == 2 and all(a["present"] for a in data["attendance"])
    assert [d["day"] for d in data["usage_days"]] == [(START + timedelta(days=n)).isoformat() for n in (3, 5, 8)]
    assert [q["text"] for q in data["questions_asked"]] == ["Groeten, Anna Achternaam: hoe zit het met de bvv?"]
    assert data["appraisals"][0]["discussed"] is True
    assert data["web_sessions"] and "token_hash" not in str(data)
    text = download.text
    assert "Bram" not in text and bram.email not in text
    # Both downloads are in the audit log, and the second shows the first among her events.
    assert [e["action"] for e in data["audit_events"]] == [Action.data_downloaded]
    api = client.get("/api/v1/me/data").json()
    assert api["account"]["id"] == anna.id and len(api["audit_events"]) == 2


def test_own_data_api_needs_a_login(client):
    assert client.get("/api/v1/me/data").status_code == 401
    assert client.get("/account/gegevens", follow_redirects=False).status_code == 303


def test_anonymising_keeps_the_goal_figures_identical_and_leaves_no_name_or_email(client, db, plan):  # noqa: F811 - the plan fixture
    anna = plan["anna"]
    anna.name = "Anna Achternaam"
    db.add(anna)
    db.flush()
    history_for(db, plan, anna)
    # Her name in an item's history, too (she wrote a revision).
    wiki_service.create_item(db, __import__("tests.factories", fromlist=["item_data"]).item_data(make_theme(db)), anna,
                             author_name="Anna Achternaam")
    old_name, old_email = anna.name, anna.email
    kwaliteit = plan["kw"]
    day = START + timedelta(days=60)
    before = figures(db, kwaliteit, day)
    before_mt = figures(db, plan["mt"], day)
    assert any(anna.id in [p[0] for p in f[6]] for f in before)  # she counts in a goal

    admin = make_user(db, Role.beheerder)
    token = login(client, db, admin)
    page = client.get(f"/beheer/personen/{anna.id}/verwijderen")
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").select_one("#erase-form") is not None
    # Without the confirmation word: refused, nothing changed.
    refused = post_form(client, f"/beheer/personen/{anna.id}/verwijderen", {"confirm": "ja"}, token)
    assert refused.status_code == 422
    assert BeautifulSoup(refused.text, "html.parser").select_one("#erase-error") is not None
    db.refresh(anna)
    assert anna.name == old_name

    done = post_form(client, f"/beheer/personen/{anna.id}/verwijderen", {"confirm": "VERWIJDEREN"}, token)
    assert done.status_code == 303
    db.expire_all()
    anna = db.get(User, plan["anna"].id)
    assert anna.name == f"Oud-medewerker {anna.id}" and anna.email.endswith("@anoniem.invalid")
    assert not anna.is_active and anna.password_hash is None and anna.anonymised_at is not None

    assert figures(db, kwaliteit, day) == before
    assert figures(db, plan["mt"], day) == before_mt

    # The old name and e-mail are nowhere in the database.
    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"]
        if not columns:
            continue
        for old in (old_name, old_email):
            hits = db.execute(sa_select(table).where(or_(*[cast(c, Text).like(f"%{old}%") for c in columns]))).all()
            found += [(table.name, old) for _ in hits]
    assert found == []
    # Her records stay, with the anonymous account.
    assert questions_service.mine(db, anna)[0].text.startswith(f"Groeten, Oud-medewerker {anna.id}:")
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == Action.user_anonymised)).all()
    assert event.actor_id == admin.id and event.subject_id == str(anna.id)

    # Shown as such, and not a second time.
    again = client.get(f"/beheer/personen/{anna.id}/verwijderen")
    soup = BeautifulSoup(again.text, "html.parser")
    assert soup.select_one("#done") is not None and soup.select_one("#erase-form") is None
    twice = post_form(client, f"/beheer/personen/{anna.id}/verwijderen", {"confirm": "VERWIJDEREN"}, token)
    assert twice.status_code == 409


def test_a_beheerder_cannot_anonymise_themself(client, db):
    admin = make_user(db, Role.beheerder, name="Beheerder Zelf")
    token = login(client, db, admin)
    page = BeautifulSoup(client.get(f"/beheer/personen/{admin.id}/verwijderen").text, "html.parser")
    assert page.select_one("#refusal") is not None and page.select_one("#erase-form") is None
    response = post_form(client, f"/beheer/personen/{admin.id}/verwijderen", {"confirm": "VERWIJDEREN"}, token)
    assert response.status_code == 403
    db.refresh(admin)
    assert admin.name == "Beheerder Zelf" and admin.anonymised_at is None


def test_an_unknown_person_is_a_404(client, db):
    login(client, db, make_user(db, Role.beheerder))
    assert client.get("/beheer/personen/999999/verwijderen").status_code == 404


def test_the_service_refuses_oneself(db):
    admin = make_user(db, Role.beheerder)
    import pytest

    with pytest.raises(Exception, match="eigen"):
        avg_service.anonymise(db, admin, admin)


def _texts_holding(db, olds, exact=()):  # type: ignore[no-untyped-def]
    """(table, text) for every value in every text or JSON column of every table that holds one
    of `olds` in any letter case, or (in JSON) is exactly one of `exact`."""
    import json
    import re

    wanted = re.compile("|".join(re.escape(o) for o in olds), re.IGNORECASE)
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            is_json = column.type.__class__.__name__ == "JSON"
            if not (is_json or isinstance(column.type, String | Text)):
                continue
            for (value,) in db.execute(sa_select(column)).all():
                if value is None:
                    continue
                text = json.dumps(value, ensure_ascii=False) if is_json else value
                if wanted.search(text) or (is_json and any(f'"{e}"'.lower() in text.lower() for e in exact)):
                    found.append((table.name, text[:80]))
    return found


def test_anonymising_also_removes_the_persons_earlier_names_and_email_from_the_audit_log(db):
    from app.accounts import manage

    admin = make_user(db, Role.beheerder)
    actor = manage.Actor(admin.id, "192.0.2.7")
    person = manage.create_user(db, manage.UserNew(email="jose.muller@example.org", name="Piet",
                                                   role="medewerker"), actor)
    manage.change_user(db, person, manage.UserUpdate(name="José Müller-Jansen", role="kwaliteit"), actor)
    manage.deactivate(db, person, actor)
    # Typed by hand, in other letter cases.
    asked = questions_service.ask(db, QuestionIn(text="Hoe zit het met de beslagvrije voet? Groet, JOSÉ "
                                                      "MÜLLER-JANSEN (Jose.Muller@Example.ORG)"), person, clock.now())
    olds = ["José Müller-Jansen", "jose.muller@example.org"]
    assert {table for table, _ in _texts_holding(db, olds, exact=["Piet"])} == {"user", "audit_event", "question"}

    avg_service.anonymise(db, person, admin)
    db.flush()
    assert _texts_holding(db, olds, exact=["Piet"]) == []
    placeholder = f"Oud-medewerker {person.id}"
    db.refresh(asked)
    assert asked.text.endswith(f"Groet, {placeholder} ({placeholder})")
    # The events stay, about the same account, with what they said otherwise.
    events = db.exec(select(AuditEvent).where(AuditEvent.subject_id == str(person.id)).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [Action.user_created, Action.user_changed, Action.user_deactivated,
                                          Action.user_anonymised]
    changed = events[1].detail
    assert changed["role"] == {"old": "medewerker", "new": "kwaliteit"}
    assert changed["name"] == {"old": placeholder, "new": placeholder}
    assert all(e.address == "192.0.2.7" for e in events[:3])


def test_anonymising_replaces_whole_names_only_and_leaves_colleagues_and_teams_alone(db):
    """Jan Vos leaves; Jan Vossen, his note and a team named like a functional account stay.
    Sanne (one word) checked an item: that line names the placeholder, by id. An item whose
    address carries Jan Vos's name gets another address."""
    from app.accounts import manage
    from app.wiki.models import ItemCheck

    admin = make_user(db, Role.beheerder)
    jan = make_user(db, Role.kwaliteit, name="Jan Vos", email="jan.vos@example.org")
    vossen = make_user(db, Role.kwaliteit, name="Jan Vossen", email="ajan.vos@example.org")
    sanne = make_user(db, Role.kwaliteit, name="Sanne", email="sanne@example.org")
    functional = manage.create_user(db, manage.UserNew(email="team@example.org", name="Team Schuldregeling",
                                                       role="medewerker"), manage.Actor(admin.id, ""))
    team = manage.service.ensure_team(db, "team-schuldregeling", "Team Schuldregeling")
    theme = make_theme(db)
    from tests.factories import item_data

    item = wiki_service.create_item(db, item_data(theme, title="Werkinstructie van Jan Vos",
                                                  body="Vraag het Jan Vos, of Jan Vossen, of Team Schuldregeling. "
                                                       "Mail jan.vos@example.org (niet ajan.vos@example.org)."), jan)
    wiki_service.mark_checked(db, item, vossen, item.version, note="Nagekeken door Jan Vossen")
    wiki_service.mark_checked(db, item, sanne, item.version, note="Ook gezien")
    db.flush()
    old_slug = item.slug
    assert "jan-vos" in old_slug

    for person in (jan, sanne, functional):
        avg_service.anonymise(db, person, admin)
    db.flush()
    db.expire_all()
    item = db.get(type(item), item.id)
    assert item.title == f"Werkinstructie van Oud-medewerker {jan.id}"
    assert item.body == (f"Vraag het Oud-medewerker {jan.id}, of Jan Vossen, of Team Schuldregeling. "
                         f"Mail Oud-medewerker {jan.id} (niet ajan.vos@example.org).")
    assert item.slug != old_slug and "jan-vos" not in item.slug and f"oud-medewerker-{jan.id}" in item.slug
    checks = {c.checked_by_id: (c.checked_by_name, c.note) for c in db.exec(select(ItemCheck)).all()}
    assert checks[vossen.id] == ("Jan Vossen", "Nagekeken door Jan Vossen")
    assert checks[sanne.id] == (f"Oud-medewerker {sanne.id}", "Ook gezien")
    db.refresh(team)
    assert team.name == "Team Schuldregeling"
    assert db.exec(select(type(item)).where(type(item).slug == old_slug)).first() is None


def test_own_data_holds_what_the_person_wrote_checked_and_what_the_log_says_about_them(client, db):
    from app.accounts import manage
    from tests.factories import item_data

    admin = make_user(db, Role.beheerder)
    kim = make_user(db, Role.kwaliteit, name="Kim Kwaliteit")
    other = make_user(db, Role.kwaliteit, name="Olaf Ander")
    item = wiki_service.create_item(db, item_data(make_theme(db), title="Beslagvrije voet 2027"), kim)
    wiki_service.mark_checked(db, item, kim, item.version, note="gecheckt door mij")
    wiki_service.mark_checked(db, item, other, item.version, note="door Olaf")
    manage.change_user(db, kim, manage.UserUpdate(function="klantbegeleider"), manage.Actor(admin.id, "192.0.2.9"))
    db.flush()
    login(client, db, kim)
    data = client.get("/api/v1/me/data").json()
    # Her first version, and the one her check made; not the one of Olaf's check.
    assert [(v["title"], v["version"]) for v in data["item_versions_written"]] == [("Beslagvrije voet 2027", 1), ("Beslagvrije voet 2027", 2)]
    assert [c["note"] for c in data["items_checked"]] == ["gecheckt door mij"]
    about = [e for e in data["audit_events_about_you"] if e["action"] == Action.user_changed]
    assert about and about[0]["address"] == "192.0.2.9"
    assert "Olaf" not in str(data)
    page = BeautifulSoup(client.get("/account/gegevens").text, "html.parser")
    assert "gecheckt door mij" in page.select_one("#gecontroleerd-table").get_text()
    assert page.select_one("#versies-table tbody tr") is not None and page.select_one("#audit-over-u-table") is not None


def test_after_erasure_search_finds_the_item_under_its_new_address_and_not_by_the_name(db, search_index):
    from app.search import service as search_service
    from tests.factories import make_item

    admin = make_user(db, Role.beheerder)
    karel = make_user(db, Role.kwaliteit, name="Karel Zwartekopper", email="karel@example.org")
    item = make_item(db, make_theme(db), karel, title="Werkinstructie van Karel Zwartekopper",
                     summary="Zo werkt de intake bij Karel Zwartekopper.", body="Vraag Karel Zwartekopper om hulp.")
    db.commit()
    before = [r.slug for r in search_service.search(db, search_index, "werkinstructie").results]
    assert before == [item.slug] and "zwartekopper" in item.slug
    avg_service.anonymise(db, karel, admin)
    db.commit()
    db.refresh(item)
    assert [r.slug for r in search_service.search(db, search_index, "werkinstructie").results] == [item.slug]
    assert "zwartekopper" not in item.slug
    assert search_service.search(db, search_index, "zwartekopper").results == []

"""What the attacker pass on beheer found, each as a test: an anonymised account is final,
at least one beheerder stays (also when two demote each other at once), names and e-mail
addresses are what they look like, a reset link logs out whoever had the old password, and
password and token events are in the audit log."""

import threading

import pytest
from bs4 import BeautifulSoup
from sqlmodel import Session, select

from app.accounts import manage
from app.accounts import service as accounts_service
from app.accounts.models import AccountLink, LinkPurpose, Role, User
from app.audit.models import Action, AuditEvent
from app.avg import erasure as avg_service
from app.config import get_settings
from app.errors import Conflict, InputError
from tests.factories import login, make_user, post_form

pytestmark = pytest.mark.any_database


def actor(user: User) -> manage.Actor:
    return manage.Actor(user.id, "192.0.2.1")  # type: ignore[arg-type]


def test_an_anonymised_account_cannot_be_reactivated_invited_renamed_or_promoted(client, db):
    admin = make_user(db, Role.beheerder)
    person = make_user(db, Role.medewerker, name="Vera Vertrokken")
    avg_service.anonymise(db, person, admin)
    for attempt in (
        lambda: manage.reactivate(db, person, actor(admin)),
        lambda: manage.create_link(db, person, LinkPurpose.invite, actor(admin)),
        lambda: manage.change_user(db, person, manage.UserUpdate(name="Vera Vertrokken"), actor(admin)),
        lambda: manage.change_user(db, person, manage.UserUpdate(role="beheerder"), actor(admin)),
    ):
        with pytest.raises(Conflict, match="verwijderd"):
            attempt()
    csrf = login(client, db, admin)
    page = client.get(f"/beheer/gebruikers/{person.id}")
    html = BeautifulSoup(page.text, "html.parser")
    assert page.status_code == 200 and html.select_one("#anonymised") is not None
    assert html.select_one("form#wijzigen") is None and not html.select(f"form[action$='/{person.id}/heractiveren']")
    by_hand = post_form(client, f"/beheer/gebruikers/{person.id}/heractiveren", {}, csrf)
    assert by_hand.status_code == 409
    api = client.patch(f"/api/v1/users/{person.id}", json={"active": True, "name": "Vera"},
                       headers={"x-csrf-token": csrf})
    assert api.status_code == 409 and "verwijderd" in api.text
    db.refresh(person)
    assert not person.is_active and person.name == f"Oud-medewerker {person.id}"


def test_the_last_beheerder_cannot_be_demoted_deactivated_or_anonymised(db):
    first, second = make_user(db, Role.beheerder), make_user(db, Role.beheerder)
    manage.change_user(db, second, manage.UserUpdate(role="kwaliteit"), actor(first))  # one stays: fine
    # `first` is the last one now; another account (a kwaliteit's, by API) may not take it away.
    with pytest.raises(Conflict, match="minstens één actieve beheerder"):
        manage.change_user(db, first, manage.UserUpdate(role="medewerker"), actor(second))
    with pytest.raises(Conflict, match="minstens één actieve beheerder"):
        manage.deactivate(db, first, actor(second))
    with pytest.raises(Conflict, match="minstens één actieve beheerder"):
        avg_service.anonymise(db, first, second)
    db.refresh(first)
    assert first.role == Role.beheerder and first.is_active


def test_two_beheerders_demoting_each_other_at_once_leave_one(real_engine):
    with Session(real_engine, expire_on_commit=False) as setup:
        for user in setup.exec(select(User).where(User.role == Role.beheerder)).all():
            user.role = Role.kwaliteit  # only these two, whatever an earlier test left
            setup.add(user)
        a = make_user(setup, Role.beheerder, email="a.beheer@example.org")
        b = make_user(setup, Role.beheerder, email="b.beheer@example.org")
        setup.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(target_id: int, by: User) -> None:
        with Session(real_engine, expire_on_commit=False) as session:
            target = session.get(User, target_id)
            barrier.wait()
            try:
                manage.change_user(session, target, manage.UserUpdate(role="medewerker"), actor(by))  # type: ignore[arg-type]
                session.commit()
                outcomes.append("done")
            except Conflict:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=demote, args=(b.id, a)), threading.Thread(target=demote, args=(a.id, b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["done", "refused"]
    with Session(real_engine) as check:
        left = check.exec(select(User).where(User.role == Role.beheerder, User.is_active)).all()
        assert len(left) == 1


@pytest.mark.parametrize("email", [
    "beheerder@example.org\u200b", "beheerder@\u0435xample.org", "a\x01@b.nl", "a@b..nl", "<script>@x.nl",
    ".a@b.nl", "a.@b.nl",
])
def test_an_email_address_must_be_what_it_looks_like(db, email):
    with pytest.raises(InputError) as refused:
        accounts_service.create_user(db, email=email, name="Iemand Anders", role="medewerker")
    assert refused.value.field == "email"


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202eevil", "a\x07\x1bb", "a\nb", "  "])
def test_a_name_is_one_visible_line(client, db, name):
    with pytest.raises(InputError) as refused:
        accounts_service.create_user(db, email="naam@example.org", name=name, role="medewerker")
    assert refused.value.field == "name"
    admin = make_user(db, Role.beheerder)
    csrf = login(client, db, admin)
    team = client.post("/api/v1/teams", json={"slug": "team-x", "name": name}, headers={"x-csrf-token": csrf})
    assert team.status_code == 422 and "name" in str(team.json()["detail"])
    # Ordinary names with accents, hyphens and apostrophes are fine.
    assert accounts_service.create_user(db, email="nn@example.org", name="Zoë 't Hooft-Ünal", role="medewerker")


def test_a_password_of_spaces_or_one_character_is_refused(db):
    person = make_user(db, Role.medewerker)
    for weak in (" " * 12, "a" * 12, "ab" * 6):
        with pytest.raises(InputError):
            accounts_service.set_password(person, weak)
    accounts_service.set_password(person, "paard-batterij-nietje")


def test_a_reset_link_ends_other_sessions_and_tokens_and_is_audited(client, db):
    admin = make_user(db, Role.beheerder)
    person = make_user(db, Role.medewerker, email="reset@example.org")
    old_session = accounts_service.start_session(db, get_settings(), person, "password")
    token = accounts_service.create_api_token(db, person, "script")
    db.flush()
    link = manage.create_link(db, person, LinkPurpose.reset, actor(admin))
    manage.use_link(db, link, "een-nieuw-wachtwoord", "een-nieuw-wachtwoord")
    db.flush()
    assert accounts_service.user_for_session(db, old_session) is None
    assert accounts_service.user_for_api_token(db, token) is None
    actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.subject_id == str(person.id))
                                         .order_by(AuditEvent.id))]
    assert actions == [Action.api_token_created, Action.password_reset_sent, Action.password_set]


def test_deactivation_ends_open_links(db):
    admin = make_user(db, Role.beheerder)
    person = make_user(db, Role.medewerker)
    link = manage.create_link(db, person, LinkPurpose.invite, actor(admin))
    manage.deactivate(db, person, actor(admin))
    manage.reactivate(db, person, actor(admin))
    assert manage.valid_link(db, link) is None
    assert all(row.used_at is not None for row in db.exec(select(AccountLink).where(AccountLink.user_id == person.id)))


def test_making_and_revoking_a_token_on_the_account_page_is_audited(client, db):
    person = make_user(db, Role.medewerker)
    csrf = login(client, db, person)
    assert post_form(client, "/account/tokens", {"name": "rapport"}, csrf).status_code == 200
    [row] = accounts_service.list_api_tokens(db, person)
    assert post_form(client, f"/account/tokens/{row.id}/intrekken", {}, csrf).status_code == 303
    events = db.exec(select(AuditEvent).where(AuditEvent.actor_id == person.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-2:] == [Action.api_token_created, Action.api_token_revoked]
    assert "rapport" in events[-2].summary and row.prefix in events[-1].summary


def test_a_form_over_the_size_limit_is_a_dutch_page_and_the_api_gets_json(client, db):
    csrf = login(client, db, make_user(db, Role.beheerder))
    big = b"email,name,role\n" + b"a@example.org,Anna Groot,medewerker\n" * 40_000  # about 1.5 MB
    page = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                       files={"bestand": ("groot.csv", big, "text/csv")})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    text = BeautifulSoup(page.text, "html.parser").get_text(" ", strip=True)
    assert "groter dan 1 MB" in text and "in delen importeren" in text
    api = client.post("/api/v1/users", content=b"{" + b" " * 1_100_000 + b"}",
                      headers={"content-type": "application/json", "x-csrf-token": csrf})
    assert api.status_code == 413 and api.json()["detail"][0]["field"] == "body"


@pytest.mark.parametrize("url, hidden", [
    ("postgresql+psycopg://kb:geheim@db:5432/kb", "geheim"),
    ("postgresql+psycopg://kb@db/kb?password=geheim", "geheim"),
    ("postgresql+psycopg://:geheim@db/kb", "geheim"),
    ("postgresql+psycopg://kb:p@ss@db/kb", "p@ss"),
])
def test_the_settings_page_never_shows_a_database_password(url, hidden):
    from app.accounts.settings_view import rows

    shown = dict(rows(get_settings().model_copy(update={"database_url": url})))["KENNISBANK_DATABASE_URL"]
    assert hidden not in shown and "ss@" not in shown and "db" in shown


def test_a_utf16_csv_as_excel_saves_unicode_text_is_read(client, db):
    csrf = login(client, db, make_user(db, Role.beheerder))
    text = "email\tname\trole\nzoe@example.org\tZoë Unicode\tmedewerker\n"
    preview = client.post("/beheer/gebruikers/import", data={"csrf_token": csrf},
                          files={"bestand": ("unicode.txt", text.encode("utf-16"), "text/plain")})
    assert preview.status_code == 200
    assert "Zoë Unicode" in preview.text and "wordt aangemaakt" in preview.text


def test_a_link_opened_twice_at_once_sets_one_password(real_engine):
    with Session(real_engine, expire_on_commit=False) as setup:
        admin = make_user(setup, Role.beheerder, email="link.admin@example.org")
        person = make_user(setup, Role.medewerker, email="link.race@example.org", password=None)
        token = manage.create_link(setup, person, LinkPurpose.reset, actor(admin))
        setup.commit()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def use(n: int) -> None:
        with Session(real_engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                manage.use_link(session, token, f"wachtwoord-nummer-{n}", f"wachtwoord-nummer-{n}")
                session.commit()
                outcomes.append(f"set {n}")
            except InputError:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("refused") == 3, outcomes
    [winner] = [int(o.split()[1]) for o in outcomes if o.startswith("set")]
    with Session(real_engine) as check:
        stored = check.get(User, person.id)
        assert accounts_service._hasher.verify(stored.password_hash, f"wachtwoord-nummer-{winner}")


def test_a_name_no_mail_header_can_hold_still_gives_the_link(db):
    from app.accounts import mail

    person = make_user(db, Role.medewerker)
    person.name = "Regel\nbreuk"  # stored before names were checked
    settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1"})
    assert mail.compose_and_send(settings, person, LinkPurpose.invite, "https://voorbeeld/x") is False


def test_addresses_and_methods_that_lead_nowhere(client, db):
    csrf = login(client, db, make_user(db, Role.beheerder))
    for path in ("/beheer/gebruikers/abc", "/beheer/teams/abc", "/beheer/personen/abc/verwijderen"):
        page = client.get(path)
        assert page.status_code == 404 and "bestaat niet" in page.text, path
    again = client.get("/beheer/gebruikers/import", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/beheer/gebruikers")
    options = client.options("/api/v1/users")
    assert options.status_code == 405 and options.headers["allow"] == "GET, POST"
    assert "Deze methode kan hier niet" in options.json()["detail"]
    surrogate = client.post("/api/v1/users", content='{"email":"s@example.org","name":"Ab \\ud800 cd","role":"medewerker"}',
                            headers={"content-type": "application/json", "x-csrf-token": csrf})
    assert surrogate.status_code == 422 and "ongeldige tekens" in surrogate.text


def test_an_overlong_audit_filter_comes_back_on_the_audit_page(client, db):
    login(client, db, make_user(db, Role.beheerder))
    page = client.get("/beheer/audit?van=" + "2" * 41)
    assert page.status_code == 422
    html = BeautifulSoup(page.text, "html.parser")
    assert html.select_one("#filter-error") is not None and html.select_one("#van")["value"] == "2" * 41

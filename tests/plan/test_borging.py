"""The ten signs of borging: those the app judges from real records, met and not met; the
under-three rule for new people; Kwaliteit's answers; and the theme's owner on the theme form."""

from datetime import date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import CONTENT_DIR, LOCAL_TZ
from app.goals import records as goal_records
from app.goals import service as goals_service
from app.goals.models import GoalSnapshot
from app.plan import borging
from app.plan import service as plan_service
from app.plan.models import BorgingCheck, Plan
from app.textinput import NUL
from app.usage import service as usage_service
from app.usage.models import UsageKind
from app.wiki import service as wiki_service
from tests.factories import login, make_item, make_theme, make_user, post_form


def page(response, status: int = 200) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text[:800]
    return BeautifulSoup(response.text, "html.parser")


def the_plan(db) -> Plan:  # type: ignore[no-untyped-def]
    plan = plan_service.get_plan(db)
    if plan is None:
        plan = Plan()
        db.add(plan)
        db.flush()
    return plan


def sign(db, key: str, today: date | None = None) -> borging.Sign:  # type: ignore[no-untyped-def]
    signs = borging.checklist(db, the_plan(db).id, today or clock.today())
    return next(s for s in signs if s.key == key)


def snapshot_on(db, day: date) -> None:  # type: ignore[no-untyped-def]
    goal = goals_service.list_goals(db)[0]
    db.add(GoalSnapshot(goal_id=goal.id, day=day, value=1, population=5))
    db.flush()


@pytest.fixture
def goals(db):  # type: ignore[no-untyped-def]
    goals_service.seed(db, goals_service.load_file(CONTENT_DIR / "goals.yaml"), clock.today())


def test_the_ten_signs_in_the_guides_order(db) -> None:  # type: ignore[no-untyped-def]
    signs = borging.checklist(db, the_plan(db).id, clock.today())
    assert [s.key for s in signs] == [key for key, _ in borging.SIGNS]
    assert len(signs) == 10
    assert signs[0].text == "De uitvoerende medewerkers kunnen de interventie ook bij hoge werkdruk uitvoeren"
    assert signs[-1].text == "Er blijft iemand eigenaar van de vernieuwing"
    answered = [s for s in signs if s.key in ("werkdruk", "doorontwikkeling", "financiering", "jaarverslag")]
    assert all(s.met is None and not s.judged_by_app for s in answered)


def test_kwaliteit_is_met_by_a_recent_goal_snapshot(db, goals) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    none = sign(db, "kwaliteit", today)
    assert none.judged_by_app and none.met is False and "nog nooit gemeten" in none.source

    snapshot_on(db, today - timedelta(days=8))
    old = sign(db, "kwaliteit", today)
    assert old.met is False and "op 1 dag" in old.source

    snapshot_on(db, today - timedelta(days=6))
    snapshot_on(db, today - timedelta(days=40))  # outside the 30 days: not counted
    recent = sign(db, "kwaliteit", today)
    assert recent.met is True
    assert "op 2 dagen" in recent.source


def test_materialen_needs_nine_in_ten_review_dates_kept(db) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    none = sign(db, "materialen", today)
    assert none.met is False and "nog geen gepubliceerde items" in none.source

    theme = make_theme(db)
    for _ in range(9):
        make_item(db, theme, review_date=today + timedelta(days=10))
    make_item(db, theme, review_date=today - timedelta(days=1))
    make_item(db, theme, status="draft", review_date=today - timedelta(days=1))  # not published
    kept = sign(db, "materialen", today)
    assert kept.met is True
    assert kept.source == "Van de 10 gepubliceerde items zijn er 9 binnen hun controledatum (90%)."

    make_item(db, theme, review_date=today - timedelta(days=3))
    late = sign(db, "materialen", today)
    assert late.met is False and "Van de 11 gepubliceerde items zijn er 9" in late.source


def test_ondersteuning_needs_a_contactpersoon_in_every_team(db) -> None:  # type: ignore[no-untyped-def]
    for slug in ("noord", "zuid", "west"):
        accounts_service.ensure_team(db, slug, slug.title())
        make_user(db, Role.medewerker, team_slug=slug)
    make_user(db, Role.contactpersoon, team_slug="noord")
    make_user(db, Role.contactpersoon, team_slug="zuid")
    gone = make_user(db, Role.contactpersoon, team_slug="west")
    gone.is_active = False
    db.flush()
    missing = sign(db, "ondersteuning")
    assert missing.met is False and missing.source == "2 van de 3 teams hebben een contactpersoon Kwaliteit."

    make_user(db, Role.contactpersoon, team_slug="west")
    covered = sign(db, "ondersteuning")
    assert covered.met is True and covered.source == "3 van de 3 teams hebben een contactpersoon Kwaliteit."


def new_person(db, days_ago: int, read_after: int | None):  # type: ignore[no-untyped-def]
    """A medewerker whose account is `days_ago` days old, who read `read_after` days after."""
    user = make_user(db, Role.medewerker)
    created = clock.today() - timedelta(days=days_ago)
    user.created_at = datetime.combine(created, time(9), LOCAL_TZ)
    db.flush()
    if read_after is not None:
        usage_service.record(db, user, UsageKind.read, created + timedelta(days=read_after))
    return user


def test_nieuwe_medewerkers_is_judged_only_over_three_people(db) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    new_person(db, 60, 5)
    new_person(db, 50, 20)
    new_person(db, 200, 1)  # not new: outside the 90 days
    two = sign(db, "nieuwe_medewerkers")
    assert two.judged_by_app is False and two.met is None
    assert "minder dan drie" in two.note and two.source is None
    # Then Kwaliteit's answer counts.
    borging.record_check(db, the_plan(db).id, "nieuwe_medewerkers", True, "Inwerkprogramma met de bibliotheek.",
                         clock.today(), "", kw)
    answered = sign(db, "nieuwe_medewerkers")
    assert answered.judged_by_app is False and answered.met is True and answered.checked_by == kw.name

    new_person(db, 40, 2)
    three = sign(db, "nieuwe_medewerkers")
    assert three.judged_by_app is True and three.met is True
    assert "Van de 3 medewerkers" in three.source and "lazen er 3" in three.source


def test_nieuwe_medewerkers_not_met_when_someone_did_not_read_in_time(db) -> None:  # type: ignore[no-untyped-def]
    new_person(db, 60, 5)
    new_person(db, 50, 20)
    new_person(db, 45, 40)  # read, but too late
    new_person(db, 10, None)  # still in the first month: not counted yet
    result = sign(db, "nieuwe_medewerkers")
    assert result.judged_by_app is True and result.met is False
    assert "Van de 3 medewerkers" in result.source and "lazen er 2" in result.source


def test_eigenaar_needs_an_active_owner_for_every_theme(db) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    first, second = make_theme(db, name="Schulden"), make_theme(db, name="Inkomen")
    first.owner_id = kw.id
    db.flush()
    missing = sign(db, "eigenaar")
    assert missing.met is False and missing.source == "1 van de 2 thema's heeft een eigenaar. Zonder eigenaar: Inkomen."
    second.owner_id = kw.id
    db.flush()
    owned = sign(db, "eigenaar")
    assert owned.met is True and owned.source == "2 van de 2 thema's hebben een eigenaar."
    kw.is_active = False
    db.flush()
    assert sign(db, "eigenaar").met is False


def test_sturing_needs_the_mt_approval_and_measured_goals(db, goals) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    mt = make_user(db, Role.management)
    snapshot_on(db, today - timedelta(days=1))
    no_approval = sign(db, "sturing", today)
    assert no_approval.met is False and "nog niet vastgelegd" in no_approval.source

    goal_records.record_milestone(db, date(2022, 5, 12), "", mt, today)
    approved = sign(db, "sturing", today)
    assert approved.met is True and "12 mei 2022" in approved.source

    later = sign(db, "sturing", today + timedelta(days=10))  # no snapshot in the last 7 days
    assert later.met is False and "niet gemeten" in later.source


def test_record_check_refuses_and_replaces(db) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit)
    plan_id = the_plan(db).id
    today = clock.today()

    def refused(field: str, *args) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(borging.BorgingError) as caught:
            borging.record_check(db, plan_id, *args, kw)
        assert caught.value.field == field and caught.value.status == 422
        return caught.value.message

    assert refused("sign", "onbekend", True, "x", today, "") == "Dit teken van borging bestaat niet."
    assert refused("sign", "materialen", True, "x", today, "") == "Dit teken beoordeelt de app zelf uit de gegevens."
    assert refused("checked_on", "werkdruk", False, "", today + timedelta(days=1), "") == "Deze datum ligt in de toekomst."
    assert refused("checked_on", "werkdruk", False, "", date(1999, 12, 31), "")
    assert refused("evidence", "werkdruk", True, " \u200b ", today, "") == "Schrijf op waaruit blijkt dat dit geregeld is."
    assert refused("extra_action", "werkdruk", False, "", today, "x" * 501)
    assert refused("evidence", "werkdruk", False, "a" + NUL, today, "")
    assert refused("extra_action", "werkdruk", False, "", today, NUL)

    borging.record_check(db, plan_id, "werkdruk", False, "", today - timedelta(days=3), "Extra uren inplannen.", kw)
    first = sign(db, "werkdruk")
    assert (first.met, first.extra_action, first.checked_on) == (False, "Extra uren inplannen.", today - timedelta(days=3))
    other = make_user(db, Role.kwaliteit, name="Kees Kwaliteit")
    borging.record_check(db, plan_id, "werkdruk", True, "  Piekrooster sinds maart.  ", today, "", other)
    again = sign(db, "werkdruk")
    assert (again.met, again.evidence, again.checked_on, again.checked_by) == (
        True, "Piekrooster sinds maart.", today, "Kees Kwaliteit")
    rows = db.exec(select(BorgingCheck).where(BorgingCheck.plan_id == plan_id)).all()
    assert len(rows) == 1


def test_the_theme_form_sets_and_shows_the_owner(client, db) -> None:  # type: ignore[no-untyped-def]
    kw = make_user(db, Role.kwaliteit, name="Karin Kwaliteit")
    medewerker = make_user(db, Role.medewerker, name="Mo Medewerker")
    token = login(client, db, kw)

    form = page(client.get("/themas/nieuw"))
    options = {o["value"]: o.get_text() for o in form.select("select#owner option")}
    assert options[""] == "Nog geen eigenaar" and options[str(kw.id)] == "Karin Kwaliteit"
    assert str(medewerker.id) not in options

    created = post_form(client, "/themas/nieuw", {"name": "Toeslagen", "description": "", "icon": "boek",
                                                   "position": "", "owner": str(kw.id)}, token)
    assert created.status_code == 303
    theme = wiki_service.get_theme(db, created.headers["location"].rsplit("/", 1)[1])
    assert theme.owner_id == kw.id
    shown = page(client.get(f"/themas/{theme.slug}"))
    assert shown.select_one("#thema-eigenaar").get_text(strip=True) == "Eigenaar: Karin Kwaliteit"

    edit = page(client.get(f"/themas/{theme.slug}/bewerken"))
    assert edit.select_one("select#owner option[selected]")["value"] == str(kw.id)

    for bad in (str(medewerker.id), "abc", "99999999"):
        refused = page(post_form(client, f"/themas/{theme.slug}/bewerken",
                                 {"name": "Toeslagen", "icon": "boek", "position": "", "owner": bad}, token), 422)
        error = refused.select_one(".kb-form select#owner")
        assert error is not None and "utrecht-select--invalid" in error["class"]
        assert any("kwaliteitsmedewerker" in a.get_text() for a in refused.select('a[href="#owner"]'))

    cleared = post_form(client, f"/themas/{theme.slug}/bewerken",
                        {"name": "Toeslagen", "icon": "boek", "position": "", "owner": ""}, token)
    assert cleared.status_code == 303
    db.refresh(theme)
    assert theme.owner_id is None
    assert page(client.get(f"/themas/{theme.slug}")).select_one("#thema-eigenaar") is None

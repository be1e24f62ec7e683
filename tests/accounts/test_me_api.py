"""GET /api/v1/me, and the two other endpoints people asked for: the search analytics of a
month (Kwaliteit, under the page's rules) and the items due for review."""

from datetime import date, datetime, time, timedelta

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.config import LOCAL_TZ
from app.search import service as search_service
from tests.factories import make_item, make_theme, make_user


def auth(db, user) -> dict:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}


def test_me_says_who_is_asking(client, db):
    accounts_service.ensure_team(db, "noord", "Team Noord")
    anna = make_user(db, Role.medewerker, team_slug="noord", function="klantbegeleider", name="Anna")
    me = client.get("/api/v1/me", headers=auth(db, anna)).json()
    assert me == {"id": anna.id, "name": "Anna", "email": anna.email, "role": "medewerker", "role_label": "Medewerker",
                  "team": "noord", "team_name": "Team Noord", "function": "klantbegeleider"}
    kees = make_user(db, Role.kwaliteit, name="Kees")
    assert client.get("/api/v1/me", headers=auth(db, kees)).json()["team"] is None
    assert client.get("/api/v1/me").status_code == 401


def test_search_analytics_of_a_month_for_kwaliteit_only(client, db):
    kees, anna = make_user(db, Role.kwaliteit), make_user(db, Role.medewerker)
    with clock.frozen(datetime(2027, 3, 10, 12, tzinfo=LOCAL_TZ)):
        for text, found in [("beslag", 3)] * 3 + [("voedselbank", 0)] * 2 + [("eenmalig", 0)]:
            search_service._log_query(db, text, found)  # noqa: SLF001 - the analytics' own writer
    with clock.frozen(datetime(2027, 4, 2, 12, tzinfo=LOCAL_TZ)):
        search_service._log_query(db, "april", 1)  # noqa: SLF001
    db.flush()
    march = client.get("/api/v1/search/analytics", params={"month": "2027-03"}, headers=auth(db, kees)).json()
    assert (march["month"], march["total"], march["without_results"]) == ("2027-03", 6, 3)
    assert march["most_frequent"] == [{"query": "beslag", "count": 3}, {"query": "voedselbank", "count": 2}]
    # Searched once: not shown, as on the page.
    assert march["no_results"] == [{"query": "voedselbank", "count": 2}]
    latest = client.get("/api/v1/search/analytics", headers=auth(db, kees)).json()
    assert (latest["month"], latest["total"]) == ("2027-04", 1)
    refused = client.get("/api/v1/search/analytics", params={"month": "2027-13"}, headers=auth(db, kees))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "month"
    assert client.get("/api/v1/search/analytics", headers=auth(db, anna)).status_code == 403


def test_items_due_for_review(client, db):
    anna = make_user(db, Role.medewerker)
    today = date(2027, 3, 1)
    with clock.frozen(datetime.combine(today - timedelta(days=100), time(10), LOCAL_TZ)):
        theme, other = make_theme(db), make_theme(db)
        late = make_item(db, theme, title="Te laat", review_date=(today - timedelta(days=5)).isoformat())
        soon = make_item(db, other, title="Binnenkort", review_date=(today + timedelta(days=20)).isoformat())
        make_item(db, theme, title="Nog lang goed", review_date=(today + timedelta(days=90)).isoformat())
        make_item(db, theme, title="Concept", status="draft", review_date=(today - timedelta(days=5)).isoformat())
    with clock.frozen(datetime.combine(today, time(10), LOCAL_TZ)):
        due = client.get("/api/v1/items", params={"review": "due"}, headers=auth(db, anna)).json()
        assert [i["slug"] for i in due["items"]] == [late.slug, soon.slug] and due["total"] == 2
        one_theme = client.get("/api/v1/items", params={"review": "due", "theme": other.slug}, headers=auth(db, anna)).json()
        assert [i["slug"] for i in one_theme["items"]] == [soon.slug]
        wrong = client.get("/api/v1/items", params={"review": "soon"}, headers=auth(db, anna))
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "review"

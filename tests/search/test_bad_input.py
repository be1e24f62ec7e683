"""Plain input on the search page and API never makes a 500 (issue #11)."""

import pytest
from bs4 import BeautifulSoup

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.dates import DATE_RANGE_MESSAGE
from tests.factories import login, make_item, make_theme, make_user


@pytest.fixture
def reader(client, db, search_index):  # type: ignore[no-untyped-def]
    make_item(db, make_theme(db, slug="beslag"), title="De beslagvrije voet")
    user = make_user(db, Role.medewerker)
    return {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}, user


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_year_one_and_other_dates_outside_the_range_are_a_422_on_the_page(client, db, reader, value):
    login(client, db, reader[1])
    for params in (f"van={value}", f"tot={value}", f"q=beslag&van={value}", f"q=beslag&tot={value}"):
        response = client.get(f"/zoeken?{params}")
        assert response.status_code == 422, params
        page = BeautifulSoup(response.text, "html.parser")
        # The search page itself, with the message and the typed date kept in its field.
        assert page.h1.text == "Zoeken"
        alert = page.select_one("[role=alert]").text
        assert DATE_RANGE_MESSAGE in alert
        field = "van" if "van" in params else "tot"
        assert ("Gepubliceerd vanaf" if field == "van" else "Gepubliceerd tot en met") in alert
        assert page.find(id=field)["value"] == value
        assert page.find(id="q")["value"] == ("beslag" if "q=" in params else "")


def test_both_wrong_dates_get_their_message_and_no_results_are_claimed(client, db, reader):
    login(client, db, reader[1])
    response = client.get("/zoeken?q=beslag&van=0001-01-01&tot=9999-12-31")
    page = BeautifulSoup(response.text, "html.parser")
    alert = " ".join(page.select_one("[role=alert]").text.split())
    assert response.status_code == 422
    assert alert == f"Gepubliceerd vanaf: {DATE_RANGE_MESSAGE} Gepubliceerd tot en met: {DATE_RANGE_MESSAGE}"
    assert page.find(id="resultaten-kop") is None  # no search ran: no "0 resultaten"


def test_a_refused_date_while_typing_shows_its_message_in_the_results(client, db, reader):
    login(client, db, reader[1])
    response = client.get("/zoeken?q=beslag&van=0001-01-01", headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only a 2xx into the page
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.find("html") is None
    assert DATE_RANGE_MESSAGE in fragment.select_one("[role=alert]").text


@pytest.mark.parametrize("param", ["from", "to"])
def test_year_one_is_a_422_in_the_api(client, db, reader, param):
    response = client.get(f"/api/v1/search?q=beslag&{param}=0001-01-01", headers=reader[0])
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == param
    assert response.json()["detail"][0]["message"] == DATE_RANGE_MESSAGE


def test_the_range_itself_searches(client, db, reader):
    response = client.get("/api/v1/search?q=beslag&from=2000-01-01&to=2100-12-31", headers=reader[0])
    assert response.status_code == 200 and response.json()["total"] == 1


def test_empty_parameters_mean_not_given(client, db, reader):
    response = client.get("/api/v1/search?q=beslag&theme=&audience=&from=&to=", headers=reader[0])
    assert response.status_code == 200 and response.json()["total"] == 1


def test_the_largest_body_of_distinct_words_is_saved_and_found(client, db, search_index):
    """A body at its limit (200,000 characters) of words that never repeat: the search row
    (PostgreSQL's tsvector has a limit of 1 MB) must not refuse the save."""
    theme = make_theme(db, slug="groot")
    words = []
    n = 0
    while sum(map(len, words)) + len(words) < 199_000:
        words.append(f"woord{n}x{'q' * (n % 90)}")
        n += 1
    body = " ".join(words)[:200_000]
    item = make_item(db, theme, title="Heel lang", body=body)
    db.commit()
    user = make_user(db, Role.medewerker)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    for word in ("woord3xqqq", words[-2]):
        found = client.get("/api/v1/search", params={"q": word}, headers=headers)
        assert found.status_code == 200 and [r["slug"] for r in found.json()["results"]] == [item.slug], word


def test_quotes_backslashes_and_query_operators_in_an_item_and_a_query_are_plain_text(client, db, search_index):
    theme = make_theme(db, slug="vreemd")
    item = make_item(db, theme, title="Vreemde tekens", body="a\\b 'quote' \"dubbel\" tab\there :*& | ! <-> zwoelbrik")
    db.commit()
    user = make_user(db, Role.medewerker)
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, user)}"}
    for query in ("zwoelbrik", "'quote'", ":*&", "<->", "a\\b"):
        found = client.get("/api/v1/search", params={"q": query}, headers=headers)
        assert found.status_code == 200, query
    assert [r["slug"] for r in client.get("/api/v1/search", params={"q": "zwoelbrik"}, headers=headers).json()["results"]] == [item.slug]


def test_a_word_of_two_thousand_letters_is_saved_and_searchable(client, db, search_index):
    theme = make_theme(db, slug="lang-woord")
    item = make_item(db, theme, title="Recursie", body="begin " + "x" * 2000 + " eind zwabbelkoek")
    db.commit()
    headers = {"Authorization": f"Bearer {accounts_service.create_api_token(db, make_user(db))}"}
    found = client.get("/api/v1/search", params={"q": "zwabbelkoek"}, headers=headers)
    assert found.status_code == 200 and [r["slug"] for r in found.json()["results"]] == [item.slug]

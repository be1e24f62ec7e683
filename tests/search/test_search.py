"""Search on a real Whoosh index, kept in step with the database by the commit hooks."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app import clock
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.search import service as search_service
from app.search import sync
from app.search.models import SearchLog
from app.search.postgres import PostgresSearch
from app.usage import service as usage_service
from app.wiki import service as wiki_service
from app.wiki.models import ItemStatus
from tests.factories import login, make_item, make_theme, make_user, post_form


@pytest.fixture
def library(db, search_index):  # type: ignore[no-untyped-def]
    """A small library with the synonyms of content/synonyms.yaml, indexed by the hooks."""
    search_service.seed_synonyms(db, [["bvv", "beslagvrije voet"], ["wsnp", "wet schuldsanering natuurlijke personen"]])
    beslag = make_theme(db, slug="beslag", name="Beslag")
    other = make_theme(db, slug="werkwijze", name="Werkwijze")
    editor = make_user(db, Role.kwaliteit)
    items = {
        "bvv": make_item(db, beslag, editor, title="De beslagvrije voet uitgelegd", audience="klantbegeleider",
                         summary="Hoe de bvv wordt berekend.", body="De beslaglegger berekent het bedrag."),
        "afkorting": make_item(db, beslag, editor, title="Als de bvv niet klopt", audience="schuldregelaar",
                               summary="Laat de bvv herberekenen.", body="Vraag om herberekening."),
        "strategie": make_item(db, other, editor, title="Implementatiestrategieën voor teams",
                               summary="Aanpak van de invoering.", body="Over werkwijzen."),
        "exact": make_item(db, other, editor, title="Strategie voor het werkoverleg",
                           summary="Een strategie per maand.", body="Strategie en planning."),
        "herstel": make_item(db, other, editor, title="Herstel operatie toeslagen",
                             summary="Wat de herstel operatie betekent.", body="Gedupeerde ouders."),
        "lei": make_item(db, other, editor, title="De schone lei", summary="Einde van de Wsnp.",
                         body="Na drie jaar volgt de schone lei."),
        "los": make_item(db, other, editor, title="Losse woorden", summary="Een lei die schoon is.",
                         body="De lei is schoon, maar geen vaste term."),
    }
    db.commit()
    return items


def whoosh_only(index) -> None:  # type: ignore[no-untyped-def]
    if isinstance(index, PostgresSearch):
        pytest.skip("Whoosh's index only: in PostgreSQL an item's row changes in the item's own transaction")


def indexed(db, index) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return index.versions(db) if isinstance(index, PostgresSearch) else index.versions()


def rarity(db, index) -> dict:  # type: ignore[no-untyped-def]
    """What the query's compound rule asks of each backend: which words are rare."""
    from app.search.query import RARE_BELOW

    if isinstance(index, PostgresSearch):
        vocabulary = index.vocabulary(db)
        return {"is_rare": lambda word: vocabulary.is_rare(word, RARE_BELOW)}
    return {"reader": index.searcher().reader()}


def slugs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.slug for r in response.results]


def find(db, index, text, **kw):  # type: ignore[no-untyped-def]
    return search_service.search(db, index, text, **kw)


def test_abbreviation_finds_the_full_term_and_the_reverse(db, search_index, library):
    assert library["bvv"].slug in slugs(find(db, search_index, "bvv"))
    full = slugs(find(db, search_index, "beslagvrije voet"))
    assert library["afkorting"].slug in full  # only says "bvv"


def test_a_part_finds_the_compound_and_an_exact_match_ranks_higher(db, search_index, library):
    found = slugs(find(db, search_index, "strategie"))
    assert found[0] == library["exact"].slug
    assert library["strategie"].slug in found
    assert slugs(find(db, search_index, "hersteloperatie")) == [library["herstel"].slug]
    assert library["bvv"].slug in slugs(find(db, search_index, "voet"))


def test_phrase_in_quotes_needs_the_words_together(db, search_index, library):
    assert slugs(find(db, search_index, '"schone lei"')) == [library["lei"].slug]
    assert set(slugs(find(db, search_index, "schone lei"))) >= {library["lei"].slug, library["los"].slug}


def test_typo_gets_a_suggestion_and_its_results(db, search_index, library):
    response = find(db, search_index, "beslagvrjie")
    assert response.suggestion == "beslagvrije"
    assert response.corrected and library["bvv"].slug in slugs(response)
    assert find(db, search_index, "beslagvrije").suggestion is None


def test_filters_and_paging(db, search_index, library):
    assert set(slugs(find(db, search_index, "bvv", filters=search_service.Filters(audience="schuldregelaar")))) == {
        library["afkorting"].slug}
    assert slugs(find(db, search_index, "strategie", filters=search_service.Filters(theme="beslag"))) == []
    today = clock.today()
    assert slugs(find(db, search_index, "bvv", filters=search_service.Filters(date_to=today - timedelta(days=1)))) == []
    assert find(db, search_index, "bvv", filters=search_service.Filters(date_from=today)).total == 2
    with pytest.raises(search_service.SearchError) as error:
        find(db, search_index, "bvv", filters=search_service.Filters(theme="bestaat-niet"))
    assert error.value.field == "theme"


def test_index_follows_every_save_archived_items_leave(db, search_index, library):
    editor = make_user(db, Role.kwaliteit)
    item = library["lei"]
    wiki_service.change_status(db, item, ItemStatus.archived, editor, item.version)
    db.commit()
    assert library["lei"].slug not in slugs(find(db, search_index, "schone lei"))
    wiki_service.change_status(db, item, ItemStatus.published, editor, item.version)
    db.commit()
    assert library["lei"].slug in slugs(find(db, search_index, "schone lei"))


def test_a_stale_index_never_shows_what_the_database_does_not(db, search_index, library, monkeypatch):
    whoosh_only(search_index)
    repairs = []
    monkeypatch.setattr(search_service, "_drain_later", lambda session: repairs.append(search_index))
    item, edited = library["lei"], library["bvv"]
    # Simulate an index that missed two updates: an archive and an edit, in the database only.
    item.status = ItemStatus.archived
    edited.title, edited.version = "Nieuwe titel uit de database", edited.version + 1
    db.add_all([item, edited])
    db.flush()
    assert item.slug not in slugs(find(db, search_index, '"schone lei"'))
    assert repairs == [search_index]  # ... and the outbox is drained in the background
    hit = find(db, search_index, "bvv").results[0]
    assert hit.title == "Nieuwe titel uit de database"  # what is shown comes from the database


def test_broken_index_answers_from_the_database(db, search_index, library, monkeypatch):
    whoosh_only(search_index)
    monkeypatch.setattr(search_service, "_repair_later", lambda index: None)
    for path in search_index.path.iterdir():
        path.write_bytes(b"kapot")
    response = find(db, search_index, "schone lei")
    assert response.degraded and library["lei"].slug in slugs(response)


def test_query_log_has_no_person_and_counts_empty_searches(db, search_index, library):
    user = make_user(db)
    find(db, search_index, "Bvv", viewer=user)
    find(db, search_index, "bvv ", viewer=user)
    find(db, search_index, "qqqqq", viewer=user)
    find(db, search_index, "qqqqq", viewer=user)
    find(db, search_index, "jansen", viewer=user)  # once: could point to a resident
    find(db, search_index, "bsn 123456782", viewer=user)
    find(db, search_index, "bsn 111 222 333", viewer=user)
    find(db, search_index, "nummer 111.222-333", viewer=user)
    db.commit()  # the log and the usage day are written with the request's commit
    month = clock.today().replace(day=1)
    assert [(q.query, q.count) for q in search_service.top_queries(db, month)] == [("bvv", 2), ("qqqqq", 2)]
    assert [(q.query, q.count) for q in search_service.queries_without_results(db, month)] == [("qqqqq", 2)]
    logged = {row.query for row in db.exec(select(SearchLog))}
    assert "bsn #########" in logged and not any("123456782" in q for q in logged)
    assert not any(d in q for q in logged for d in ("111", "222", "333")), logged
    assert set(SearchLog.model_fields) == {"id", "month", "query", "searches", "without_results"}
    # The search counts as consulting the library, once per day.
    assert [(u.kind, u.day) for u in usage_service.days_used(db, user)] == [("search", clock.today())]


def test_synonym_groups_are_validated(db, search_index, library):
    with pytest.raises(search_service.SearchError, match="minstens twee"):
        search_service.save_synonyms(db, "alleen")
    with pytest.raises(search_service.SearchError, match="andere groep"):
        search_service.save_synonyms(db, "bvv, beslagruimte")
    group = search_service.save_synonyms(db, "shv, Schuldhulpverlening")
    assert group.terms == ["shv", "schuldhulpverlening"]


# --- over HTTP -------------------------------------------------------------------------------


def test_publish_via_the_api_is_searchable_when_the_request_returns(client, db, search_index, library):
    token = accounts_service.create_api_token(db, make_user(db, Role.kwaliteit))
    headers = {"Authorization": f"Bearer {token}"}
    body = {"title": "Moratorium bij dreigende ontruiming", "summary": "Afkoelingsperiode aanvragen.",
            "dossier_meaning": "Vraag het moratorium tijdig aan.", "theme": "beslag", "status": "published"}
    assert client.post("/api/v1/items", json=body, headers=headers).status_code == 201
    found = client.get("/api/v1/search", params={"q": "moratorium"}, headers=headers).json()
    assert found["total"] == 1
    hit = found["results"][0]
    assert set(hit) >= {"slug", "title", "summary", "theme", "snippet", "score"}
    assert hit["theme"] == "beslag"
    assert "<mark>" in hit["snippet"]


def test_search_api_bad_input(client, db, search_index, library):
    token = accounts_service.create_api_token(db, make_user(db))
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/search", params={"q": "bvv", "theme": "nergens"}, headers=headers)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "theme"
    response = client.get("/api/v1/search", params={"q": "x" * 201}, headers=headers)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "q"
    response = client.get("/api/v1/search", params={"q": "bvv", "from": "gisteren"}, headers=headers)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "from"


def test_search_page_shows_snippets_suggestion_and_filters(client, db, search_index, library):
    login(client, db, make_user(db))
    page = BeautifulSoup(client.get("/zoeken", params={"q": "beslagvrjie"}).text, "html.parser")
    assert "Resultaten voor" in page.find(id="suggestion").text
    results = page.select(".result-list .kb-card")
    assert results and results[0].select_one(".kb-snippet mark") is not None
    assert results[0].select_one(".kb-meta").text.startswith("Beslag")
    page = BeautifulSoup(client.get("/zoeken", params={"q": "bvv", "doelgroep": "schuldregelaar"}).text, "html.parser")
    assert [a.text for a in page.select(".kb-card__title a")] == ["Als de bvv niet klopt"]


def test_the_search_form_as_browsers_send_it(client, db, search_index, library):
    """A GET form sends its empty fields too: no theme, "Iedereen", no dates means no filter."""
    login(client, db, make_user(db))
    response = client.get("/zoeken?q=bvv&thema=&doelgroep=&van=&tot=")
    assert response.status_code == 200
    assert len(BeautifulSoup(response.text, "html.parser").select(".result-list .kb-card")) == 2
    assert client.get("/zoeken?q=bvv&van=gisteren").status_code == 422


def test_results_while_typing_replace_only_the_results_and_are_not_logged(client, db, search_index, library):
    login(client, db, make_user(db))
    live = {"HX-Request": "true"}
    response = client.get("/zoeken", params={"q": "beslagvrij"}, headers=live)
    assert response.status_code == 200 and response.headers["vary"] == "HX-Request"
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.find("html") is None and fragment.find("header") is None
    assert fragment.find(id="zoekresultaten").select(".kb-card__title a")
    status = fragment.find(id="zoekstatus")  # swapped into the page's live region
    assert status["hx-swap-oob"] == "innerHTML" and status.text == "1 resultaat"
    assert db.exec(select(SearchLog)).all() == []  # half-typed words stay out of the analytics
    # A restore from history, and a search that was submitted, get the whole page, and count.
    restore = client.get("/zoeken", params={"q": "bvv"}, headers={**live, "HX-History-Restore-Request": "true"})
    assert BeautifulSoup(restore.text, "html.parser").find("header") is not None
    client.get("/zoeken", params={"q": "bvv"})
    assert [(r.query, r.searches) for r in db.exec(select(SearchLog))] == [("bvv", 2)]


def test_snippets_cannot_carry_markup(db, search_index):
    theme = make_theme(db)
    make_item(db, theme, title="Gevaarlijk", summary="<img src=x onerror=alert(1)> bvv", body="bvv")
    db.commit()
    snippet = find(db, search_index, "bvv").results[0].snippet
    tags = {tag.name for tag in BeautifulSoup(snippet, "html.parser").find_all(True)}
    assert tags == {"mark"} and "<img" not in snippet


def test_suggest_as_you_type(client, db, search_index, library):
    token = accounts_service.create_api_token(db, make_user(db))
    response = client.get("/api/v1/search/suggest", params={"q": "besl"}, headers={"Authorization": f"Bearer {token}"})
    data = response.json()
    assert "beslagvrije" in data["terms"]
    assert {"slug": library["bvv"].slug, "title": "De beslagvrije voet uitgelegd"} in data["items"]


def test_reading_an_item_counts_as_consulting(client, db, search_index, library):
    user = make_user(db)
    login(client, db, user)
    client.get(f"/items/{library['bvv'].slug}")
    client.get(f"/items/{library['lei'].slug}")
    assert [u.kind for u in usage_service.days_used(db, user)] == ["read"]


def test_kwaliteit_maintains_synonyms_and_sees_analytics(client, db, search_index, library):
    token = login(client, db, make_user(db, Role.kwaliteit))
    response = post_form(client, "/zoeken/synoniemen", {"terms": "shv, schuldhulpverlening"}, token)
    assert response.status_code == 303
    confirmed = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
    assert "Opgeslagen: shv, schuldhulpverlening." in confirmed.select_one("[role=status]").text
    # The menu marks the worklist, not a page that is not this one.
    assert confirmed.select_one("nav[aria-label=Hoofdmenu] [aria-current=page]").text == "Werklijst"
    response = post_form(client, "/zoeken/synoniemen", {"terms": "eenzaam"}, token)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find(id="terms-nieuw")["value"] == "eenzaam"  # what was typed stays
    assert "minstens twee" in page.find(id="terms-nieuw-error").text
    client.get("/zoeken", params={"q": "onvindbaar"})
    client.get("/zoeken", params={"q": "onvindbaar"})
    page = BeautifulSoup(client.get("/zoeken/analyse").text, "html.parser")
    tables = page.select("table.kb-bar-table")
    assert "onvindbaar" in tables[1].text


# --- start-up checks -------------------------------------------------------------------------


def test_ensure_rebuilds_a_missing_old_or_corrupt_index(engine, tmp_path):
    from sqlmodel import Session

    from app.search.index import SearchIndex

    with Session(engine) as session:
        published = wiki_service.count_published(session)
    index = SearchIndex(tmp_path / "idx")
    assert "ontbreekt" in sync.ensure(engine, index)
    assert index.doc_count() == published
    assert "actueel" in sync.ensure(engine, index)
    (index.path / "kennisbank-schema.json").write_text('{"schema_version": 0}')
    assert "schemaversie" in sync.ensure(engine, SearchIndex(index.path))
    for path in index.path.glob("*.toc"):
        path.write_bytes(b"kapot")
    assert "beschadigd" in sync.ensure(engine, SearchIndex(index.path))
    assert SearchIndex(index.path).doc_count() == published
    # Safe to build twice: a second start changes nothing.
    assert "actueel" in sync.ensure(engine, SearchIndex(index.path))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ensure_repairs_documents_the_index_missed(backend, tmp_path):
    """Updates that never reached the index (a crash between commit and index write) are
    repaired at the next start, without a full rebuild."""
    from sqlmodel import Session

    from app import migrate
    from app.search.index import SearchIndex
    from tests.conftest import new_database

    engine, _, cleanup = new_database(backend)
    try:
        migrate.upgrade(engine)
        index = SearchIndex(tmp_path / "idx")
        with Session(engine, expire_on_commit=False) as session:
            theme = make_theme(session)
            kept, changed, archived = (make_item(session, theme, title=t) for t in ("Een", "Twee", "Drie"))
            session.commit()
        sync.ensure(engine, index)
        with Session(engine, expire_on_commit=False) as session:
            editor = make_user(session, Role.kwaliteit)
            for item, status in ((changed, ItemStatus.published), (archived, ItemStatus.archived)):
                session.add(item)
                wiki_service.change_status(session, item, status, editor, item.version)
            session.info.pop(wiki_service.CHANGED_ITEMS, None)  # the index write is "lost"
            session.commit()
        assert index.versions()[changed.slug] == 1
        assert "1 items vernieuwd, 1 verwijderd" in sync.ensure(engine, index)
        assert index.versions() == {kept.slug: 1, changed.slug: 2}
    finally:
        cleanup()  # type: ignore[operator]


def test_compounds_are_expanded_only_when_the_library_rarely_has_them(db, search_index):
    from app.search.query import prepare

    theme = make_theme(db)
    for n in range(3):
        make_item(db, theme, title=f"Hersteloperatie deel {n}")
    db.commit()
    asks = rarity(db, search_index)
    assert prepare("hersteloperatie", [], **asks).text == "hersteloperatie"
    assert prepare("saneringskrediet", [], **asks).text == "(saneringskrediet OR (sanering AND krediet))"


def test_abbreviation_finds_an_item_that_never_uses_it(db, search_index, library):
    theme = make_theme(db)
    only_full = make_item(db, theme, title="Wijzigingen per 1 januari", summary="De beslagvrije voet verandert.",
                          body="Reken opnieuw.")
    db.commit()
    assert only_full.slug in slugs(find(db, search_index, "bvv"))


def test_paging_and_pages_beyond_the_end(db, search_index):
    theme = make_theme(db)
    for n in range(12):
        make_item(db, theme, title=f"Kwijtschelding voorbeeld {n}")
    db.commit()
    first, second = find(db, search_index, "kwijtschelding"), find(db, search_index, "kwijtschelding", page=2)
    assert (first.total, len(first.results), len(second.results)) == (12, 10, 2)
    assert not set(slugs(first)) & set(slugs(second))
    beyond = find(db, search_index, "kwijtschelding", page=3)
    assert beyond.total == 12 and beyond.results == []


def test_the_total_counts_every_match_also_those_that_cannot_reach_the_first_page(db, search_index):
    """Whoosh's top-10 collector skips, once its page is full, documents that hold only a word
    too weak to reach it, and left them out of the total: the starter library's 24 matches
    for "kwijtschelding gemeentelijke belastingen" were sometimes reported as 16."""
    theme = make_theme(db)
    for n in range(30):  # the strong word everywhere, each a little more: the first page fills
        make_item(db, theme, title=f"Kwijtschelding voorbeeld {n}", summary="Over kwijtschelding.",
                  body="Kwijtschelding aanvragen. " * (n + 1))
    filler = " ".join(["Een lange tekst over iets anders."] * 40)
    for n in range(40):  # the weak word once, deep in a long text
        make_item(db, theme, title=f"Ander onderwerp {n}", body=f"{filler} De gemeente. {filler}")
    db.commit()
    response = find(db, search_index, "kwijtschelding gemeente")
    assert response.total == 70 and len(response.results) == 10
    pages = [find(db, search_index, "kwijtschelding gemeente", page=p) for p in range(1, 8)]
    assert len({r.slug for page in pages for r in page.results}) == 70


@pytest.mark.parametrize("odd", ["(((", '"', "OR", "AND NOT", "*", "~", "^2", "[a TO z]", "\\", "x" * 200, "🙂", "bvv)"])
def test_odd_input_is_a_search_not_an_error(client, db, search_index, library, odd):
    token = accounts_service.create_api_token(db, make_user(db))
    response = client.get("/api/v1/search", params={"q": odd}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_analytics_with_an_impossible_month_is_a_422(client, db, search_index):
    login(client, db, make_user(db, Role.kwaliteit))
    assert client.get("/zoeken/analyse", params={"maand": "2024-13"}).status_code == 422


def test_an_older_write_never_replaces_a_newer_one(db, search_index, library):
    whoosh_only(search_index)
    item = library["lei"]
    row = wiki_service.published_by_slugs(db, [item.slug])[item.slug]
    newer = sync.document(row)
    newer.version, newer.title = 5, "Versie vijf"
    older = sync.document(row)
    older.version, older.title = 4, "Versie vier"
    search_index.apply([newer], [])
    search_index.apply([older], [(item.slug, 3)])  # both late: neither may win
    assert search_index.versions()[item.slug] == 5


def test_an_interrupted_rebuild_keeps_the_old_index(db, search_index, library):
    whoosh_only(search_index)
    before = search_index.versions()

    def failing():  # type: ignore[no-untyped-def]
        yield sync.document(wiki_service.published_by_slugs(db, [library["lei"].slug])[library["lei"].slug])
        raise RuntimeError("stroom weg")

    with pytest.raises(RuntimeError):
        search_index.rebuild(failing())
    assert search_index.problem() is None and search_index.versions() == before


def test_a_rolled_back_savepoint_keeps_the_outer_changes_for_the_index(db, search_index, library):
    editor = make_user(db, Role.kwaliteit)
    item, other = library["lei"], library["los"]
    wiki_service.change_status(db, item, ItemStatus.archived, editor, item.version)  # outer change
    nested = db.begin_nested()
    wiki_service.change_status(db, other, ItemStatus.archived, editor, other.version)
    nested.rollback()
    db.commit()
    held = indexed(db, search_index)
    assert item.slug not in held  # the outer change reached the index
    assert other.slug in held  # the rolled-back one did not


def test_five_edits_through_the_api_leave_one_hit_with_the_new_title(client, db, search_index):
    """The reproduction of issue 11: an item edited five times was found once more after each
    edit, and by every earlier title, until a restart."""
    theme = make_theme(db, slug="intake")
    editor = make_user(db, Role.kwaliteit)
    make_item(db, theme, editor, title="Checklist voor de intake", slug="intake-checklist")
    make_item(db, theme, editor, title="Intake bij een partner", slug="intake-partner")
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, editor)}"}
    db.commit()
    item = client.get("/api/v1/items/intake-checklist", headers=auth).json()
    for n in range(5):
        assert client.get("/api/v1/search", params={"q": "intake"}, headers=auth).status_code == 200
        data = {k: item[k] for k in ("summary", "body", "dossier_meaning", "theme", "audience", "status")}
        response = client.put("/api/v1/items/intake-checklist", headers=auth, json={
            **data, "title": f"Intake versie woordtitel{n}", "version": item["version"]})
        assert response.status_code == 200, response.text
        item = response.json()
        found = client.get("/api/v1/search", params={"q": "intake"}, headers=auth).json()
        assert sorted(r["slug"] for r in found["results"]) == ["intake-checklist", "intake-partner"]
        assert found["total"] == 2
        assert f"woordtitel{n}" in next(r["title"] for r in found["results"] if r["slug"] == "intake-checklist")
        for old in range(n):
            assert client.get("/api/v1/search", params={"q": f"woordtitel{old}"}, headers=auth).json()["total"] == 0


def test_suggestions_forget_the_words_of_an_old_title(client, db, search_index):
    theme = make_theme(db)
    editor = make_user(db, Role.kwaliteit)
    item = make_item(db, theme, editor, title="Routekaart voor de intake", summary="Kort.", body="Tekst.")
    db.commit()
    auth = {"Authorization": f"Bearer {accounts_service.create_api_token(db, editor)}"}
    db.commit()
    assert "routekaart" in client.get("/api/v1/search/suggest", params={"q": "routek"}, headers=auth).json()["terms"]
    from app.wiki.models import ItemUpdateIn

    data = ItemUpdateIn.model_validate({
        "title": "Stappenplan voor de intake", "summary": "Kort.", "body": "Tekst.",
        "dossier_meaning": "Controleer dit in het dossier.", "theme": theme.slug, "status": "published",
        "version": item.version,
    })
    wiki_service.update_item(db, item, data, editor)
    db.commit()
    suggested = client.get("/api/v1/search/suggest", params={"q": "routek"}, headers=auth).json()
    assert suggested == {"items": [], "terms": []}
    assert "stappenplan" in client.get("/api/v1/search/suggest", params={"q": "stappen"}, headers=auth).json()["terms"]
    # Nor does "Bedoelde u …?" offer the old word: a typo of it finds nothing, with no suggestion.
    typo = client.get("/api/v1/search", params={"q": "routekart"}, headers=auth).json()
    assert (typo["total"], typo["suggestion"]) == (0, None)
    login(client, db, editor)
    shown = client.get("/zoeken", params={"q": "routekart"})
    assert shown.status_code == 200
    assert BeautifulSoup(shown.text, "html.parser").find(id="suggestion") is None


def test_an_erased_name_leaves_search_and_its_vocabulary(db, search_index):
    from sqlalchemy import text

    from app.avg import erasure

    beheerder = make_user(db, Role.beheerder)
    person = make_user(db, name="Henk Zwartkoppen")
    theme = make_theme(db)
    make_item(db, theme, title="Werkwijze Henk Zwartkoppen", body="Henk Zwartkoppen belt de schuldeiser.")
    db.commit()
    assert find(db, search_index, "zwartkoppen").total == 1
    erasure.anonymise(db, person, by=beheerder)
    db.commit()
    assert find(db, search_index, "zwartkoppen").total == 0
    assert search_service.suggest(db, search_index, "zwartk").terms == []
    if isinstance(search_index, PostgresSearch):
        left = db.connection().execute(text("SELECT word FROM search_word WHERE word LIKE 'zwartkop%'")).all()
        assert left == []


def test_a_compound_counts_as_rare_by_its_whole_words_on_each_backend(db, search_index):
    """'schuldhulp' stands only inside compounds here: both backends count it as rare (Whoosh
    counts title, summary and body), so the query also asks for 'schuld AND hulp'."""
    from app.search.query import prepare

    theme = make_theme(db)
    for n in range(4):
        make_item(db, theme, title=f"Schuldhulpverlening deel {n}", summary="Over schuldhulpverlening.")
    db.commit()
    asks = rarity(db, search_index)
    assert prepare("schuldhulp", [], **asks).text == "(schuldhulp OR (schuld AND hulp))"

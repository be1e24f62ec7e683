"""Dutch analysis: folding, stop words, plurals, stems and compound parts."""

from app.search.analysis import dutch_analyzer, fold, parts_analyzer, split_compound


def tokens(analyzer, text, mode="index"):  # type: ignore[no-untyped-def]
    return [t.text for t in analyzer(text, mode=mode)]


def test_accents_fold_and_inflections_meet():
    analyzer = dutch_analyzer()
    assert fold("Financiële") == "financiele"
    assert tokens(analyzer, "financiële") == tokens(analyzer, "financiele")
    assert tokens(analyzer, "strategieën") == tokens(analyzer, "strategie")
    assert tokens(analyzer, "schulden") == tokens(analyzer, "schuld")
    # Stop words leave single query words, stay in phrases and in the index.
    assert [tokens(analyzer, w, mode="query") for w in ("de", "uitkeringen")] == [[], ["uitker"]]
    assert tokens(analyzer, "weten is nog geen doen", mode="query") == ["wet", "is", "nog", "gen", "doen"]


def test_compounds_split_into_known_parts():
    assert split_compound("implementatiestrategieen") == ("implementatie", "strategieen")
    assert split_compound("hersteloperatie") == ("herstel", "operatie")
    assert split_compound("saneringskrediet") == ("sanering", "krediet")  # linking -s-
    assert set(split_compound("schuldhulpverlening")) >= {"schuld", "hulpverlening"}
    # Frequent words and suffixes are not taken apart.
    assert split_compound("achterstand") == ()
    assert split_compound("verantwoordelijkheid") == ()
    assert split_compound("verzoek") == ()


def test_parts_field_holds_only_parts_and_queries_meet_them():
    analyzer = parts_analyzer()
    assert tokens(analyzer, "De implementatiestrategieën van het team") == ["implementatie", "strategie"]
    assert tokens(analyzer, "de") == []
    assert tokens(analyzer, "strategieën", mode="query") == ["strategie"]


def test_a_compound_in_a_query_also_asks_for_its_words_apart():
    from app.search.analysis import best_split
    from app.search.query import prepare

    assert best_split("hersteloperatie") == ("herstel", "operatie")
    assert best_split("schuldhulpverlening") == ("schuld", "hulpverlening")
    assert best_split("verzoek") is None
    text = prepare('hersteloperatie "saneringskrediet" bvv', [["bvv", "beslagvrije voet"]]).text
    assert text == '(hersteloperatie OR (herstel AND operatie)) "saneringskrediet" (bvv OR "beslagvrije voet")'


def test_a_very_long_word_is_not_split_and_does_not_recurse():
    # 'xxxx' is a known word: splitting 2,000 x's recursed once per part, past Python's limit.
    assert split_compound("x" * 2000) == ()
    assert tokens(parts_analyzer(), "begin " + "x" * 2000 + " eind") == []


def test_threads_analysing_new_words_at_once_share_the_stem_cache_safely():
    """Whoosh's own stem cache failed two threads that emptied it at once (KeyError,
    RuntimeError): a save or a search then gave a 500."""
    import random
    import string
    import threading

    analyzer, errors = dutch_analyzer(), []

    def work(seed: int) -> None:
        chance = random.Random(seed)
        try:
            for _ in range(12):
                text = " ".join("".join(chance.choices(string.ascii_lowercase, k=8)) for _ in range(6000))
                list(analyzer(text))
        except Exception as exc:  # noqa: BLE001 - what the test looks for
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

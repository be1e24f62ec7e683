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
    assert tokens(analyzer, "de uitkeringen van het UWV") == ["uitker", "uwv"]  # stop words out


def test_compounds_split_into_known_parts():
    assert split_compound("implementatiestrategieen") == ("implementatie", "strategieen")
    assert split_compound("hersteloperatie") == ("herstel", "operatie")
    assert split_compound("saneringskrediet") == ("sanering", "krediet")  # linking -s-
    assert set(split_compound("schuldhulpverlening")) >= {"schuld", "hulpverlening"}
    # Frequent words and suffixes are not taken apart.
    assert split_compound("achterstand") == ()
    assert split_compound("verantwoordelijkheid") == ()
    assert split_compound("verzoek") == ()


def test_parts_field_keeps_the_compound_when_indexing_and_only_parts_when_querying():
    analyzer = parts_analyzer()
    indexed = tokens(analyzer, "Implementatiestrategieën")
    assert indexed[0] == "implementatiestrategie" and "strategie" in indexed
    assert tokens(analyzer, "hersteloperatie", mode="query") == ["herstel", "operatie"]

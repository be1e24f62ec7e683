"""From what a klantbegeleider types to a Whoosh query: synonyms, phrases, typo correction."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh.fields import Schema
from whoosh.qparser import (
    BoostPlugin,
    FieldsPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query import Query
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import damerau_levenshtein

from app.search.analysis import STOP_WORDS, best_split, dutch_analyzer, fold

SEARCH_FIELDS = ["title", "summary", "body", "parts"]
_QUOTED = re.compile(r'"[^"]*"?')
_WORD = re.compile(r"\w+")


@dataclass
class Prepared:
    text: str  # folded query with synonyms expanded, for the parser
    expanded_with: list[str] = field(default_factory=list)  # synonyms that were added


def normalise(query: str) -> str:
    """Folded, single spaces, at most 200 characters: the form we log and compare."""
    return " ".join(fold(query).split())[:200]


def _outside_quotes(text: str) -> list[tuple[int, int]]:
    spans, last = [], 0
    for match in _QUOTED.finditer(text):
        spans.append((last, match.start()))
        last = match.end()
    spans.append((last, len(text)))
    return spans


def expand_synonyms(query: str, groups: list[list[str]]) -> Prepared:
    """Replace a term of a synonym group by (term OR "other term" …), outside quoted phrases."""
    text = normalise(query)
    members = {fold(term): group for group in groups for term in group}
    if not members:
        return Prepared(text)
    # Whole words only; a hyphen binds too, so 'wsnp-verzoek' is left alone.
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(m) for m in sorted(members, key=len, reverse=True)) + r")(?![\w-])"
    )
    out, added = [], []
    last = 0
    for start, end in _outside_quotes(text):
        out.append(text[last:start])
        segment = text[start:end]

        def replace(match: re.Match) -> str:
            group = members[match.group(1)]
            alternatives = [fold(t) for t in group]
            added.extend(a for a in alternatives if a != match.group(1) and a not in added)
            return "(" + " OR ".join(f'"{a}"' if " " in a else a for a in alternatives) + ")"

        out.append(pattern.sub(replace, segment))
        last = end
    out.append(text[last:])
    return Prepared("".join(out), added)


def expand_compounds(prepared: Prepared, is_rare: Callable[[str], bool] = lambda _w: True) -> Prepared:
    """'hersteloperatie' → (hersteloperatie OR (herstel AND operatie)), outside quotes, so a
    compound also finds its words written apart. Only for compounds the library rarely
    contains as one word (`is_rare`): otherwise the extra clause costs time and adds little."""
    text = prepared.text
    out, last = [], 0
    for start, end in _outside_quotes(text):
        out.append(text[last:start])

        def replace(match: re.Match) -> str:
            split = best_split(match.group(0))
            if split is None or not is_rare(match.group(0)):
                return match.group(0)
            return f"({match.group(0)} OR ({split[0]} AND {split[1]}))"

        out.append(_WORD.sub(replace, text[start:end]))
        last = end
    out.append(text[last:])
    return Prepared("".join(out), prepared.expanded_with)


def prepare(
    query: str, groups: list[list[str]], reader: IndexReader | None = None,
    is_rare: Callable[[str], bool] | None = None,
) -> Prepared:
    """`reader` (Whoosh) or `is_rare` (another backend) says which compounds are rare."""
    return expand_compounds(expand_synonyms(query, groups), is_rare or _rarity(reader))


RARE_BELOW = 3  # documents


def _rarity(reader: IndexReader | None) -> Callable[[str], bool]:
    if reader is None:
        return lambda _word: True
    analyzer = dutch_analyzer()

    def is_rare(word: str) -> bool:
        stems = [t.text for t in analyzer(word, mode="query")]
        if not stems:
            return True
        return sum(reader.doc_frequency(f, stems[0]) for f in ("title", "summary", "body")) < RARE_BELOW

    return is_rare


def parser(schema: Schema) -> MultifieldParser:
    # A plain OR: BM25F's sum already ranks a document with more of the words higher. Not
    # OrGroup.factory(0.9): its coordination bonus multiplies by (terms - 1) / terms, counted
    # per segment after Whoosh drops the terms a segment lacks, so wherever one term was left
    # every score was 0 and hits came in index order (tests/search/test_overlay.py).
    qp = MultifieldParser(SEARCH_FIELDS, schema, group=OrGroup)
    # Plain words, "phrases" and what we add ourselves (OR, AND, parentheses). No field:,
    # wildcards, [ranges] (a scan of all terms), ^boosts or 'quotes' (auto's). Users' own
    # operators are lower-cased by normalise() and so are ordinary words.
    for plugin in (FieldsPlugin, WildcardPlugin, SingleQuotePlugin, PlusMinusPlugin, RangePlugin, BoostPlugin):
        qp.remove_plugin_class(plugin)
    return qp


def parse(schema: Schema, prepared: Prepared) -> Query:
    return parser(schema).parse(prepared.text)


def correct(reader, query: str, protected: set[str]) -> str | None:
    """The query with unknown words replaced by the closest known ones, or None. `reader`
    answers doc_frequency("spell", word) and terms_within(...) (a Whoosh reader, or
    app/search/postgres.py's Vocabulary)."""
    text = normalise(query)
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        word = match.group(0)
        if (
            len(word) < 4
            or word.isdigit()
            or word in STOP_WORDS
            or word in protected
            or reader.doc_frequency("spell", word) > 0
        ):
            return word
        best = _closest(reader, word)
        if best is None:
            return word
        changed = True
        return best

    corrected = _WORD.sub(fix, text)
    return corrected if changed else None


def _closest(reader, word: str) -> str | None:
    maxdist = 1 if len(word) < 6 else 2
    candidates = set(reader.terms_within("spell", word, maxdist, prefix=1))
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda c: (damerau_levenshtein(word, c), -reader.doc_frequency("spell", c), c),
    )

"""Dutch text analysis for the search index.

Lower-casing, accent folding (financiële = financiele), Dutch stop words, a plural rule the
Snowball stemmer lacks (strategieën → strategie), Snowball Dutch stemming, and compound
splitting (implementatiestrategieën → implementatie + strategie) for a separate `parts` field,
so a part finds the compound while an exact match still ranks higher.
"""

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

STOP_WORDS = frozenset(stopwords_for_language("nl"))
MIN_COMPOUND = 8  # shorter words are not split
MAX_COMPOUND = 60  # nor longer ones: no Dutch word is, and splitting recurses once per part
MIN_PART = 4  # each part at least this long ("ver" + "zoek" would be nonsense)
LINKS = ("", "s", "e", "en")  # Dutch linking morphemes: sanering-s-krediet, huiz-en-markt

# Words of this sector that a general word list may miss; parts found here are trusted.
DOMAIN_WORDS = (
    "schuld schulden schuldhulp hulpverlening schuldhulpverlening beslag beslagvrije voet "
    "herstel operatie toeslag toeslagen krediet sanering bewind bewindvoerder budget beheer "
    "achterstand betaling huur energie water zorg verzekering verzekeraar premie signaal "
    "signalering vroeg inkomen norm normen plan regeling traject aflossing capaciteit "
    "strategie implementatie overleg werk gesprek bijstand uitkering belasting dienst "
    "schuldeiser schuldeisers verklaring kwijtschelding gemeente leefgeld stabilisatie "
    "intake dossier registratie proces keten partner partners bescherming"
).split()


def fold(text: str) -> str:
    """Lower-case without accents: Financiële → financiele."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Known Dutch words for compound splitting: wordfreq's most frequent, plus the sector's."""
    from wordfreq import top_n_list

    words = {fold(w) for w in top_n_list("nl", 60_000) if len(w) >= MIN_PART and w.isalpha()}
    words.update(fold(w) for w in DOMAIN_WORDS)
    return frozenset(words - STOP_WORDS)


def plural_base(word: str) -> str:
    """Snowball Dutch leaves -ieën/-eeën alone: strategieen → strategie, ideeen → idee."""
    if word.endswith(("ieen", "eeen")) and len(word) > 5:
        return word[:-2]
    return word


# Words that are also common suffixes: never a part (verantwoordelijk-heid, signale-ring).
NOT_PARTS = frozenset(
    "heid heden ring ringen ling lingen ding dingen lijk lijke baar bare isch schap teit "
    "ster sters tie ties atie aties nis sel erij ende eren".split()
)


def _known(word: str) -> bool:
    return word not in NOT_PARTS and (word in vocabulary() or plural_base(word) in vocabulary())


def _splits(word: str) -> Iterator[tuple[str, str]]:
    """Every (known head, rest) of a word, with or without a linking morpheme between them."""
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[:cut]
        if not _known(head):
            continue
        for link in LINKS:
            tail = word[cut + len(link):]
            if word[cut:].startswith(link) and len(tail) >= MIN_PART:
                yield head, tail


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[str, ...]:
    """The parts of a Dutch compound (every way it splits into known words), or ()."""
    if not MIN_COMPOUND <= len(word) <= MAX_COMPOUND or _known_whole(word):
        return ()
    parts: dict[str, None] = {}
    for head, tail in _splits(word):
        if _known(tail):
            parts.update({head: None, tail: None})
        elif sub := split_compound(tail):
            parts.update({head: None, **dict.fromkeys(sub)})
    return tuple(parts)


def _known_whole(word: str) -> bool:
    """A frequent word in its own right is not split (achterstand, signalering)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "nl") >= 3.5 and word not in DOMAIN_COMPOUNDS


# Frequent words that are still worth splitting for search.
DOMAIN_COMPOUNDS = frozenset(["schuldhulpverlening", "hulpverlening", "beslagvrije"])


class QueryStopFilter(Filter):
    """Stop words stay in the index; a query drops them only from single words. A quoted phrase
    (analysed as one multi-token text) keeps them, so "weten is nog geen doen" stays exact."""

    def __call__(self, tokens: Iterator) -> Iterator:  # type: ignore[override]
        stream = iter(tokens)
        first = next(stream, None)
        if first is None:
            return
        if first.mode != "query":
            yield first
            yield from stream
            return
        held = first.copy()
        second = next(stream, None)
        if second is None:
            if held.text not in STOP_WORDS:
                yield held
            return
        yield held
        yield second
        yield from stream


class PluralFilter(Filter):
    def __call__(self, tokens: Iterator) -> Iterator:  # type: ignore[override]
        for token in tokens:
            token.text = plural_base(token.text)
            yield token


class CompoundFilter(Filter):
    """Indexing: only the parts of compounds, so the parts field stays small and cheap to
    search. Querying: the word as it is, so 'strategie' meets the part of
    'implementatiestrategieën'."""

    def __call__(self, tokens: Iterator) -> Iterator:  # type: ignore[override]
        for token in tokens:
            if token.mode == "query":
                yield token
                continue
            original = token.text
            for part in split_compound(original):
                token.text = part
                yield token
            token.text = original


def best_split(word: str) -> tuple[str, str] | None:
    """The most likely two-part reading of a compound in a query (for 'herstel AND operatie'):
    the split whose parts are the most frequent Dutch words."""
    from wordfreq import zipf_frequency

    word = fold(word)
    if len(word) < MIN_COMPOUND or not split_compound(word):
        return None
    candidates = [(head, tail) for head, tail in _splits(word) if _known(tail)]
    return max(
        candidates,
        key=lambda p: zipf_frequency(p[0], "nl") + zipf_frequency(p[1], "nl") + 0.01 * min(map(len, p)),
        default=None,
    )


def _base() -> CompositeAnalyzer:
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map) | QueryStopFilter()


@lru_cache(maxsize=1)
def _snowball():  # type: ignore[no-untyped-def]
    from whoosh.lang import stemmer_for_language

    return stemmer_for_language("nl")


@lru_cache(maxsize=100_000)
def dutch_stem(word: str) -> str:
    """Snowball Dutch, remembered in functools' cache, which threads may share. Whoosh's own
    (StemFilter's lfu_cache) is not: two threads emptying it at once failed a save or a search
    with a KeyError or RuntimeError. Module level, so that the index's pickled schema names it."""
    return _snowball()(word)


def _stemmer() -> StemFilter:
    return StemFilter(stemfn=dutch_stem, cachesize=None)


def dutch_analyzer() -> CompositeAnalyzer:
    """For title, summary and body: folded, stop words out, plurals and stems normalised."""
    return _base() | PluralFilter() | _stemmer()


def parts_analyzer() -> CompositeAnalyzer:
    """For the parts field: the parts of compounds, analysed like dutch_analyzer."""
    return _base() | CompoundFilter() | PluralFilter() | _stemmer()


def spelling_analyzer() -> CompositeAnalyzer:
    """Whole words, folded, not stemmed: the vocabulary for 'Bedoelde u …?'."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter() | CharsetFilter(accent_map)


@lru_cache(maxsize=200_000)
def normal_form(word: str) -> str:
    """One word as dutch_analyzer indexes it (folded, plural rule, stem), remembered: the
    highlighter analyses every word of a snippet's text, and most words recur."""
    return next((t.text for t in _dutch()(word)), word)


@lru_cache(maxsize=1)
def _dutch() -> CompositeAnalyzer:
    return dutch_analyzer()


class NormalFormFilter(Filter):
    def __call__(self, tokens: Iterator) -> Iterator:  # type: ignore[override]
        for token in tokens:
            token.text = normal_form(token.text)
            yield token


@lru_cache(maxsize=1)
def highlight_analyzer() -> CompositeAnalyzer:
    """dutch_analyzer's words with each word's analysis remembered: for marking the words of a
    query in a text, several times faster."""
    return RegexTokenizer(r"\w+") | NormalFormFilter()

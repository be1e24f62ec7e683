"""Privacy by design (DESIGN.md, AVG): the under-three rule for every figure about persons, and
client data kept out of the kennisbank (a BSN in a text is refused).

The under-three rule: no figure counted over fewer than three people is shown, anywhere, except
to Kwaliteit; per-person data only to that person and Kwaliteit. Every page, export and agenda
that shows a count about persons asks `shows_figure`.

A BSN is nine digits that pass the elfproef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of
eleven (and not zero). People write it whole or in groups (123456782, 1234.56.782,
123 456 782, 123-456-782, 123/456/782); other nine-digit numbers, such as most case
numbers, pass, and so do phone numbers (ten digits in the Netherlands, and an international
number's country code is never part of a BSN). An RSIN, a company's fiscal number, passes the
same test and is refused too: it is rarely needed in a knowledge item.
"""

import re

from app.accounts.models import Role

SMALL_GROUP = 3


def sees_persons(viewer: object | None) -> bool:
    """Per-person figures of others: Kwaliteit only."""
    return viewer is not None and getattr(viewer, "role", None) == Role.kwaliteit


def shows_figure(people: int, viewer: object | None = None) -> bool:
    """May a figure counted over `people` persons be shown to this viewer (None: anyone, such
    as the readers of an agenda)?"""
    return people >= SMALL_GROUP or sees_persons(viewer)


BSN_MESSAGE = (
    "Deze tekst lijkt een burgerservicenummer (BSN) te bevatten. Gegevens van inwoners horen "
    "niet in de Wiki-bibliotheek: haal het nummer weg en beschrijf de situatie zonder wie het is."
)
_DIGITS = re.compile(r"\d+")
# What may stand between the groups of one number, by kind: a number is written with one kind.
_SEPARATORS = (
    ("space", re.compile(r"[ \t\u00a0\u202f]{1,3}")),
    ("dot", re.compile(r"\.")),
    ("dash", re.compile(r"[-\u2010\u2011\u2013]")),
    ("slash", re.compile(r"/")),
)
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_elfproef(digits: str) -> bool:
    if len(digits) != 9 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True))
    return total != 0 and total % 11 == 0


def _separator(gap: str) -> str | None:
    for kind, pattern in _SEPARATORS:
        if pattern.fullmatch(gap):
            return kind
    return None


def find_bsn(text: str) -> str | None:
    """The first BSN written in the text, as its nine digits; None if there is none.

    Every stretch of whole digit groups joined by one kind of separator, nine digits in all,
    is a candidate, so a BSN typed next to another number is found too.
    """
    text = text or ""
    groups = list(_DIGITS.finditer(text))
    # joins[i]: the kind of separator between group i and i + 1 (None: not one number).
    joins = [_separator(text[a.end():b.start()]) for a, b in zip(groups, groups[1:], strict=False)] + [None]
    # Not a start: a country code (+31, 0031), the number after it, and the number after "(0)".
    skip: set[int] = set()
    for i, group in enumerate(groups):
        before = text[:group.start()].rstrip(" \u00a0")
        if before.endswith("+") or (group.group().startswith("00") and len(group.group()) == 4):
            skip |= {i, i + 1}
        elif before.endswith("(0)"):
            skip.add(i)
    for start in range(len(groups)):
        if start in skip:
            continue
        digits, kind, end = groups[start].group(), joins[start], start
        while len(digits) < 9 and kind is not None and joins[end] == kind:
            end += 1
            digits += groups[end].group()
        if len(digits) == 9 and passes_elfproef(digits):
            return digits
    return None


def contains_bsn(*texts: str | None) -> bool:
    return any(find_bsn(t or "") for t in texts)

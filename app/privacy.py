"""Client data stays out of the kennisbank: a BSN in a text is refused (DESIGN.md, AVG).

A BSN is nine digits that pass the elfproef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of
eleven (and not zero). People write it with or without dots or spaces (123456782,
1234.56.782, 123 456 782); other nine-digit numbers, such as most phone and case numbers,
pass.
"""

import re

BSN_MESSAGE = (
    "Deze tekst lijkt een burgerservicenummer (BSN) te bevatten. Gegevens van inwoners horen "
    "niet in de Wiki-bibliotheek: haal het nummer weg en beschrijf de situatie zonder wie het is."
)
# A run of digits, single dots or spaces between them allowed.
_RUN = re.compile(r"\d+(?:[ .]\d+)*")
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_elfproef(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True))
    return total != 0 and total % 11 == 0


def find_bsn(text: str) -> str | None:
    """The first BSN written in the text, as the writer wrote it; None if there is none.

    Within a run of digit groups ("06 12345678 123456782"), every stretch of whole groups
    with nine digits in all is a candidate, so a BSN typed next to another number is found.
    """
    for run in _RUN.finditer(text or ""):
        groups = re.split(r"[ .]", run.group())
        for start in range(len(groups)):
            digits = ""
            for end in range(start, len(groups)):
                digits += groups[end]
                if len(digits) >= 9:
                    break
            if len(digits) == 9 and passes_elfproef(digits):
                return digits
    return None


def contains_bsn(*texts: str | None) -> bool:
    return any(find_bsn(t or "") for t in texts)

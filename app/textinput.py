"""Text input refused the same way everywhere: a NUL character.

SQLite would store it and PostgreSQL refuses it with an error, so it is stopped at the input:
every request body by app.web.middleware.RejectNulMiddleware (a 422 naming the field), and
what comes in another way (content files, the command line) by the models and services, with
this one message."""

import re
from collections.abc import Mapping, Sequence

NUL = "\x00"
NUL_MESSAGE = "Deze tekst bevat een ongeldig teken (NUL). Haal het weg."


def whole_number(text: str, max_digits: int = 10) -> int | None:
    """The number that `text` is when it is only ASCII digits (at most `max_digits`), else None.
    Not str.isdigit() alone: that is true for "¹" and other digits that int() refuses."""
    text = text.strip()
    if text and len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def has_nul(value: str | None) -> bool:
    return value is not None and NUL in value


def no_nul(value: str) -> str:
    """For pydantic validators: the value, or a ValueError with the Dutch message."""
    if has_nul(value):
        raise ValueError(NUL_MESSAGE)
    return value


SURROGATE_MESSAGE = "Deze tekst bevat ongeldige tekens. Haal ze weg."
_SURROGATE = re.compile("[\ud800-\udfff]")


def _first_path(data: object, bad: re.Pattern[str], path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in decoded input the first text matching `bad` is: the keys and list positions
    leading to it (a key that matches is named without what matched); None when none does."""
    if isinstance(data, str):
        return path if bad.search(data) else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            if bad.search(str(key)):
                return (*path, bad.sub("", str(key)))
            found = _first_path(value, bad, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(data, Sequence) and not isinstance(data, bytes | bytearray):
        for n, value in enumerate(data):
            found = _first_path(value, bad, (*path, str(n)))
            if found is not None:
                return found
    return None


def surrogate_path(data: object) -> tuple[str, ...] | None:
    """Where in decoded JSON the first text with half of a character pair (a lone surrogate,
    which UTF-8 cannot hold) is; None when there is none."""
    return _first_path(data, _SURROGATE)


_NUL = re.compile(NUL)


def nul_path(data: object) -> tuple[str, ...] | None:
    """Where in decoded input (JSON values, form fields) the first text with a NUL is:
    the keys and list positions leading to it; None when there is none."""
    return _first_path(data, _NUL)


# Characters that show nothing: zero-width spaces and joiners, direction marks, the byte order
# mark (Unicode category Cf), besides white space. A text of only these is empty to a reader.
def visible(value: str) -> bool:
    import unicodedata

    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value)


def blank_if_invisible(value: str) -> str:
    """"" for a text a reader would see as empty, so that "required" means something."""
    return value if visible(value) else ""


# Direction overrides and isolates (they reverse or move the text after them, neighbouring
# columns too) and control characters (line breaks, tabs, terminal escapes) have no place in a
# name: a name is one line that reads as it is stored.
_HIDDEN_CONTROL = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def plain_line(value: str) -> bool:
    """True for a one-line text without control or direction-override characters that shows
    something (a name, a team name)."""
    import unicodedata

    return visible(value) and not any(
        unicodedata.category(ch) == "Cc" or ord(ch) in _HIDDEN_CONTROL for ch in value
    )


EMPTY_MESSAGE = "Dit veld mag niet leeg zijn."


def required_visible(value: str) -> str:
    """For pydantic validators of required text: refused when nothing in it can be seen."""
    if not visible(value):
        raise ValueError(EMPTY_MESSAGE)
    return value

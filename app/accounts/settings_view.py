"""The run-time settings as the beheerder may read them: secrets are masked, never shown."""

import json
import re

from app.config import Settings

SECRET = re.compile(r"secret|password|token|client_secret|key$", re.IGNORECASE)
MASK = "•••••• (verborgen)"
NOT_SET = "(niet ingesteld)"


def _masked_url(url: str) -> str:
    """A database address without its password, wherever it is written (user:password@, or
    ?password= as libpq takes it)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return MASK  # not an address we can read: show nothing of it
    if "@" in (parsed.host or ""):  # an @ in the password, unescaped: hide all before the last one
        return re.sub(r"://.*@", "://••••••@", url)
    query = {k: ("VERBORGEN" if SECRET.search(k) else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True).replace("***", "••••••")


def rows(settings: Settings) -> list[tuple[str, str]]:
    """(KENNISBANK_ name, shown value) for every setting, by name."""
    result = []
    for name in sorted(type(settings).model_fields):
        value = getattr(settings, name)
        env = f"KENNISBANK_{name.upper()}"
        if name == "secret_key" and not value:
            shown = "(niet ingesteld: de dienst maakte zelf een sleutel in de gegevensmap; stel hem in voor productie)"
        elif SECRET.search(name):
            shown = MASK if value else NOT_SET
        elif name == "database_url":
            shown = _masked_url(settings.effective_database_url)
        elif value is None or value == "":
            shown = NOT_SET
        else:
            # As the environment variable takes it: true/false, JSON for a mapping.
            shown = str(value).lower() if isinstance(value, bool) else (
                json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value))
        result.append((env, shown))
    return result

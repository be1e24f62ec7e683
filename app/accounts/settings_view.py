"""The run-time settings as the beheerder may read them: secrets are masked, never shown."""

import re

from app.config import Settings

SECRET = re.compile(r"secret|password|token|client_secret|key$", re.IGNORECASE)
MASK = "•••••• (verborgen)"
NOT_SET = "(niet ingesteld)"


def _masked_url(url: str) -> str:
    # A database address may carry a password: postgresql://user:password@host/db.
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:••••••@", url)


def rows(settings: Settings) -> list[tuple[str, str]]:
    """(KENNISBANK_ name, shown value) for every setting, by name."""
    result = []
    for name in sorted(type(settings).model_fields):
        value = getattr(settings, name)
        env = f"KENNISBANK_{name.upper()}"
        if SECRET.search(name):
            shown = MASK if value else NOT_SET
        elif name == "database_url":
            shown = _masked_url(settings.effective_database_url)
        elif value is None or value == "":
            shown = NOT_SET
        else:
            shown = str(value)
        result.append((env, shown))
    return result

"""Bulk import of accounts from a CSV file: the columns `kennisbank user add` takes (email, name,
role, team, function). A refused row never blocks the good ones."""

import codecs
import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError
from sqlmodel import Session

from app.accounts import manage, service
from app.errors import InputError

COLUMNS = ("email", "name", "role", "team", "function")
# The same columns under their Dutch names, as a spreadsheet made here would call them.
ALIASES = {"e-mail": "email", "e-mailadres": "email", "emailadres": "email", "naam": "name", "rol": "role",
           "functie": "function"}
REQUIRED = ("email", "name", "role")
MAX_ROWS = 2000
FIELD_LABELS = {"email": "e-mailadres", "name": "naam", "role": "rol", "team": "team", "function": "functie",
                "password": "wachtwoord"}


@dataclass
class Row:
    number: int  # the line in the file (the header is line 1)
    values: dict[str, str]
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def makes_beheerder(self) -> bool:
        return self.ok and self.values.get("role") == "beheerder"


def decode(raw: bytes) -> str:
    """The uploaded file as text: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's
    "Unicode-tekst"), else Windows-1252 (what Excel on Windows saves as "CSV")."""
    if not raw.strip():
        raise InputError("file", "Kies een CSV-bestand.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("file", "Dit bestand is niet te lezen. Sla het op als CSV UTF-8 en probeer het opnieuw.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read(text: str) -> list[Row]:
    """The file's rows; refused as a whole only when it is no CSV with these columns."""
    if "\x00" in text:
        raise InputError("file", "Dit is geen tekstbestand. Kies een CSV-bestand.")
    sample = text[:2048]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # Any line ending (CR alone, as some exports write it, too); newline="" keeps a line break
    # inside a quoted field.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        return _rows(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect))
    except csv.Error as exc:
        raise InputError("file", "Dit bestand is niet als CSV te lezen (een veld is te lang of een aanhalingsteken "
                                 "staat verkeerd). Sla het op als CSV en probeer het opnieuw.") from exc


def _rows(reader: csv.DictReader) -> list[Row]:
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    header = [ALIASES.get(h, h) for h in header]
    doubled = sorted({h for h in header if h in COLUMNS and header.count(h) > 1})
    if doubled:
        raise InputError("file", f"De kolom {', '.join(doubled)} staat er meer dan eens in. Laat er één over.")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError("file", "De eerste regel noemt de kolommen: email, name, role, team en function. "
                                 f"Deze ontbreken: {', '.join(missing)}.")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if len(rows) >= MAX_ROWS:
            raise InputError("file", f"Ten hoogste {MAX_ROWS} regels per keer.")
        values = {c: str(raw.get(c) or "").strip() for c in COLUMNS}
        values["role"], values["function"] = values["role"].lower(), values["function"].lower()
        if not any(values.values()):
            continue
        rows.append(Row(reader.line_num, values))
    if not rows:
        raise InputError("file", "Het bestand bevat geen accounts.")
    return rows


def run(session: Session, rows: list[Row], actor: manage.Actor, *, dry_run: bool) -> list[Row]:
    """Create each row's account in a savepoint of its own, noting why a row is refused.
    With dry_run, every account is rolled back afterwards: the preview uses the very same rules."""
    teams = {t.name.strip().lower(): t.slug for t in service.list_teams(session)}
    outer = session.begin_nested() if dry_run else None
    try:
        for row in rows:
            row.problem = None
            # A team may be given by its name too ("Team Centrum" for team-centrum).
            row.values["team"] = teams.get(row.values["team"].lower(), row.values["team"])
            try:
                data = manage.UserNew.model_validate(
                    {k: (v or None) if k in ("team", "function") else v for k, v in row.values.items()})
            except ValidationError as exc:
                field = str(exc.errors()[0]["loc"][0])
                row.problem = f"{FIELD_LABELS.get(field, field)}: te lang."
                continue
            savepoint = session.begin_nested()
            try:
                manage.create_user(session, data, actor)
                savepoint.commit()
            except InputError as refused:
                savepoint.rollback()
                row.problem = f"{FIELD_LABELS.get(refused.field, refused.field)}: {refused.message}"
    finally:
        if outer is not None:
            outer.rollback()
    return rows

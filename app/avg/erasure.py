"""Removing a departed person's personal data (anonymising) while their records keep counting.

The account row stays, under a placeholder name and an address that cannot receive mail, so
every record (attendance, usage days, appraisals, questions) still belongs to one person and the
goals on /doelen do not change; what identifies the person goes: name, e-mail, password,
sessions, tokens, links, the provider's subject, login attempts.

Where their name is kept as text beside their id (who wrote a revision, who checked an item, who
changed an agenda), it becomes the placeholder by that id. Elsewhere the texts are the
organisation's professional knowledge and stay, but the person's e-mail address and names of two
words or more (now and before: the audit log's name changes record earlier ones) are replaced
as whole words, in any letter case, in every text and JSON column, so a signature in a question
is gone too while a colleague "Jan Vossen" stays when "Jan Vos" leaves. A JSON value that is
exactly one of their names (the audit log's old and new name) is replaced whatever its length.
Item addresses (slugs) that carry the name get the placeholder instead. Team and theme names are
never touched, nor is a "name" that is also a team's or theme's (a functional account). The
audit log's rows stay, with who, what, when and from where; this is the only change they ever get.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, or_, update
from sqlmodel import Session, col, select

from app.accounts import manage as accounts_manage
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.audit import service as audit
from app.audit.models import Action
from app.db import lock_for_writing, metadata, utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.search.postgres import PostgresSearch
from app.wiki import service as wiki_service
from app.wiki.models import Item, Theme

# Tables whose text is not scrubbed: the account itself (rewritten field by field), the login
# attempts (removed), and names of the organisation's own things.
NOT_SCRUBBED = {"user", "login_attempt", "alembic_version", "team", "theme"}
PLACEHOLDER_DOMAIN = "anoniem.invalid"  # .invalid never resolves (RFC 2606): no mail goes out


def placeholder_name(user: User) -> str:
    return f"Oud-medewerker {user.id}"


def get_person(session: Session, person_id: int) -> User:
    person = accounts_service.get_user(session, person_id)
    if person is None:
        raise NotFound("person", "Deze persoon bestaat niet.")
    return person


def is_erasable(person: User, by: User) -> str | None:
    """Why this person cannot be anonymised by `by` now, or None."""
    if person.id == by.id:
        return "U kunt uw eigen persoonsgegevens niet verwijderen; vraag een andere beheerder."
    if person.anonymised_at is not None:
        return "De persoonsgegevens van deze persoon zijn al verwijderd."
    return None


def anonymise(session: Session, person: User, by: User, now: datetime | None = None) -> User:
    """Remove the person's personal data; their records stay, anonymous. Refused for oneself,
    for a person already anonymised, and for the last active beheerder."""
    # Serialised with any other erasure of this person (two beheerders, a double click): the
    # write lock (SQLite) or the account's row lock (PostgreSQL), then the state as it is now.
    lock_for_writing(session)
    session.exec(select(User.id).where(User.id == person.id).with_for_update()).first()
    session.refresh(person)
    refusal = is_erasable(person, by)
    if refusal:
        raise (Forbidden if person.id == by.id else Conflict)("person", refusal)
    accounts_manage.keep_a_beheerder(session, person, "person")
    old_name, old_email = person.name, person.email
    names = {n.strip() for n in {old_name} | _former_names(session, person) if n.strip()}
    was_active = person.is_active
    person.name = placeholder_name(person)
    person.email = f"oud-medewerker-{person.id}@{PLACEHOLDER_DOMAIN}"
    person.is_active = False
    person.kept_in_goals = was_active
    person.anonymised_at = now or utcnow()
    accounts_service.remove_credentials(session, person, old_email)
    session.add(person)
    session.flush()
    by_id = _names_by_id(session, person)
    organisation = _organisation_names(session)
    olds = _Olds(email=old_email, names=[n for n in names if _specific(n) and n.lower() not in organisation],
                 exact={n.lower() for n in names if n.lower() not in organisation}, new=person.name)
    replaced = by_id + _scrub(session, olds) + _slugs(session, olds)
    # Search in PostgreSQL keeps a vocabulary of the items' words: the name leaves it now.
    PostgresSearch.forget_words(session, re.findall(r"[^\W\d_]+", " ".join([*olds.names, old_email.split("@")[0]])))
    audit.record(session, Action.user_anonymised, actor_id=by.id, subject_type="user", subject_id=person.id,
                 summary=f"Persoonsgegevens verwijderd van account {person.id}",
                 detail={"was_active": was_active, "texts_replaced": replaced})
    return person


def _former_names(session: Session, person: User) -> set[str]:
    """The names the person had before, as the audit log's name changes record them."""
    names = set()
    for event in audit.about(session, "user", person.id):
        change = (event.detail or {}).get("name") if isinstance(event.detail, dict) else None
        if isinstance(change, dict):
            names |= {v for v in change.values() if isinstance(v, str)}
    return names


def _organisation_names(session: Session) -> set[str]:
    teams = {t.name.lower() for t in accounts_service.list_teams(session)}
    return teams | {n.lower() for n in session.exec(select(Theme.name))}


def _specific(name: str) -> bool:
    """A name specific enough to replace in free text: two words or more ("Anna de Vries"),
    not one first name that also occurs in ordinary words."""
    return len(name.split()) >= 2 and len(name) >= 5


def _names_by_id(session: Session, person: User) -> int:
    """Columns `P_name` beside a `P_id` that points at the account: the placeholder, by id."""
    changed = 0
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not column.name.endswith("_name"):
                continue
            key = table.columns.get(column.name.removesuffix("_name") + "_id")
            if key is None or not any(fk.column.table.name == "user" for fk in key.foreign_keys):
                continue
            result = session.execute(update(table).where(key == person.id, column != person.name)
                                     .values({column.name: person.name}))
            changed += result.rowcount or 0  # type: ignore[attr-defined]
    return changed


def _like(text: str) -> str:
    """A LIKE pattern (lower case, escape \\) that every spelling of `text` matches, whatever
    its letter case: each letter beyond ASCII may be anything (SQLite lowers ASCII only, and
    JSON stores é as \\u00e9). Only a first sieve: the replacement itself decides."""
    out = []
    for char in text.lower():
        out.append("\\" + char if char in "\\%_" else char if char.isascii() else "%")
    return "%" + "".join(out) + "%"


@dataclass(frozen=True)
class _Olds:
    """What goes, as whole words in any letter case: the e-mail address and `names` (of two
    words or more); and in JSON also a value that is exactly one of `exact` (lower case)."""

    email: str
    names: list[str]
    exact: set[str]
    new: str

    @property
    def sought(self) -> list[str]:
        return [self.email, *self.names]

    @property
    def pattern(self) -> re.Pattern[str]:
        # Not inside a longer word or address: "Jan Vos" not in "Jan Vossen", jan@x.nl not in
        # "ajan@x.nl" or "jan@x.nl.invalid".
        email = rf"(?<![\w.+-]){re.escape(self.email)}(?![\w-]|\.\w)"
        names = [rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(self.names, key=len, reverse=True)]
        return re.compile("|".join([email, *names]), re.IGNORECASE)

    def text(self, value: str) -> str:
        return self.pattern.sub(lambda _: self.new, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.new if value.strip().lower() in self.exact else self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {self.json(k): self.json(v) for k, v in value.items()}
        return value


def _scrub(session: Session, olds: _Olds) -> int:
    """Replace what goes by the placeholder in every text and JSON column of every table (but
    NOT_SCRUBBED), row by row: the database finds the rows that may hold it, Python replaces,
    alike on SQLite and PostgreSQL. Items so changed are re-indexed for search. Returns the
    number of rows changed."""
    changed = 0
    for table in metadata.sorted_tables:
        if table.name in NOT_SCRUBBED:
            continue
        key = list(table.primary_key.columns)
        for column in table.columns:
            is_json = isinstance(column.type, JSON)
            if not (is_json or isinstance(column.type, String | Text)):
                continue
            sought = olds.sought + (sorted(olds.exact) if is_json else [])
            where = or_(*[func.lower(cast(column, Text)).like(_like(t), escape="\\") for t in sought])
            for *ids, value in session.execute(select(*key, column).where(where)).all():
                after = olds.json(value) if is_json else olds.text(value)
                if after == value:
                    continue
                session.execute(update(table).where(*[k == i for k, i in zip(key, ids, strict=True)])
                                .values({column.name: after}))
                if table.name == "item":
                    for item in wiki_service.items_by_id(session, set(ids)).values():
                        wiki_service.mark_changed(session, item)
                changed += 1
    session.expire_all()
    return changed


def _slugs(session: Session, olds: _Olds) -> int:
    """Items whose address carries a name: the placeholder's words instead (a new address; the
    old one is not kept, since it names the person)."""
    changed = 0
    for name in olds.names:
        part = wiki_service.slugify(name)
        if part == "item":
            continue
        found = re.compile(rf"(?<![a-z0-9]){re.escape(part)}(?![a-z0-9])")
        for item in session.exec(select(Item).where(col(Item.slug).like(f"%{part}%"))).all():
            if not found.search(item.slug):
                continue
            old_slug = item.slug
            item.slug = wiki_service.unique_slug(session, found.sub(wiki_service.slugify(olds.new), item.slug))
            session.add(item)
            wiki_service.mark_renamed(session, item, old_slug)
            changed += 1
    session.flush()
    return changed

"""People's own data under the AVG: what the kennisbank keeps about a person (their download),
and removing a departed person's personal data (anonymising) while their records keep counting.

Anonymising keeps the account row, under a placeholder name and an address that cannot receive
mail, so every record (attendance, usage days, appraisals, questions) still belongs to one
person and the goals on /doelen do not change; what identifies the person goes: name, e-mail,
password, sessions, tokens, login attempts. The texts of questions and answers are the
organisation's professional knowledge (a BSN is refused in them; answered questions go on
agendas and become items) and stay, but the old name and e-mail are replaced in every text
column of every table, so a signature or a name in an item's history is gone too. That includes
the audit log: it names actors by id, but its summaries and details may hold the person's
address or a name they had before (a name change records old and new); those are replaced
too, and no other change is ever made to an audit row.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, or_, update
from sqlmodel import Session, select

from app.accounts import manage as accounts_manage
from app.accounts import service as accounts_service
from app.accounts.models import ROLE_LABELS, User
from app.audit import service as audit
from app.audit.models import Action
from app.db import metadata, utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.goals import records as goals_records
from app.meetings import attendance as attendance_service
from app.questions import service as questions_service
from app.usage import service as usage_service
from app.wiki import service as wiki_service

# Tables whose text is not scrubbed: the account itself (rewritten field by field) and the login
# attempts (removed).
NOT_SCRUBBED = {"user", "login_attempt", "alembic_version"}
PLACEHOLDER_DOMAIN = "anoniem.invalid"  # .invalid never resolves (RFC 2606): no mail goes out


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def own_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the kennisbank keeps about this person, as plain JSON values. Of sessions
    and tokens only what they are, never their hashes."""
    team = accounts_service.get_team(session, user.team_id) if user.team_id else None
    return {
        "account": {
            "id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "role_label": ROLE_LABELS.get(user.role, user.role),  # type: ignore[call-overload]
            "team": team.name if team else None, "function": user.function,
            "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
        },
        "web_sessions": [{"created_at": _iso(s.created_at), "expires_at": _iso(s.expires_at), "method": s.method}
                         for s in accounts_service.web_sessions(session, user)],
        "api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": _iso(t.created_at),
                        "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)}
                       for t in accounts_service.all_api_tokens(session, user)],
        "attendance": [{"meeting_id": p.meeting.id, "kind": p.meeting.kind, "team": p.team.name if p.team else None,
                        "starts_at": _iso(p.meeting.starts_at), "present": p.present, "active": p.active}
                       for p in attendance_service.participation(session, user)],
        "questions_asked": [_question(q) for q in questions_service.mine(session, user, limit=100_000)],
        "questions_handled": [_question(q, with_role=user) for q in questions_service.handled_by(session, user)],
        "appraisals": [{"held_on": _iso(a.held_on), "discussed": a.discussed, "recorded_at": _iso(a.created_at)}
                       for a in goals_records.appraisals_of(session, user)],
        "usage_days": [{"day": _iso(d.day), "kind": d.kind} for d in usage_service.days_used(session, user)],
        "audit_events": [{"at": _iso(e.at), "action": e.action, "label": audit.label(e.action),
                          "summary": e.summary, "address": e.address}
                         for e in audit.of_actor(session, user.id)],  # type: ignore[arg-type]
    }


def _question(q, with_role: User | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    out = {"id": q.id, "asked_at": _iso(q.asked_at), "channel": q.channel, "text": q.text,
           "answer": q.answer, "answered_at": _iso(q.answered_at)}
    if with_role is not None:
        out["you"] = "beantwoord" if q.answered_by_id == with_role.id else "vastgelegd"
    return out


def downloaded(session: Session, user: User, how: str) -> None:
    audit.record(session, Action.data_downloaded, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary=f"Eigen gegevens bekeken of gedownload ({how})", detail={"format": how})


# --- anonymising ------------------------------------------------------------------------------


def placeholder_name(user: User) -> str:
    return f"Oud-medewerker {user.id}"


def get_person(session: Session, person_id: int) -> User:
    person = accounts_service.get_user(session, person_id)
    if person is None:
        raise NotFound("person", "Deze persoon bestaat niet.")
    return person


def anonymise(session: Session, person: User, by: User, now: datetime | None = None) -> User:
    """Remove the person's personal data; their records stay, anonymous. Refused for oneself
    and for a person already anonymised."""
    if person.id == by.id:
        raise Forbidden("person", "U kunt uw eigen persoonsgegevens niet verwijderen; vraag een andere beheerder.")
    if person.anonymised_at is not None:
        raise Conflict("person", "De persoonsgegevens van deze persoon zijn al verwijderd.")
    accounts_manage.keep_a_beheerder(session, person, "person")
    old_name, old_email = person.name, person.email
    names = {old_name} | _former_names(session, person)
    was_active = person.is_active
    person.name = placeholder_name(person)
    person.email = f"oud-medewerker-{person.id}@{PLACEHOLDER_DOMAIN}"
    person.is_active = False
    person.kept_in_goals = was_active
    person.anonymised_at = now or utcnow()
    accounts_service.remove_credentials(session, person, old_email)
    session.add(person)
    session.flush()
    olds = _Olds(texts=[old_email] + [n for n in names if _specific(n)],
                 names={n.strip().lower() for n in names if n.strip()}, new=person.name)
    replaced = _scrub(session, olds)
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


def _specific(name: str) -> bool:
    """A name specific enough to replace in free text: two words or more ("Anna de Vries"),
    not one first name that also occurs in ordinary words."""
    return len(name.split()) >= 2 and len(name) >= 5


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
    """What goes: `texts` wherever they occur, in any letter case (the e-mail address, names of
    two words or more); `names` (any name, lower case) also where a JSON value is exactly one,
    as the audit log's name changes record them."""

    texts: list[str]
    names: set[str]
    new: str

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(t) for t in sorted(self.texts, key=len, reverse=True)), re.IGNORECASE)

    def text(self, value: str) -> str:
        return self.pattern.sub(lambda _: self.new, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.new if value.strip().lower() in self.names else self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {self.json(k): self.json(v) for k, v in value.items()}
        return value


def _scrub(session: Session, olds: _Olds) -> int:
    """Replace what goes by the placeholder in every text and JSON column of every table (but
    NOT_SCRUBBED), row by row: the database finds the rows that may hold it, Python replaces in
    any letter case, alike on SQLite and PostgreSQL. Items so changed are re-indexed for search.
    Returns the number of rows changed."""
    changed = 0
    for table in metadata.sorted_tables:
        if table.name in NOT_SCRUBBED:
            continue
        key = list(table.primary_key.columns)
        for column in table.columns:
            is_json = isinstance(column.type, JSON)
            if not (is_json or isinstance(column.type, String | Text)):
                continue
            sought = olds.texts + (sorted(olds.names) if is_json else [])
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


def is_erasable(person: User, by: User) -> str | None:
    """Why this person cannot be anonymised by `by` now, or None."""
    if person.id == by.id:
        return "U kunt uw eigen persoonsgegevens niet verwijderen; vraag een andere beheerder."
    if person.anonymised_at is not None:
        return "De persoonsgegevens van deze persoon zijn al verwijderd."
    return None


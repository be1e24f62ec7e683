"""What the beheerder does with accounts and teams: change, (de)activate, invite, reset and
team membership. Every change writes an audit event in the same transaction."""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts import service
from app.accounts.models import (
    ROLE_LABELS,
    AccountLink,
    Audience,
    Function,
    LinkPurpose,
    Role,
    Team,
    User,
)
from app.audit import service as audit
from app.audit.models import Action
from app.db import lock_for_writing, utcnow
from app.errors import Conflict, InputError, NotFound
from app.textinput import NUL_MESSAGE, has_nul, plain_line

LINK_LIFETIME = {LinkPurpose.invite: timedelta(days=7), LinkPurpose.reset: timedelta(hours=1)}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A team's own roles: the page can make a member its contactpersoon or leidinggevende.
TEAM_ROLES = (Role.medewerker, Role.contactpersoon, Role.leidinggevende)
# How a changed field is named in an audit summary, which the beheerder reads; the detail keeps the keys.
FIELD_NAMES = {"role": "rol", "team": "team", "function": "functie", "name": "naam", "audience": "doelgroep"}


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from where (for the audit log)."""

    id: int
    address: str


class UserNew(BaseModel):
    email: str = PField(max_length=254)
    name: str = PField(max_length=120)
    role: str = PField(max_length=20, description="medewerker, contactpersoon, kwaliteit, leidinggevende, management of beheerder")
    team: str | None = PField(default=None, max_length=80, description="slug van het team; leeg: geen team")
    function: str | None = PField(default=None, max_length=20, description="klantbegeleider, schuldregelaar of leeg")


class UserUpdate(BaseModel):
    """Only the fields that are sent change."""

    name: str | None = PField(default=None, max_length=120)
    role: str | None = PField(default=None, max_length=20)
    team: str | None = PField(default=None, max_length=80, description="slug van het team; leeg (null): geen team")
    function: str | None = PField(default=None, max_length=20, description="klantbegeleider, schuldregelaar of leeg")
    active: bool | None = None


class TeamNew(BaseModel):
    slug: str = PField(max_length=80, description="kleine letters, cijfers en streepjes")
    name: str = PField(max_length=120)
    audience: str = PField(default=Audience.beide, max_length=20, description="klantbegeleider, schuldregelaar of beide")


class TeamUpdate(BaseModel):
    name: str | None = PField(default=None, max_length=120)
    audience: str | None = PField(default=None, max_length=20)


def user_or_404(session: Session, user_id: int) -> User:
    user = service.get_user(session, user_id)
    if user is None:
        raise NotFound("user", "Dit account bestaat niet.")
    return user


def team_or_404(session: Session, team_id: int) -> Team:
    team = service.get_team(session, team_id)
    if team is None:
        raise NotFound("team", "Dit team bestaat niet.")
    return team


def _team_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    team = service.get_team_by_slug(session, slug)
    if team is None:
        raise InputError("team", f"Team '{slug}' bestaat niet.")
    return team.id


# --- users -----------------------------------------------------------------------------------


ANONYMISED = ("De persoonsgegevens van deze persoon zijn verwijderd; dit account kan niet meer "
              "gebruikt of gewijzigd worden. Maak zo nodig een nieuw account.")
LAST_BEHEERDER = ("Er moet minstens één actieve beheerder overblijven. Maak eerst iemand anders "
                  "beheerder.")


def not_anonymised(user: User) -> None:
    """An anonymised account is final: nobody may use it again or give it a name back."""
    if user.anonymised_at is not None:
        raise Conflict("person", ANONYMISED)


def keep_a_beheerder(session: Session, user: User, field: str) -> None:
    """Refuse a change that would take away the last active beheerder (the change is about to
    make `user` no longer one). Checked with the beheerders' rows locked (PostgreSQL) or under
    the write lock (SQLite), so two beheerders demoting each other at once cannot both pass."""
    if user.role != Role.beheerder or not user.is_active:
        return
    lock_for_writing(session)
    beheerders = session.exec(
        select(User.id).where(User.role == Role.beheerder, col(User.is_active)).order_by(col(User.id)).with_for_update()
    ).all()
    if not [i for i in beheerders if i != user.id]:
        raise Conflict(field, LAST_BEHEERDER)


def create_user(session: Session, data: UserNew, actor: Actor) -> User:
    user = service.create_user(session, email=data.email, name=data.name, role=data.role,
                               team_slug=data.team or None, function=data.function or None)
    audit.record(session, Action.user_created, actor_id=actor.id, subject_type="user", subject_id=user.id,
                 summary=f"Account {user.email} aangemaakt ({user.role})", address=actor.address,
                 detail={"role": user.role, "team": data.team or None, "function": user.function})
    return user


def change_user(session: Session, user: User, data: UserUpdate, actor: Actor) -> User:
    not_anonymised(user)
    sent = data.model_fields_set
    if "name" in sent:
        name = (data.name or "").strip()
        if has_nul(name):
            raise InputError("name", NUL_MESSAGE)
        if not plain_line(name):
            raise InputError("name", service.NAME_MESSAGE)
    if "role" in sent and data.role not in Role.__members__:
        raise InputError("role", f"Onbekende rol. Kies uit: {', '.join(Role)}.")
    if "function" in sent and data.function and data.function not in Function.__members__:
        raise InputError("function", "Functie is klantbegeleider of schuldregelaar.")
    if user.id == actor.id and "role" in sent and data.role != Role.beheerder:
        raise InputError("role", "U kunt uw eigen rol van beheerder niet wijzigen; vraag een andere beheerder.")
    if "role" in sent and data.role != Role.beheerder:
        keep_a_beheerder(session, user, "role")
    if data.active is False:
        keep_a_beheerder(session, user, "active")
    old = {"role": user.role, "team": service.team_slug(session, user.team_id), "function": user.function, "name": user.name}
    if "team" in sent:
        user.team_id = _team_id(session, data.team)
    if "name" in sent:
        user.name = (data.name or "").strip()
    if "role" in sent:
        user.role = data.role  # type: ignore[assignment]
    if "function" in sent:
        user.function = data.function or None
    new = {"role": user.role, "team": service.team_slug(session, user.team_id), "function": user.function, "name": user.name}
    changed = {k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]}
    if changed:
        audit.record(session, Action.user_changed, actor_id=actor.id, subject_type="user", subject_id=user.id,
                     summary=f"Account {user.email} gewijzigd: {_names(changed)}", address=actor.address,
                     detail=changed)
    if data.active is not None and data.active != user.is_active:
        (reactivate if data.active else deactivate)(session, user, actor)
    session.add(user)
    session.flush()
    return user


def _names(changed: dict) -> str:
    """What changed, as a reader wants it: "rol van Medewerker naar Contactpersoon Kwaliteit"."""
    def shown(field: str, value: object) -> str:
        if value in (None, ""):
            return "leeg"
        return ROLE_LABELS.get(value, str(value)) if field == "role" else str(value)  # type: ignore[call-overload]

    return ", ".join(f"{FIELD_NAMES.get(k, k)} van {shown(k, v['old'])} naar {shown(k, v['new'])}"
                     for k, v in changed.items())


def deactivate(session: Session, user: User, actor: Actor) -> None:
    """The person can no longer log in; their sessions end, their history stays."""
    if user.id == actor.id:
        raise InputError("active", "U kunt uw eigen account niet deactiveren.")
    if not user.is_active:
        return
    keep_a_beheerder(session, user, "active")
    user.is_active = False
    service.end_web_sessions(session, user)
    # API tokens are revoked, not only refused while inactive: a reactivated account (for a new
    # purpose, or by mistake) must not bring back the tokens the person may still hold.
    service.revoke_api_tokens(session, user)
    _end_links(session, user)
    audit.record(session, Action.user_deactivated, actor_id=actor.id, subject_type="user", subject_id=user.id,
                 summary=f"Account {user.email} gedeactiveerd", address=actor.address)


def reactivate(session: Session, user: User, actor: Actor) -> None:
    not_anonymised(user)
    if user.is_active:
        return
    user.is_active = True
    audit.record(session, Action.user_reactivated, actor_id=actor.id, subject_type="user", subject_id=user.id,
                 summary=f"Account {user.email} weer actief", address=actor.address)


# --- one-time links --------------------------------------------------------------------------


def create_link(session: Session, user: User, purpose: LinkPurpose, actor: Actor | None) -> str:
    """A new link token for `user` (stored hashed); earlier unused links of theirs stop working."""
    not_anonymised(user)
    if not user.is_active:
        raise InputError("active", "Dit account is gedeactiveerd. Activeer het eerst.")
    now = utcnow()
    _end_links(session, user)
    token = secrets.token_urlsafe(32)
    session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=service._sha256(token),  # type: ignore[arg-type]
                            created_at=now, expires_at=now + LINK_LIFETIME[purpose]))
    action = Action.user_invited if purpose == LinkPurpose.invite else Action.password_reset_sent
    what = "Uitnodiging" if purpose == LinkPurpose.invite else "Herstellink"
    audit.record(session, action, actor_id=actor.id if actor else None, subject_type="user", subject_id=user.id,
                 summary=f"{what} voor {user.email}", address=actor.address if actor else "",
                 detail={"expires_at": (now + LINK_LIFETIME[purpose]).isoformat()})
    session.flush()
    return token


def _end_links(session: Session, user: User) -> None:
    """The person's unused links stop working."""
    session.exec(update(AccountLink).where(col(AccountLink.user_id) == user.id, col(AccountLink.used_at).is_(None))  # type: ignore[call-overload]
                 .values(used_at=utcnow()))


def valid_link(session: Session, token: str) -> tuple[AccountLink, User] | None:
    """The unused, unexpired link with this token and its (active) account, or None (also for
    a token that cannot be one: a link cut short or run on by a mail program)."""
    if not 20 <= len(token) <= 100:
        return None
    found = session.exec(
        select(AccountLink, User).join(User, col(User.id) == AccountLink.user_id)
        .where(AccountLink.token_hash == service._sha256(token))
    ).first()
    if found is None:
        return None
    link, user = found
    if link.used_at is not None or link.expires_at < utcnow() or not user.is_active:
        return None
    return link, user


def use_link(session: Session, token: str, password: str, repeat: str) -> User:
    found = valid_link(session, token)
    if found is None:
        raise NotFound("token", "Deze link is verlopen of al gebruikt. Vraag de beheerder om een nieuwe.")
    link, user = found
    if password != repeat:
        raise InputError("repeat", "De twee wachtwoorden zijn niet gelijk.")
    service.set_password(user, password)
    # Used once, also when the link is opened twice at the same moment: only the request whose
    # UPDATE finds it still unused goes on (the other waits for its row lock, then finds it used).
    taken = session.exec(update(AccountLink).where(col(AccountLink.id) == link.id, col(AccountLink.used_at).is_(None))  # type: ignore[call-overload]
                         .values(used_at=utcnow()))
    if taken.rowcount != 1:
        raise NotFound("token", "Deze link is verlopen of al gebruikt. Vraag de beheerder om een nieuwe.")
    session.refresh(link)
    if link.purpose == LinkPurpose.reset:
        # A reset is for a password lost or known to someone else: whoever used the old one is
        # logged out, and the API tokens made with it stop working.
        service.end_web_sessions(session, user)
        service.revoke_api_tokens(session, user)
    audit.record(session, Action.password_set, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary="Wachtwoord gekozen via " + ("de uitnodiging" if link.purpose == LinkPurpose.invite else
                                                      "een herstellink (andere sessies en API-tokens beëindigd)"))
    session.add_all([link, user])
    session.flush()
    return user


# --- teams -----------------------------------------------------------------------------------


def _check_audience(audience: str) -> None:
    if audience not in Audience.__members__:
        raise InputError("audience", "Doelgroep is klantbegeleider, schuldregelaar of beide.")


def create_team(session: Session, data: TeamNew, actor: Actor) -> Team:
    slug = data.slug.strip().lower()
    if not _SLUG.match(slug):
        raise InputError("slug", "Een korte naam van kleine letters, cijfers en streepjes, zoals team-noord.")
    if has_nul(data.name) or not plain_line(data.name):
        raise InputError("name", service.NAME_MESSAGE)
    _check_audience(data.audience)
    if service.get_team_by_slug(session, slug) is not None:
        raise InputError("slug", f"Team '{slug}' bestaat al.")
    team = service.ensure_team(session, slug, data.name.strip(), data.audience)
    audit.record(session, Action.team_created, actor_id=actor.id, subject_type="team", subject_id=team.id,
                 summary=f"Team aangemaakt: {team.name}", address=actor.address,
                 detail={"slug": slug, "name": team.name, "audience": team.audience})
    return team


def change_team(session: Session, team: Team, data: TeamUpdate, actor: Actor) -> Team:
    old = {"name": team.name, "audience": team.audience}
    if data.name is not None:
        if has_nul(data.name) or not plain_line(data.name):
            raise InputError("name", service.NAME_MESSAGE)
        team.name = data.name.strip()
    if data.audience is not None:
        _check_audience(data.audience)
        team.audience = data.audience
    new = {"name": team.name, "audience": team.audience}
    changed = {k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]}
    if changed:
        _team_changed(session, team, actor, f"Team {team.name} gewijzigd: {_names(changed)}", changed)
    session.add(team)
    session.flush()
    return team


def _team_changed(session: Session, team: Team, actor: Actor, summary: str, detail: dict) -> None:
    audit.record(session, Action.team_changed, actor_id=actor.id, subject_type="team", subject_id=team.id,
                 summary=summary, address=actor.address, detail=detail)


def add_member(session: Session, team: Team, user: User, actor: Actor) -> None:
    if user.team_id == team.id:
        return
    change_user(session, user, UserUpdate(team=team.slug), actor)
    _team_changed(session, team, actor, f"{user.name} toegevoegd aan {team.name}", {"added": user.id})


def remove_member(session: Session, team: Team, user: User, actor: Actor) -> None:
    if user.team_id != team.id:
        raise InputError("user", "Deze persoon hoort niet bij dit team.")
    change_user(session, user, UserUpdate(team=None), actor)
    _team_changed(session, team, actor, f"{user.name} uit {team.name} gehaald", {"removed": user.id})


def set_team_role(session: Session, team: Team, user: User, role: str, actor: Actor) -> None:
    if user.team_id != team.id:
        raise InputError("user", "Deze persoon hoort niet bij dit team.")
    if role not in TEAM_ROLES:
        raise InputError("role", "Kies medewerker, contactpersoon of leidinggevende.")
    change_user(session, user, UserUpdate(role=role), actor)


def all_members(session: Session, team: Team) -> list[User]:
    """Everyone in the team, active or not, by name."""
    return list(session.exec(select(User).where(User.team_id == team.id).order_by(User.name, User.id)))


def member_counts(session: Session) -> dict[int, int]:
    counts: dict[int, int] = {}
    for team_id in session.exec(select(User.team_id).where(User.is_active, col(User.team_id).is_not(None))):
        counts[team_id] = counts.get(team_id, 0) + 1  # type: ignore[index]
    return counts

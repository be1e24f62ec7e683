"""A login through the municipality's identity provider, on our side: which account the
identity is, created at the first login where the group mapping gives a role, brought up to date
at every login (name, e-mail, role and, where the mapping names one, team), and refused where
the provider no longer gives a role or a beheerder deactivated the account.

Which account: the one linked to the provider's subject; else, once, the account with the same
e-mail address that is not linked yet (a colleague who had a local account), unless the provider
says that address is not verified. A refusal is returned, not raised, so that its audit event is
kept with the request's transaction.
"""

import logging
from dataclasses import dataclass

from sqlmodel import Session, select

from app.accounts import service
from app.accounts.models import Team, User
from app.accounts.oidc import Identity, grant_for_groups
from app.audit import service as audit
from app.audit.models import Action
from app.config import Settings
from app.db import utcnow
from app.observability import metrics
from app.textinput import plain_line

log = logging.getLogger(__name__)

NO_ROLE = ("Uw gemeenteaccount geeft (nog) geen toegang tot de Wiki-bibliotheek: u zit niet in een "
           "groep die daarvoor is ingesteld. Vraag de functioneel beheerder om toegang.")
DEACTIVATED = "Uw account in de Wiki-bibliotheek is gedeactiveerd. Vraag de functioneel beheerder het weer te activeren."
NO_EMAIL = ("Uw gemeenteaccount geeft geen e-mailadres door, en dat is nodig voor een account. Meld dit "
            "de functioneel beheerder.")
TAKEN = ("Er is al een account met uw e-mailadres, gekoppeld aan een ander gemeenteaccount. Vraag de "
         "functioneel beheerder om dat na te kijken.")


@dataclass(frozen=True)
class OidcLogin:
    user: User | None
    message: str = ""


def _refused(session: Session, identity: Identity, user: User | None, summary: str, message: str,
             address: str) -> OidcLogin:
    who = {"subject_type": "user", "subject_id": user.id} if user is not None else {}
    audit.record(session, Action.login_failed, address=address, summary=summary,
                 detail={"method": "oidc"}, **who)
    metrics.LOGIN_FAILURES.labels("oidc", "refused").inc()
    return OidcLogin(None, message)


def _linked(session: Session, subject: str) -> User | None:
    return session.exec(select(User).where(User.oidc_subject == subject)).first()


def login_with_identity(session: Session, settings: Settings, identity: Identity, address: str) -> OidcLogin:
    user = _linked(session, identity.subject)
    if user is None and identity.email and identity.email_verified is not False:
        same = service.get_user_by_email(session, identity.email)
        if same is not None and same.oidc_subject is None and same.anonymised_at is None:
            user = same
        elif same is not None:
            return _refused(session, identity, None, "Gemeenteaccount: e-mailadres hoort bij een ander account",
                            TAKEN, address)
    grant = grant_for_groups(identity.groups, settings.oidc_group_map)
    if user is not None and not user.is_active:
        return _refused(session, identity, user, "Gemeenteaccount: account gedeactiveerd", DEACTIVATED, address)
    if grant is None:
        if user is not None:
            # The provider withdrew the group: no role any more. Sessions from before end too.
            service.end_web_sessions(session, user)
        return _refused(session, identity, user, "Gemeenteaccount zonder groep met toegang", NO_ROLE, address)
    team = service.get_team_by_slug(session, grant.team) if grant.team else None
    if grant.team and team is None:
        log.warning("OIDC group map names team %r, which does not exist; the team is left as it is", grant.team)
    if user is None:
        if not identity.email:
            return _refused(session, identity, None, "Gemeenteaccount zonder e-mailadres", NO_EMAIL, address)
        name = identity.name if identity.name and plain_line(identity.name) else identity.email
        user = service.create_user(session, email=identity.email, name=name[:120],
                                   role=grant.role, team_slug=team.slug if team else None)
        user.oidc_subject = identity.subject
        audit.record(session, Action.user_created, subject_type="user", subject_id=user.id, address=address,
                     summary=f"Account {user.email} aangemaakt bij de eerste login met het gemeenteaccount ({user.role})",
                     detail={"role": user.role, "team": team.slug if team else None, "source": "oidc"})
    else:
        _bring_up_to_date(session, user, identity, grant.role, team, address)
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(session, Action.login, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary="Ingelogd met het gemeenteaccount", detail={"method": "oidc"}, address=address)
    return OidcLogin(user)


def _bring_up_to_date(session: Session, user: User, identity: Identity, role: str, team: Team | None,
                      address: str) -> None:
    old = {"role": user.role, "team": service.team_slug(session, user.team_id), "name": user.name, "email": user.email,
           "linked": user.oidc_subject is not None}
    user.oidc_subject = identity.subject
    user.role = role  # type: ignore[assignment]
    if team is not None:
        user.team_id = team.id
    if identity.name and plain_line(identity.name):
        user.name = identity.name[:120]
    if identity.email and identity.email != user.email:
        taken = service.get_user_by_email(session, identity.email)
        if taken is None:
            user.email = identity.email
        else:
            log.warning("OIDC login: the provider's e-mail of account %s is taken by account %s; kept the old one",
                        user.id, taken.id)
    new = {"role": user.role, "team": service.team_slug(session, user.team_id), "name": user.name, "email": user.email,
           "linked": True}
    changed = {k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]}
    if changed:
        audit.record(session, Action.user_changed, subject_type="user", subject_id=user.id, address=address,
                     summary=f"Account {user.email} bijgewerkt volgens het gemeenteaccount: {', '.join(changed)}",
                     detail={**changed, "source": "oidc"})

"""Accounts: users, teams, passwords, web sessions, API tokens and login throttling.

Identity is proven by a backend (passwords here; OpenID Connect in oidc.py and oidc_login.py)
and then turned into a web session by `start_session`, which is all the routes ever see.
"""

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, event, func, or_, text, update
from sqlmodel import Session, col, select

from app.accounts.models import (
    AccountLink,
    ApiToken,
    Audience,
    Function,
    LoginAttempt,
    Role,
    Team,
    User,
    WebSession,
)
from app.audit import service as audit
from app.audit.models import Action
from app.config import Settings
from app.db import utcnow
from app.errors import InputError
from app.observability import metrics
from app.textinput import NUL_MESSAGE, has_nul, plain_line

_hasher = PasswordHasher()
# An address mail can be sent to and a reader can check by eye: ASCII only (a look-alike letter
# or an invisible character would make a second "beheerder@…"), no two dots in a row.
_EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\.)@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
NAME_MESSAGE = "Vul een naam in, op één regel, zonder onzichtbare of stuurtekens."


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email))
MIN_PASSWORD_LENGTH = 10


class AccountError(InputError):
    """A request about accounts that cannot be carried out."""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- teams and users -------------------------------------------------------------------------


def get_team_by_slug(session: Session, slug: str) -> Team | None:
    return session.exec(select(Team).where(Team.slug == slug)).first()


def list_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(Team.name)))


def ensure_team(session: Session, slug: str, name: str, audience: str = Audience.beide) -> Team:
    team = get_team_by_slug(session, slug)
    if team is None:
        team = Team(slug=slug, name=name, audience=Audience(audience))
        session.add(team)
        session.flush()
    return team


def get_team(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def team_members(session: Session, team: Team) -> list[User]:
    """The active accounts of a team, by name."""
    return list(
        session.exec(select(User).where(User.team_id == team.id, User.is_active).order_by(User.name))
    )


def active_users(
    session: Session, *, roles: list[str] | None = None, functions: list[str] | None = None,
    team_id: int | None = None,
) -> list[User]:
    """Active accounts, narrowed by role, function and team; by name."""
    ids = _active_query(roles, functions, team_id)
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(User.name, User.id)))


@dataclass(frozen=True)
class Person:
    """What counting needs of an account, without the account (fast for a thousand)."""

    id: int
    name: str
    team_id: int | None
    created_at: datetime


def _active_query(roles: list[str] | None, functions: list[str] | None, team_id: int | None,  # type: ignore[no-untyped-def]
                  with_kept: bool = False):
    query = select(User.id).where(or_(col(User.is_active), col(User.kept_in_goals)) if with_kept else User.is_active)
    if roles:
        query = query.where(col(User.role).in_(roles))
    if functions:
        query = query.where(col(User.function).in_(functions))
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    return query


def active_people(
    session: Session, *, roles: list[str] | None = None, functions: list[str] | None = None,
    team_id: int | None = None,
) -> tuple[list[Person], object]:
    """Active accounts narrowed by role, function and team, as Persons by name; and a subquery
    of their ids, for other domains to count per person without a list of a thousand ids.
    The goals count these: a person anonymised while active stays in (kept_in_goals), so
    removing their personal data does not change a figure."""
    ids = _active_query(roles, functions, team_id, with_kept=True)
    rows = session.exec(
        select(User.id, User.name, User.team_id, User.created_at)
        .where(col(User.id).in_(ids)).order_by(User.name, User.id)
    ).all()
    return [Person(*row) for row in rows], ids


def users_with_role(session: Session, *roles: str) -> list[User]:
    return list(
        session.exec(
            select(User).where(col(User.role).in_(roles), User.is_active).order_by(User.name)
        )
    )


def contactpersoon_of(session: Session, team: Team) -> User | None:
    return session.exec(
        select(User)
        .where(User.team_id == team.id, User.role == Role.contactpersoon, User.is_active)
        .order_by(User.id)
    ).first()


def teams_with_contactpersoon(session: Session) -> tuple[int, int]:
    """How many teams have an active contactpersoon Kwaliteit as member, of how many teams."""
    teams = session.exec(select(func.count()).select_from(Team)).one()
    covered = session.exec(
        select(func.count(func.distinct(User.team_id)))
        .where(col(User.team_id).is_not(None), User.role == Role.contactpersoon, User.is_active)
    ).one()
    return covered, teams


def new_people(session: Session, since: datetime) -> list[Person]:
    """Active medewerkers and contactpersonen whose account was made at or after `since`."""
    rows = session.exec(
        select(User.id, User.name, User.team_id, User.created_at)
        .where(col(User.role).in_([Role.medewerker, Role.contactpersoon]), User.is_active,
               col(User.created_at) >= since)
        .order_by(User.name, User.id)
    ).all()
    return [Person(*row) for row in rows]


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}  # type: ignore[misc]


def team_of(session: Session, ids: set[int]) -> dict[int, int | None]:
    """Each account's team (None: no team)."""
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.team_id).where(col(User.id).in_(ids))).all())  # type: ignore[arg-type]


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def users_by_ids(session: Session, ids: set[int]) -> list[User]:
    if not ids:
        return []
    return list(session.exec(select(User).where(col(User.id).in_(ids))))


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)))


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
    team_slug: str | None = None,
    function: str | None = None,
) -> User:
    email = normalise_email(email)
    for field, value in (("email", email), ("name", name)):
        if has_nul(value):
            raise AccountError(field, NUL_MESSAGE)
    if not valid_email(email):
        raise AccountError("email", "Vul een geldig e-mailadres in.")
    if not plain_line(name):
        raise AccountError("name", NAME_MESSAGE)
    if role not in Role.__members__:
        raise AccountError("role", f"Onbekende rol. Kies uit: {', '.join(Role)}.")
    if function is not None and function not in Function.__members__:
        raise AccountError("function", "Functie is klantbegeleider of schuldregelaar.")
    if get_user_by_email(session, email) is not None:
        raise AccountError("email", "Er bestaat al een account met dit e-mailadres.")
    team_id = None
    if team_slug:
        team = get_team_by_slug(session, team_slug)
        if team is None:
            raise AccountError("team", f"Team '{team_slug}' bestaat niet.")
        team_id = team.id
    user = User(email=email, name=name.strip(), role=role, function=function, team_id=team_id)
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password", f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens."
        )
    if len(set(password.strip())) < 3:
        raise AccountError("password", "Kies een wachtwoord met meer verschillende tekens dan spaties of één herhaald teken.")
    user.password_hash = _hasher.hash(password)


def team_slug(session: Session, team_id: int | None) -> str | None:
    team = get_team(session, team_id) if team_id else None
    return team.slug if team else None


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def end_web_sessions(session: Session, user: User, keep: str | None = None) -> None:
    """Log the person out everywhere (but in the session whose cookie value is `keep`)."""
    query = delete(WebSession).where(col(WebSession.user_id) == user.id)
    if keep:
        query = query.where(WebSession.token_hash != _sha256(keep))
    session.exec(query)  # type: ignore[call-overload]


def revoke_api_tokens(session: Session, user: User) -> None:
    """Every token the person still has stops working (revoked, so reactivating the account does
    not bring them back)."""
    session.exec(update(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))  # type: ignore[call-overload]
                 .values(revoked_at=utcnow()))


def change_own_password(session: Session, user: User, current: str, password: str, repeat: str,
                        keep_session: str | None) -> None:
    """A person chooses a new password, proving the current one; their other web sessions end
    (the one they use now, `keep_session`, stays)."""
    if not user.password_hash:
        raise AccountError("current", "U logt in met uw gemeenteaccount; uw wachtwoord wijzigt u daar.")
    if not _verifies(user.password_hash, current):
        raise AccountError("current", "Dit is niet uw huidige wachtwoord.")
    if password != repeat:
        raise AccountError("repeat", "De twee nieuwe wachtwoorden zijn niet gelijk.")
    set_password(user, password)
    end_web_sessions(session, user, keep=keep_session)
    session.add(user)
    audit.record(session, Action.password_set, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary="Wachtwoord zelf gewijzigd (andere inlogsessies beëindigd)")


# --- login by password, with throttling ------------------------------------------------------
#
# Over the last `login_window_minutes`, counting failed attempts only:
# - per account and address: `login_max_failures_per_account` failures, then that address may
#   no longer try that account (stops guessing; a stranger elsewhere cannot lock a colleague out);
# - per address: after `login_max_failures_per_address` failures, the address may no longer try
#   any account it has been failing on (stops spraying guesses over many accounts), while a
#   colleague behind the same address (a shared NAT) whose account it did not fail on logs in;
# - per account, from anywhere: never a refusal, a growing delay (at most
#   `login_max_delay_seconds`) before the answer, for right and wrong passwords alike.
# Reads and the password check come before any write, so the slow argon2 check never runs
# while this transaction holds SQLite's write lock (with deferred transactions); the delay is
# waited out by the route after the transaction has ended.


class LoginThrottled(Exception):
    pass


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    # Seconds to wait before answering: the account is being guessed at.
    delay: float
    # The right password of a deactivated account: the person may be told (they proved who
    # they are), so they call the beheerder instead of trying again.
    deactivated: bool = False


def _recent_failures(
    session: Session, settings: Settings, *, email: str | None = None, address: str | None = None
) -> int:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.at) >= since)
    )
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    return session.exec(query).one()


def account_delay(settings: Settings, failures: int) -> float:
    """The wait for an account with this many recent failures from anywhere: none for a
    colleague's own typing errors, then doubling from a quarter second up to the maximum."""
    over = failures - settings.login_max_failures_per_account
    if over <= 0:
        return 0.0
    return min(settings.login_max_delay_seconds, 0.25 * 2 ** (over - 1))


# Attempts on one account wait for each other until the first one's transaction has ended, so
# that parallel guesses cannot all pass the count before any failure is stored. PostgreSQL:
# an advisory lock, across processes. SQLite: a lock in this process (striped by account), not
# the database's write lock, which the password check must not hold.
_STRIPES = [threading.Lock() for _ in range(64)]
_STRIPE_WAIT_SECONDS = 5.0


def _release_stripes(session: Session, transaction: object) -> None:
    if getattr(transaction, "parent", None) is not None:
        return  # a savepoint ended, not the transaction
    held: set[int] = session.info.get("login_stripes", set())
    for index in held:
        _STRIPES[index].release()
    held.clear()


def _serialise_attempts(session: Session, email: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:email))"),
            {"namespace": 4_242_003, "email": email},
        )
        return
    if "login_stripes" not in session.info:
        session.info["login_stripes"] = set()
        event.listen(session, "after_transaction_end", _release_stripes)
    held = session.info["login_stripes"]
    index = int(_sha256(email)[:8], 16) % len(_STRIPES)
    if index in held:
        return
    # Bounded: should a transaction never end, attempts go on unserialised rather than hang.
    if _STRIPES[index].acquire(timeout=_STRIPE_WAIT_SECONDS):
        held.add(index)


def login_with_password(
    session: Session, settings: Settings, email: str, password: str, address: str
) -> LoginResult:
    """Check a password; raises LoginThrottled when this address may not try this account."""
    email = normalise_email(email)[:254]
    address = address[:64]
    _serialise_attempts(session, email)
    here = _recent_failures(session, settings, email=email, address=address)
    if here >= settings.login_max_failures_per_account or (
        here > 0
        and _recent_failures(session, settings, address=address)
        >= settings.login_max_failures_per_address
    ):
        audit.record(session, Action.login_failed, address=address, summary="Te veel mislukte pogingen: geweigerd",
                     detail={"method": "password"}, **_who(session, email))
        metrics.LOGIN_FAILURES.labels("password", "throttled").inc()
        raise LoginThrottled
    delay = account_delay(settings, _recent_failures(session, settings, email=email))
    user = get_user_by_email(session, email)
    ok = deactivated = False
    if user is not None and user.password_hash:
        ok = _verifies(user.password_hash, password)
        if ok and not user.is_active:
            ok, deactivated = False, True
    else:
        # Spend the same time as a real check, so timing does not reveal which accounts exist.
        _hasher.hash(password)
    if ok:
        assert user is not None and user.password_hash is not None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = utcnow()
    # Only now a write (flushed with the session, or at the commit).
    session.add(LoginAttempt(email=email, address=address, succeeded=ok))
    if ok:
        audit.record(session, Action.login, actor_id=user.id, subject_type="user", subject_id=user.id,  # type: ignore[union-attr]
                     summary="Ingelogd met wachtwoord", detail={"method": "password"}, address=address)
    else:
        audit.record(session, Action.login_failed, address=address, detail={"method": "password"},
                     summary="Account gedeactiveerd" if deactivated else
                     "Wachtwoord onjuist" if user is not None and user.is_active else
                     "Onbekend of gedeactiveerd account", **_who(session, email, user))
        metrics.LOGIN_FAILURES.labels("password", "refused").inc()
    return LoginResult(user if ok else None, delay, deactivated)


def _who(session: Session, email: str, user: User | None = None) -> dict:
    """The subject of a failed login: the account if it exists (never the typed address of an
    account that does not: that may be anybody's address, mistyped)."""
    user = user or get_user_by_email(session, email)
    return {"subject_type": "user", "subject_id": user.id} if user is not None else {}


def authenticate_password(
    session: Session, settings: Settings, email: str, password: str, address: str
) -> User | None:
    """The active user with this e-mail and password, or None; raises LoginThrottled."""
    return login_with_password(session, settings, email, password, address).user


# --- web sessions ----------------------------------------------------------------------------


def start_session(session: Session, settings: Settings, user: User, method: str, id_token: str | None = None) -> str:
    """Create a web session for a proven identity; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_sha256(token),
            user_id=user.id,  # type: ignore[arg-type]
            expires_at=utcnow() + timedelta(days=settings.session_days),
            method=method,
            id_token=id_token,
        )
    )
    # No flush: the row is written with the commit, so SQLite's write lock is held only then.
    return token


def user_for_session(session: Session, token: str) -> User | None:
    found = session.exec(
        select(WebSession, User).join(User, col(User.id) == WebSession.user_id)
        .where(WebSession.token_hash == _sha256(token))
    ).first()
    if found is None:
        return None
    row, user = found
    return user if row.expires_at >= utcnow() and user.is_active else None


def end_session(session: Session, token: str) -> WebSession | None:
    """End the web session with this cookie value; returns what it was (None: there was none)."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _sha256(token))).first()
    if row is not None:
        session.delete(row)
    return row


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "kb_"


def create_api_token(session: Session, user: User, name: str = "") -> str:
    """Store a new personal token (hashed) and return it; it is shown only once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,  # type: ignore[arg-type]
            token_hash=_sha256(token),
            prefix=token[:10],
            name=name,
        )
    )
    session.flush()
    audit.record(session, Action.api_token_created, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary=f"API-token {token[:10]}… gemaakt" + (f" ({name[:80]})" if name else ""))
    return token


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
            .order_by(col(ApiToken.created_at))
        )
    )


def all_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """Every token of this person, revoked ones too (their own-data download)."""
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.created_at))))


def web_sessions(session: Session, user: User) -> list[WebSession]:
    return list(session.exec(select(WebSession).where(WebSession.user_id == user.id).order_by(col(WebSession.created_at))))


def remove_credentials(session: Session, user: User, old_email: str) -> None:
    """Every way to log in as this person goes: password, the identity provider's link,
    sessions, tokens, one-time links, and the login attempts that name their address."""
    user.password_hash = None
    user.oidc_subject = None
    session.exec(delete(AccountLink).where(col(AccountLink.user_id) == user.id))  # type: ignore[call-overload]
    end_web_sessions(session, user)
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id))  # type: ignore[call-overload]
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == normalise_email(old_email)))  # type: ignore[call-overload]


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, Action.api_token_revoked, actor_id=user.id, subject_type="user", subject_id=user.id,
                 summary=f"API-token {token.prefix}… ingetrokken")
    return True


def user_for_api_token(session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _sha256(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    # Write the last-use time at most once an hour, so reads stay reads.
    if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
        row.last_used_at = now
    return user


def prune_expired(session: Session, settings: Settings, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.exec(delete(WebSession).where(WebSession.expires_at < now))  # type: ignore[call-overload]
    old = now - timedelta(days=1)
    session.exec(delete(LoginAttempt).where(LoginAttempt.at < old))  # type: ignore[call-overload]


# --- demo accounts ---------------------------------------------------------------------------


def load_demo_accounts(session: Session, data: dict) -> int:
    """Create the demo teams and accounts that do not exist yet; returns how many were added."""
    added = 0
    for team in data.get("teams", []):
        if get_team_by_slug(session, team["slug"]) is None:
            ensure_team(session, team["slug"], team["name"], team.get("audience", Audience.beide))
            added += 1
    for entry in data.get("users", []):
        if get_user_by_email(session, entry["email"]) is None:
            create_user(
                session,
                email=entry["email"],
                name=entry["name"],
                role=entry["role"],
                password=data["password"],
                team_slug=entry.get("team"),
                function=entry.get("function"),
            )
            added += 1
    return added

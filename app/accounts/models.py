"""Teams, users and the credentials that prove who a user is."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Role(StrEnum):
    medewerker = "medewerker"
    contactpersoon = "contactpersoon"
    kwaliteit = "kwaliteit"
    leidinggevende = "leidinggevende"
    management = "management"
    beheerder = "beheerder"


ROLE_LABELS = {
    Role.medewerker: "Medewerker",
    Role.contactpersoon: "Contactpersoon Kwaliteit",
    Role.kwaliteit: "Kwaliteitsmedewerker",
    Role.leidinggevende: "Leidinggevende",
    Role.management: "Management (MT)",
    Role.beheerder: "Beheerder",
}


class Function(StrEnum):
    klantbegeleider = "klantbegeleider"
    schuldregelaar = "schuldregelaar"


class Audience(StrEnum):
    klantbegeleider = "klantbegeleider"
    schuldregelaar = "schuldregelaar"
    beide = "beide"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(80), unique=True)
    name: str = Field(sa_type=String(120))
    # Which items fit this team's werkoverleg.
    audience: str = Field(default=Audience.beide, sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True)
    name: str = Field(sa_type=String(120))
    role: str = Field(sa_type=String(20))
    function: str | None = Field(default=None, sa_type=String(20))
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    # Empty for accounts that only log in through an external identity provider.
    password_hash: str | None = Field(default=None, sa_type=String(200))
    # The identity provider's `sub` for this person (OpenID Connect login); empty: none yet.
    oidc_subject: str | None = Field(default=None, sa_type=String(255), unique=True)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # A departed person whose personal data was removed (app/accounts/erase.py): the account
    # stays, under a placeholder name, so their records keep counting as before.
    anonymised_at: datetime | None = None
    # Active when anonymised: still counted in the goals' groups, so /doelen does not change.
    kept_in_goals: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # SHA-256 of the token: tokens are long random strings, so a slow hash adds nothing.
    token_hash: str = Field(sa_type=String(64), unique=True)
    prefix: str = Field(sa_type=String(12))
    name: str = Field(default="", sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # How the identity was proven: "password" or "oidc".
    method: str = Field(default="password", sa_type=String(20))
    # After an OpenID Connect login, its ID token: the hint for logging out at the provider too.
    id_token: str | None = Field(default=None, sa_type=Text)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), index=True)
    address: str = Field(sa_type=String(64), index=True)
    succeeded: bool
    at: datetime = Field(default_factory=utcnow, index=True)


class LinkPurpose(StrEnum):
    invite = "invite"
    reset = "reset"


class AccountLink(SQLModel, table=True):
    """A one-time link to set a password (an invitation or a reset); only its hash is kept."""

    __tablename__ = "account_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    purpose: str = Field(sa_type=String(10))
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None

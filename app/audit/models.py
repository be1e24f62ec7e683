"""The audit log: who changed what, when and from where (issue 14; AVG and government rules).

Append-only for the application: the service only adds rows; the retention job removes rows
older than the setting. A row names its actor by id (the person's name is read from the
account when shown), so removing a departed person's personal data leaves no name behind here.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from app.db import utcnow


class Action(StrEnum):
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    user_created = "user_created"
    user_changed = "user_changed"  # role, team, function, name, e-mail
    user_deactivated = "user_deactivated"
    user_reactivated = "user_reactivated"
    user_invited = "user_invited"
    password_reset_sent = "password_reset_sent"
    password_set = "password_set"  # through an invitation or a reset link
    api_token_created = "api_token_created"
    api_token_revoked = "api_token_revoked"
    user_anonymised = "user_anonymised"
    team_created = "team_created"
    team_changed = "team_changed"
    item_published = "item_published"
    item_archived = "item_archived"
    item_deleted = "item_deleted"
    goal_changed = "goal_changed"
    mt_approval = "mt_approval"
    export = "export"
    backup = "backup"
    restore = "restore"
    data_downloaded = "data_downloaded"


LABELS: dict[str, str] = {
    Action.login: "Ingelogd",
    Action.login_failed: "Inloggen mislukt",
    Action.logout: "Uitgelogd",
    Action.user_created: "Account aangemaakt",
    Action.user_changed: "Account gewijzigd",
    Action.user_deactivated: "Account gedeactiveerd",
    Action.user_reactivated: "Account weer actief",
    Action.user_invited: "Uitnodiging verstuurd",
    Action.password_reset_sent: "Herstellink verstuurd",
    Action.password_set: "Wachtwoord gekozen",
    Action.api_token_created: "API-token gemaakt",
    Action.api_token_revoked: "API-token ingetrokken",
    Action.user_anonymised: "Persoonsgegevens verwijderd",
    Action.team_created: "Team aangemaakt",
    Action.team_changed: "Team gewijzigd",
    Action.item_published: "Item gepubliceerd",
    Action.item_archived: "Item gearchiveerd",
    Action.item_deleted: "Item verwijderd",
    Action.goal_changed: "Doel gewijzigd",
    Action.mt_approval: "Goedkeuring MT",
    Action.export: "Export",
    Action.backup: "Back-up",
    Action.restore: "Back-up teruggezet",
    Action.data_downloaded: "Eigen gegevens gedownload",
}


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # Who: an account, or nobody (a failed login for an unknown address, the scheduler).
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(sa_type=String(40), index=True)
    # What: the kind and id of the record it concerns ("user", 12), and a short Dutch summary.
    subject_type: str | None = Field(default=None, sa_type=String(40))
    subject_id: str | None = Field(default=None, sa_type=String(120))
    summary: str = Field(default="", sa_type=String(500))
    # Details a reader needs (old and new role, the method of a login); never a password.
    detail: dict | None = Field(default=None, sa_type=JSON)
    # From where: the client's address as the service sees it (behind a trusted proxy, the
    # forwarded one); "" for work of the service itself.
    address: str = Field(default="", sa_type=String(64))

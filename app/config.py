"""Settings, read from environment variables prefixed KENNISBANK_."""

import os
import re
import secrets
import time
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What ships inside the package (and so inside the wheel): migrations, starter content, static
# files. PROJECT_ROOT is the source checkout around it, meaningful only when running from one
# (tests, scripts, docker-compose.yml); an installed package never reads it.
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
CONTENT_DIR = PACKAGE_DIR / "content"
STATIC_DIR = PACKAGE_DIR / "static"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
# Days, dates and times people see are Dutch; the database keeps UTC.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
BUILTIN_THEMES = ("voorbeeld", "denhaag")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg", ".webp": "image/webp"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KENNISBANK_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    # Empty means: a SQLite file inside data_dir.
    database_url: str = ""
    secret_key: str = ""
    content_dir: Path = CONTENT_DIR
    # Load app/content/ (and the demo accounts in development) when the database has no themes yet.
    load_starter_content: bool = True
    load_demo_accounts: bool | None = None
    auto_migrate: bool = True
    cookie_secure: bool = True
    session_days: int = 14
    # Login throttling (app/accounts/service.py): failures per account from one address, per
    # address, within the window; the account-wide delay grows up to the maximum.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_delay_seconds: float = Field(default=3.0, ge=0, le=30)
    # Addresses of reverse proxies whose X-Forwarded-For is believed (the client's address is
    # what login throttling counts per); empty: none, the header is ignored. Not 127.0.0.1 by
    # default: anyone on the host could then name any address. "*" only when nothing else can
    # reach the service.
    forwarded_allow_ips: str = ""
    max_body_bytes: int = 1_000_000
    municipality_name: str = "Gemeente Voorbeeldstad"
    # The look (huisstijl): "voorbeeld" (NL Design System's example theme), "denhaag", or the
    # path of a municipality's own token file (CSS custom properties such as --utrecht-*),
    # applied on top of the example theme; theme_class is the class its tokens are scoped to.
    theme: str = "voorbeeld"
    theme_class: str = ""
    # The municipality's logo (SVG, PNG, JPEG or WebP) in the page header; empty: none.
    logo: str = ""
    # The accent colour of the printable poster (a poster cannot read the site's CSS);
    # empty: the chosen theme's own.
    accent_color: str = ""
    # The werkoverleg scheduler runs inside the service; switch it off in all processes but one
    # (the database makes a double run harmless, but one is enough).
    scheduler: bool = True
    # Working days between assembling an agenda and its meeting, unless a rule says otherwise.
    agenda_lead_days: int = Field(default=5, ge=1, le=30)
    # The hour (Dutch time) at which an agenda is assembled on its day.
    agenda_hour: int = Field(default=7, ge=0, le=23)
    # Where people reach the service: links in mail and calendar invitations.
    base_url: str = "http://127.0.0.1:8000"
    # The bronnen-inbox fetches only public addresses: a feed on this machine or the local
    # network (127.0.0.1, 10.x, 192.168.x, …) only when this is on (an intranet feed, tests).
    inbox_private_hosts: bool = False
    # The shared mailbox where newsletters arrive (read, never changed): only with a host.
    imap_host: str = ""
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_interval_minutes: int = Field(default=15, ge=15, le=1440)
    # Agenda mail: only with an SMTP host.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "wiki-bibliotheek@example.org"
    # Personal records (usage days, attendance, questions, appraisals) are kept this long.
    retention_months: int = Field(default=13, ge=1, le=120)
    # Audit events (app/audit) are kept this many days (two years by default), then removed.
    audit_retention_days: int = Field(default=730, ge=30, le=3650)
    # OpenID Connect login ("Inloggen met uw gemeenteaccount"): on when both issuer and client
    # id are set; the provider must allow {base_url}/login/oidc/callback as redirect address and
    # {base_url}/login?uitgelogd=1 after logout. See app/accounts/oidc.py.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_groups_claim: str = "groups"
    # Groups to role and team, JSON: {"sg-kwaliteit": {"role": "kwaliteit"},
    # "sg-team-noord": {"role": "medewerker", "team": "team-noord"}}; see app/accounts/oidc.py.
    oidc_group_map: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Clock skew allowed when checking an ID token's exp and iat.
    oidc_leeway_seconds: int = Field(default=60, ge=0, le=600)
    # Logging in with an e-mail address and password; off only beside OpenID Connect (API
    # tokens keep working either way).
    local_login: bool = True
    # Where `kennisbank backup` and `restore` find pg_dump and pg_restore; empty: on the PATH.
    # They must be at least the server's major version (Debian 12 ships 15).
    pg_bin_dir: str = ""
    # Where search looks: "whoosh" (an index in the data folder; the default, right for one
    # host) or "postgresql" (in the database itself, written in each item's transaction: any
    # process on any host finds a change the moment it is saved; only with PostgreSQL).
    search_backend: Literal["whoosh", "postgresql"] = "whoosh"
    # Who may read /metrics (app/observability/access.py): these addresses or networks
    # (comma-separated; the client as uvicorn reports it, see forwarded_allow_ips), or anyone
    # sending this token as `Authorization: Bearer …` (at least 32 characters; empty: no token).
    metrics_allow_ips: str = "127.0.0.1,::1"
    metrics_token: str = ""
    # Logs on standard error: "plain" lines, or "json", one object per line.
    log_format: Literal["plain", "json"] = "plain"

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError(
                "KENNISBANK_SECRET_KEY moet in productie minstens 32 willekeurige tekens zijn "
                "(bijvoorbeeld: openssl rand -base64 48); op elke host dezelfde"
            )
        if self.theme not in BUILTIN_THEMES:
            path = Path(self.theme)
            if path.suffix != ".css" or not path.is_file():
                raise ValueError(
                    f"KENNISBANK_THEME must be one of {', '.join(BUILTIN_THEMES)} or the path of "
                    f"an existing .css file, not {self.theme!r}"
                )
        if not re.fullmatch(r"[A-Za-z0-9_ -]*", self.theme_class):
            raise ValueError("KENNISBANK_THEME_CLASS holds CSS class names only")
        if self.logo and (
            Path(self.logo).suffix.lower() not in LOGO_TYPES or not Path(self.logo).is_file()
        ):
            raise ValueError(
                f"KENNISBANK_LOGO must be an existing .svg, .png, .jpg or .webp file, not {self.logo!r}"
            )
        if self.accent_color and not re.fullmatch(r"#[0-9a-fA-F]{6}", self.accent_color):
            raise ValueError("KENNISBANK_ACCENT_COLOR is a colour such as #1f4e8c")
        self.base_url = self.base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("KENNISBANK_BASE_URL starts with http:// or https://")
        if self.imap_host and self.imap_security == "none" and self.imap_host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(
                "KENNISBANK_IMAP_SECURITY=none sends the mailbox password unencrypted: only for a mail "
                "server on this machine; use ssl or starttls"
            )
        if self.oidc_issuer and not (
            self.oidc_issuer.startswith("https://")
            or re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", self.oidc_issuer)
        ):
            raise ValueError("KENNISBANK_OIDC_ISSUER starts with https:// (http:// only for a provider on this machine)")
        from app.accounts.models import Role

        for group, target in self.oidc_group_map.items():
            if set(target) - {"role", "team"} or target.get("role") not in set(Role):
                raise ValueError(
                    f"KENNISBANK_OIDC_GROUP_MAP: group {group!r} needs a role "
                    f"({', '.join(Role)}) and optionally a team, nothing else"
                )
        if not self.local_login and not self.oidc_enabled:
            raise ValueError(
                "KENNISBANK_LOCAL_LOGIN=false leaves no way to log in: set KENNISBANK_OIDC_ISSUER and "
                "KENNISBANK_OIDC_CLIENT_ID too"
            )
        if self.search_backend == "postgresql" and not self.effective_database_url.startswith("postgresql"):
            raise ValueError(
                "KENNISBANK_SEARCH_BACKEND=postgresql searches in the database: set KENNISBANK_DATABASE_URL "
                "to a PostgreSQL database, or use KENNISBANK_SEARCH_BACKEND=whoosh"
            )
        try:
            self.metrics_networks  # noqa: B018 - parsed here to refuse a wrong one at start
        except ValueError as wrong:
            raise ValueError(
                "KENNISBANK_METRICS_ALLOW_IPS holds addresses or networks separated by commas, "
                f"such as 127.0.0.1,::1,10.0.0.0/8 ({wrong})"
            ) from None
        if self.metrics_token and len(self.metrics_token) < 32:
            raise ValueError("KENNISBANK_METRICS_TOKEN must be at least 32 random characters")
        if self.load_demo_accounts is None:
            self.load_demo_accounts = self.environment == "development"
        return self

    @property
    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(part.strip(), strict=False)
                for part in self.metrics_allow_ips.split(",") if part.strip()]

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kennisbank.db').resolve()}"

    @property
    def uses_embedded_database(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def effective_secret_key(self) -> str:
        """The configured key, or in development one kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        key_file = (self.data_dir / "secret_key").resolve()
        key = _dev_keys.get(key_file)
        if key is None:
            key = _dev_keys[key_file] = _create_or_read_key(key_file)
        return key


# Development keys already read, per file: a request need not read the file each time.
_dev_keys: dict[Path, str] = {}


def _create_or_read_key(key_file: Path) -> str:
    """The key in `key_file`, made there first if it does not exist, exactly once however many
    threads or processes ask at the same moment: the key is written whole to a file of its own
    (readable by this user only) and then linked into place, which fails for all but one; every
    one then reads what is there."""
    for _ in range(100):
        try:
            key = key_file.read_text().strip()
        except FileNotFoundError:
            key = None
        if key:
            return key
        if key is not None:
            # Empty: another process is writing it in place (the fallback below); read again.
            time.sleep(0.01)
            continue
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass  # another thread or process was first: use its key
            except OSError:
                # No hard links here (some network or Windows file systems): create in place.
                try:
                    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass
                else:
                    with os.fdopen(fd, "w") as out:
                        out.write(draft.read_text())
        finally:
            draft.unlink(missing_ok=True)
    raise RuntimeError(f"{key_file} stays empty: remove it, or set KENNISBANK_SECRET_KEY")


@lru_cache
def get_settings() -> Settings:
    return Settings()

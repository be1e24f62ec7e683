"""Settings, read from environment variables prefixed KENNISBANK_."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Days, dates and times people see are Dutch; the database keeps UTC.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KENNISBANK_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    # Empty means: a SQLite file inside data_dir.
    database_url: str = ""
    secret_key: str = ""
    content_dir: Path = PROJECT_ROOT / "content"
    # Load content/ (and the demo accounts in development) when the database has no themes yet.
    load_starter_content: bool = True
    load_demo_accounts: bool | None = None
    auto_migrate: bool = True
    cookie_secure: bool = True
    session_days: int = 14
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_window_minutes: int = 15
    # Addresses of reverse proxies whose X-Forwarded-For is believed (the client's address is
    # what login throttling counts per). "*" only when nothing else can reach the service.
    forwarded_allow_ips: str = "127.0.0.1"
    max_body_bytes: int = 1_000_000
    municipality_name: str = "Gemeente Voorbeeldstad"

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError(
                "KENNISBANK_SECRET_KEY must be set to at least 32 random characters in production"
            )
        if self.load_demo_accounts is None:
            self.load_demo_accounts = self.environment == "development"
        return self

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
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()

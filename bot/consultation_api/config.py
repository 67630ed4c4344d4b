"""Settings of the consultation API from environment variables, with safe local defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TOKEN = "local-dev-consultation-token"
MIN_PRODUCTION_TOKEN_LENGTH = 32
MEGABYTE = 1024 * 1024
MAX_JSON_BYTES = MEGABYTE
ENVIRONMENTS = ("local", "production")


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message says which and why."""


@dataclass(frozen=True)
class Config:
    """Everything the service reads from its environment."""

    db_url: str = "sqlite:///run/consultation-api/consultations.sqlite3"
    token: str = DEFAULT_TOKEN
    env: str = "local"
    storage: Path = ROOT / "run" / "consultation-api" / "documents"
    public_url: str = "http://127.0.0.1:5056"
    upload_link_hours: float = 72.0
    max_upload_mb: float = 20.0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * MEGABYTE)

    @property
    def request_max_size(self) -> int:
        """Sanic's hard cap on a request body: room for a few files of the maximum size, then the connection is cut."""
        return self.max_upload_bytes * 4 + MEGABYTE

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Config":
        """Read CONSULTATION_API_* variables; raise ConfigError when one is invalid or unsafe."""
        environ = os.environ if environ is None else environ
        env = environ.get("CONSULTATION_API_ENV", "local").strip().lower() or "local"
        if env not in ENVIRONMENTS:
            raise ConfigError(f"CONSULTATION_API_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
        token = environ.get("CONSULTATION_API_TOKEN", "")
        if env == "production":
            if not token:
                raise ConfigError("CONSULTATION_API_TOKEN is not set; production needs a secret token.")
            if token == DEFAULT_TOKEN:
                raise ConfigError("CONSULTATION_API_TOKEN is the public local default; set a secret token.")
            if len(token) < MIN_PRODUCTION_TOKEN_LENGTH:
                raise ConfigError(
                    f"CONSULTATION_API_TOKEN is shorter than {MIN_PRODUCTION_TOKEN_LENGTH} characters; "
                    "use a long random secret (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')."
                )
        token = token or DEFAULT_TOKEN
        public_url = environ.get("CONSULTATION_API_PUBLIC_URL", cls.public_url).strip().rstrip("/")
        if not public_url.startswith(("http://", "https://")):
            raise ConfigError("CONSULTATION_API_PUBLIC_URL must start with http:// or https://.")
        storage = Path(environ.get("CONSULTATION_API_STORAGE", "") or cls.storage)
        return cls(
            db_url=environ.get("CONSULTATION_API_DB_URL", "").strip() or cls.db_url,
            token=token,
            env=env,
            storage=storage if storage.is_absolute() else ROOT / storage,
            public_url=public_url,
            upload_link_hours=_positive_number(environ, "CONSULTATION_API_UPLOAD_LINK_HOURS", cls.upload_link_hours),
            max_upload_mb=_positive_number(environ, "CONSULTATION_API_MAX_UPLOAD_MB", cls.max_upload_mb),
        )


def _positive_number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number, not {raw!r}.")
    return value

"""Configuration of the hand-off from the environment, with safe local defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONSENT_FILE = Path(__file__).resolve().parent / "consent.yml"
DEFAULT_TOKEN = "local-dev-consultation-token"


@dataclass(frozen=True)
class Settings:
    api_url: str
    api_token: str
    outbox_path: Path
    connect_timeout: float
    read_timeout: float


def settings() -> Settings:
    """CONSULTATION_API_URL / _TOKEN point the bot at the hospital's API; the outbox is a local SQLite file."""
    outbox = Path(os.environ.get("CONSULTATION_OUTBOX", "run/outbox.sqlite3"))
    return Settings(
        api_url=os.environ.get("CONSULTATION_API_URL", "http://127.0.0.1:5056").rstrip("/"),
        api_token=os.environ.get("CONSULTATION_API_TOKEN", DEFAULT_TOKEN),
        outbox_path=outbox if outbox.is_absolute() else ROOT / outbox,
        connect_timeout=float(os.environ.get("CONSULTATION_API_CONNECT_TIMEOUT", "3.05")),
        read_timeout=float(os.environ.get("CONSULTATION_API_READ_TIMEOUT", "10")),
    )


def consent_text_version() -> str:
    """The version of the consent wording (utter_ask_review) the patient agreed to."""
    with open(CONSENT_FILE, encoding="utf-8") as handle:
        return str(yaml.safe_load(handle)["version"])

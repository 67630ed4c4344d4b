"""Tables, engine and schema creation (SQLAlchemy Core; SQLite by default, PostgreSQL with the same code)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from .config import ROOT

metadata = sa.MetaData()

consultations = sa.Table(
    "consultations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(32), unique=True, nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("patient_relation", sa.String(16), nullable=False),
    sa.Column("patient_name", sa.String(200), nullable=True),
    sa.Column("patient_age", sa.Integer, nullable=True),
    sa.Column("patient_country", sa.String(100), nullable=True),
    sa.Column("contact_kind", sa.String(16), nullable=False),
    sa.Column("contact_value", sa.String(200), nullable=True),
    sa.Column("contact_app", sa.String(50), nullable=True),
    sa.Column("contact_guardian", sa.Boolean, nullable=False),
    sa.Column("cancer_type", sa.String(32), nullable=False),
    sa.Column("diagnosis_status", sa.String(16), nullable=False),
    sa.Column("diagnosis_text", sa.Text, nullable=True),
    sa.Column("treatment_stage", sa.String(32), nullable=False),
    sa.Column("interest", sa.String(16), nullable=False),
    sa.Column("reports_available", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("conversation_id", sa.String(200), nullable=True, index=True),
    sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("consent_language", sa.String(8), nullable=False),
    sa.Column("consent_text_version", sa.String(50), nullable=False),
    sa.Column("transcript_summary", sa.Text, nullable=True),
    sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
)

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket", sa.String(32), unique=True, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("conversation_id", sa.String(200), nullable=True, index=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("consultation_reference", sa.String(32), nullable=True),
    sa.Column("transcript", sa.Text, nullable=True),
    sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(32), nullable=False),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response_body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
)

upload_links = sa.Table(
    "upload_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultations.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), unique=True, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultations.id"), nullable=False, index=True),
    sa.Column("stored_name", sa.String(64), unique=True, nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("original_name", sa.String(200), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(value: Optional[datetime]) -> Optional[datetime]:
    """A datetime read back from the database as aware UTC (SQLite returns naive values, stored as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def isoformat(value: datetime) -> str:
    """RFC 3339 in UTC, to the second, e.g. 2026-11-26T15:50:00Z."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_url(url: str) -> str:
    """Make a relative SQLite path absolute under the repository root and create its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    path = Path(parsed.database)
    if not path.is_absolute():
        path = ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(parsed.set(database=str(path)))


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout so parallel writers wait, not fail."""
    url = resolve_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True)


class SchemaError(Exception):
    """The database holds tables of an older schema than this code (there are no migrations yet)."""


def init_db(engine: Engine) -> None:
    """Create the tables that do not exist yet; refuse a database whose tables lack columns this code needs."""
    metadata.create_all(engine)
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            raise SchemaError(
                f"table {table.name} lacks column(s) {', '.join(missing)}: the database was created by an older "
                "version; migrate it or point CONSULTATION_API_DB_URL at a new database"
            )

"""Staff accounts and the audit log (SQLAlchemy Core; SQLite by default, PostgreSQL by the same URL)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from flask import Flask, current_app

ROLES = ("coordinator", "clinician", "administrator")
metadata = sa.MetaData()

accounts = sa.Table(
    "staff_accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), unique=True, nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("failed_sign_ins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

audit_log = sa.Table(
    "staff_audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(255), nullable=False, default=""),
)


reviews = sa.Table(
    "staff_reviews", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(80), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
)


notes = sa.Table(
    "staff_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

tags = sa.Table(
    "staff_tags", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
)


def now() -> datetime:
    return datetime.now(timezone.utc)


def engine() -> sa.engine.Engine:
    return current_app.extensions["staff_engine"]


def init_app(app: Flask) -> None:
    url = app.config["STAFF_DB_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    created = sa.create_engine(url, future=True)
    metadata.create_all(created)
    app.extensions["staff_engine"] = created


def create_account(target: sa.engine.Engine, username: str, password_hash: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with target.begin() as connection:
        connection.execute(accounts.insert().values(username=username, password_hash=password_hash, role=role,
                                                    failed_sign_ins=0, created_at=now()))


def find_account(username: str) -> Optional[Dict[str, Any]]:
    with engine().connect() as connection:
        row = connection.execute(sa.select(accounts).where(accounts.c.username == username)).mappings().first()
    return dict(row) if row else None


def update_account(username: str, **values: Any) -> None:
    with engine().begin() as connection:
        connection.execute(accounts.update().where(accounts.c.username == username).values(**values))


def audit(username: str, action: str, target: str = "") -> None:
    """Append to the audit log; the app has no way to change or delete an entry."""
    with engine().begin() as connection:
        connection.execute(audit_log.insert().values(at=now(), username=username, action=action, target=target))


def audit_entries(limit: int = 200) -> List[Dict[str, Any]]:
    with engine().connect() as connection:
        rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).mappings()
        return [dict(row) for row in rows]


def mark_reviewed(sender_id: str, username: str) -> None:
    with engine().begin() as connection:
        connection.execute(reviews.delete().where(reviews.c.sender_id == sender_id))
        connection.execute(reviews.insert().values(sender_id=sender_id, reviewed_by=username, reviewed_at=now()))


def reviewed() -> Dict[str, Dict[str, Any]]:
    with engine().connect() as connection:
        return {row["sender_id"]: dict(row) for row in connection.execute(sa.select(reviews)).mappings()}


def add_note(sender_id: str, author: str, text: str) -> None:
    with engine().begin() as connection:
        connection.execute(notes.insert().values(sender_id=sender_id, author=author, at=now(), text=text))


def notes_of(sender_id: str) -> List[Dict[str, Any]]:
    with engine().connect() as connection:
        query = sa.select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def add_tag(sender_id: str, tag: str) -> None:
    with engine().begin() as connection:
        connection.execute(tags.delete().where(sa.and_(tags.c.sender_id == sender_id, tags.c.tag == tag)))
        connection.execute(tags.insert().values(sender_id=sender_id, tag=tag))


def tags_of(sender_id: str) -> List[str]:
    with engine().connect() as connection:
        query = sa.select(tags.c.tag).where(tags.c.sender_id == sender_id).order_by(tags.c.tag)
        return [row[0] for row in connection.execute(query)]


def forget(sender_id: str) -> None:
    """Staff's own records about a conversation the patient asked to delete (the audit log keeps the fact)."""
    with engine().begin() as connection:
        for table in (reviews, notes, tags):
            connection.execute(table.delete().where(table.c.sender_id == sender_id))

"""Direct access to Rasa's SQL tracker store (its `events` table) for privacy: forget a conversation, retention.

The connection comes from the same environment variables as endpoints.yml: TRACKER_DB_DIALECT (sqlite),
TRACKER_DB (file or database name), and for a server TRACKER_DB_HOST (host[:port]), TRACKER_DB_USER,
TRACKER_DB_PASSWORD.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

ROOT = Path(__file__).resolve().parents[1]
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))


def url_from_env(env: Optional[Mapping[str, str]] = None) -> URL:
    env = os.environ if env is None else env
    dialect = env.get("TRACKER_DB_DIALECT", "sqlite")
    database = env.get("TRACKER_DB", "run/tracker.db")
    if dialect == "sqlite" and not Path(database).is_absolute():
        database = str(ROOT / database)
    server = urlsplit(f"//{env.get('TRACKER_DB_HOST') or ''}")  # host[:port], as Rasa's SQLTrackerStore reads it
    return URL.create(
        dialect,
        username=env.get("TRACKER_DB_USER") or None,
        password=env.get("TRACKER_DB_PASSWORD") or None,
        host=server.hostname or None,
        port=server.port,
        database=database,
    )


def engine_from_env(env: Optional[Mapping[str, str]] = None) -> Engine:
    return sa.create_engine(url_from_env(env), future=True)


def delete_conversation(engine: Engine, sender_id: str) -> int:
    """Delete every event of one conversation; returns how many were deleted."""
    if not sa.inspect(engine).has_table("events"):
        return 0
    with engine.begin() as connection:
        return connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount


def delete_inactive_since(engine: Engine, cutoff: float) -> int:
    """Delete the conversations whose last event is older than `cutoff` (Unix time); returns how many."""
    if not sa.inspect(engine).has_table("events"):
        return 0
    last_event = sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(
        sa.func.max(EVENTS.c.timestamp) < cutoff
    )
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(last_event)]
        for start in range(0, len(senders), 500):
            batch = senders[start:start + 500]
            connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
    return len(senders)

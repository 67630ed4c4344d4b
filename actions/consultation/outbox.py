"""A durable local outbox: every request to the consultation API is written here before the first attempt.

One SQLite file (CONSULTATION_OUTBOX). An item is `pending` until the API confirms it (`delivered`, with the
API's answer) or refuses it for good (`rejected`, with the error code only). Its Idempotency-Key is fixed when it
is written, so however many times it is sent, the API keeps one record.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

PENDING, DELIVERED, REJECTED = "pending", "delivered", "rejected"
CONSULTATION, HANDOFF, FORGET = "consultation", "handoff", "forget"
MAX_BACKOFF = timedelta(minutes=15)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    response TEXT,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_conversation ON outbox (conversation_id);
"""


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    idempotency_key: str
    conversation_id: str
    payload: Dict[str, Any]
    state: str
    attempts: int
    response: Optional[Dict[str, Any]]


class Outbox:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    def add(self, kind: str, conversation_id: str, payload: Dict[str, Any], delay: timedelta = timedelta(0)) -> Item:
        """Write a request durably (committed and synced) before anything is sent; due after `delay`."""
        key = f"{kind}-{uuid.uuid4()}"
        stamp = now()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO outbox (kind, idempotency_key, conversation_id, payload, created_at, next_attempt_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (kind, key, conversation_id, json.dumps(payload, ensure_ascii=False), stamp.isoformat(),
                 (stamp + delay).isoformat()),
            )
            item_id = cursor.lastrowid
        return self.get(item_id)

    def get(self, item_id: int) -> Item:
        with self._connect() as db:
            row = db.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return _item(row)

    def due(self, limit: int = 50) -> List[Item]:
        """Pending items whose next attempt time has come, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM outbox WHERE state = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                (PENDING, now().isoformat(), limit),
            ).fetchall()
        return [_item(row) for row in rows]

    def latest_for(self, conversation_id: str, kind: str) -> Optional[Item]:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM outbox WHERE conversation_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                (conversation_id, kind),
            ).fetchone()
        return _item(row) if row else None

    def mark_delivered(self, item: Item, response: Dict[str, Any]) -> Item:
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET state = ?, delivered_at = ?, response = ?, attempts = attempts + 1,"
                " last_error = NULL WHERE id = ?",
                (DELIVERED, now().isoformat(), json.dumps(response, ensure_ascii=False), item.id),
            )
        return self.get(item.id)

    def mark_failed(self, item: Item, error: str) -> Item:
        """Keep it pending and try again later: 10 s, 20 s, 40 s ... up to 15 minutes apart."""
        delay = min(timedelta(seconds=10 * 2 ** min(item.attempts, 10)), MAX_BACKOFF)
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error, (now() + delay).isoformat(), item.id),
            )
        return self.get(item.id)

    def mark_rejected(self, item: Item, error: str) -> Item:
        with self._connect() as db:
            db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                (REJECTED, error, item.id),
            )
        return self.get(item.id)

    def forget_conversation(self, conversation_id: str) -> int:
        """Delete what the outbox holds for a conversation (the patient asked to be forgotten)."""
        with self._connect() as db:
            return db.execute("DELETE FROM outbox WHERE conversation_id = ?", (conversation_id,)).rowcount

    def delete_finished_before(self, cutoff: float) -> int:
        """Delete delivered and refused items created before `cutoff` (Unix time); pending ones stay."""
        before = datetime.fromtimestamp(cutoff, tz=timezone.utc).isoformat()
        with self._connect() as db:
            return db.execute(
                "DELETE FROM outbox WHERE state != ? AND created_at < ?", (PENDING, before)
            ).rowcount

    def counts(self) -> Dict[str, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            with db:
                yield db


def _item(row: sqlite3.Row) -> Item:
    return Item(
        id=row["id"],
        kind=row["kind"],
        idempotency_key=row["idempotency_key"],
        conversation_id=row["conversation_id"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        response=json.loads(row["response"]) if row["response"] else None,
    )

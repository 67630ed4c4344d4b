"""Idempotency-Key handling: the first response is stored with the record it created and replayed for retries."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any, Callable, Dict, Optional, Tuple

import sqlalchemy as sa
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .db import idempotency_keys, utcnow
from .errors import ApiError, raw_json_response

logger = logging.getLogger("bot.consultation_api")
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REPLAY_HEADER = "Idempotent-Replayed"

Creator = Callable[[Connection], Tuple[int, Dict[str, Any]]]


def require_key(request: Request) -> str:
    """The request's Idempotency-Key header, or 400 when it is missing or malformed."""
    key = request.headers.getone("idempotency-key", None)
    if key is None or key == "":
        raise ApiError(400, "idempotency_key_missing", "The Idempotency-Key header is required.")
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            "The Idempotency-Key header must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'.",
        )
    return key


def body_hash(body: Any) -> str:
    """SHA-256 of the canonical JSON form of a request body (key order and whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_once(engine: Engine, scope: str, key: str, body: Any, create: Creator) -> HTTPResponse:
    """Run `create` once per (scope, key) and answer with its response; replay that response for a retry.

    `create` runs in the transaction that also stores the key, so a record and its key exist together or not
    at all. Two identical requests racing both try to insert the key; the unique constraint lets one win and
    the loser, after its rollback, replays the winner's stored response.
    """
    digest = body_hash(body)
    with engine.connect() as connection:
        stored = _find(connection, scope, key)
    if stored is not None:
        return _replay(stored, digest)
    try:
        with engine.begin() as connection:
            status, payload = create(connection)
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            connection.execute(
                idempotency_keys.insert().values(
                    scope=scope,
                    key=key,
                    request_hash=digest,
                    status_code=status,
                    response_body=text,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        with engine.connect() as connection:
            stored = _find(connection, scope, key)
        if stored is None:
            raise
        logger.info("idempotency key of %s raced with a concurrent request: replaying its response", scope)
        return _replay(stored, digest)
    return raw_json_response(text, status)


def _find(connection: Connection, scope: str, key: str) -> Optional[sa.engine.Row]:
    query = sa.select(idempotency_keys).where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
    return connection.execute(query).first()


def _replay(stored: sa.engine.Row, digest: str) -> HTTPResponse:
    if stored.request_hash != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body.",
        )
    return raw_json_response(stored.response_body, stored.status_code, {REPLAY_HEADER: "true"})

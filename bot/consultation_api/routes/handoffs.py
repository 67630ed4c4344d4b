"""Hand-offs to a human: an idempotent ticket with the conversation's transcript."""
from __future__ import annotations

import json
import logging

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from .. import idempotency
from ..db import handoffs, isoformat, utcnow
from ..references import CONSULTATION_PREFIX, HANDOFF_PREFIX, is_reference, make_reference
from ..validation import invalid_field, parse_json, validate

logger = logging.getLogger("bot.consultation_api")
SCOPE = "handoffs"


async def create_handoff(request: Request) -> HTTPResponse:
    key = idempotency.require_key(request)
    body = parse_json(request)
    validate(body, "HandoffRequest")
    consultation_reference = body.get("consultation_reference")
    if consultation_reference is not None and not is_reference(consultation_reference, CONSULTATION_PREFIX):
        raise invalid_field("consultation_reference", "must be a consultation reference such as PH-2026-000123")

    def create(connection: Connection):
        now = utcnow()
        inserted = connection.execute(
            handoffs.insert().values(
                status="open",
                created_at=now,
                updated_at=now,
                language=body["language"],
                channel=body["channel"],
                conversation_id=body["conversation_id"],
                reason=body.get("reason", ""),
                # Not checked against existing requests: the bot's outbox may still be delivering that request.
                consultation_reference=consultation_reference,
                transcript=json.dumps(body.get("transcript", []), ensure_ascii=False),
            )
        )
        row_id = inserted.inserted_primary_key[0]
        ticket = make_reference(HANDOFF_PREFIX, now.year, row_id)
        connection.execute(handoffs.update().where(handoffs.c.id == row_id).values(ticket=ticket))
        logger.info("hand-off %s created (language %s, channel %s)", ticket, body["language"], body["channel"])
        return 201, {"ticket": ticket, "status": "open", "created_at": isoformat(now)}

    return idempotency.run_once(request.app.ctx.engine, SCOPE, key, body, create)


def register(app: Sanic) -> None:
    app.add_route(create_handoff, "/v1/handoffs", methods=["POST"], name="create_handoff")

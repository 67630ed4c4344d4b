"""The right to be forgotten: anonymise a conversation's consultation requests and hand-offs, delete its files."""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote

import sqlalchemy as sa
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from ..db import consultations, documents, handoffs, upload_links, utcnow
from ..errors import json_response

logger = logging.getLogger("bot.consultation_api")
_STORABLE_ID = re.compile("[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]{1,200}")


async def forget_conversation(request: Request, conversation_id: str) -> HTTPResponse:
    # Sanic 21.12 hands over path parameters still percent-encoded (its `unquote` route option has no effect).
    conversation_id = unquote(conversation_id)
    if not _STORABLE_ID.fullmatch(conversation_id):  # could never have been stored: nothing to anonymise
        return json_response({"anonymised_consultations": 0, "anonymised_handoffs": 0})
    now = utcnow()
    with request.app.ctx.engine.begin() as connection:
        ids = [
            row.id
            for row in connection.execute(
                sa.select(consultations.c.id).where(consultations.c.conversation_id == conversation_id)
            )
        ]
        stored_names = []
        if ids:
            stored_names = [
                row.stored_name
                for row in connection.execute(
                    sa.select(documents.c.stored_name).where(documents.c.consultation_id.in_(ids))
                )
            ]
            connection.execute(documents.delete().where(documents.c.consultation_id.in_(ids)))
            connection.execute(upload_links.delete().where(upload_links.c.consultation_id.in_(ids)))
            connection.execute(
                consultations.update()
                .where(consultations.c.id.in_(ids))
                .values(
                    patient_name=None,
                    patient_age=None,
                    patient_country=None,
                    contact_value=None,
                    diagnosis_text=None,
                    description=None,
                    transcript_summary=None,
                    conversation_id=None,
                    anonymised_at=now,
                )
            )
        anonymised_handoffs = connection.execute(
            handoffs.update()
            .where(handoffs.c.conversation_id == conversation_id)
            .values(reason=None, transcript=None, conversation_id=None, anonymised_at=now)
        ).rowcount
    storage = request.app.ctx.storage
    for name in stored_names:  # after the commit: the rows no longer point at these files
        storage.delete(name)
    logger.info(
        "conversation data forgotten: %d consultation(s), %d hand-off(s), %d document(s)",
        len(ids),
        anonymised_handoffs,
        len(stored_names),
    )
    return json_response({"anonymised_consultations": len(ids), "anonymised_handoffs": anonymised_handoffs})


def register(app: Sanic) -> None:
    app.add_route(
        forget_conversation,
        "/v1/conversations/<conversation_id>/data",
        methods=["DELETE"],
        name="forget_conversation",
    )

"""Documents: the patient's one-time upload page and form, and files sent by the bot from messaging channels."""
from __future__ import annotations

import hashlib
import logging
import re
from typing import Tuple

import sqlalchemy as sa
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from .. import filetypes
from ..db import as_utc, consultations, upload_links, utcnow
from ..documents import checked_files, store_all
from ..errors import ApiError, json_response, not_found, wants_html
from ..pages import received_page, upload_page
from .consultations import find_consultation

logger = logging.getLogger("bot.consultation_api")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def link_not_found() -> ApiError:
    return ApiError(404, "link_not_found", "This upload link does not exist.")


def usable_link(request: Request, token: str) -> Tuple[sa.engine.Row, sa.engine.Row]:
    """The link and its consultation; 404 `link_not_found`, 410 `link_used` or 410 `link_expired` otherwise."""
    if not _TOKEN.fullmatch(token):
        raise link_not_found()
    token_hash = hashlib.sha256(token.encode("ascii")).hexdigest()
    with request.app.ctx.engine.connect() as connection:
        link = connection.execute(sa.select(upload_links).where(upload_links.c.token_hash == token_hash)).first()
        consultation = None
        if link is not None:
            consultation = connection.execute(
                sa.select(consultations).where(consultations.c.id == link.consultation_id)
            ).first()
    if link is None or consultation is None or consultation.anonymised_at is not None:
        raise link_not_found()
    request.ctx.language = consultation.language
    if link.used_at is not None:
        raise ApiError(410, "link_used", "This upload link has already been used; ask the assistant for a new one.")
    if as_utc(link.expires_at) <= utcnow():
        raise ApiError(410, "link_expired", "This upload link has expired; ask the assistant for a new one.")
    return link, consultation


async def upload_form(request: Request, token: str) -> HTTPResponse:
    link, consultation = usable_link(request, token)
    config = request.app.ctx.config
    return upload_page(
        consultation.language,
        consultation.reference,
        as_utc(link.expires_at),
        config.max_upload_mb,
        filetypes.ACCEPT_ATTRIBUTE,
    )


async def upload_files(request: Request, token: str) -> HTTPResponse:
    link, consultation = usable_link(request, token)
    files = checked_files(request, request.app.ctx.config.max_upload_bytes)

    def consume_link(connection: Connection) -> None:
        used = connection.execute(
            upload_links.update()
            .where(upload_links.c.id == link.id, upload_links.c.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if used.rowcount != 1:  # another upload through the same link won the race
            raise ApiError(410, "link_used", "This upload link has already been used; ask the assistant for a new one.")

    stored = store_all(
        request.app.ctx.engine, request.app.ctx.storage, consultation.id, files, "upload_link", consume_link
    )
    logger.info("%d document(s) uploaded for consultation %s", len(stored), consultation.reference)
    if wants_html(request):
        return received_page(consultation.language, len(stored))
    return json_response({"documents": stored}, 201)


async def add_documents(request: Request, reference: str) -> HTTPResponse:
    consultation = find_consultation(request.app.ctx.engine, reference)
    if consultation is None:
        raise not_found()
    files = checked_files(request, request.app.ctx.config.max_upload_bytes)
    stored = store_all(request.app.ctx.engine, request.app.ctx.storage, consultation.id, files, "api")
    logger.info("%d document(s) added to consultation %s", len(stored), reference)
    return json_response({"documents": stored}, 201)


def register(app: Sanic) -> None:
    app.add_route(upload_form, "/upload/<token>", methods=["GET"], name="upload_form")
    app.add_route(upload_files, "/upload/<token>", methods=["POST"], name="upload_files")
    app.add_route(add_documents, "/v1/consultations/<reference>/documents", methods=["POST"], name="add_documents")

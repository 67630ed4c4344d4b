"""Consultation requests: create (idempotent), status for the patient, status change for staff, upload links."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine

from .. import idempotency
from ..db import consultations, isoformat, upload_links, utcnow
from ..errors import json_response, not_found
from ..references import CONSULTATION_PREFIX, is_reference, make_reference
from ..validation import normalise_contact, parse_json, parse_rfc3339, proof_candidates, validate

logger = logging.getLogger("bot.consultation_api")
SCOPE = "consultations"
INITIAL_STATUS = "received"
# Compared against when the reference is unknown, so both 404 paths do the same work.
_NO_CONTACT = secrets.token_hex(32)


def find_consultation(engine: Engine, reference: str) -> Optional[sa.engine.Row]:
    """The consultation with this reference unless it is malformed, unknown or anonymised."""
    if not is_reference(reference, CONSULTATION_PREFIX):
        return None
    with engine.connect() as connection:
        row = connection.execute(sa.select(consultations).where(consultations.c.reference == reference)).first()
    return row if row is not None and row.anonymised_at is None else None


def status_payload(row: sa.engine.Row) -> dict:
    return {"reference": row.reference, "status": row.status, "updated_at": isoformat(row.updated_at)}


async def create_consultation(request: Request) -> HTTPResponse:
    key = idempotency.require_key(request)
    body = parse_json(request)
    validate(body, "ConsultationRequest")
    contact = normalise_contact(body["contact"]["kind"], body["contact"]["value"])

    def create(connection: Connection):
        now = utcnow()
        patient, diagnosis, consent = body["patient"], body["diagnosis"], body["consent"]
        summary = body.get("transcript_summary")
        inserted = connection.execute(
            consultations.insert().values(
                status=INITIAL_STATUS,
                created_at=now,
                updated_at=now,
                patient_relation=patient["relation"],
                patient_name=patient["name"].strip(),
                patient_age=patient["age"],
                patient_country=patient["country"].strip(),
                contact_kind=body["contact"]["kind"],
                contact_value=contact,
                contact_app=body["contact"].get("app"),
                contact_guardian=body["contact"].get("guardian", False),
                cancer_type=diagnosis["cancer_type"],
                diagnosis_status=diagnosis["status"],
                diagnosis_text=diagnosis.get("text", ""),
                treatment_stage=body["treatment_stage"],
                interest=body["interest"],
                reports_available=body["reports_available"],
                description=body.get("description", ""),
                language=body["language"],
                channel=body["channel"],
                conversation_id=body["conversation_id"],
                consent_given_at=parse_rfc3339(consent["given_at"]),
                consent_language=consent["language"],
                consent_text_version=consent["text_version"],
                transcript_summary=json.dumps(summary, ensure_ascii=False) if summary is not None else None,
            )
        )
        row_id = inserted.inserted_primary_key[0]
        reference = make_reference(CONSULTATION_PREFIX, now.year, row_id)
        connection.execute(consultations.update().where(consultations.c.id == row_id).values(reference=reference))
        logger.info("consultation %s created (language %s, channel %s)", reference, body["language"], body["channel"])
        return 201, {
            "reference": reference,
            "status": INITIAL_STATUS,
            "created_at": isoformat(now),
            "links": {"self": f"/v1/consultations/{reference}"},
        }

    return idempotency.run_once(request.app.ctx.engine, SCOPE, key, body, create)


async def consultation_status(request: Request, reference: str) -> HTTPResponse:
    body = parse_json(request)
    validate(body, "StatusProof")
    row = find_consultation(request.app.ctx.engine, reference)
    stored = (row.contact_value if row is not None else None) or _NO_CONTACT
    matched = False
    for candidate in proof_candidates(body["contact"]):
        matched |= hmac.compare_digest(candidate.encode("utf-8"), stored.encode("utf-8"))
    if row is None or not matched:
        raise not_found()
    return json_response(status_payload(row))


async def update_consultation_status(request: Request, reference: str) -> HTTPResponse:
    body = parse_json(request)
    validate(body, "StatusUpdate")
    if not is_reference(reference, CONSULTATION_PREFIX):
        raise not_found()
    with request.app.ctx.engine.begin() as connection:
        updated = connection.execute(
            consultations.update()
            .where(consultations.c.reference == reference, consultations.c.anonymised_at.is_(None))
            .values(status=body["status"], updated_at=utcnow())
        )
        if updated.rowcount != 1:
            raise not_found()
        row = connection.execute(sa.select(consultations).where(consultations.c.reference == reference)).first()
    logger.info("consultation %s status set to %s", reference, body["status"])
    return json_response(status_payload(row))


async def create_upload_link(request: Request, reference: str) -> HTTPResponse:
    config = request.app.ctx.config
    row = find_consultation(request.app.ctx.engine, reference)
    if row is None:
        raise not_found()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(hours=config.upload_link_hours)
    with request.app.ctx.engine.begin() as connection:
        connection.execute(
            upload_links.insert().values(
                consultation_id=row.id,
                token_hash=hashlib.sha256(token.encode("ascii")).hexdigest(),
                created_at=now,
                expires_at=expires_at,
            )
        )
    logger.info("upload link created for consultation %s", reference)
    return json_response({"url": f"{config.public_url}/upload/{token}", "expires_at": isoformat(expires_at)}, 201)


def register(app: Sanic) -> None:
    app.add_route(create_consultation, "/v1/consultations", methods=["POST"], name="create_consultation")
    app.add_route(
        update_consultation_status, "/v1/consultations/<reference>", methods=["PATCH"], name="update_consultation"
    )
    app.add_route(
        consultation_status, "/v1/consultations/<reference>/status", methods=["POST"], name="consultation_status"
    )
    app.add_route(
        create_upload_link, "/v1/consultations/<reference>/upload-links", methods=["POST"], name="create_upload_link"
    )

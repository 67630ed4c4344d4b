"""Hand-off tickets: HO- references, idempotency, validation."""
import re
from datetime import datetime, timezone

import pytest


def handoff(**changes):
    body = {
        "language": "ru",
        "channel": "telegram",
        "conversation_id": "tg-12345",
        "reason": "The patient asked for a person.",
        "consultation_reference": None,
        "transcript": [
            {"sender": "patient", "text": "Хочу поговорить с человеком", "timestamp": "2026-11-26T15:49:00+03:00"},
            {"sender": "bot", "text": "Передаю ваш вопрос сотруднику.", "timestamp": 1795704540},
        ],
    }
    body.update(changes)
    return body


def test_a_handoff_creates_an_open_ticket(api, new_key):
    response = api.post("/v1/handoffs", handoff(), key=new_key())
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert re.fullmatch(rf"HO-{datetime.now(timezone.utc).year}-\d{{6}}", ticket["ticket"])
    assert ticket["status"] == "open"
    [row] = api.query("SELECT * FROM handoffs WHERE ticket = :t", t=ticket["ticket"])
    assert row.language == "ru" and row.conversation_id == "tg-12345" and "человеком" in row.transcript


def test_a_handoff_is_idempotent(api, new_key):
    key, body = new_key(), handoff(conversation_id=new_key())
    first = api.post("/v1/handoffs", body, key=key)
    second = api.post("/v1/handoffs", body, key=key)
    assert second.status_code == 201 and second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(api.query("SELECT id FROM handoffs WHERE conversation_id = :c", c=body["conversation_id"])) == 1
    reused = api.post("/v1/handoffs", handoff(conversation_id="tg-other"), key=key)
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"


def test_minimal_handoff_and_one_linked_to_a_consultation(api, created, new_key):
    minimal = {"language": "en", "channel": "rest", "conversation_id": "c-minimal"}
    assert api.post("/v1/handoffs", minimal, key=new_key()).status_code == 201
    linked = handoff(consultation_reference=created[1]["reference"])
    response = api.post("/v1/handoffs", linked, key=new_key())
    assert response.status_code == 201
    [row] = api.query("SELECT consultation_reference FROM handoffs WHERE ticket = :t", t=response.json()["ticket"])
    assert row.consultation_reference == created[1]["reference"]


def test_handoff_needs_an_idempotency_key(api):
    response = api.post("/v1/handoffs", handoff())
    assert response.status_code == 400 and response.json()["error"]["code"] == "idempotency_key_missing"


@pytest.mark.parametrize("changes, field", [
    ({"language": "de"}, "language"),
    ({"conversation_id": ""}, "conversation_id"),
    ({"reason": "x" * 501}, "reason"),
    ({"consultation_reference": "HO-2026-000001"}, "consultation_reference"),
    ({"consultation_reference": "PH-2026-000001\n"}, "consultation_reference"),
    ({"transcript": [{"sender": "bot", "text": "hi"}] * 201}, "transcript"),
    ({"transcript": [{"sender": "bot"}]}, "transcript.0.text"),
    ({"transcript": [{"sender": "bot", "text": "hi", "timestamp": -1}]}, "transcript.0.timestamp"),
    ({"transcript": "hello"}, "transcript"),
    ({"ticket": "HO-1"}, "ticket"),
])
def test_invalid_handoffs(api, new_key, changes, field):
    response = api.post("/v1/handoffs", handoff(**changes), key=new_key())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [detail["field"] for detail in error["details"]]

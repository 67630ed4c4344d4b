"""Creating consultation requests over HTTP: references, idempotency, authentication, validation."""
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import requests

REFERENCE = re.compile(r"PH-(\d{4})-\d{6}")


def rows_for(api, conversation_id):
    return api.query("SELECT * FROM consultations WHERE conversation_id = :c", c=conversation_id)


def test_create_returns_a_reference_and_stores_the_request_normalised(api, make_body):
    body = make_body()
    response = api.create_consultation(body)
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Idempotent-Replayed" not in response.headers
    created = response.json()
    match = REFERENCE.fullmatch(created["reference"])
    assert match and int(match.group(1)) == datetime.now(timezone.utc).year
    assert created["status"] == "received"
    assert created["links"] == {"self": f"/v1/consultations/{created['reference']}"}
    assert datetime.fromisoformat(created["created_at"].replace("Z", "+00:00")).tzinfo is not None
    [row] = rows_for(api, body["conversation_id"])
    assert row.reference == created["reference"]
    assert row.contact_value == "jana.novakova@example.org"
    assert row.patient_name == "Jana Nováková" and row.patient_age == 54
    assert json.loads(row.transcript_summary) == body["transcript_summary"]


def test_references_are_distinct(api, make_body):
    references = {api.create_consultation(make_body()).json()["reference"] for _ in range(3)}
    assert len(references) == 3


def test_phone_contact_is_stored_as_e164(api, make_body):
    body = make_body(contact={"kind": "phone", "value": "+49 (30) 1234-5678"})
    assert api.create_consultation(body).status_code == 201
    [row] = rows_for(api, body["conversation_id"])
    assert row.contact_value == "+493012345678"


def test_same_key_and_body_replays_the_first_response_and_creates_nothing(api, make_body, new_key):
    body, key = make_body(), new_key()
    first = api.create_consultation(body, key)
    second = api.create_consultation(body, key)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(rows_for(api, body["conversation_id"])) == 1


def test_replay_ignores_key_order_and_whitespace(api, make_body, new_key):
    body, key = make_body(), new_key()
    first = api.create_consultation(body, key)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=3).encode()
    second = requests.post(api.url("/v1/consultations"), data=reordered, timeout=30,
                           headers=api.auth(**{"Idempotency-Key": key, "Content-Type": "application/json"}))
    assert second.status_code == 201 and second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_a_different_body_is_refused(api, make_body, new_key):
    body, key = make_body(), new_key()
    assert api.create_consultation(body, key).status_code == 201
    changed = dict(body, description="something else")
    response = api.create_consultation(changed, key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert len(rows_for(api, body["conversation_id"])) == 1


def test_the_same_key_on_another_endpoint_is_independent(api, make_body, new_key):
    key = new_key()
    assert api.create_consultation(make_body(), key).status_code == 201
    handoff = {"language": "en", "channel": "rest", "conversation_id": "c-independent"}
    assert api.post("/v1/handoffs", handoff, key=key).status_code == 201


def test_twenty_parallel_identical_requests_create_one_row(api, make_body, new_key):
    body, key = make_body(), new_key()
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: api.create_consultation(body, key), range(20)))
    assert {response.status_code for response in responses} == {201}
    assert len({response.content for response in responses}) == 1
    assert sum("Idempotent-Replayed" not in response.headers for response in responses) == 1
    assert len(rows_for(api, body["conversation_id"])) == 1


def test_two_server_processes_racing_on_one_database_create_one_row(api, launch, make_body, new_key):
    """The unique key constraint, not the single worker, guarantees one record: two processes share the DB."""
    twin = launch(CONSULTATION_API_DB_URL=api.db_url, CONSULTATION_API_STORAGE=str(api.storage))
    for _ in range(3):
        body, key = make_body(), new_key()
        servers = [api, twin] * 10
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(lambda server, b=body, k=key: server.create_consultation(b, k), servers))
        assert {response.status_code for response in responses} == {201}, [r.text for r in responses]
        assert len({response.json()["reference"] for response in responses}) == 1
        assert len(rows_for(api, body["conversation_id"])) == 1
        assert len(api.query("SELECT id FROM idempotency_keys WHERE key = :k", k=key)) == 1


@pytest.mark.parametrize("key", [None, ""])
def test_missing_idempotency_key(api, make_body, key):
    headers = api.auth(**({"Idempotency-Key": key} if key is not None else {}))
    response = requests.post(api.url("/v1/consultations"), json=make_body(), headers=headers, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_missing"


@pytest.mark.parametrize("key", ["a" * 129, "has space", "semi;colon", "slash/key", "ключ"])
def test_malformed_idempotency_key(api, make_body, key):
    response = requests.post(api.url("/v1/consultations"), json=make_body(), timeout=30,
                             headers=api.auth(**{"Idempotency-Key": key.encode("utf-8")}))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"


def test_longest_allowed_key_works(api, make_body, new_key):
    key = new_key()
    assert api.create_consultation(make_body(), (key + ".-_:" + "a" * 128)[:128]).status_code == 201


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Bearer ", "Basic dGVzdDp0ZXN0", "test-consultation-token-0123456789abcdef"],
)
def test_requests_without_the_right_token_are_refused(api, make_body, authorization):
    headers = {"Idempotency-Key": "k-auth"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = requests.post(api.url("/v1/consultations"), json=make_body(), headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": {"code": "unauthorized", "message": "A valid bearer token is required.", "details": []}
    }


def test_every_v1_endpoint_needs_the_token(api):
    calls = [
        ("POST", "/v1/consultations"),
        ("PATCH", "/v1/consultations/PH-2026-000001"),
        ("POST", "/v1/consultations/PH-2026-000001/status"),
        ("POST", "/v1/consultations/PH-2026-000001/upload-links"),
        ("POST", "/v1/consultations/PH-2026-000001/documents"),
        ("POST", "/v1/handoffs"),
        ("DELETE", "/v1/conversations/c1/data"),
    ]
    for method, path in calls:
        response = requests.request(method, api.url(path), json={}, timeout=30)
        assert response.status_code == 401, (method, path)


def _with(body, path, value):
    """A copy of body with the dotted path set to value (or removed when value is REMOVE)."""
    body = json.loads(json.dumps(body))
    *parents, last = path.split(".")
    node = body
    for name in parents:
        node = node[name]
    if value is REMOVE:
        del node[last]
    else:
        node[last] = value
    return body


REMOVE = object()

VALIDATION_CASES = [
    ("contact", {"kind": "email", "value": "not-an-email"}, "validation_error", "contact.value"),
    ("contact", {"kind": "email", "value": "jana@"}, "validation_error", "contact.value"),
    ("contact", {"kind": "phone", "value": "030 1234567"}, "validation_error", "contact.value"),
    ("contact", {"kind": "phone", "value": "+49 12"}, "validation_error", "contact.value"),
    ("contact", {"kind": "fax", "value": "+49 30 1234567"}, "validation_error", "contact.kind"),
    ("patient.age", 130, "validation_error", "patient.age"),
    ("patient.age", -1, "validation_error", "patient.age"),
    ("patient.age", "54", "validation_error", "patient.age"),
    ("patient.age", 54.5, "validation_error", "patient.age"),
    ("patient.age", True, "validation_error", "patient.age"),
    ("patient.name", "", "validation_error", "patient.name"),
    ("patient.name", "   ", "validation_error", "patient.name"),
    ("patient.name", "x" * 201, "validation_error", "patient.name"),
    ("patient.name", "Jana\u0000", "validation_error", "patient.name"),
    ("patient.nickname", "JN", "validation_error", "patient.nickname"),
    ("favourite_colour", "blue", "validation_error", "favourite_colour"),
    ("patient", REMOVE, "validation_error", "patient"),
    ("patient", "Jana", "validation_error", "patient"),
    ("patient.relation", "friend", "validation_error", "patient.relation"),
    ("diagnosis.cancer_type", "lung", "validation_error", "diagnosis.cancer_type"),
    ("diagnosis.text", "x" * 501, "validation_error", "diagnosis.text"),
    ("description", "x" * 2001, "validation_error", "description"),
    ("language", "de", "validation_error", "language"),
    ("reports_available", "yes", "validation_error", "reports_available"),
    ("channel", "", "validation_error", "channel"),
    ("conversation_id", REMOVE, "validation_error", "conversation_id"),
    ("consent.given", False, "consent_required", "consent.given"),
    ("consent.given", None, "consent_required", "consent.given"),
    ("consent", REMOVE, "validation_error", "consent"),
    ("consent.given_at", "2026-11-26T15:50:00", "validation_error", "consent.given_at"),
    ("consent.given_at", "yesterday", "validation_error", "consent.given_at"),
    ("consent.given_at", "2026-13-40T15:50:00Z", "validation_error", "consent.given_at"),
    ("transcript_summary.topics", ["t"] * 51, "validation_error", "transcript_summary.topics"),
    ("transcript_summary.last_messages", [{"sender": "nurse", "text": "hi"}], "validation_error",
     "transcript_summary.last_messages.0.sender"),
    ("transcript_summary.last_messages", [{"sender": "bot", "text": "x" * 4001}], "validation_error",
     "transcript_summary.last_messages.0.text"),
    ("transcript_summary.last_messages", [{"sender": "bot", "text": "hi", "timestamp": "noon"}],
     "validation_error", "transcript_summary.last_messages.0.timestamp"),
]


@pytest.mark.parametrize("path, value, code, field", VALIDATION_CASES)
def test_invalid_bodies_get_422_with_the_field(api, make_body, path, value, code, field):
    body = _with(make_body(), path, value)
    response = api.create_consultation(body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert field in [detail["field"] for detail in error["details"]]
    assert all(detail["problem"] for detail in error["details"])
    assert rows_for(api, body.get("conversation_id", "-")) == []


def test_several_problems_are_reported_together(api, make_body):
    body = _with(_with(make_body(), "patient.age", 130), "language", "xx")
    error = api.create_consultation(body).json()["error"]
    assert error["code"] == "validation_error"
    assert {"patient.age", "language"} <= {detail["field"] for detail in error["details"]}


def test_consent_false_together_with_other_problems_is_a_validation_error(api, make_body):
    body = _with(_with(make_body(), "consent.given", False), "patient.age", 130)
    assert api.create_consultation(body).json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "raw, code, status",
    [
        (b"{not json", "invalid_json", 400),
        (b"", "invalid_json", 400),
        (b"[]", "invalid_json", 400),
        (b"[{\"patient\": {}}]", "invalid_json", 400),
        (b"\"a string\"", "invalid_json", 400),
        (b"42", "invalid_json", 400),
        (b"null", "invalid_json", 400),
        (b"\xff\xfe\x00garbage", "invalid_json", 400),
        (b"[" * 100000 + b"]" * 100000, "invalid_json", 400),
        (b'{"patient": {"name": "\\ud800"}}', "validation_error", 422),
        (b'{"age": NaN}', "validation_error", 422),
    ],
)
def test_bodies_that_are_not_json_objects(api, raw, code, status):
    response = requests.post(api.url("/v1/consultations"), data=raw, timeout=30,
                             headers=api.auth(**{"Idempotency-Key": "k-raw", "Content-Type": "application/json"}))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_lone_surrogate_in_a_valid_body_is_refused(api, make_body):
    text = json.dumps(make_body()).replace("Jana Nov\\u00e1kov\\u00e1", "Jana \\ud83d")
    response = requests.post(api.url("/v1/consultations"), data=text.encode(), timeout=30,
                             headers=api.auth(**{"Idempotency-Key": "k-surrogate"}))
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "patient.name", "problem": "contains characters that are not allowed"}
    ]


def test_a_body_over_one_megabyte_gets_413(api, make_body):
    body = make_body(description="x" * (1024 * 1024 + 10))
    response = api.create_consultation(body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_messaging_contact_with_its_app(api, make_body):
    body = make_body(contact={"kind": "messaging", "value": "+20 100 123 4567", "app": "whatsapp"})
    reference = api.create_consultation(body).json()["reference"]
    [row] = rows_for(api, body["conversation_id"])
    assert row.contact_kind == "messaging" and row.contact_app == "whatsapp" and row.contact_value == "+201001234567"
    proof = api.post(f"/v1/consultations/{reference}/status", {"contact": "+201001234567"})
    assert proof.status_code == 200


def test_unicode_in_every_language_is_stored(api, make_body):
    body = make_body(patient={"relation": "relative", "name": "王小明 محمد Нгуен", "age": 7, "country": "中国"},
                     contact={"kind": "messaging", "value": "@Telegram_User", "guardian": True}, language="zh")
    assert api.create_consultation(body).status_code == 201
    [row] = rows_for(api, body["conversation_id"])
    assert row.patient_name == "王小明 محمد Нгуен" and row.contact_value == "@telegram_user"
    assert row.contact_guardian

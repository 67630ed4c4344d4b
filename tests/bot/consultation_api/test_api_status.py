"""The patient's status look-up (proof of ownership) and the staff status change."""
import pytest
import requests


def status(api, reference, contact):
    return api.post(f"/v1/consultations/{reference}/status", {"contact": contact})


@pytest.mark.parametrize("proof", ["jana.novakova@example.org", "JANA.NOVAKOVA@EXAMPLE.ORG",
                                   "  Jana.Novakova@Example.org "])
def test_status_with_the_email_the_patient_gave_in_any_case(api, created, proof):
    _body, reference = created[0], created[1]["reference"]
    response = status(api, reference, proof)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["reference"] == reference and result["status"] == "received"
    assert set(result) == {"reference", "status", "updated_at"}


@pytest.mark.parametrize("proof", ["+44 20 7946 0958", "+442079460958", "+44 (20) 7946-0958", "0044 20 7946 0958"])
def test_status_with_the_phone_in_another_format(api, make_body, proof):
    body = make_body(contact={"kind": "phone", "value": "+44 20 7946 0958"})
    reference = api.create_consultation(body).json()["reference"]
    assert status(api, reference, proof).status_code == 200


def test_wrong_contact_and_unknown_reference_get_identical_404s(api, created):
    reference = created[1]["reference"]
    wrong = status(api, reference, "someone.else@example.org")
    unknown = status(api, "PH-2026-999999", "jana.novakova@example.org")
    malformed = status(api, "PH-26-1", "jana.novakova@example.org")
    phone_for_email = status(api, reference, "+44 20 7946 0958")
    for response in (wrong, unknown, malformed, phone_for_email):
        assert response.status_code == 404
        assert response.content == wrong.content
        assert response.headers.get("Content-Type") == wrong.headers.get("Content-Type")
        assert response.headers.get("Content-Length") == wrong.headers.get("Content-Length")
    assert wrong.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"contact": ""}, {"contact": 5}, {"contact": "a@b.org", "name": "x"}])
def test_status_proof_body_is_validated(api, created, body):
    response = api.post(f"/v1/consultations/{created[1]['reference']}/status", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_staff_change_the_status(api, created):
    reference = created[1]["reference"]
    response = requests.patch(api.url(f"/v1/consultations/{reference}"), json={"status": "under_review"},
                              headers=api.auth(), timeout=30)
    assert response.status_code == 200
    assert response.json()["status"] == "under_review"
    assert response.json()["reference"] == reference
    seen = status(api, reference, "jana.novakova@example.org").json()
    assert seen["status"] == "under_review" and seen["updated_at"] == response.json()["updated_at"]
    [row] = api.query("SELECT status FROM consultations WHERE reference = :r", r=reference)
    assert row.status == "under_review"


@pytest.mark.parametrize("body, code, expected", [
    ({"status": "done"}, "validation_error", 422),
    ({"status": "closed", "note": "x"}, "validation_error", 422),
    ({}, "validation_error", 422),
    ([], "invalid_json", 400),
])
def test_status_change_is_validated(api, created, body, code, expected):
    response = requests.patch(api.url(f"/v1/consultations/{created[1]['reference']}"), json=body,
                              headers=api.auth(), timeout=30)
    assert response.status_code == expected
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("reference", ["PH-2026-999999", "PH-2026-1", "HO-2026-000001", "anything"])
def test_status_change_of_an_unknown_reference(api, reference):
    response = requests.patch(api.url(f"/v1/consultations/{reference}"), json={"status": "closed"},
                              headers=api.auth(), timeout=30)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

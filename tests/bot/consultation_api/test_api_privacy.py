"""Forgetting a conversation: records anonymised, documents deleted, references and statuses kept."""
from urllib.parse import quote

import requests

PDF = b"%PDF-1.4\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xdb" + b"\x00" * 64


def forget(api, conversation_id):
    return requests.delete(api.url(f"/v1/conversations/{quote(conversation_id, safe='')}/data"),
                           headers=api.auth(), timeout=30)


def test_forgetting_a_conversation(api, make_body, new_key):
    body = make_body()
    conversation = body["conversation_id"]
    first = api.create_consultation(body).json()["reference"]
    second = api.create_consultation(make_body(conversation_id=conversation, language="ar")).json()["reference"]
    other = make_body()
    untouched = api.create_consultation(other).json()["reference"]
    upload = requests.post(api.upload_link(first), files=[("file", ("a.pdf", PDF)), ("file", ("b.jpg", JPEG))],
                           timeout=30)
    assert upload.status_code == 201
    pending_link = api.upload_link(second)
    sent = requests.post(api.url(f"/v1/consultations/{second}/documents"), files=[("file", ("c.pdf", PDF))],
                         headers=api.auth(), timeout=30)
    assert sent.status_code == 201
    names = {row.stored_name for row in api.query(
        "SELECT d.stored_name FROM documents d JOIN consultations c ON c.id = d.consultation_id "
        "WHERE c.conversation_id = :c", c=conversation)}
    assert len(names) == 3 and names <= api.stored_files()
    handoff = {"language": "en", "channel": "rest", "conversation_id": conversation, "reason": "wants a person",
               "transcript": [{"sender": "patient", "text": "my name is Jana"}]}
    ticket = api.post("/v1/handoffs", handoff, key=new_key()).json()["ticket"]

    response = forget(api, conversation)
    assert response.status_code == 200
    assert response.json() == {"anonymised_consultations": 2, "anonymised_handoffs": 1}

    assert not names & api.stored_files()
    rows = api.query("SELECT * FROM consultations WHERE reference IN (:a, :b)", a=first, b=second)
    assert len(rows) == 2
    for row in rows:
        assert row.patient_name is None and row.contact_value is None and row.patient_age is None
        assert row.patient_country is None and row.diagnosis_text is None and row.description is None
        assert row.transcript_summary is None and row.conversation_id is None
        assert row.status == "received" and row.created_at and row.anonymised_at
        assert row.cancer_type == "breast"
    assert api.query("SELECT d.id FROM documents d JOIN consultations c ON c.id = d.consultation_id "
                     "WHERE c.reference IN (:a, :b)", a=first, b=second) == []
    [ticket_row] = api.query("SELECT * FROM handoffs WHERE ticket = :t", t=ticket)
    assert ticket_row.reason is None and ticket_row.transcript is None and ticket_row.status == "open"
    # The patient's data is gone from every way in.
    proof = api.post(f"/v1/consultations/{first}/status", {"contact": "jana.novakova@example.org"})
    assert proof.status_code == 404
    assert requests.get(pending_link, timeout=30).status_code == 404
    assert api.post(f"/v1/consultations/{first}/upload-links").status_code == 404
    # Other conversations are untouched; forgetting twice finds nothing left.
    [kept] = api.query("SELECT * FROM consultations WHERE reference = :r", r=untouched)
    assert kept.patient_name == "Jana Nováková" and kept.anonymised_at is None
    assert forget(api, conversation).json() == {"anonymised_consultations": 0, "anonymised_handoffs": 0}


def test_conversation_ids_with_special_characters(api, make_body):
    conversation = "whatsapp:+49 30/1234?x=1#frag%"
    assert api.create_consultation(make_body(conversation_id=conversation)).status_code == 201
    assert forget(api, conversation).json() == {"anonymised_consultations": 1, "anonymised_handoffs": 0}


def test_unknown_or_impossible_conversation_ids(api):
    for conversation in ["never-seen", "x" * 500, "nul\x00byte"]:
        response = forget(api, conversation)
        assert response.status_code == 200
        assert response.json() == {"anonymised_consultations": 0, "anonymised_handoffs": 0}


def test_forgetting_needs_the_token(api):
    assert requests.delete(api.url("/v1/conversations/c/data"), timeout=30).status_code == 401


def test_the_log_holds_no_patient_data_or_link_tokens(api, make_body):
    body = make_body(patient={"relation": "self", "name": "Zebulon Quartermaine", "age": 61, "country": "Narnia"},
                     contact={"kind": "phone", "value": "+33 1 42 68 53 00"},
                     description="unmistakable-free-text-marker")
    reference = api.create_consultation(body).json()["reference"]
    link = api.upload_link(reference)
    requests.get(link, timeout=30)
    requests.post(link, files=[("file", ("secret-name.pdf", b"MZ"))], timeout=30)
    api.post(f"/v1/consultations/{reference}/status", {"contact": "+33142685300"})
    log = api.log_text()
    assert reference in log  # the log is written, and references are fine to log
    for secret in ["Zebulon", "Quartermaine", "Narnia", "+33142685300", "42 68 53", "unmistakable-free-text",
                   link.rsplit("/", 1)[-1], "secret-name", body["conversation_id"]]:
        assert secret not in log

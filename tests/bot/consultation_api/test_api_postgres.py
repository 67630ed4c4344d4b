"""The same service on PostgreSQL: a throwaway server from Debian's package (tests/conftest.py), or the one
TEST_POSTGRES_URL names (a database the tests may fill; every record they create has its own conversation id).
"""
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(scope="module")
def pg_servers(launch, postgres_url):
    first = launch(CONSULTATION_API_DB_URL=postgres_url)
    second = launch(first.storage.parent, CONSULTATION_API_DB_URL=postgres_url,
                    CONSULTATION_API_STORAGE=str(first.storage))
    engine = sa.create_engine(postgres_url, future=True)
    yield first, second, engine
    engine.dispose()


def count(engine, table, conversation_id):
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE conversation_id = :c"),
                                  {"c": conversation_id}).scalar()


def test_the_whole_flow_on_postgresql(pg_servers, make_body, new_key):
    api, twin, engine = pg_servers
    body, key = make_body(contact={"kind": "phone", "value": "+33 1 42 68 53 00"}), new_key()
    conversation = body["conversation_id"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda server: server.create_consultation(body, key), [api, twin] * 10))
    assert {response.status_code for response in responses} == {201}
    assert len({response.content for response in responses}) == 1
    assert count(engine, "consultations", conversation) == 1
    reference = responses[0].json()["reference"]
    assert api.create_consultation(dict(body, description="other"), key).status_code == 422

    assert api.post(f"/v1/consultations/{reference}/status", {"contact": "+33142685300"}).status_code == 200
    assert api.post(f"/v1/consultations/{reference}/status", {"contact": "+33142685301"}).status_code == 404
    patched = requests.patch(api.url(f"/v1/consultations/{reference}"), json={"status": "answered"},
                             headers=api.auth(), timeout=30)
    assert patched.status_code == 200 and patched.json()["status"] == "answered"

    link = api.upload_link(reference)
    assert requests.get(link, timeout=30).status_code == 200
    uploaded = requests.post(link, files=[("file", ("a.pdf", PDF))], timeout=30)
    assert uploaded.status_code == 201
    assert requests.get(link, timeout=30).status_code == 410

    handoff = {"language": "en", "channel": "rest", "conversation_id": conversation,
               "transcript": [{"sender": "patient", "text": "help"}]}
    ticket = api.post("/v1/handoffs", handoff, key=new_key())
    assert ticket.status_code == 201 and ticket.json()["ticket"].startswith("HO-")

    nul = api.create_consultation(make_body(description="nul \u0000 byte"))
    assert nul.status_code == 422  # PostgreSQL cannot store NUL: refused before it reaches the database

    forgotten = requests.delete(api.url(f"/v1/conversations/{quote(conversation, safe='')}/data"),
                                headers=api.auth(), timeout=30)
    assert forgotten.json() == {"anonymised_consultations": 1, "anonymised_handoffs": 1}
    assert count(engine, "consultations", conversation) == 0
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT patient_name, status FROM consultations WHERE reference = :r"),
                                 {"r": reference}).one()
    assert row.patient_name is None and row.status == "answered"

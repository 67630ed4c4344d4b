"""Whatever the API does, a request written to the outbox ends up in its database exactly once."""
import copy

import pytest

from actions.consultation.delivery import deliver, deliver_due
from actions.consultation.outbox import CONSULTATION, DELIVERED, PENDING, REJECTED, Outbox

REQUEST = {
    "patient": {"relation": "self", "name": "Lan Nguyen", "age": 52, "country": "Vietnam"},
    "contact": {"kind": "phone", "value": "+84912345678", "guardian": False},
    "diagnosis": {"cancer_type": "breast", "status": "confirmed", "text": "ung thư vú"},
    "treatment_stage": "surgery_planned",
    "interest": "iort",
    "reports_available": True,
    "description": "Surgery next month.",
    "language": "vi",
    "channel": "rest",
    "conversation_id": "conversation-delivery",
    "consent": {"given": True, "given_at": "2026-11-26T10:00:00+00:00", "language": "vi", "text_version": "1"},
    "transcript_summary": {"topics": ["ask_iort_what"], "last_messages": [{"sender": "patient", "text": "IORT?"}]},
}


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path / "outbox.sqlite3")


def test_api_down_at_submission_then_started_gives_one_record(api, outbox, client_for):
    item = outbox.add(CONSULTATION, "conversation-delivery", REQUEST)
    assert deliver(outbox, client_for(api.url, outbox), item).state == PENDING
    api.start()
    due = outbox.due()
    assert due == [], "a failed item waits before the next attempt"
    with outbox._connect() as db:  # the worker's next round: make the item due now
        db.execute("UPDATE outbox SET next_attempt_at = created_at")
    assert deliver_due(outbox, client_for(api.url, outbox)) == 1
    assert deliver_due(outbox, client_for(api.url, outbox)) == 0
    [record] = api.consultations()
    assert outbox.get(item.id).response["reference"] == record["reference"]


def test_api_answering_500_after_storing_then_201_gives_one_record(api, proxy, outbox, client_for):
    api.start()
    proxy.script = ["500-after", "500"]
    item = deliver(outbox, client_for(proxy.url, outbox, attempts=3), outbox.add(CONSULTATION, "c", REQUEST))
    assert item.state == DELIVERED and proxy.seen == 3
    [record] = api.consultations()
    assert item.response["reference"] == record["reference"]


def test_429_with_retry_after_is_retried(api, proxy, outbox, client_for):
    api.start()
    proxy.script = ["429"]
    item = deliver(outbox, client_for(proxy.url, outbox), outbox.add(CONSULTATION, "c", REQUEST))
    assert item.state == DELIVERED and proxy.seen == 2
    assert len(api.consultations()) == 1


def test_the_same_submission_sent_twice_gives_one_record(api, outbox, client_for):
    api.start()
    item = outbox.add(CONSULTATION, "c", REQUEST)
    first = deliver(outbox, client_for(api.url, outbox), item)
    second = deliver(outbox, client_for(api.url, outbox), item)
    assert first.response["reference"] == second.response["reference"]
    assert len(api.consultations()) == 1


def test_a_request_the_api_refuses_is_kept_as_rejected_and_not_retried(api, outbox, client_for):
    api.start()
    broken = copy.deepcopy(REQUEST)
    broken["patient"]["age"] = 300
    item = deliver(outbox, client_for(api.url, outbox), outbox.add(CONSULTATION, "c", broken))
    assert item.state == REJECTED
    assert outbox.due() == [] and api.consultations() == []
    assert outbox.counts() == {REJECTED: 1}

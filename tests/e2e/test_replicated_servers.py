"""Two Rasa servers behind one address, sharing a PostgreSQL tracker store and a Redis lock store, as deployed
(docs/deployment.md): messages of one conversation may reach either server, even at the same moment, and
nothing is lost, duplicated or mixed up.

`make replicas-test` runs only this module; CI runs it with everything else.
"""
import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
import yaml

from bot.languages import SUPPORTED
from bot.serve import latest_model, running_assistant, shared_store_settings
from bot.tools.local_redis import temporary_redis
from tests.e2e.conftest import Patient, channel_settings
from tests.e2e.test_messaging_channels import WeChat, WhatsApp, occurrences, same_words, text_of, wait_for_text

CONVERSATIONS = yaml.safe_load(Path(__file__).with_name("consultations.yml").read_text(encoding="utf-8"))
# Questions a patient may send in a quick burst, each with the answer it must get.
BURST = [("What is IORT?", "utter_iort_what"), ("What is intraoperative chemotherapy?", "utter_ioct_what"),
         ("How much does the treatment cost?", "utter_cost"), ("Where is the hospital?", "utter_location_contact"),
         ("How long does the radiation during surgery take?", "utter_iort_duration"),
         ("How long is the recovery after the operation?", "utter_recovery")]


@pytest.fixture(scope="module")
def replicated(postgres_url, platforms, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("replicated")
    with temporary_redis(run_dir / "redis") as (redis_host, redis_port):
        settings = {**shared_store_settings(postgres_url, redis_host, redis_port),
                    "CONSULTATION_API_DB_URL": postgres_url, **channel_settings(platforms)}
        try:
            with running_assistant(run_dir, latest_model(), replicas=2, settings=settings,
                                   delivery_interval=1.0) as assistant:
                yield assistant
        except Exception:
            for log in sorted(run_dir.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
            raise


@pytest.fixture(scope="module")
def database(postgres_url):
    engine = sa.create_engine(postgres_url, future=True)
    yield engine
    engine.dispose()


class AlternatingPatient(Patient):
    """A patient whose messages go to the servers in turn, as a load balancer without sticky sessions sends them."""

    def __init__(self, urls, sender, notices):
        super().__init__(urls[0], sender, notices)
        self.urls = itertools.cycle(urls)

    def says(self, text, **metadata):
        self.url = next(self.urls)
        return super().says(text, **metadata)


def events(database, sender: str) -> list:
    """The conversation's events as stored in the tracker store, in order."""
    query = sa.text("SELECT type_name, data FROM events WHERE sender_id = :sender ORDER BY id")
    with database.connect() as connection:
        return [(row.type_name, json.loads(row.data)) for row in connection.execute(query, {"sender": sender})]


def user_texts(stored: list) -> list:
    return [data.get("text") for kind, data in stored if kind == "user"]


def test_both_servers_answer_from_one_model(replicated):
    assert len(replicated.webhooks) == 2 and len(set(replicated.webhooks)) == 2
    for webhook in replicated.webhooks:
        reply = requests.post(webhook, json={"sender": f"replica-ping-{webhook}", "message": "What is IORT?"},
                              timeout=60)
        assert reply.status_code == 200 and reply.json()


def test_consultation_forms_filled_half_through_each_server(replicated, database, expect, notices):
    """Eight patients at once, one per language; every other message of each reaches the other server."""

    def fill(language: str):
        patient = AlternatingPatient(replicated.webhooks, f"replica-form-{language}", notices)
        return patient, expect(patient, CONVERSATIONS[language]["steps"], language)

    with ThreadPoolExecutor(max_workers=len(SUPPORTED)) as pool:
        results = dict(zip(SUPPORTED, pool.map(fill, SUPPORTED), strict=True))
    for language, (patient, variables) in results.items():
        conversation = CONVERSATIONS[language]
        assert user_texts(events(database, patient.sender)) == [message for message, _ in conversation["steps"]]
        query = sa.text("SELECT * FROM consultations WHERE conversation_id = :sender")
        with database.connect() as connection:
            [record] = [dict(row._mapping) for row in connection.execute(query, {"sender": patient.sender})]
        assert record["reference"] == variables["reference"]
        assert {field: record[field] for field in conversation["record"]} == conversation["record"]


def test_simultaneous_messages_of_one_conversation_are_handled_one_at_a_time(replicated, database, says_response,
                                                                           notices):
    """Six questions of one conversation sent at the same moment, three to each server: the Redis lock makes
    the servers take them one after the other, so each gets its own answer and the stored conversation has
    each message once, each followed by its answer before the next message."""
    senders = [f"replica-burst-{n}" for n in range(4)]
    start = threading.Barrier(len(senders) * len(BURST))

    def send(sender: str, index: int):
        text, _ = BURST[index]
        patient = Patient(replicated.webhooks[index % 2], sender, notices)
        start.wait(timeout=60)
        return patient.says(text)

    jobs = [(sender, index) for sender in senders for index in range(len(BURST))]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        replies = list(pool.map(lambda job: send(*job), jobs))
    for (_, index), answer in zip(jobs, replies, strict=True):
        texts = [reply.get("text") for reply in answer]
        assert any(says_response(text, "en", BURST[index][1]) is not None for text in texts), (BURST[index], texts)
    for sender in senders:
        stored = events(database, sender)
        assert sorted(user_texts(stored)) == sorted(text for text, _ in BURST)
        turns = [data.get("name") if kind == "action" else kind for kind, data in stored
                 if kind == "user" or data.get("name") == "action_listen"]
        turns = turns[turns.index("user"):]  # after the session start
        # user, action_listen, user, action_listen...: no message started before the previous one was answered.
        assert turns == ["user", "action_listen"] * len(BURST), turns


def test_a_numbered_option_shown_by_one_server_is_understood_by_the_other(replicated, platforms, catalogues):
    """WeChat has no buttons: the options are numbered, and the patient's "2" may reach the other server."""
    patient = WeChat(replicated, platforms)
    first, second = replicated.rasa_urls
    patient.rasa = first
    assert patient.text("Чем вы можете помочь?").status_code == 200
    wait_for_text(patient, text_of(catalogues, "ru", "utter_help"))
    payloads = [button["payload"] for button in catalogues["ru"]["utter_help"][0]["buttons"]]
    patient.rasa = second
    assert patient.button("/ask_iort_what", payloads.index("/ask_iort_what") + 1).status_code == 200
    answer = text_of(catalogues, "ru", "utter_iort_what")
    assert same_words(answer) in wait_for_text(patient, answer)


def test_a_message_redelivered_to_the_other_server_is_answered_once(replicated, platforms, catalogues):
    """WhatsApp delivers a message again when the answer is slow; the load balancer may send it to the other
    server."""
    patient = WhatsApp(replicated, platforms)
    first, second = replicated.rasa_urls
    question = patient.body(type="text", text={"body": "Что такое интраоперационная лучевая терапия?"})
    for server in (first, second):
        patient.rasa = server
        assert patient.deliver(question).status_code == 200
    patient.rasa = first
    assert patient.text("Что такое ИОХТ?").status_code == 200  # answered after any second answer would be
    wait_for_text(patient, text_of(catalogues, "ru", "utter_ioct_what"))
    assert len(occurrences(patient, catalogues, "ru", "utter_iort_what")) == 1

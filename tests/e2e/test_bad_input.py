"""Whatever a client sends, nothing crashes and no conversation is lost (docs/bad-input.md is this table)."""
import json
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa


def post_raw(assistant, body: bytes):
    return requests.post(assistant.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=60)


def stored_texts(assistant, sender):
    engine = sa.create_engine(f"sqlite:///{assistant.env['TRACKER_DB']}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
                                  {"s": sender}).scalars()
        return [json.loads(row)["text"] for row in rows]


def test_empty_and_whitespace_messages_get_a_rephrase_prompt(patient, expect):
    expect(patient, [("", ["utter_ask_rephrase"]), ("   \n\t ", ["utter_ask_rephrase"])])


def test_a_50_kb_message_is_cut_with_a_note_and_answered(patient, says_response, assistant):
    replies = [r["text"] for r in patient.says("What is IORT? " + "blah " * 10_000)]
    assert says_response(replies[0], "en", "utter_message_too_long") is not None
    assert len(replies) >= 2
    assert len(stored_texts(assistant, patient.sender)[-1]) == 2000


def test_control_characters_are_removed(patient, expect, assistant):
    expect(patient, [("What\x00 is\x07 IORT\u200b?", ["utter_iort_what"])])
    assert stored_texts(assistant, patient.sender)[-1] == "What is IORT?"


def test_invalid_bodies_get_a_clear_400(assistant):
    for body, code in [(b"\xff\xfe not utf-8", "invalid_encoding"), (b"{not json", "invalid_json"),
                       (b"[1, 2]", "invalid_json"), (b'{"message": "hi"}', "invalid_sender"),
                       (b'{"sender": "x", "message": 42}', "invalid_message"),
                       (b'{"sender": "x", "message": "hi", "metadata": "ru"}', "invalid_metadata")]:
        response = post_raw(assistant, body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == code


def test_emoji_only_keeps_the_conversation_language(patient, expect):
    expect(patient, [("Что такое IORT?", ["utter_iort_what"])], language="ru")
    assert patient.says("👍👍"), "no reply to emoji"


def test_html_and_sql_are_stored_and_answered_as_text(patient, assistant):
    for text in ["<script>alert('x')</script> what is IORT?", "'; DROP TABLE events; --"]:
        assert patient.says(text)
        assert stored_texts(assistant, patient.sender)[-1] == text
    assert patient.says("What is IOCT?"), "the conversation goes on"


def test_three_scripts_in_one_message(patient):
    assert patient.says("IORT это 什么 ما هو")


def test_a_flood_is_slowed_down_politely_and_others_are_unaffected(patient, says_response, expect, notices):
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda n: patient.says(f"What is IORT? ({n})"), range(40)))
    texts = [reply["text"] for batch in replies for reply in batch]
    slow = [t for t in texts if says_response(t, "en", "utter_slow_down")]
    assert len(slow) >= 1
    assert sum(1 for batch in replies if not batch) >= 1, "further flooded messages are dropped quietly"
    other = type(patient)(patient.url, patient.sender + "-neighbour", notices)
    expect(other, [("What is IORT?", ["utter_iort_what"])])

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


def test_a_50_kb_message_is_cut_with_a_note_in_the_conversations_language(patient, catalogues, assistant):
    patient.says("Что такое IORT?")
    replies = [r["text"] for r in patient.says("А какие побочные эффекты? " + "бла " * 12_000)]
    assert replies[0] == catalogues["ru"]["utter_message_too_long"][0]["text"], "the note comes first"
    assert len(replies) >= 2, "then the answer"
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


def test_a_flood_is_slowed_down_politely_and_others_are_unaffected(patient, catalogues, expect, notices):
    slow_down = {catalogue["utter_slow_down"][0]["text"] for catalogue in catalogues.values()}
    with ThreadPoolExecutor(max_workers=60) as pool:  # 60 at once: far more than `burst`, however fast Rasa is
        replies = list(pool.map(lambda n: patient.says(f"What is IORT? ({n})"), range(60)))
    texts = [reply["text"] for batch in replies for reply in batch]
    assert 1 <= sum(text in slow_down for text in texts) <= 8, "one polite note per 10 seconds, not one per message"
    assert sum(1 for batch in replies if not batch) >= 1, "further flooded messages are dropped quietly"
    other = type(patient)(patient.url, patient.sender + "-neighbour", notices)
    expect(other, [("What is IORT?", ["utter_iort_what"])])

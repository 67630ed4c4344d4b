"""Patients chat through Rasa's REST channel with the real servers and the trained model."""
from pathlib import Path

import pytest
import yaml

from bot.languages import SUPPORTED

CONVERSATIONS = yaml.safe_load((Path(__file__).with_name("conversations.yml")).read_text(encoding="utf-8"))


def text_of(catalogues, language, response):
    return catalogues[language][response][0]["text"]


def texts(replies):
    return [r.get("text") for r in replies]


def language_of(catalogues, text):
    """The catalogue languages in which `text` is a response."""
    return {lang for lang, responses in catalogues.items()
            if any(v.get("text") == text for variants in responses.values() for v in variants)}


@pytest.mark.parametrize("language", SUPPORTED)
def test_a_conversation_in_each_language(patient, catalogues, language):
    for message, expected in CONVERSATIONS[language]:
        responses = expected if isinstance(expected, list) else [expected]
        assert texts(patient.says(message)) == [text_of(catalogues, language, r) for r in responses], message


def test_switching_language_mid_conversation(patient, catalogues):
    assert texts(patient.says("What is IORT?")) == [text_of(catalogues, "en", "utter_iort_what")]
    assert texts(patient.says("А что такое IOCT?")) == [text_of(catalogues, "ru", "utter_ioct_what")]


@pytest.mark.parametrize("short", ["ok", "IORT?", "👍"])
def test_one_word_reply_keeps_the_language(patient, catalogues, short):
    patient.says("Что такое интраоперационная лучевая терапия?")
    replies = patient.says(short)
    assert replies, "no reply"
    assert all(language_of(catalogues, t) >= {"ru"} for t in texts(replies))


def test_explicit_request_wins_and_sticks(patient, catalogues):
    assert texts(patient.says("Can you answer in French please?")) == [
        text_of(catalogues, "fr", "utter_language_changed")]
    assert texts(patient.says("What is intraoperative chemotherapy?")) == [
        text_of(catalogues, "fr", "utter_ioct_what")]


def test_language_button_payload(patient, catalogues):
    patient.says("hello")
    assert texts(patient.says('/change_language{"language": "vi"}')) == [
        text_of(catalogues, "vi", "utter_language_changed")]


def test_unsupported_language_gets_the_english_list(patient, catalogues):
    replies = patient.says("Guten Tag, was ist eine intraoperative Strahlentherapie und wie lange dauert sie?")
    assert texts(replies) == [text_of(catalogues, "en", "utter_unsupported_language")]


def test_side_effects_without_a_known_treatment_asks_which(patient, catalogues):
    replies = patient.says("¿Qué efectos secundarios tiene?")
    assert texts(replies) == [text_of(catalogues, "es", "utter_ask_which_treatment")]
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/ask_iort_side_effects", "/ask_ioct_side_effects"]
    assert texts(patient.says("/ask_ioct_side_effects")) == [text_of(catalogues, "es", "utter_ioct_side_effects")]


def test_bot_challenge_says_it_is_automated(patient, catalogues):
    assert texts(patient.says("هل أنت روبوت أم إنسان؟")) == [text_of(catalogues, "ar", "utter_iamabot")]


def test_emergency_gets_urgent_care_advice(patient, catalogues):
    assert texts(patient.says("我伤口一直在大量出血，头很晕")) == [text_of(catalogues, "zh", "utter_emergency")]


def test_gibberish_gets_a_rephrase_prompt_with_topic_buttons(patient, catalogues):
    replies = patient.says("qwzx vbnm plkj")
    assert texts(replies) == [text_of(catalogues, "en", "utter_ask_rephrase")]
    assert 1 <= len(replies[0]["buttons"]) <= 4


def test_first_message_uses_the_channel_locale_when_ambiguous(patient, catalogues):
    replies = patient.says("ok", locale="vi-VN")
    assert replies and all("vi" in language_of(catalogues, t) for t in texts(replies))

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage


def run(slots, text="x", intent="greet", language=None, entities=(), metadata=None):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": list(entities), "language": language or {}, "metadata": metadata or {}}
    tracker = Tracker("patient", slots, message, [], False, None, {}, "action_listen")
    events = ActionSetLanguage().run(CollectingDispatcher(), tracker, {})
    return {e["name"]: e["value"] for e in events}


SURE_RU = {"language": "ru", "confidence": 1.0, "reliable": True, "source": "script"}
UNSURE = {"language": "es", "confidence": 0.5, "reliable": False, "source": "model"}


def test_first_message_sets_the_reply_language():
    assert run({"language": None, "language_explicit": False}, language=SURE_RU) == {"language": "ru"}


def test_unchanged_language_sets_nothing():
    assert run({"language": "ru", "language_explicit": False}, language=SURE_RU) == {}


def test_first_short_message_uses_the_channel_hint():
    hint = {**UNSURE, "language": None, "hint": "vi"}
    assert run({"language": None, "language_explicit": False}, language=hint) == {"language": "vi"}


def test_change_language_with_a_supported_language():
    ar = [{"entity": "language", "value": "ar"}]
    assert run({"language": "en", "language_explicit": False}, intent="change_language",
               entities=ar, language=UNSURE) == {"language": "ar", "language_explicit": True,
                                                 "language_change": "changed"}


def test_change_language_naming_no_language_asks_which():
    assert run({"language": "fr", "language_explicit": False}, intent="change_language",
               language=UNSURE) == {"language_change": "unknown"}


def test_change_language_to_an_unsupported_one():
    de = [{"entity": "language", "value": "de"}]
    assert run({"language": "id", "language_explicit": False}, intent="change_language",
               entities=de, language=UNSURE) == {"language_change": "unsupported"}


def test_language_picker_in_metadata_is_an_explicit_request():
    picked = {**UNSURE, "request": "zh"}
    assert run({"language": "en", "language_explicit": False}, language=picked) == {
        "language": "zh", "language_explicit": True, "language_change": "changed"}


@pytest.mark.parametrize("slots", [{}, {"language": "xx-bogus", "language_explicit": None}])
def test_odd_slot_values_do_not_crash(slots):
    assert run(slots, language=SURE_RU)["language"] == "ru"

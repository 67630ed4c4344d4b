from rasa.shared.nlu.training_data.message import Message

from bot.nlu.unsupported_language import UnsupportedLanguageClassifier


def classify(make_component, language):
    message = Message({"text": "x", "language": language,
                       "intent": {"name": "greet", "confidence": 0.9},
                       "intent_ranking": [{"name": "greet", "confidence": 0.9}]})
    make_component(UnsupportedLanguageClassifier).process([message])
    return message.get("intent")["name"], [r["name"] for r in message.get("intent_ranking")]


def test_sure_unsupported_language_overrides_the_intent(make_component):
    detected = {"language": "de", "confidence": 0.99, "reliable": True, "source": "langdetect"}
    assert classify(make_component, detected) == ("unsupported_language", ["unsupported_language", "greet"])


def test_supported_or_unsure_languages_keep_the_intent(make_component):
    for detected in ({"language": "ru", "reliable": True}, {"language": "de", "reliable": False}, None):
        assert classify(make_component, detected)[0] == "greet"

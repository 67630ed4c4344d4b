import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.locales import load_catalogue
from bot.nlg import LocalizedNaturalLanguageGenerator

DOMAIN = Domain.load("bot/domain")


@pytest.fixture(scope="module")
def nlg():
    return LocalizedNaturalLanguageGenerator(endpoint_config=None, domain=DOMAIN)


def tracker(language=None, ranking=(), first=False):
    """A conversation in progress (the bot has already spoken), or its very first reply when `first`."""
    t = DialogueStateTracker.from_events("patient", [] if first else [BotUttered("Hello")], slots=DOMAIN.slots)
    if language:
        t.update(SlotSet("language", language))
    t.update(UserUttered("x", intent={"name": "nlu_fallback", "confidence": 0.3},
                         parse_data={"intent_ranking": [{"name": n, "confidence": 0.1} for n in ranking]}))
    return t


def generate(nlg, name, t):
    return asyncio.run(nlg.generate(name, t, "rest"))


@pytest.mark.parametrize("language", ["ru", "zh", "ar", "vi"])
def test_answers_in_the_language_slot(nlg, language):
    assert generate(nlg, "utter_iort_what", tracker(language))["text"] == \
        load_catalogue(language)["utter_iort_what"][0]["text"]


def test_english_without_language_slot_or_with_an_unknown_one(nlg):
    english = DOMAIN.responses["utter_iort_what"][0]["text"]
    assert generate(nlg, "utter_iort_what", tracker())["text"] == english
    assert generate(nlg, "utter_iort_what", tracker("de"))["text"] == english


def test_without_the_slot_the_reply_follows_the_message_language(nlg):
    """action_set_language runs on the action server; if that call fails, a Chinese patient still gets Chinese."""
    t = DialogueStateTracker.from_events("patient", [], slots=DOMAIN.slots)
    detected = {"language": "zh", "confidence": 0.99, "reliable": True, "source": "script", "short": False}
    t.update(UserUttered("我想为我父亲申请会诊", intent={"name": "request_consultation", "confidence": 0.9},
                         parse_data={"language": detected}))
    assert t.get_slot("language") is None
    assert generate(nlg, "utter_iort_what", t)["text"].endswith(load_catalogue("zh")["utter_iort_what"][0]["text"])


def test_rephrase_prompt_offers_the_likeliest_topics_first(nlg):
    response = generate(nlg, "utter_ask_rephrase", tracker("es", ranking=["nlu_fallback", "ask_cost", "ask_recovery"]))
    payloads = [b["payload"] for b in response["buttons"]]
    assert payloads[:2] == ["/ask_cost", "/ask_recovery"]
    assert len(payloads) == 4
    assert response["text"] == load_catalogue("es")["utter_ask_rephrase"][0]["text"]


def test_unknown_response_gives_none(nlg):
    assert generate(nlg, "utter_does_not_exist", tracker("fr")) is None


def test_english_follows_the_domain_rasa_hands_over_after_loading_a_model():
    """rasa run creates the generator before the model's domain is known."""
    nlg = LocalizedNaturalLanguageGenerator(endpoint_config=None, domain=None)
    nlg.responses = DOMAIN.responses  # what rasa.core.agent.Agent does on load
    assert generate(nlg, "utter_greet", tracker())["text"] == DOMAIN.responses["utter_greet"][0]["text"]


@pytest.mark.parametrize("language", ["en", "ar", "zh"])
def test_the_first_reply_starts_with_the_notice_once(language):
    fresh = LocalizedNaturalLanguageGenerator(endpoint_config=None, domain=DOMAIN)
    catalogue = DOMAIN.responses if language == "en" else load_catalogue(language)
    notice, answer = catalogue["utter_first_notice"][0]["text"], catalogue["utter_iort_what"][0]["text"]
    first = tracker(language, first=True)
    assert generate(fresh, "utter_iort_what", first)["text"] == f"{notice}\n\n{answer}"
    assert generate(fresh, "utter_iort_what", first)["text"] == answer, "a second response of the same turn"


def test_a_greeting_already_says_it_all(nlg):
    assert generate(nlg, "utter_greet", tracker(first=True))["text"] == DOMAIN.responses["utter_greet"][0]["text"]


def test_a_cut_message_gets_the_note_before_the_answer():
    fresh = LocalizedNaturalLanguageGenerator(endpoint_config=None, domain=DOMAIN)
    t = tracker("ru")
    t.update(UserUttered("Что такое IORT? " + "x" * 3000, metadata={"message_cut": True}))
    catalogue = load_catalogue("ru")
    note, answer = catalogue["utter_message_too_long"][0]["text"], catalogue["utter_iort_what"][0]["text"]
    assert generate(fresh, "utter_iort_what", t)["text"] == f"{note}\n\n{answer}"

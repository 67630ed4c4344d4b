"""The learned red-flag net: catches described emergencies the patterns miss, leaves chit-chat and the past alone."""
import pytest

from bot.nlu.red_flag_model import LEARNED, RedFlagModel
from bot.nlu.red_flags import find_red_flag

INTENTS = [("what are the side effects of IORT?", "ask_iort_side_effects"), ("hello there", "greet"),
           ("my wound is bleeding heavily and won't stop", "report_emergency")]


@pytest.fixture(scope="module")
def model():
    return RedFlagModel.train(INTENTS)


def test_an_emergency_the_patterns_miss_is_caught_by_the_net(model):
    text = "the sheets under my father are all red and wet and it keeps coming"
    assert find_red_flag(text, "en") is None
    assert model.flag(text, "en").category == LEARNED


def test_the_past_and_hypotheticals_silence_the_net_too(model):
    eager = RedFlagModel(model.vectorizer, model.classifier, threshold=0.0)  # flags every long message
    assert eager.flag("my mother is very tired today and sleeps all afternoon", "en").category == LEARNED
    assert eager.flag("what should we do if the sheets under my father get all red and wet?", "en") is None
    assert eager.flag("last month the sheets were all red and wet, now it has stopped", "en") is None


def test_questions_chit_chat_and_the_past_are_not_flagged(model):
    for text in ["what are the side effects of IORT after breast surgery?", "ça me va", "bonjour tout le monde",
                 "can IORT cause bleeding from the wound later on?"]:
        assert model.flag(text, None) is None, text


def test_short_messages_are_left_to_the_patterns(model):
    assert model.probability("arm drops suddenly") >= model.threshold and find_red_flag("arm drops suddenly") is None
    assert model.flag("arm drops suddenly", "en") is None, "three words: the net does not judge"
    assert model.flag("I can't breathe", "en").category == "breathing", "the patterns still catch it"


def test_saved_and_loaded_it_answers_the_same(model, tmp_path):
    path = tmp_path / "net.json"
    model.save(path)
    loaded = RedFlagModel.load(path)
    for text in ["my father is shaking all over and does not answer me", "what does IOCT cost?"]:
        assert loaded.probability(text) == pytest.approx(model.probability(text))
    assert loaded.threshold == model.threshold

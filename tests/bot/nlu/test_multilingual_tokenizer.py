import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.multilingual_tokenizer import MultilingualTokenizer


@pytest.fixture
def tokenizer(make_component):
    return make_component(MultilingualTokenizer)


def words(tokenizer, text, language):
    message = Message({"text": text, "language": {"language": language}})
    tokens = tokenizer.tokenize(message, "text")
    assert all(text[t.start:t.end] == t.text for t in tokens)
    return [t.text for t in tokens]


def test_chinese_characters_are_tokens_and_acronyms_stay_whole(tokenizer):
    assert words(tokenizer, "IORT是什么？", "zh") == ["IORT", "是", "什", "么"]


def test_punctuation_is_dropped_and_spanish_question_marks_split(tokenizer):
    assert words(tokenizer, "¿Qué es la IORT?", "es") == ["Qué", "es", "la", "IORT"]


def test_french_elision_is_split(tokenizer):
    assert "IORT" in words(tokenizer, "c'est quoi l'IORT", "fr")


def test_vietnamese_keeps_syllables_and_drops_punctuation(tokenizer):
    assert words(tokenizer, "IORT là gì?", "vi") == ["IORT", "là", "gì"]


def test_unknown_language_uses_multilingual_rules(tokenizer):
    assert words(tokenizer, "hallo, wie geht's", None)[:2] == ["hallo", "wie"]


def test_every_spacy_pipeline_is_loaded_when_the_model_loads_not_on_a_patients_first_message():
    from bot.nlu import multilingual_tokenizer as module

    assert set(module.PRELOAD_ORDER) == module.SPACY_LANGUAGES | {"xx", "fr"}
    module.preload_tokenizers()
    assert set(module._tokenizers) == set(module.PRELOAD_ORDER)


def test_french_elisions_are_split_and_hyphenated_indonesian_words_are_two_words():
    from bot.nlu.multilingual_tokenizer import spacy_tokenizer

    assert [t.text for t in spacy_tokenizer("fr")("L'IORT, qu’est-ce que c'est")] == [
        "L", "'", "IORT", ",", "qu", "’", "est", "-", "ce", "que", "c", "'", "est"]
    assert [t.text for t in spacy_tokenizer("id")("anak-anak")] == ["anak", "-", "anak"]

"""Patients answer choice questions with a button, its number, or their own words in any language."""
import pytest
import yaml
from rasa.shared.core.domain import Domain

from actions.consultation.answers import (
    answer_tables,
    choice_questions,
    is_cancel,
    messaging_app,
    options,
    resolve_choice,
    typed_answer_questions,
)
from bot.languages import SUPPORTED
from bot.locales import load_catalogues

DOMAIN = Domain.load("bot/domain")
CATALOGUES = load_catalogues(DOMAIN.responses)


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_language_has_an_answer_table_with_the_same_questions_and_options(language):
    english, table = answer_tables()["en"], answer_tables()[language]
    assert set(table) == set(english)
    for question in typed_answer_questions():
        assert set(table[question]) == set(options(question)), (language, question)


@pytest.mark.parametrize("question", [q for q in yaml.safe_load(open("actions/consultation/choices.yml"))])
def test_each_question_has_one_button_per_option_in_every_language(question):
    for language, responses in CATALOGUES.items():
        payloads = [b["payload"] for b in responses[f"utter_ask_{question}"][0]["buttons"]]
        assert payloads == [str(n) for n in range(1, len(options(question)) + 1)], (language, question)


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_button_title_means_its_own_option(language):
    for question in choice_questions():
        titles = [b["title"] for b in CATALOGUES[language][f"utter_ask_{question}"][0]["buttons"]]
        for option, title in zip(options(question), titles, strict=True):
            assert resolve_choice(question, title, titles) == option, (language, question, title)


@pytest.mark.parametrize("text, option", [("2", "relative"), ("２", "relative"), ("٢", "relative"),
                                          ("1.", "self"), ("3", None), ("0", None)])
def test_numbers_pick_the_button_in_that_position(text, option):
    assert resolve_choice("patient_relation", text) == option


@pytest.mark.parametrize("question, text, option", [
    ("patient_relation", "It is for my mother", "relative"),
    ("patient_relation", "это для моей мамы", "relative"),
    ("patient_relation", "para mi padre", "relative"),
    ("interest", "not sure", "not_sure"),
    ("interest", "iort and ioct", "both"),
    ("reports_available", "Yes, I have them", "yes"),
    ("review", "Yes, send it", "send"),
    ("review", "I want to change something", "correct"),
    ("patient_relation", "banana", None),
    ("patient_relation", "", None),
])
def test_typed_answers(question, text, option):
    assert resolve_choice(question, text) == option


@pytest.mark.parametrize("text", ["cancel", "Cancel!", "STOP", "отмена", "取消", "إلغاء", "cancelar", "annuler",
                                  "batal", "hủy"])
def test_cancel_in_every_language(text):
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["no", "my name is Stop Smith", "I cancelled my appointment last year", ""])
def test_not_a_cancel(text):
    assert not is_cancel(text)


def test_messaging_app_named_next_to_a_number():
    assert messaging_app("+62 812 3456 7890 (WhatsApp)") == "whatsapp"
    assert messaging_app("+86 138 0013 8000 微信") == "wechat"
    assert messaging_app("+44 20 7946 0000") is None

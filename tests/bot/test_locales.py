"""Every response exists in every language, with the same buttons, and nothing else."""
import re

import pytest
from rasa.shared.core.domain import Domain

from bot.languages import DEFAULT_LANGUAGE, NATIVE_NAMES, SUPPORTED
from bot.locales import load_catalogue, load_catalogues

DOMAIN = Domain.load("bot/domain")
TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT_LANGUAGE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_has_exactly_the_domain_responses(language):
    catalogue = load_catalogue(language)
    assert sorted(set(DOMAIN.responses) - set(catalogue)) == [], "responses missing"
    assert sorted(set(catalogue) - set(DOMAIN.responses)) == [], "responses the domain does not know"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_buttons_and_figures(language):
    for name, variants in load_catalogue(language).items():
        english = DOMAIN.responses[name][0]
        translated = variants[0]
        assert translated.get("text", "").strip(), f"{language}/{name} has no text"
        assert [b["payload"] for b in translated.get("buttons", [])] == [
            b["payload"] for b in english.get("buttons", [])
        ], f"{language}/{name} buttons differ"
        assert sorted(re.findall(r"\d+", translated["text"])) == sorted(
            re.findall(r"\d+", english["text"])
        ), f"{language}/{name}: a figure was added, dropped or changed"


@pytest.mark.parametrize("language", SUPPORTED)
def test_language_picker_names_languages_in_their_own_scripts(language):
    catalogues = load_catalogues(DOMAIN.responses)
    titles = [b["title"] for b in catalogues[language]["utter_ask_language"][0]["buttons"]]
    assert titles == [NATIVE_NAMES[code] for code in SUPPORTED]


@pytest.mark.parametrize("language", SUPPORTED)
def test_unsupported_language_note_is_english_everywhere(language):
    catalogues = load_catalogues(DOMAIN.responses)
    assert catalogues[language]["utter_unsupported_language"] == DOMAIN.responses["utter_unsupported_language"]
    text = DOMAIN.responses["utter_unsupported_language"][0]["text"]
    assert all(NATIVE_NAMES[code] in text for code in SUPPORTED)


PROMISES = (r"no side effects", r"\bcures?\b", r"guarantee")


def test_english_answers_never_promise_a_cure_or_no_side_effects():
    for name, variants in DOMAIN.responses.items():
        text = variants[0]["text"].lower()
        for pattern in PROMISES:
            if re.search(pattern, text):
                assert "not a cure" in text, f"{name} matches {pattern!r}"

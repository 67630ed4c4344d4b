"""Emergencies are recognised in every language; questions about side effects are not emergencies."""
import pytest
import yaml

import bot.nlu.red_flags as red_flags
from bot.languages import SUPPORTED
from bot.nlu.red_flags import check_examples, check_patterns, find_red_flag, patterns
from bot.tools.red_flag_report import TARGET_FALSE_ALARMS, evaluate_sets, totals

CATEGORIES = {"bleeding", "fever", "seizure", "headache", "confusion_fainting", "breathing", "chest_pain", "wound",
              "weakness_speech", "suicidal"}


@pytest.fixture(scope="module")
def sets():
    return evaluate_sets()


def test_every_language_has_patterns_for_every_category():
    languages = {p.language: {category for category, _ in p.emergency} for p in patterns()}
    assert set(languages) == set(SUPPORTED)
    for language, categories in languages.items():
        assert categories >= CATEGORIES, language


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_pattern_files_own_examples_behave(language):
    assert check_examples(language) == []


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_held_out_sets_are_big_enough(sets, language):
    assert sets["first"][language].emergencies >= 10
    assert sets["first"][language].ordinary >= 100
    for later in ("second", "third", "fourth", "fifth"):
        assert sets[later][language].emergencies >= 40 and sets[later][language].ordinary >= 30


# The recall target (98 %) is met on every set; the false-alarm target (1 %) on the first set's ordinary
# questions, not on the later sets' hard near-misses (past, hypothetical): docs/red-flags.md states the figures.
# These floors and ceilings are today's measurements rounded, so that no change to the patterns may lose what
# they catch today or add false alarms; raise them as the patterns improve.
RECALL_FLOORS = {"first": 0.98, "second": 0.97, "third": 0.985, "fourth": 0.98, "fifth": 0.985}
FALSE_ALARM_CEILINGS = {"first": TARGET_FALSE_ALARMS, "second": 0.08, "third": 0.035, "fourth": 0.055, "fifth": 0.06}


@pytest.mark.parametrize("name", sorted(RECALL_FLOORS))
def test_recall_on_held_out_emergencies(sets, name):
    total = totals(sets[name])
    assert total.recall >= RECALL_FLOORS[name], total.missed


@pytest.mark.parametrize("name", sorted(RECALL_FLOORS))
def test_false_alarms_on_ordinary_questions(sets, name):
    total = totals(sets[name])
    assert total.ordinary >= 200
    assert total.false_alarm_rate <= FALSE_ALARM_CEILINGS[name], total.false_alarms


@pytest.mark.parametrize("text", ["Can IORT cause bleeding?", "What are the side effects of the BCNU wafer?",
                                  "IORT 会引起出血吗？", "¿La IORT puede causar fiebre?"])
def test_a_question_about_a_side_effect_is_not_an_emergency(text):
    assert find_red_flag(text) is None


@pytest.mark.parametrize("text, category", [
    ("I'm bleeding a lot from the wound", "bleeding"),
    ("伤口一直在大量出血", "bleeding"),
    ("МАМА НЕ МОЖЕТ ДЫШАТЬ", "breathing"),   # case
    ("ｍｙ ｍｏｔｈｅｒ ｉｓ ｈａｖｉｎｇ ａ ｓｅｉｚｕｒｅ", "seizure"),  # full width
    ("toi muon chet", "suicidal"),  # Vietnamese without diacritics
])
def test_case_width_and_accents_do_not_hide_an_emergency(text, category):
    found = find_red_flag(text)
    assert found is not None and found.category == category


def test_every_pattern_file_passes_the_checks_training_runs():
    check_patterns()


@pytest.mark.parametrize("pattern, problem", [
    ("Sangre", "must be written folded"),
    ("(bleeding", "bad pattern"),
    ("x*", "matches an empty text"),
])
def test_a_broken_pattern_stops_the_training(tmp_path, monkeypatch, pattern, problem):
    (tmp_path / "xx.yml").write_text(yaml.safe_dump({"emergency": {"bleeding": ["bleeding", pattern]}}),
                                     encoding="utf-8")
    monkeypatch.setattr(red_flags, "PATTERNS_DIR", tmp_path)
    with pytest.raises(ValueError, match=problem):
        check_patterns()

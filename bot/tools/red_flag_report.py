"""Measure the red-flag patterns on the held-out safety set; writes docs/red-flags.md.

Usage: python -m bot.tools.red_flag_report

Five held-out sets, each written independently of the patterns: tests/safety/red_flags/<lang>.yml (the first),
tests/safety/red_flags/second/ to fifth/<lang>.yml (written later, by other authors).
Recall: their `emergencies`.
False alarms: their `not_emergencies`, plus every held-out NLU test message (tests/nlu/<lang>.yml) whose
intent is not report_emergency, side-effect questions included (counted with the first set).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.loading import load_data

from bot.languages import SUPPORTED
from bot.nlu.language_detector import example_language
from bot.nlu.language_id import LanguageIdentifier
from bot.nlu.red_flag_model import RedFlagModel
from bot.nlu.red_flags import message_language

ROOT = Path(__file__).resolve().parents[2]
SAFETY_SET = ROOT / "tests" / "safety" / "red_flags"
HELD_OUT_SETS = {"first": SAFETY_SET, "second": SAFETY_SET / "second", "third": SAFETY_SET / "third",
                 "fourth": SAFETY_SET / "fourth", "fifth": SAFETY_SET / "fifth"}
NLU_TEST_SET = ROOT / "tests" / "nlu"
REPORT = ROOT / "docs" / "red-flags.md"
EMERGENCY_INTENT = "report_emergency"
TARGET_RECALL, TARGET_FALSE_ALARMS = 0.98, 0.01


@dataclass
class LanguageResult:
    language: str
    emergencies: int = 0
    missed: List[str] = field(default_factory=list)
    ordinary: int = 0
    false_alarms: List[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.emergencies if self.emergencies else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.ordinary if self.ordinary else 0.0


def held_out(language: str, folder: Path) -> dict:
    return yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8"))


def ordinary_messages(language: str, folder: Path = SAFETY_SET) -> List[str]:
    """Messages that are not an emergency now: the safety set's `not_emergencies` (and, with the first set,
    the NLU test set)."""
    texts = [item["text"] for item in held_out(language, folder)["not_emergencies"]]
    if folder == SAFETY_SET:
        nlu = RasaYAMLReader().read(NLU_TEST_SET / f"{language}.yml")
        texts += [m.get("text") for m in nlu.intent_examples if m.get("intent") != EMERGENCY_INTENT]
    return texts


@lru_cache(maxsize=1)
def training_data():
    return load_data(str(ROOT / "data" / "nlu"))


@lru_cache(maxsize=1)
def language_identifier() -> LanguageIdentifier:
    """The pipeline's language detector, trained on the same data (bot/nlu/language_detector.py)."""
    return LanguageIdentifier.train(
        (example.get(TEXT), language)
        for example in training_data().training_examples
        if example.get(TEXT) and (language := example_language(example))
    )


@lru_cache(maxsize=1)
def red_flag_model() -> RedFlagModel:
    """The learned safety net, trained as the pipeline's RedFlagClassifier trains it."""
    return RedFlagModel.train((m.get(TEXT), m.get("intent")) for m in training_data().intent_examples)


def red_flag(text: str):
    """What the pipeline's RedFlagClassifier decides for this text: patterns, then the learned net."""
    return red_flag_model().flag(text, message_language(language_identifier().detect(text)))


def evaluate(language: str, folder: Path = SAFETY_SET) -> LanguageResult:
    result = LanguageResult(language)
    for item in held_out(language, folder)["emergencies"]:
        result.emergencies += 1
        if red_flag(item["text"]) is None:
            result.missed.append(item["text"])
    for text in ordinary_messages(language, folder):
        result.ordinary += 1
        found = red_flag(text)
        if found is not None:
            result.false_alarms.append(f"{text} ({found.category}, {found.language})")
    return result


def evaluate_all(folder: Path = SAFETY_SET) -> Dict[str, LanguageResult]:
    return {language: evaluate(language, folder) for language in SUPPORTED}


def evaluate_sets() -> Dict[str, Dict[str, LanguageResult]]:
    """Per held-out set, per language."""
    return {name: evaluate_all(folder) for name, folder in HELD_OUT_SETS.items()}


def totals(results: Dict[str, LanguageResult], name: str = "all") -> LanguageResult:
    total = LanguageResult(name)
    for result in results.values():
        total.emergencies += result.emergencies
        total.missed += result.missed
        total.ordinary += result.ordinary
        total.false_alarms += result.false_alarms
    return total


def met(value: float, ok: bool) -> str:
    return f"{value:.1%} ({'met' if ok else 'NOT met'})"


def table(results: Dict[str, LanguageResult]) -> List[str]:
    lines = ["| language | emergencies | recall | ordinary messages | false alarms |", "|---|---|---|---|---|"]
    for result in [*results.values(), totals(results)]:
        lines.append(f"| {result.language} | {result.emergencies} | {result.recall:.1%} | {result.ordinary} "
                     f"| {len(result.false_alarms)} ({result.false_alarm_rate:.1%}) |")
    return lines


def render(sets: Dict[str, Dict[str, LanguageResult]]) -> str:
    overall = totals({name: totals(results, name) for name, results in sets.items()})
    lines = [
        "# Red flags: measured",
        "",
        "Generated by `python -m bot.tools.red_flag_report` (also checked by `tests/safety/test_red_flags.py`).",
        "Patterns: `bot/nlu/red_flags/<lang>.yml`. Five held-out sets, each written by other authors than the",
        "patterns and never shown to them: `tests/safety/red_flags/<lang>.yml` (first),",
        "`tests/safety/red_flags/second/` to `fifth/<lang>.yml` (written later). Ordinary messages:",
        "each set's `not_emergencies` (side-effect questions, past, hypothetical), plus, with the first set, every",
        "held-out NLU test message that is not an emergency.",
        "",
        f"Targets: recall ≥ {TARGET_RECALL:.0%}, false alarms ≤ {TARGET_FALSE_ALARMS:.0%}. All sets together: "
        f"recall {met(overall.recall, overall.recall >= TARGET_RECALL)} on {overall.emergencies} emergencies, "
        f"false alarms {met(overall.false_alarm_rate, overall.false_alarm_rate <= TARGET_FALSE_ALARMS)} "
        f"on {overall.ordinary} ordinary messages.",
        "",
        "The message's language is detected as in the pipeline (bot/nlu/language_id.py trained on data/nlu), and",
        "decides which `not_now` exceptions apply. A message is flagged as the pipeline's RedFlagClassifier flags",
        "it: by the patterns, or else by the learned safety net (bot/nlu/red_flag_model.py, a character n-gram",
        "classifier trained on the development examples in bot/nlu/red_flag_examples/, the pattern files' examples",
        "and the NLU training data; its flags show as category `learned` below), to which the same `not_now`",
        "exceptions apply. Besides these, the intent classifier can also predict `report_emergency` outside forms;",
        "that is not counted here.",
        "",
        "How the patterns were made: the first held-out set was written first, per language, by authors who never",
        "saw the patterns; the patterns were written by others, with their own examples and counter-examples (kept",
        "in each pattern file and checked by the tests), then generalised on two more independent development sets",
        "(not in the repository). Pattern authors never saw either held-out set. The first set's misses were read",
        "once by the maintainer, who then asked the third development set's authors for more dialect, unaccented,",
        "misspelled and indirect messages; the second held-out set was written at the same time as that development",
        "set, by the same authors but with different sentences, and was measured only after the patterns were done.",
        "The learned net was added after that measurement (the patterns alone: 95.1% on the first set, 79.7% recall",
        "and 7.9% false alarms on the second). Its threshold (0.6) and its minimum length (5 words, 10 CJK",
        "characters) were chosen with both held-out sets' results in view, so the figures below are somewhat",
        "optimistic for the net. The third held-out set was written after all of that, by new authors, and measured",
        "once (recall 97.9%, false alarms 7.0%). Then a fifth development round (past, resolved and hypothetical",
        "messages, side-effect questions) changed the patterns of several languages; each language's change was",
        "accepted (es, id, ar) or rejected (zh: it silenced a current emergency) by measuring it on the held-out",
        "sets. Those accept/reject decisions were taken with the held-out sets in view, so the third set is no",
        "longer untouched either. The fourth set was then written by new authors (500 emergencies, 273 hard",
        "ordinary messages) and measured once, with nothing changed after: recall 97.4%, false alarms 5.9%. It is",
        "the least optimistic figure here. Its misses are mostly indirect: farewell messages without a word of",
        "death, a seizure or a fever described only by what the relative sees. Its false alarms are mostly past or",
        "resolved symptoms and questions about what to do if a symptom comes. Another development round then",
        "aimed at exactly those kinds, with a new development set per language written by new authors (farewells",
        "without a word of death, seizures, fevers and bleeding described indirectly; past, resolved and",
        "hypothetical messages), and changed every language's patterns and development examples. It was kept",
        "because on sets one to four together it missed 25 emergencies instead of 40, with 52 false alarms",
        "instead of 61 (the fourth set: 97.4% to 98.4% recall); that decision looked at those sets, so their",
        "figures are now optimistic.",
        "The fifth set was written at the same time as that development round, by other authors than each",
        "language's development set (never shown to the pattern authors), cleared of the 27 sentences that also",
        "appear word for word in training or development material, and measured once, after the patterns were",
        "final, with nothing changed after: recall 99.2% (4 of 514 missed), false alarms 5.3% (16 of 303 hard",
        "ordinary messages). It is the least optimistic figure here.",
        "",
    ]
    for name, results in sets.items():
        lines += [f"## {name.capitalize()} held-out set", "", *table(results), ""]
    for name, results in sets.items():
        total = totals(results)
        lines += [f"## Missed emergencies ({name} set)", ""] + [f"- {text}" for text in total.missed or ["none"]]
        lines += ["", f"## False alarms ({name} set)", ""]
        lines += [f"- {text}" for text in total.false_alarms or ["none"]] + [""]
    return "\n".join(lines)


def main() -> int:
    sets = evaluate_sets()
    REPORT.write_text(render(sets), encoding="utf-8")
    ok = True
    for name, results in sets.items():
        total = totals(results)
        ok &= total.recall >= TARGET_RECALL and total.false_alarm_rate <= TARGET_FALSE_ALARMS
        print(f"{name} set: recall {total.recall:.1%} on {total.emergencies}, false alarms "
              f"{total.false_alarm_rate:.1%} on {total.ordinary}")
    print(f"written to {REPORT.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

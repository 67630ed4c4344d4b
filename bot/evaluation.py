"""Train the NLU model on data/ and score it on the held-out set in tests/nlu/.

`make evaluate` (python -m bot.evaluation) writes docs/evaluation.json and
docs/evaluation.md: intent accuracy and macro-F1 per language, entity F1, and
language identification per language and message length, beside plain langdetect.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.languages import SUPPORTED, Detection, choose_reply_language
from bot.nlu.language_id import CJK_RANGES, plain_langdetect

ROOT = Path(__file__).resolve().parents[1]
TEST_DIR = ROOT / "tests" / "nlu"
DOCS = ROOT / "docs"
_TOKEN = re.compile(rf"[{CJK_RANGES}]|(?:(?![{CJK_RANGES}])\w)+", re.UNICODE)
SHORT_MAX_WORDS = 3
FALLBACK_INTENT = "nlu_fallback"


def word_count(text: str) -> int:
    """Words as a patient would count them; each Chinese character counts as one."""
    return len(_TOKEN.findall(text))


@dataclass
class Case:
    text: str
    language: str
    intent: str
    entities: List[Tuple[str, str]]


@dataclass
class Outcome:
    case: Case
    intent: str  # the classifier's best intent, even when the fallback threshold hid it
    confidence: float
    fell_back: bool  # the patient would have got the rephrase prompt
    entities: List[Tuple[str, str]]
    detection: Detection
    langdetect: Optional[str]


def load_cases(synonyms: Dict[str, str]) -> List[Case]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    cases = []
    for path in sorted(TEST_DIR.glob("*.yml")):
        for example in RasaYAMLReader().read(path).intent_examples:
            text = example.get("text")
            gold = [
                (e["entity"], synonyms.get(text[e["start"]:e["end"]].casefold(), text[e["start"]:e["end"]].casefold()))
                for e in example.get("entities") or []
            ]
            language = ((example.get("metadata") or {}).get("intent") or {}).get("language") or path.stem
            cases.append(Case(text, language, example.get("intent"), sorted(gold)))
    return cases


def training_synonyms() -> Dict[str, str]:
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "bot" / "config.yml"), str(ROOT / "bot" / "domain"), [str(ROOT / "data")]
    )
    return {k.casefold(): v for k, v in importer.get_nlu_data().entity_synonyms.items()}


def train_model(output: Path, config: Path) -> Tuple[str, float]:
    from rasa.model_training import train_nlu

    started = time.monotonic()
    model = train_nlu(
        config=str(config),
        nlu_data=str(ROOT / "data"),
        output=str(output),
        domain=str(ROOT / "bot" / "domain"),
    )
    return model, time.monotonic() - started


async def predict(model: str, cases: List[Case]) -> List[Outcome]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    outcomes = []
    for case in cases:
        parsed = await agent.parse_message(case.text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        best = ranking[0] if ranking else parsed.get("intent") or {}
        outcomes.append(
            Outcome(
                case=case,
                intent=best.get("name"),
                confidence=float(best.get("confidence") or 0.0),
                fell_back=(parsed.get("intent") or {}).get("name") == FALLBACK_INTENT,
                entities=sorted((e["entity"], str(e.get("value"))) for e in parsed.get("entities") or []),
                detection=Detection.from_dict(parsed.get("language")),
                langdetect=plain_langdetect(case.text),
            )
        )
    return outcomes


def _f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(hits: int, total: int) -> Optional[float]:
    return round(hits / total, 4) if total else None


@dataclass
class LanguageScores:
    examples: int = 0
    intent_accuracy: float = 0.0
    intent_macro_f1: float = 0.0
    fallback_rate: float = 0.0
    answered_correctly: float = 0.0
    entity_f1: float = 0.0
    langid: Dict[str, Dict[str, Optional[float]]] = field(default_factory=dict)


def score(outcomes: List[Outcome]) -> Dict[str, LanguageScores]:
    from sklearn.metrics import f1_score

    by_language: Dict[str, List[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.case.language].append(outcome)
    by_language["all"] = outcomes
    results = {}
    for language, items in by_language.items():
        gold = [o.case.intent for o in items]
        predicted = [o.intent for o in items]
        tp = fp = fn = 0
        for o in items:
            g, p = set(o.case.entities), set(o.entities)
            tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
        langid = {}
        for bucket, selected in (
            ("1-3 words", [o for o in items if word_count(o.case.text) <= SHORT_MAX_WORDS]),
            ("4+ words", [o for o in items if word_count(o.case.text) > SHORT_MAX_WORDS]),
        ):
            n = len(selected)
            langid[bucket] = {
                "messages": n,
                "ours": _ratio(sum(o.detection.language == o.case.language for o in selected), n),
                "ours_in_context": _ratio(sum(_kept_in_context(o) for o in selected), n),
                "first_message": _ratio(sum(_first_message(o) for o in selected), n),
                "plain_langdetect": _ratio(sum(o.langdetect == o.case.language for o in selected), n),
            }
        results[language] = LanguageScores(
            examples=len(items),
            intent_accuracy=round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(items), 4),
            intent_macro_f1=round(
                f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0), 4),
            entity_f1=round(_f1(tp, fp, fn), 4),
            fallback_rate=round(sum(o.fell_back for o in items) / len(items), 4),
            answered_correctly=round(
                sum(o.intent == o.case.intent and not o.fell_back for o in items) / len(items), 4),
            langid=langid,
        )
    return results


def _kept_in_context(o: Outcome) -> bool:
    """Reply language after this message when the conversation was already in its language."""
    return choose_reply_language(o.case.language, False, o.detection).language == o.case.language


def _first_message(o: Outcome) -> bool:
    """Reply language when this message opens a conversation (no channel hint)."""
    return choose_reply_language(None, False, o.detection).language == o.case.language


def write_reports(results: Dict[str, LanguageScores], outcomes: List[Outcome], meta: dict) -> None:
    DOCS.mkdir(exist_ok=True)
    errors = [
        {"language": o.case.language, "text": o.case.text, "expected": o.case.intent,
         "predicted": o.intent, "confidence": round(o.confidence, 3)}
        for o in outcomes if o.intent != o.case.intent
    ]
    confidences = [
        {"correct": o.intent == o.case.intent, "confidence": round(o.confidence, 4)} for o in outcomes
    ]
    payload = {"meta": meta, "results": {k: asdict(v) for k, v in results.items()},
               "intent_errors": errors, "confidences": confidences}
    (DOCS / "evaluation.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    (DOCS / "evaluation.md").write_text(render_markdown(results, errors, meta), encoding="utf-8")


def render_markdown(results: Dict[str, LanguageScores], errors: List[dict], meta: dict) -> str:
    order = [lang for lang in SUPPORTED if lang in results] + ["all"]
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"  # noqa: E731
    lines = [
        "# NLU evaluation (held-out test set)",
        "",
        f"Generated by `make evaluate` on {meta['date']} ({meta['machine']}). Training data: `data/nlu/`; "
        f"test set, never trained on: `tests/nlu/` ({results['all'].examples} messages). "
        f"NLU training took {meta['training_seconds']:.0f} s.",
        "",
        "## Intents and entities",
        "",
        "*intent accuracy* and *macro-F1*: the classifier's best intent; *fallback*: share of messages "
        "under the FallbackClassifier threshold, which get the rephrase prompt with topic buttons "
        "instead of an answer; *answered right*: the right answer without a rephrase prompt; "
        "*entity F1*: (entity, normalised value) pairs.",
        "",
        "| language | messages | intent accuracy | intent macro-F1 | fallback | answered right | entity F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for lang in order:
        r = results[lang]
        lines.append(
            f"| {lang} | {r.examples} | {pct(r.intent_accuracy)} | {r.intent_macro_f1:.3f} | "
            f"{pct(r.fallback_rate)} | {pct(r.answered_correctly)} | {r.entity_f1:.3f} |"
        )
    lines += [
        "",
        "## Language identification",
        "",
        "*ours*: the pipeline's detector alone (its best guess); *in context*: the reply language after the "
        "message when the conversation was already in the message's language (only a confident detection "
        "of another language in another script could switch it: see docs/language-detection.md); *first "
        "message*: the reply language when the message opens a conversation without a channel locale hint "
        "(ambiguous words such as \"ok\" then fall back to English); *langdetect*: plain seeded langdetect "
        "on the raw text.",
        "",
        "| language | 1–3 words: n | ours | in context | first message | langdetect "
        "| 4+ words: n | ours | langdetect |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lang in order:
        short, long = results[lang].langid["1-3 words"], results[lang].langid["4+ words"]
        lines.append(
            f"| {lang} | {short['messages']} | {pct(short['ours'])} | {pct(short['ours_in_context'])} | "
            f"{pct(short['first_message'])} | {pct(short['plain_langdetect'])} | {long['messages']} | "
            f"{pct(long['ours'])} | {pct(long['plain_langdetect'])} |"
        )
    lines += ["", "## Targets (issue 2)", ""] + render_targets(results) + [""] + render_confusions(errors)
    lines += [
        "",
        "How blind the test set is: the helpers who wrote each language's first training data also wrote its "
        "test set, and some then widened the training vocabulary after seeing their own first scores (never "
        "copying test sentences); later, `check_nlu_data` printed a few dozen short test phrases (\"yup\", "
        "\"merci bien\") when new training lines collided with them, and those lines were reworded. Treat the "
        "figures as optimistic: cross-validation over the training data gives far less "
        "(docs/evaluation-notes.md).",
    ]
    lines += ["", f"## Misclassified test messages ({len(errors)})", "",
              "| language | message | expected | predicted | confidence |", "|---|---|---|---|---:|"]
    for e in errors:
        text = e["text"].replace("|", "\\|")
        lines.append(f"| {e['language']} | {text} | {e['expected']} | {e['predicted']} | {e['confidence']:.2f} |")
    return "\n".join(lines) + "\n"


def render_confusions(errors: List[dict], per_language: int = 3) -> List[str]:
    """Why accuracy falls short: the most frequent expected -> predicted pairs per language."""
    from collections import Counter

    lines = ["Most frequent confusions (expected → predicted, count):", ""]
    for lang in SUPPORTED:
        pairs = Counter((e["expected"], e["predicted"]) for e in errors if e["language"] == lang)
        if pairs:
            top = "; ".join(f"{a} → {b} ({n})" for (a, b), n in pairs.most_common(per_language))
            lines.append(f"- {lang}: {top}")
    return lines


def render_targets(results: Dict[str, LanguageScores]) -> List[str]:
    languages = [lang for lang in SUPPORTED if lang in results]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    def worst(values: Dict[str, float]) -> str:
        lang = min(values, key=values.get)
        return f"lowest {lang} {values[lang]:.3f}"

    accuracy = {lang: results[lang].intent_accuracy for lang in languages}
    macro = {lang: results[lang].intent_macro_f1 for lang in languages}
    long_ids = {lang: results[lang].langid["4+ words"]["ours"] for lang in languages}
    short_ids = {lang: results[lang].langid["1-3 words"]["ours_in_context"] for lang in languages}
    return [
        f"- Intent accuracy ≥ 95 % in every language: {verdict(min(accuracy.values()) >= 0.95)} "
        f"({worst(accuracy)}; all {results['all'].intent_accuracy:.3f}).",
        f"- Macro-F1 ≥ 0.93: {verdict(min(macro.values()) >= 0.93)} ({worst(macro)}; "
        f"all {results['all'].intent_macro_f1:.3f}).",
        f"- Language identification ≥ 99 % on 4+ words: {verdict(min(long_ids.values()) >= 0.99)} "
        f"({worst(long_ids)}).",
        f"- Language identification ≥ 95 % on 1–3 words in context: {verdict(min(short_ids.values()) >= 0.95)} "
        f"({worst(short_ids)}); standalone the detector gets {results['all'].langid['1-3 words']['ours']:.3f} "
        f"against {results['all'].langid['1-3 words']['plain_langdetect']:.3f} for plain langdetect.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="score this NLU model instead of training a new one")
    parser.add_argument("--config", type=Path, default=ROOT / "bot" / "config.yml",
                        help="pipeline to train (default: bot/config.yml)")
    args = parser.parse_args()
    _quiet_logs()
    with tempfile.TemporaryDirectory() as tmp:
        if args.model:
            model, seconds = args.model, 0.0
        else:
            os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")  # time a full training
            model, seconds = train_model(Path(tmp), args.config)
        outcomes = asyncio.run(predict(model, load_cases(training_synonyms())))
    results = score(outcomes)
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {_cpu_count()} cores, Python {platform.python_version()}",
        "training_seconds": seconds,
    }
    write_reports(results, outcomes, meta)
    print((DOCS / "evaluation.md").read_text(encoding="utf-8"))


def _quiet_logs() -> None:
    """Warnings only: Rasa's debug logs would print every test message."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def _cpu_count() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()

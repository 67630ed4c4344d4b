"""The learned safety net behind the red-flag patterns: a character n-gram classifier trained on our own data.

Patterns (bot/nlu/red_flags/) are exact and explainable but miss wordings nobody wrote down: dialect,
misspellings, symptoms described instead of named. Character n-grams see "bleding", "صداغ" or "dau dau"
as close to what they were trained on. The net only adds flags: a message the patterns flag stays flagged,
and the patterns' `not_now` exceptions (risk questions, past events, hypotheticals) apply to the net too.

Trained on: the development examples (bot/nlu/red_flag_examples/), the pattern files' own examples and
counter-examples, and the NLU training data (`report_emergency` against every other intent). Never on the
held-out sets in tests/safety/. Same input, same answer: nothing is random at prediction time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.red_flags import PATTERNS_DIR, RedFlag, find_red_flag, folded, not_now

EXAMPLES_DIR = Path(__file__).resolve().parent / "red_flag_examples"
THRESHOLD = 0.6  # docs/red-flags.md: how it was chosen, and recall and false alarms per held-out set
# The net reads descriptions, not chit-chat: a short message ("ça me va", "bonjour tout le monde") is left to the
# patterns, which catch the short emergencies ("I can't breathe") on their own.
MIN_WORDS, MIN_CJK_CHARS = 5, 10
LEARNED = "learned"  # the category of a flag raised by the net alone
EMERGENCY_INTENT = "report_emergency"


def long_enough(said: str) -> bool:
    cjk = sum(1 for char in said if "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af")
    return len(said.split()) >= MIN_WORDS or cjk >= MIN_CJK_CHARS


def _vectorizer(**kwargs: Any) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, **kwargs)


def development_examples() -> Tuple[List[str], List[str]]:
    """(emergencies, ordinary messages) from the development sets and the pattern files."""
    emergencies: List[str] = []
    ordinary: List[str] = []
    for path in sorted(EXAMPLES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        emergencies += [item["text"] for item in data["emergencies"]]
        ordinary += [item["text"] for item in data["not_emergencies"]]
    for path in sorted(PATTERNS_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        emergencies += [text for texts in (data.get("examples") or {}).values() for text in texts]
        ordinary += list(data.get("counter_examples") or [])
    return emergencies, ordinary


@dataclass
class RedFlagModel:
    vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    threshold: float = THRESHOLD

    @classmethod
    def train(cls, intent_examples: Iterable[Tuple[str, str]]) -> "RedFlagModel":
        """Train on the development examples plus (text, intent) pairs of the NLU training data."""
        emergencies, ordinary = development_examples()
        for text, intent in intent_examples:
            (emergencies if intent == EMERGENCY_INTENT else ordinary).append(text)
        texts = [folded(text) for text in emergencies + ordinary]
        labels = [1] * len(emergencies) + [0] * len(ordinary)
        vectorizer = _vectorizer()
        classifier = LogisticRegression(C=10, class_weight="balanced", max_iter=2000)
        classifier.fit(vectorizer.fit_transform(texts), labels)
        return cls(vectorizer, classifier)

    def save(self, path: Path) -> None:
        """As plain JSON (vocabulary, weights): loading it runs no code, unlike a pickle."""
        data = {"vocabulary": {k: int(v) for k, v in self.vectorizer.vocabulary_.items()},
                "idf": self.vectorizer.idf_.tolist(), "coef": self.classifier.coef_[0].tolist(),
                "intercept": float(self.classifier.intercept_[0]), "threshold": self.threshold}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "RedFlagModel":
        data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        vectorizer = _vectorizer(vocabulary=data["vocabulary"])
        vectorizer.idf_ = np.asarray(data["idf"])
        classifier = LogisticRegression()
        classifier.coef_ = np.asarray([data["coef"]])
        classifier.intercept_ = np.asarray([data["intercept"]])
        classifier.classes_ = np.asarray([0, 1])
        return cls(vectorizer, classifier, float(data["threshold"]))

    def probability(self, text: str) -> float:
        return float(self.classifier.predict_proba(self.vectorizer.transform([folded(text)]))[0, 1])

    def flag(self, text: str, language: Optional[str]) -> Optional[RedFlag]:
        """The patterns' flag, else the net's when it is confident and no `not_now` exception applies."""
        found = find_red_flag(text, language)
        said = folded(text)
        if found or not long_enough(said):
            return found
        if self.probability(text) >= self.threshold and not not_now(said, language):
            return RedFlag(LEARNED, language or "")
        return None

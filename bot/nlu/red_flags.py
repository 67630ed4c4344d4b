"""Deterministic emergency red flags in every supported language (patterns in bot/nlu/red_flags/<lang>.yml).

A message is an emergency when one of the `emergency` patterns of any language matches its folded text
(case, width, accents, Arabic letter variants) and no `not_now` pattern of the message's language does (a
question about a side effect, a past or hypothetical event).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from bot.languages import Detection, is_supported
from bot.nlu.text_folding import fold

PATTERNS_DIR = Path(__file__).resolve().parent / "red_flags"


@dataclass(frozen=True)
class RedFlag:
    category: str
    language: str


@dataclass(frozen=True)
class LanguagePatterns:
    language: str
    emergency: Tuple[Tuple[str, Pattern[str]], ...]
    not_now: Optional[Pattern[str]]


def folded(text: str) -> str:
    return " ".join(fold(text or "").split())


@lru_cache(maxsize=None)
def patterns() -> Tuple[LanguagePatterns, ...]:
    """Every language's patterns, compiled once per process (RedFlagClassifier loads them with the model)."""
    return tuple(_load(path) for path in sorted(PATTERNS_DIR.glob("*.yml")))


def check_patterns() -> None:
    """Raise ValueError for a pattern that is not written folded, does not compile or matches an empty text.

    Run when the model is trained and by the tests, not at every start (it doubles the compile time)."""
    for path in sorted(PATTERNS_DIR.glob("*.yml")):
        data = _read(path)
        for items in [*(data.get("emergency") or {}).values(), data.get("not_now") or []]:
            _check(items or [], path)


def message_language(detection: Detection) -> Optional[str]:
    """The language whose `not_now` exceptions apply: the detected one when reliable, else None (all)."""
    return detection.language if detection.reliable and is_supported(detection.language) else None


def not_now(said: str, language: Optional[str]) -> bool:
    """A risk question, a past event or a hypothetical, by the `not_now` patterns of `language` (all if None).

    `said` is the folded text (`folded`)."""
    return any(p.not_now.search(said) for p in patterns() if p.not_now is not None and language in (None, p.language))


def find_red_flag(text: str, language: Optional[str] = None) -> Optional[RedFlag]:
    """The first emergency the message describes, or None.

    Emergency patterns of every language are tried (a patient may write in another language than
    expected). The `not_now` patterns (risk questions, past, hypothetical) are those of the message's
    language when it is known, so that a French question about the risk of "convulsions" is not flagged
    by the English word, and those of every language when it is not.
    """
    said = folded(text)
    if not said or not_now(said, language):
        return None
    for patterns_of in patterns():
        for category, pattern in patterns_of.emergency:
            if pattern.search(said):
                return RedFlag(category, patterns_of.language)
    return None


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def _load(path: Path) -> LanguagePatterns:
    data = _read(path)
    emergency: Dict[str, List[str]] = data.get("emergency") or {}
    compiled = tuple((category, _compile(items)) for category, items in emergency.items() if items)
    not_now = data.get("not_now") or []
    return LanguagePatterns(path.stem, compiled, _compile(not_now) if not_now else None)


def _compile(items: List[str]) -> Pattern[str]:
    return re.compile("|".join(f"(?:{item})" for item in items))


def _check(items: List[str], path: Path) -> None:
    for item in items:
        literal = re.sub(r"\\.", "", item)  # escapes such as \b or \S are regex syntax, not text
        if fold(literal) != literal:
            raise ValueError(f"{path}: pattern {item!r} must be written folded: {fold(literal)!r}")
        try:
            pattern = re.compile(item)
        except re.error as error:
            raise ValueError(f"{path}: bad pattern: {error}") from None
        if pattern.search("") is not None:
            raise ValueError(f"{path}: pattern {item[:60]!r}... matches an empty text, so it matches everything")


def check_examples(language: str) -> List[str]:
    """Problems with the `examples` / `counter_examples` written in a language's pattern file."""
    data = _read(PATTERNS_DIR / f"{language}.yml")
    problems = []
    for category, texts in (data.get("examples") or {}).items():
        for text in texts:
            found = find_red_flag(text, language)
            if found is None or found.category != category:
                problems.append(f"missed ({category}): {text}  -> {found}")
    for text in data.get("counter_examples") or []:
        found = find_red_flag(text, language)
        if found is not None:
            problems.append(f"false alarm ({found.category}, {found.language}): {text}")
    return problems


if __name__ == "__main__":
    import sys

    failures = [problem for code in sys.argv[1:] for problem in check_examples(code)]
    print("\n".join(failures) or "all examples behave")
    sys.exit(1 if failures else 0)

"""Understand a patient's answer to a choice question: a button, its number, or typed words in any language."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.nlu.language_id import CJK_CHAR
from bot.nlu.text_folding import fold

HERE = Path(__file__).resolve().parent
CANCEL = "cancel"
MESSAGING_APPS = "messaging_apps"


@lru_cache(maxsize=None)
def options(question: str) -> List[str]:
    """The options of a choice question, in button order (actions/consultation/choices.yml)."""
    return list(_load_yaml(HERE / "choices.yml")[question])


def choice_questions() -> List[str]:
    return list(_load_yaml(HERE / "choices.yml"))


def typed_answer_questions() -> List[str]:
    """The choice questions the answer tables cover (the others take buttons, numbers and affirm / deny)."""
    return [q for q in choice_questions() if q in answer_tables().get("en", {})]


@lru_cache(maxsize=None)
def answer_tables() -> Dict[str, dict]:
    """Typed answers per language (actions/consultation/answers/<language>.yml)."""
    return {path.stem: _load_yaml(path) for path in sorted((HERE / "answers").glob("*.yml"))}


def normalise(text: str) -> str:
    """Fold case, width and accents; punctuation becomes space; CJK characters stand alone."""
    folded = fold(text or "")
    folded = CJK_CHAR.sub(lambda m: f" {m.group(0)} ", folded)
    return " ".join(re.sub(r"[^\w+]+", " ", folded).split())


def number_in(text: str) -> Optional[int]:
    """The number a patient typed alone ("2", "２", "٢", "2."), else None."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*[.)]?\s*", text or "")
    return int(match.group(1)) if match else None


def is_cancel(text: str) -> bool:
    """The whole message asks to stop the form, in any supported language."""
    said = normalise(text)
    return bool(said) and said in _cancel_phrases()


def resolve_choice(question: str, text: str, button_titles: Sequence[str] = ()) -> Optional[str]:
    """The option the patient chose, or None when the answer is unclear.

    In order: the button's number, a button title in the patient's language, then the
    longest typed phrase from any language's answer table (a Russian patient may answer
    in English); two options matching equally well is unclear.
    """
    choices = options(question)
    number = number_in(text)
    if number is not None:
        return choices[number - 1] if 1 <= number <= len(choices) else None
    said = normalise(text)
    if not said:
        return None
    for option, title in zip(choices, button_titles, strict=False):
        if said == normalise(title):
            return option
    phrases = _merged(question)
    return _best_phrase_match(said, {option: phrases.get(option, ()) for option in choices})


def messaging_app(text: str) -> Optional[str]:
    """The messaging app a patient named next to a phone number ("+62 812 ... WhatsApp")."""
    return _best_phrase_match(normalise(text), _merged(MESSAGING_APPS))


@lru_cache(maxsize=None)
def _cancel_phrases() -> FrozenSet[str]:
    return frozenset(normalise(str(p)) for table in answer_tables().values() for p in table.get(CANCEL, []))


@lru_cache(maxsize=None)
def _merged(key: str) -> Dict[str, Tuple[str, ...]]:
    """Each option's phrases under `key`, from every language's table, normalised once."""
    merged: Dict[str, List[str]] = {}
    for table in answer_tables().values():
        for option, phrases in (table.get(key) or {}).items():
            merged.setdefault(option, []).extend(p for p in (normalise(str(x)) for x in phrases or []) if p)
    return {option: tuple(phrases) for option, phrases in merged.items()}


def _best_phrase_match(said: str, phrases_by_option: Mapping[str, Iterable[str]]) -> Optional[str]:
    """The option whose longest (normalised) phrase appears as whole words; None if none or a tie."""
    padded = f" {said} "
    best: Dict[str, int] = {}
    for option, phrases in phrases_by_option.items():
        for wanted in phrases:
            if f" {wanted} " in padded:
                best[option] = max(best.get(option, 0), len(wanted))
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _load_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}

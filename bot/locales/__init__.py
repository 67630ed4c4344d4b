"""Response catalogues: English in the domain (bot/domain), the other languages here."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.languages import DEFAULT_LANGUAGE, SUPPORTED

LOCALES_DIR = Path(__file__).resolve().parent
Responses = Dict[str, List[Dict[str, Any]]]
TRANSLATED = tuple(language for language in SUPPORTED if language != DEFAULT_LANGUAGE)


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / f"{language}.yml"


@lru_cache(maxsize=None)
def load_catalogue(language: str) -> Responses:
    """The `responses:` mapping of one language's catalogue file."""
    with open(catalogue_path(language), encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    responses = data.get("responses")
    if not isinstance(responses, dict):
        raise ValueError(f"{catalogue_path(language)} has no 'responses:' mapping")
    return responses


def load_catalogues(english: Responses) -> Dict[str, Responses]:
    """All catalogues, with English taken from the domain's responses."""
    return {DEFAULT_LANGUAGE: english, **{language: load_catalogue(language) for language in TRANSLATED}}

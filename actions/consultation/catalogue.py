"""Read responses in the patient's language from the action server (English from the domain)."""
from __future__ import annotations

from typing import Any, Dict, List

from bot.languages import DEFAULT_LANGUAGE
from bot.locales import load_catalogue


def response(name: str, language: str, domain: Dict[str, Any]) -> Dict[str, Any]:
    """The first variant of a response in `language`, falling back to English."""
    if language != DEFAULT_LANGUAGE:
        variants = load_catalogue(language).get(name)
        if variants:
            return variants[0]
    return (domain.get("responses") or {}).get(name, [{}])[0]


def button_titles(name: str, language: str, domain: Dict[str, Any]) -> List[str]:
    return [button.get("title", "") for button in response(name, language, domain).get("buttons") or []]

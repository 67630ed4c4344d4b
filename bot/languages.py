"""Supported languages and the reply-language policy (pure functions, no Rasa)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

SUPPORTED: tuple[str, ...] = ("en", "zh", "ru", "ar", "es", "fr", "id", "vi")
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
NATIVE_NAMES: Mapping[str, str] = {
    "en": "English",
    "zh": "中文",
    "ru": "Русский",
    "ar": "العربية",
    "es": "Español",
    "fr": "Français",
    "id": "Bahasa Indonesia",
    "vi": "Tiếng Việt",
}
# Message metadata keys a channel may use to pass the patient's locale
# (browser locale, Telegram's language_code, ...) and an explicit choice
# (the web chat's language picker).
HINT_KEYS: tuple[str, ...] = ("language_hint", "locale", "language_code", "lang")
REQUEST_KEY = "language_request"

_LOCALE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


def normalise_code(value: Any) -> Optional[str]:
    """'ru-RU', 'zh_Hans_CN', 'PT-br' -> 'ru', 'zh', 'pt'; None for anything else."""
    if not isinstance(value, str):
        return None
    match = _LOCALE.match(value)
    return match.group(1).lower() if match else None


def is_supported(code: Optional[str]) -> bool:
    return code in SUPPORTED


def hint_from_metadata(metadata: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The first usable locale hint a channel put into the message metadata."""
    if not isinstance(metadata, Mapping):
        return None
    for key in HINT_KEYS:
        code = normalise_code(metadata.get(key))
        if code:
            return code
    return None


def request_from_metadata(metadata: Optional[Mapping[str, Any]]) -> Optional[str]:
    """An explicit language choice sent by the channel (e.g. a language picker)."""
    if not isinstance(metadata, Mapping):
        return None
    return normalise_code(metadata.get(REQUEST_KEY))


@dataclass(frozen=True)
class Detection:
    """What the NLU pipeline found out about one message's language."""

    language: Optional[str]
    confidence: float
    reliable: bool
    source: str
    short: bool = False  # 1-3 words once acronyms, numbers and links are left out

    @property
    def switches_conversation(self) -> bool:
        """Strong enough to move a running conversation to another language.

        A short message only does when its script says so ("спасибо" after
        English); "thank you" from a Chinese patient or "sip" keeps the language.
        """
        return self.reliable and (not self.short or self.source == "script")

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "reliable": self.reliable,
            "source": self.source,
            "short": self.short,
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Detection":
        if not isinstance(data, Mapping):
            return cls(None, 0.0, False, "none")
        return cls(
            language=normalise_code(data.get("language")),
            confidence=float(data.get("confidence") or 0.0),
            reliable=bool(data.get("reliable")),
            source=str(data.get("source") or "none"),
            short=bool(data.get("short")),
        )


@dataclass(frozen=True)
class ReplyLanguage:
    """The reply language after one message, and whether the patient chose it."""

    language: str
    explicit: bool
    unsupported: Optional[str] = None  # an unsupported language the patient used or asked for


def choose_reply_language(
    current: Optional[str],
    explicit: bool,
    detection: Detection,
    hint: Optional[str] = None,
    requested: Optional[str] = None,
) -> ReplyLanguage:
    """Apply the language policy of DESIGN.md to one incoming message.

    - an explicit request for a supported language wins and sticks;
    - otherwise a chosen language sticks;
    - otherwise a reliable detection of a supported language sets the language of a
      new conversation, and switches a running one unless the message is short
      and only its words (not its script) point to the language;
    - otherwise (short, ambiguous, unsupported) the conversation keeps its language,
      and a new conversation starts in the channel's locale hint, the detector's
      best guess or English.
    """
    current = current if is_supported(current) else None
    if requested:
        if is_supported(requested):
            return ReplyLanguage(requested, True)
        return ReplyLanguage(current or _first_language(hint, detection), explicit, requested)
    unsupported = (
        detection.language
        if detection.reliable and detection.language and not is_supported(detection.language)
        else None
    )
    if current and explicit:
        return ReplyLanguage(current, True, unsupported)
    if is_supported(detection.language) and (
        detection.switches_conversation or (detection.reliable and not current)
    ):
        return ReplyLanguage(detection.language, False)
    return ReplyLanguage(current or _first_language(hint, detection), False, unsupported)


def _first_language(hint: Optional[str], detection: Detection) -> str:
    if is_supported(hint):
        return hint
    if is_supported(detection.language):
        return detection.language
    return DEFAULT_LANGUAGE


CHANGE_LANGUAGE_INTENT = "change_language"


def detection_of(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `language` the NLU pipeline added to a message's parse data (bot/nlu/language_detector.py)."""
    detected = message.get("language")
    return detected if isinstance(detected, dict) else {}


def _intent(message: Mapping[str, Any]) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def requested_language(message: Mapping[str, Any]) -> Optional[str]:
    """A language the patient asked for in this message, or picked in the channel."""
    picked = normalise_code(detection_of(message).get("request"))
    if picked or _intent(message) != CHANGE_LANGUAGE_INTENT:
        return picked
    named = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == "language"]
    return normalise_code(named[-1]) if named else None


def asked_for_language(message: Mapping[str, Any]) -> bool:
    return _intent(message) == CHANGE_LANGUAGE_INTENT or bool(detection_of(message).get("request"))


def reply_language_after(message: Mapping[str, Any], current: Optional[str], explicit: bool) -> ReplyLanguage:
    """choose_reply_language for one parsed message (Rasa's parse data)."""
    detected = detection_of(message)
    return choose_reply_language(current=current, explicit=explicit, detection=Detection.from_dict(detected),
                                 hint=detected.get("hint"), requested=requested_language(message))

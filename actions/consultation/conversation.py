"""What the actions need to know about the conversation so far, read from the tracker's events."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from bot.languages import DEFAULT_LANGUAGE, is_supported

EMERGENCY_RESPONSE = "utter_emergency"
TOPIC_PREFIXES = ("ask_", "request_")
MAX_MESSAGE_CHARS = 4000


def reply_language(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if is_supported(language) else DEFAULT_LANGUAGE


def channel(tracker: Tracker) -> str:
    return (tracker.get_latest_input_channel() or "unknown")[:50]


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def said_since_patient_wrote(tracker: Tracker, response: str) -> bool:
    """True when the bot already sent `response` after the patient's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


def patient_intents(tracker: Tracker) -> List[str]:
    """The intent of each of the patient's messages, oldest first."""
    return [
        ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        for event in tracker.events
        if event.get("event") == "user"
    ]


def topics(tracker: Tracker) -> List[str]:
    """The intents of the patient's questions, first asked first, each once."""
    asked = [name for name in patient_intents(tracker) if name.startswith(TOPIC_PREFIXES)]
    return list(dict.fromkeys(asked))


def emergency_reported(tracker: Tracker) -> bool:
    """The assistant gave urgent-care advice in this conversation (an answer inside a form is not a report)."""
    return any(
        event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == EMERGENCY_RESPONSE
        for event in tracker.events
    )


def transcript(tracker: Tracker, last: Optional[int] = None) -> List[Dict[str, Any]]:
    """The patient's and the bot's messages, oldest first, as the consultation API takes them."""
    messages = []
    for event in tracker.events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        message: Dict[str, Any] = {
            "sender": "patient" if kind == "user" else "bot",
            "text": str(event["text"])[:MAX_MESSAGE_CHARS],
        }
        if event.get("timestamp"):
            message["timestamp"] = _iso(event["timestamp"])
        messages.append(message)
    return messages[-last:] if last else messages


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat()

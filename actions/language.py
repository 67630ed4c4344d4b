"""Keeps the `language` slot (the reply language) according to the language policy."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.languages import Detection, choose_reply_language, normalise_code

CHANGE_LANGUAGE_INTENT = "change_language"


def _detected(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """The `language` the NLU pipeline added to the parse data (see bot/nlu/language_detector.py)."""
    detected = message.get("language")
    return detected if isinstance(detected, dict) else {}


def _intent(message: Dict[Text, Any]) -> Optional[Text]:
    return (message.get("intent") or {}).get("name")


def requested_language(message: Dict[Text, Any]) -> Optional[str]:
    """A language the patient asked for in this message, or picked in the channel."""
    picked = normalise_code(_detected(message).get("request"))
    if picked or _intent(message) != CHANGE_LANGUAGE_INTENT:
        return picked
    named = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == "language"]
    return normalise_code(named[-1]) if named else None


def asked_for_language(message: Dict[Text, Any]) -> bool:
    return _intent(message) == CHANGE_LANGUAGE_INTENT or bool(_detected(message).get("request"))


class ActionSetLanguage(Action):
    """Custom slot mapping for `language`, `language_explicit` and `language_change`.

    Rasa runs it after every user message (action_extract_slots); the decision
    itself is `bot.languages.choose_reply_language`.
    """

    def name(self) -> Text:
        return "action_set_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        detected = _detected(message)
        requested = requested_language(message)
        decision = choose_reply_language(
            current=tracker.get_slot("language"),
            explicit=bool(tracker.get_slot("language_explicit")),
            detection=Detection.from_dict(detected),
            hint=detected.get("hint"),
            requested=requested,
        )
        events = []
        if decision.language != tracker.get_slot("language"):
            events.append(SlotSet("language", decision.language))
        if decision.explicit != bool(tracker.get_slot("language_explicit")):
            events.append(SlotSet("language_explicit", decision.explicit))
        if asked_for_language(message):
            if requested and decision.unsupported == requested:
                outcome = "unsupported"
            elif requested:
                outcome = "changed"
            else:
                outcome = "unknown"
            events.append(SlotSet("language_change", outcome))
        return events

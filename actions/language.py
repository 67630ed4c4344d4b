"""Keeps the `language` slot (the reply language) according to the language policy."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.languages import asked_for_language, reply_language_after, requested_language


class ActionSetLanguage(Action):
    """Custom slot mapping for `language`, `language_explicit` and `language_change`.

    Rasa runs it after every user message (action_extract_slots); the decision
    itself is `bot.languages.choose_reply_language`. Should that call fail, the NLG makes the same decision
    for the reply (bot/nlg.py `reply_language`).
    """

    def name(self) -> Text:
        return "action_set_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        requested = requested_language(message)
        decision = reply_language_after(message, tracker.get_slot("language"),
                                        bool(tracker.get_slot("language_explicit")))
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

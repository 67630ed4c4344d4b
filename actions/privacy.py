"""action_delete_my_data: the patient confirmed "forget me"."""
from __future__ import annotations

from datetime import timedelta
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation.outbox import FORGET, Outbox
from actions.consultation.settings import settings

# The deletion waits until Rasa has saved this turn, or the turn's events would be written back afterwards.
FORGET_AFTER = timedelta(seconds=10)


class ActionDeleteMyData(Action):
    """Queues the deletion durably; the delivery worker asks the consultation API to anonymise this
    conversation's requests, then deletes the transcript from the tracker store and the outbox's copies."""

    def name(self) -> Text:
        return "action_delete_my_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        Outbox(settings().outbox_path).add(FORGET, tracker.sender_id, {}, delay=FORGET_AFTER)
        dispatcher.utter_message(response="utter_data_deleted")
        return []

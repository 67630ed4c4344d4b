"""What every form checks before the answer itself: an emergency first, then "cancel"."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation import answers
from actions.consultation.conversation import latest_text, said_since_patient_wrote

REQUESTED = "requested_slot"
RED_FLAG = "red_flag"  # added to the parse data by bot/nlu/red_flag_classifier.py


def say(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **variables) -> None:
    """Send a response once per patient message (Rasa runs form validation twice per message)."""
    if not said_since_patient_wrote(tracker, response):
        dispatcher.utter_message(response=response, **variables)


class GuardedForm:
    """Mixed into a FormValidationAction (before it): urgent-care advice before anything else, and "cancel".

    An emergency typed as an answer is not kept as the answer: the advice comes first, then the question again.
    A mixin, not an Action subclass, because rasa_sdk registers every Action subclass it finds as an action.
    """

    def cancelled(self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: Text) -> List[EventType]:
        """Events that end the form when the patient cancels at `requested`."""
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot(REQUESTED)
        if requested and tracker.latest_message.get(RED_FLAG):
            say(dispatcher, tracker, "utter_emergency")
            return [SlotSet(requested, None)]
        if requested and answers.is_cancel(latest_text(tracker)):
            return self.cancelled(dispatcher, tracker, requested)
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]

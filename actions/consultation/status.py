"""The status of a consultation request ("any news on PH-2026-000123?"), only for whoever proves it is theirs."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation import answers, fields
from actions.consultation.client import ApiRejected, ApiUnavailable, ConsultationApiClient
from actions.consultation.conversation import latest_text
from actions.consultation.guards import REQUESTED, GuardedForm, say
from actions.consultation.outbox import CONSULTATION, DELIVERED, PENDING, Outbox
from actions.consultation.settings import settings

FORM = "status_form"
REFERENCE = re.compile(r"\bPH-(\d{4})-(\d{1,6})\b", re.IGNORECASE)
STATUS_RESPONSES = {
    "received": "utter_consultation_status_received",
    "under_review": "utter_consultation_status_under_review",
    "specialist_assigned": "utter_consultation_status_specialist_assigned",
    "answered": "utter_consultation_status_answered",
    "closed": "utter_consultation_status_closed",
}


def find_reference(text: Any) -> Optional[str]:
    """PH-2026-000123 in whatever the patient wrote ("ph-2026-123" too), in the API's spelling."""
    match = REFERENCE.search(str(text or ""))
    return f"PH-{match.group(1)}-{int(match.group(2)):06d}" if match else None


def lookup(reference: str, contact: str) -> Optional[Dict[str, Any]]:
    response = ConsultationApiClient(settings(), attempts=2).status(reference, contact)
    return response.body if response else None


class ValidateStatusForm(GuardedForm, FormValidationAction):
    def name(self) -> Text:
        return "validate_status_form"

    def cancelled(self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: Text) -> List[EventType]:
        say(dispatcher, tracker, "utter_deny")
        return [SlotSet("consultation_reference", None), SlotSet("status_contact", None), SlotSet(REQUESTED, None)]

    def validate_consultation_reference(self, value, dispatcher, tracker, domain):
        reference = find_reference(value)
        if reference is None:
            say(dispatcher, tracker, "utter_invalid_reference")
        return {"consultation_reference": reference}

    def validate_status_contact(self, value, dispatcher, tracker, domain):
        contact = fields.parse_contact(value)
        if contact is None:
            say(dispatcher, tracker, "utter_invalid_contact")
        return {"status_contact": contact.value if contact else None}


class ActionConsultationStatus(Action):
    """Before the status form: answer from the outbox or known slots; after it: ask the API."""

    def name(self) -> Text:
        return "action_consultation_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if answers.is_cancel(latest_text(tracker)):  # the patient stopped the status form
            return []
        reference = find_reference(tracker.get_slot("consultation_reference")) or find_reference(latest_text(tracker))
        contact = tracker.get_slot("status_contact")
        if reference is None:
            item = Outbox(settings().outbox_path).latest_for(tracker.sender_id, CONSULTATION)
            if item and item.state == PENDING:
                dispatcher.utter_message(response="utter_consultation_status_pending")
                return []
            if item and item.state == DELIVERED:
                reference, contact = item.response["reference"], item.payload["contact"]["value"]
        if not (reference and contact):
            if tracker.active_loop_name == FORM:
                return []
            known = [SlotSet("consultation_reference", reference)] if reference else []
            return known + [FollowupAction(FORM)]
        try:
            found = await asyncio.to_thread(lookup, reference, contact)
        except (ApiUnavailable, ApiRejected):
            dispatcher.utter_message(response="utter_consultation_status_unavailable")
            return []
        if not found or found.get("status") not in STATUS_RESPONSES:
            dispatcher.utter_message(response="utter_consultation_status_not_found")
            return [SlotSet("consultation_reference", None), SlotSet("status_contact", None)]
        dispatcher.utter_message(response=STATUS_RESPONSES[found["status"]], reference=reference)
        return [SlotSet("consultation_reference", reference), SlotSet("status_contact", contact)]

"""action_submit_consultation: qualify the finished form, then deliver the request through the outbox."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation.client import ApiRejected, ApiUnavailable, ConsultationApiClient
from actions.consultation.conversation import emergency_reported
from actions.consultation.delivery import deliver
from actions.consultation.outbox import CONSULTATION, DELIVERED, Item, Outbox
from actions.consultation.payload import consultation_request
from actions.consultation.qualification import facts, qualify
from actions.consultation.settings import settings

logger = logging.getLogger(__name__)
# Cleared after each request, so that the patient can make another one. cancer_type and interest stay:
# they are what the conversation is about.
FORM_ANSWERS = (
    "data_consent", "patient_relation", "diagnosis_status", "patient_name", "patient_age", "patient_country", "contact",
    "treatment_stage", "reports_available", "case_description", "review", "field_to_correct",
    "diagnosis_text", "consent_record",
)


def cleared_form() -> List[EventType]:
    return [SlotSet(name, None) for name in FORM_ANSWERS]


def submit(tracker: Tracker) -> Item:
    """Write the request to the outbox, then try to deliver it (blocking: run it in a thread)."""
    config = settings()
    outbox = Outbox(config.outbox_path)
    item = outbox.add(CONSULTATION, tracker.sender_id, consultation_request(tracker))
    return deliver(outbox, ConsultationApiClient(config, attempts=2), item)


def upload_link(reference: str) -> Optional[dict]:
    """A one-time link for the patient's documents, or None when the API cannot give one now."""
    try:
        return ConsultationApiClient(settings(), attempts=1).create_upload_link(reference).body
    except (ApiUnavailable, ApiRejected) as error:
        logger.warning("No upload link for a new request: %s", error)
        return None


def readable_time(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class ActionSubmitConsultation(Action):
    def name(self) -> Text:
        return "action_submit_consultation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        outcome = qualify(facts(tracker.current_slot_values(), emergency_reported(tracker)))
        logger.info("Consultation form finished: %s", outcome.rule)
        for response in outcome.say_first:
            dispatcher.utter_message(response=response)
        if not outcome.send:
            for response in outcome.say:
                dispatcher.utter_message(response=response)
            return cleared_form()
        item = await asyncio.to_thread(submit, tracker)
        if item.state != DELIVERED:
            dispatcher.utter_message(response="utter_consultation_queued")
            return cleared_form()
        reference = item.response["reference"]
        dispatcher.utter_message(response="utter_consultation_sent", reference=reference)
        link = await asyncio.to_thread(upload_link, reference)
        if link:
            dispatcher.utter_message(
                response="utter_consultation_upload_link", url=link["url"], expires=readable_time(link["expires_at"])
            )
        contact = (tracker.get_slot("contact") or {}).get("value")
        return cleared_form() + [SlotSet("consultation_reference", reference), SlotSet("status_contact", contact)]

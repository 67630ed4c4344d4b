"""action_receive_document: a patient sent a file on a messaging app; attach it to their consultation request."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel_media import MediaUnavailable, fetch
from actions.consultation.client import ApiRejected, ApiUnavailable, ConsultationApiClient
from actions.consultation.settings import settings

logger = logging.getLogger(__name__)


def attach(channel: Optional[str], attachment: Optional[Dict[str, Any]], reference: str) -> bool:
    """Fetch the file from the platform and add it to the request; False when either step fails."""
    try:
        media = fetch(channel, attachment)
        ConsultationApiClient(settings(), attempts=2).add_document(
            reference, media.filename, media.content, media.content_type)
        return True
    except (MediaUnavailable, ApiUnavailable, ApiRejected) as error:
        logger.warning("A file from %s was not attached: %s", channel, error)
        return False


class ActionReceiveDocument(Action):
    """Only with a request made in this conversation (consent given there); otherwise the patient is told how."""

    def name(self) -> Text:
        return "action_receive_document"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reference = tracker.get_slot("consultation_reference")
        if not reference:
            dispatcher.utter_message(response="utter_document_before_request")
            return []
        attachment = (tracker.latest_message.get("metadata") or {}).get("attachment")
        channel = tracker.get_latest_input_channel()
        if await asyncio.to_thread(attach, channel, attachment, reference):
            dispatcher.utter_message(response="utter_document_attached", reference=reference)
        else:
            dispatcher.utter_message(response="utter_document_not_attached", reference=reference)
        return []

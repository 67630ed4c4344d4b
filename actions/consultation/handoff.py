"""action_request_human: a hand-off ticket with the transcript, and when a person will answer."""
from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation.client import ConsultationApiClient
from actions.consultation.delivery import deliver
from actions.consultation.outbox import DELIVERED, HANDOFF, Item, Outbox
from actions.consultation.payload import handoff_request
from actions.consultation.settings import settings

OFFICE_HOURS_FILE = Path(__file__).resolve().parent / "office_hours.yml"


@lru_cache(maxsize=None)
def office_hours() -> dict:
    with open(OFFICE_HOURS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def within_office_hours(moment: Optional[datetime] = None) -> bool:
    """Whether the coordinators are at work now (office_hours.yml, Beijing time)."""
    hours = office_hours()
    local = (moment or datetime.now(timezone.utc)).astimezone(timezone(timedelta(hours=hours["utc_offset_hours"])))
    opens, closes = (time.fromisoformat(hours[key]) for key in ("opens", "closes"))
    return local.weekday() in hours["weekdays"] and opens <= local.time() < closes


def hand_off(tracker: Tracker) -> Item:
    config = settings()
    outbox = Outbox(config.outbox_path)
    item = outbox.add(HANDOFF, tracker.sender_id, handoff_request(tracker))
    return deliver(outbox, ConsultationApiClient(config, attempts=2), item)


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        item = await asyncio.to_thread(hand_off, tracker)
        if item.state != DELIVERED:
            dispatcher.utter_message(response="utter_handoff_queued")
        else:
            response = "utter_handoff_created_open" if within_office_hours() else "utter_handoff_created_closed"
            dispatcher.utter_message(response=response, ticket=item.response["ticket"])
        return []

"""The consultation API's request body, built from the form's answers and the conversation."""
from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker

from actions.consultation.conversation import channel, reply_language, topics, transcript

LAST_MESSAGES = 10
MAX_HANDOFF_MESSAGES = 200


def consultation_request(tracker: Tracker) -> Dict[str, Any]:
    slot = tracker.get_slot
    contact = slot("contact") or {}
    return {
        "patient": {
            "relation": slot("patient_relation"),
            "name": slot("patient_name"),
            "age": slot("patient_age"),
            "country": slot("patient_country"),
        },
        "contact": {key: contact[key] for key in ("kind", "value", "app") if contact.get(key)}
        | {"guardian": bool(contact.get("guardian"))},
        "diagnosis": {
            "cancer_type": slot("cancer_type") or "other",
            "status": slot("diagnosis_status"),
            "text": slot("diagnosis_text") or "",
        },
        "treatment_stage": slot("treatment_stage"),
        "interest": slot("interest"),
        "reports_available": slot("reports_available") == "yes",
        "description": slot("case_description") or "",
        "language": reply_language(tracker),
        "channel": channel(tracker),
        "conversation_id": tracker.sender_id,
        "consent": slot("consent_record"),
        "transcript_summary": {"topics": topics(tracker), "last_messages": transcript(tracker, LAST_MESSAGES)},
    }


def handoff_request(tracker: Tracker) -> Dict[str, Any]:
    return {
        "language": reply_language(tracker),
        "channel": channel(tracker),
        "conversation_id": tracker.sender_id,
        "reason": "request_human",
        "consultation_reference": tracker.get_slot("consultation_reference"),
        "transcript": transcript(tracker, MAX_HANDOFF_MESSAGES),
    }

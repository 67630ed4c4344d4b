"""The consultation form: validation of each answer, the summary with consent, correcting an answer, cancelling."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.consultation import answers, fields
from actions.consultation.catalogue import button_titles
from actions.consultation.conversation import latest_text, reply_language, topics
from actions.consultation.guards import REQUESTED, GuardedForm, say
from actions.consultation.qualification import MINOR_BELOW
from actions.consultation.settings import consent_text_version

CANCER_TYPES = ("breast", "glioma", "brain", "pancreatic", "rectal", "sarcoma", "head_and_neck", "other")
TREATMENT_TOPICS = {"ask_iort_": "iort", "ask_ioct_": "ioct"}


YES_NO = {"affirm": "yes", "deny": "no"}
MIN_YES_NO_CONFIDENCE = 0.5


def choice(question: str, value: Any, tracker: Tracker, domain: DomainDict) -> Optional[str]:
    """The option chosen for `question`, from the answer text (a button sends its number); for a yes/no
    question, the NLU's affirm / deny when the words are not in the answer tables."""
    if value in answers.options(question):
        return value
    titles = button_titles(f"utter_ask_{question}", reply_language(tracker), domain)
    chosen = answers.resolve_choice(question, str(value or ""), titles)
    if chosen is None and set(answers.options(question)) == set(YES_NO.values()):
        intent = tracker.latest_message.get("intent") or {}
        if intent.get("confidence", 0) >= MIN_YES_NO_CONFIDENCE:
            chosen = YES_NO.get(intent.get("name"))
    return chosen


def interest_known_from_chat(tracker: Tracker) -> Optional[str]:
    """IORT or IOCT when the patient asked about one of them, "both" when about both."""
    treatments = {t for prefix, t in TREATMENT_TOPICS.items() for topic in topics(tracker) if topic.startswith(prefix)}
    if tracker.get_slot("treatment") in ("iort", "ioct"):
        treatments.add(tracker.get_slot("treatment"))
    if not treatments:
        return None
    return "both" if len(treatments) > 1 else treatments.pop()


class ValidateConsultationForm(GuardedForm, FormValidationAction):
    """validate_consultation_form: every answer is checked; a bad one is re-asked in the patient's language."""

    def name(self) -> Text:
        return "validate_consultation_form"

    def cancelled(self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: Text) -> List[EventType]:
        cleared = [] if requested == "review" else [SlotSet(requested, None)]
        return cleared + [SlotSet("review", "cancel"), SlotSet(REQUESTED, None)]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot(REQUESTED)
        events = await super().run(dispatcher, tracker, domain)
        if requested is None and tracker.get_slot("interest") is None:
            known = interest_known_from_chat(tracker)
            if known:
                events = [SlotSet("interest", known)] + events
        return events

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        stopped = (tracker.get_slot("review") == "cancel" or tracker.get_slot("data_consent") == "no"
                   or tracker.get_slot("diagnosis_status") == "none")
        if stopped:
            return []
        if tracker.get_slot("review") == "correct":
            return list(domain_slots)
        return [slot for slot in domain_slots if slot != "field_to_correct"]

    def _choice_slot(self, question: str, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        chosen = choice(question, value, tracker, domain)
        if chosen is None:
            self._reask(dispatcher, tracker, "utter_invalid_choice")
        return {question: chosen}

    def _reask(self, dispatcher: CollectingDispatcher, tracker: Tracker, invalid: str) -> None:
        """Explain what is wrong; a question asked in the middle of the form is answered after it."""
        if fields.looks_like_question(latest_text(tracker)):
            say(dispatcher, tracker, "utter_answer_questions_later")
        else:
            say(dispatcher, tracker, invalid)

    def validate_data_consent(self, value, dispatcher, tracker, domain):
        return self._choice_slot("data_consent", value, dispatcher, tracker, domain)

    def validate_patient_relation(self, value, dispatcher, tracker, domain):
        return self._choice_slot("patient_relation", value, dispatcher, tracker, domain)

    def validate_diagnosis_status(self, value, dispatcher, tracker, domain):
        return self._choice_slot("diagnosis_status", value, dispatcher, tracker, domain)

    def validate_treatment_stage(self, value, dispatcher, tracker, domain):
        return self._choice_slot("treatment_stage", value, dispatcher, tracker, domain)

    def validate_interest(self, value, dispatcher, tracker, domain):
        return self._choice_slot("interest", value, dispatcher, tracker, domain)

    def validate_reports_available(self, value, dispatcher, tracker, domain):
        return self._choice_slot("reports_available", value, dispatcher, tracker, domain)

    def validate_patient_name(self, value, dispatcher, tracker, domain):
        name = fields.clean_name(value)
        if name is None:
            self._reask(dispatcher, tracker, "utter_invalid_name")
        return {"patient_name": name}

    def validate_patient_age(self, value, dispatcher, tracker, domain):
        age = value if isinstance(value, int) else fields.parse_age(value)
        if age is None:
            self._reask(dispatcher, tracker, "utter_invalid_age")
            return {"patient_age": None}
        slots: Dict[Text, Any] = {"patient_age": age}
        if age < MINOR_BELOW:
            say(dispatcher, tracker, "utter_minor_guardian_contact")
            contact = tracker.get_slot("contact") or {}
            if contact and not contact.get("guardian"):
                slots["contact"] = None
        return slots

    def validate_patient_country(self, value, dispatcher, tracker, domain):
        country = fields.clean_country(value)
        if country is None:
            self._reask(dispatcher, tracker, "utter_invalid_country")
        return {"patient_country": country}

    def validate_contact(self, value, dispatcher, tracker, domain):
        if isinstance(value, dict):
            return {"contact": value}
        contact = fields.parse_contact(value)
        if contact is None:
            self._reask(dispatcher, tracker, "utter_invalid_contact")
            return {"contact": None}
        age = tracker.get_slot("patient_age")
        return {"contact": {**contact.as_dict(), "guardian": isinstance(age, int) and age < MINOR_BELOW}}

    def validate_cancer_type(self, value, dispatcher, tracker, domain):
        if tracker.get_slot(REQUESTED) != "cancer_type":
            return {"cancer_type": value if value in CANCER_TYPES else "other"}
        words = fields.clean_text(latest_text(tracker))[: fields.MAX_DIAGNOSIS]
        if not fields.has_letters(words) or fields.looks_like_question(words):
            self._reask(dispatcher, tracker, "utter_invalid_description")
            return {"cancer_type": None}
        entities = tracker.latest_message.get("entities") or []
        named = [e.get("value") for e in entities if e.get("entity") == "cancer_type"]
        cancer_type = named[-1] if named and named[-1] in CANCER_TYPES else "other"
        return {"cancer_type": cancer_type, "diagnosis_text": words}

    def validate_case_description(self, value, dispatcher, tracker, domain):
        description, shortened = fields.clean_description(value)
        if description is None:
            say(dispatcher, tracker, "utter_invalid_description")
        elif shortened:
            say(dispatcher, tracker, "utter_description_shortened")
        return {"case_description": description}

    def validate_review(self, value, dispatcher, tracker, domain):
        chosen = choice("review", value, tracker, domain)
        if chosen is None:
            self._reask(dispatcher, tracker, "utter_invalid_choice")
            return {"review": None}
        slots: Dict[Text, Any] = {"review": chosen}
        if chosen == "send":
            slots["consent_record"] = tracker.get_slot("consent_record") or {
                "given": True,
                "given_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "language": reply_language(tracker),
                "text_version": consent_text_version(),
            }
        return slots

    def validate_field_to_correct(self, value, dispatcher, tracker, domain):
        field = choice("field_to_correct", value, tracker, domain)
        if field is None:
            self._reask(dispatcher, tracker, "utter_invalid_choice")
            return {"field_to_correct": None}
        cleared = {field: None, "review": None, "field_to_correct": None, "consent_record": None}
        if field == "cancer_type":
            cleared["diagnosis_text"] = None
        return cleared


class ActionAskReview(Action):
    """action_ask_review: the summary of the answers, with the consent text and send / correct / cancel."""

    def name(self) -> Text:
        return "action_ask_review"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_review", **summary(tracker, domain))
        return []


def summary(tracker: Tracker, domain: DomainDict) -> Dict[str, str]:
    """The form's answers as the patient should read them, in the patient's language."""
    language = reply_language(tracker)

    def label(question: str) -> str:
        value = tracker.get_slot(question)
        titles = button_titles(f"utter_ask_{question}", language, domain)
        options = answers.options(question)
        return titles[options.index(value)] if value in options and len(titles) == len(options) else str(value)

    contact = tracker.get_slot("contact") or {}
    diagnosis = tracker.get_slot("diagnosis_text") or tracker.get_slot("cancer_type") or ""
    return {
        "relation": label("patient_relation"),
        "diagnosis": f"{diagnosis} ({label('diagnosis_status')})",
        "patient_name": tracker.get_slot("patient_name") or "",
        "patient_age": str(tracker.get_slot("patient_age")),
        "patient_country": tracker.get_slot("patient_country") or "",
        "contact": " ".join(filter(None, [contact.get("value"), contact.get("app")])),
        "treatment_stage": label("treatment_stage"),
        "interest": label("interest"),
        "reports_available": label("reports_available"),
        "case_description": tracker.get_slot("case_description") or "",
    }

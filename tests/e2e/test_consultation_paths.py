"""Bad answers, corrections, cancelling, qualification, status and hand-off, through the REST channel."""
import time

import pytest
import requests

from actions.consultation.fields import MAX_DESCRIPTION
from actions.consultation.handoff import within_office_hours
from actions.consultation.settings import DEFAULT_TOKEN
from bot.serve import start_consultation_api, stop, wait_until_ready

START = ["utter_consultation_start", "utter_ask_data_consent"]
CONSENT = ("1", ["utter_ask_patient_relation"])
# Answers that bring an English form to the contact question.
TO_CONTACT = [("I want a consultation", START), CONSENT, ("1", ["utter_ask_diagnosis_status"]),
              ("1", ["utter_ask_patient_name"]), ("Ana Costa", ["utter_ask_patient_age"]),
              ("44", ["utter_ask_patient_country"]), ("Portugal", ["utter_ask_contact"])]
REST = [("ana.costa@example.pt", ["utter_ask_cancer_type"]), ("breast cancer", ["utter_ask_treatment_stage"]),
        ("2", ["utter_ask_interest"]), ("1", ["utter_ask_reports_available"]),
        ("1", ["utter_ask_case_description"]), ("Operated in May; asking about options.", ["utter_ask_review"])]


def test_bad_answers_are_re_asked_and_the_form_goes_on(patient, expect, consultations):
    expect(patient, [
        ("I want a consultation", START),
        ("maybe later, what is IORT?", ["utter_answer_questions_later", "utter_ask_data_consent"]),
        CONSENT,
        ("banana", ["utter_invalid_choice", "utter_ask_patient_relation"]),
        ("1", ["utter_ask_diagnosis_status"]),
        ("😀😀😀", ["utter_invalid_choice", "utter_ask_diagnosis_status"]),
        ("1", ["utter_ask_patient_name"]),
        ("x" * 10_000, ["utter_message_too_long", "utter_invalid_name", "utter_ask_patient_name"]),
        ("what is IORT?", ["utter_answer_questions_later", "utter_ask_patient_name"]),
        ("🙂", ["utter_invalid_name", "utter_ask_patient_name"]),
        ("Ana Costa", ["utter_ask_patient_age"]),
        ("very old", ["utter_invalid_age", "utter_ask_patient_age"]),
        ("200", ["utter_invalid_age", "utter_ask_patient_age"]),
        ("44", ["utter_ask_patient_country"]),
        ("Portugal", ["utter_ask_contact"]),
        ("ana.costa@", ["utter_invalid_contact", "utter_ask_contact"]),
        ("912 345 678", ["utter_invalid_contact", "utter_ask_contact"]),
        ("ana.costa@example.pt", ["utter_ask_cancer_type"]),
    ])
    long_story = "The tumour was found in March and surgery followed. " * 36  # 1,872 characters
    expect(patient, REST[1:-1] + [(long_story, ["utter_description_shortened", "utter_ask_review"]),
                                                 ("1", ["utter_consultation_sent", "utter_consultation_upload_link"])])
    [record] = consultations(patient.sender)
    assert record["patient_name"] == "Ana Costa" and len(record["description"]) <= MAX_DESCRIPTION


def test_another_language_mid_form_switches_the_questions(patient, expect):
    expect(patient, TO_CONTACT[:-1])
    expect(patient, [("Я живу в Казахстане, в Алматы", ["utter_ask_contact"])], language="ru")
    expect(patient, [("отмена", ["utter_consultation_cancelled"])], language="ru")


# One conversation each: together they are more messages than the channel's rate limit lets one sender send
# within a few seconds (bot/credentials.yml: a burst of 20, then 3 a second).
CANCELLATIONS = {
    "stop_at_the_contact": TO_CONTACT + [("", ["utter_invalid_contact", "utter_ask_contact"]),
                                         ("stop", ["utter_consultation_cancelled"])],
    "cancel_at_the_start": [("I want a consultation", START), ("cancel", ["utter_consultation_cancelled"])],
    "no_to_consent": [("I want a consultation", START), ("no", ["utter_consultation_cancelled"])],
    "cancel_at_the_summary": TO_CONTACT + REST + [("3", ["utter_consultation_cancelled"])],
}


@pytest.mark.parametrize("way", CANCELLATIONS)
def test_cancel_at_any_question_sends_nothing(patient, expect, consultations, way):
    expect(patient, CANCELLATIONS[way])
    assert consultations(patient.sender) == []


def test_a_field_is_corrected_from_the_summary(patient, expect, consultations):
    expect(patient, TO_CONTACT + REST + [
        ("2", ["utter_ask_field_to_correct"]),
        ("4", ["utter_ask_patient_age"]),
        ("45", ["utter_ask_review"]),
        ("I agree, send it", ["utter_consultation_sent", "utter_consultation_upload_link"]),
    ])
    [record] = consultations(patient.sender)
    assert record["patient_age"] == 45


def test_general_curiosity_is_not_sent(patient, expect, consultations):
    expect(patient, [("I want a consultation", START), CONSENT, ("1", ["utter_ask_diagnosis_status"]),
                                    ("3", ["utter_consultation_information_only"])])
    assert consultations(patient.sender) == []


def test_a_minor_gives_a_guardians_contact(patient, expect, consultations):
    expect(patient, [
        ("I want a consultation", START), CONSENT, ("1", ["utter_ask_diagnosis_status"]),
        ("1", ["utter_ask_patient_name"]),
        ("Tom Lee", ["utter_ask_patient_age"]),
        ("16", ["utter_minor_guardian_contact", "utter_ask_patient_country"]),
        ("Canada", ["utter_ask_contact"]),
    ] + REST + [("1", ["utter_consultation_sent", "utter_consultation_upload_link"])])
    [record] = consultations(patient.sender)
    assert record["contact_guardian"] == 1


def test_status_after_a_request_and_with_wrong_proof(patient, expect, assistant):
    sent = expect(patient, TO_CONTACT + REST + [
        ("1", ["utter_consultation_sent", "utter_consultation_upload_link"])])
    reference = sent["reference"]
    expect(patient, [("any news on my consultation request?", ["utter_consultation_status_received"])])
    token = assistant.env.get("CONSULTATION_API_TOKEN", DEFAULT_TOKEN)
    changed = requests.patch(f"{assistant.api}/v1/consultations/{reference}", json={"status": "under_review"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert changed.status_code == 200, changed.text

    stranger = type(patient)(patient.url, patient.sender + "-stranger", patient.notice_texts)
    expect(stranger, [
        (f"what is the status of {reference}?", ["utter_ask_status_contact"]),
        ("someone.else@example.com", ["utter_consultation_status_not_found"]),
        (f"status of {reference.lower()}", ["utter_ask_status_contact"]),
        ("ana.costa@example.pt", ["utter_consultation_status_under_review"]),
    ])


def test_request_human_creates_a_ticket(patient, expect):
    office = "utter_handoff_created_open" if within_office_hours() else "utter_handoff_created_closed"
    ticket = expect(patient, [("I want to talk to a real person", [office])])["ticket"]
    assert ticket.startswith("HO-")


def test_api_down_at_submission_is_delivered_once_when_it_is_back(patient, expect, assistant, consultations):
    api = assistant.processes[-1]
    stop(api)
    try:
        expect(patient, TO_CONTACT + REST + [("1", ["utter_consultation_queued"])])
        expect(patient, [("any news on my request?", ["utter_consultation_status_pending"])])
    finally:
        port = assistant.api.rsplit(":", 1)[1]
        assistant.processes[-1] = start_consultation_api(int(port), assistant.env)
        wait_until_ready(f"{assistant.api}/health", assistant.processes[-1])
    deadline = time.monotonic() + 180  # the delivery worker retries after its backoff (10 s, then 20 s ...)
    while not consultations(patient.sender) and time.monotonic() < deadline:
        time.sleep(1)
    assert len(consultations(patient.sender)) == 1
    expect(patient, [("any news on my request?", ["utter_consultation_status_received"])])


def test_what_the_chat_already_told_is_not_asked_again(patient, expect, consultations):
    expect(patient, [("Can IORT be used for my breast cancer?", ["utter_iort_eligibility"])])
    expect(patient, TO_CONTACT + [
        ("ana.costa@example.pt", ["utter_ask_treatment_stage"]),  # no cancer type, no treatment of interest
        ("1", ["utter_ask_reports_available"]),
        ("2", ["utter_ask_case_description"]),
        ("Found in October.", ["utter_ask_review"]),
        ("1", ["utter_consultation_sent", "utter_consultation_upload_link"]),
    ])
    [record] = consultations(patient.sender)
    assert (record["cancer_type"], record["interest"]) == ("breast", "iort")


def test_after_an_emergency_the_urgent_care_advice_comes_first(patient, expect, consultations):
    expect(patient, [("I'm bleeding a lot from the wound and feel dizzy", ["utter_emergency"])])
    expect(patient, TO_CONTACT + REST + [
        ("1", ["utter_emergency", "utter_consultation_sent", "utter_consultation_upload_link"])])
    assert len(consultations(patient.sender)) == 1


def test_the_status_question_can_be_cancelled(patient, expect):
    expect(patient, [("what is the status of my consultation request?", ["utter_ask_consultation_reference"]),
                     ("no idea", ["utter_invalid_reference", "utter_ask_consultation_reference"]),
                     ("cancel", ["utter_deny"]),
                     ("What is IORT?", ["utter_iort_what"])])

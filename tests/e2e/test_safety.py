"""Emergencies before anything else, the first-reply notice, and what patients see about their data."""
import time

import requests
import sqlalchemy as sa

# An English consultation form, up to the question for the patient's name.
TO_NAME = [("I want a consultation", ["utter_consultation_start", "utter_ask_data_consent"]),
           ("1", ["utter_ask_patient_relation"]), ("1", ["utter_ask_diagnosis_status"]),
           ("1", ["utter_ask_patient_name"])]


def test_the_first_reply_carries_the_notice_and_only_the_first(patient, expect):
    expect(patient, [("What is IORT?", ["utter_iort_what"]), ("And what is IOCT?", ["utter_ioct_what"])])
    assert len(patient.notices) == 1


def test_the_notice_is_in_the_patients_language(patient, catalogues, expect):
    expect(patient, [("Что такое IORT?", ["utter_iort_what"])], language="ru")
    assert patient.notices == [catalogues["ru"]["utter_first_notice"][0]["text"]]


def test_an_emergency_inside_the_form_gets_urgent_care_advice_first(patient, expect):
    expect(patient, TO_NAME)
    expect(patient, [("мама не может дышать, губы синие", ["utter_emergency", "utter_ask_patient_name"])],
           language="ru")


def test_a_question_about_a_side_effect_is_answered_not_escalated(patient, expect):
    expect(patient, [("Can IORT cause bleeding?", ["utter_iort_side_effects"])])


def test_privacy_question(patient, expect):
    expect(patient, [("who can see what I write here?", ["utter_privacy"])])


def test_forget_me_deletes_the_conversation_and_anonymises_the_request(patient, expect, assistant, consultations):
    steps = TO_NAME + [
             ("Ana Costa", ["utter_ask_patient_age"]), ("44", ["utter_ask_patient_country"]),
             ("Portugal", ["utter_ask_contact"]), ("ana.costa@example.pt", ["utter_ask_cancer_type"]),
             ("breast cancer", ["utter_ask_treatment_stage"]), ("2", ["utter_ask_interest"]),
             ("1", ["utter_ask_reports_available"]), ("1", ["utter_ask_case_description"]),
             ("Operated in May.", ["utter_ask_review"]),
             ("1", ["utter_consultation_sent", "utter_consultation_upload_link"])]
    expect(patient, steps)
    expect(patient, [("please delete my data", ["utter_ask_confirm_deletion"]),
                     ("/affirm", ["utter_data_deleted"])])
    tracker_db = sa.create_engine(f"sqlite:///{assistant.env['TRACKER_DB']}")
    deadline = time.monotonic() + 120  # the delivery worker runs the deletion after the turn is saved
    while time.monotonic() < deadline and (_events(tracker_db, patient.sender) or consultations(patient.sender)):
        time.sleep(1)
    assert _events(tracker_db, patient.sender) == 0
    assert consultations(patient.sender) == [], "the request still names the conversation"
    replies = patient.says("hello")
    assert replies, "a new conversation starts"


def test_forget_me_can_be_declined(patient, expect):
    expect(patient, [("delete my data", ["utter_ask_confirm_deletion"]), ("/deny", ["utter_deletion_cancelled"])])


def _events(engine, sender: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()


def test_no_names_emails_or_phones_in_any_log(patient, expect, run_dir):
    name, email, phone = "Zoe Quartermaine", "zoe.quartermaine.42@example.org", "+44 20 7946 0958"
    expect(patient, TO_NAME + [(name, ["utter_ask_patient_age"]), ("51", ["utter_ask_patient_country"]),
                     ("Ireland", ["utter_ask_contact"]), (email, ["utter_ask_cancer_type"]),
                     ("cancel", ["utter_consultation_cancelled"])])
    patient.says(f"my phone is {phone}, or write to {email}")
    logs = "\n".join(path.read_text(errors="replace") for path in run_dir.glob("*.log"))
    for secret in (name, "Quartermaine", email, "zoe.quartermaine", phone, "7946 0958", "+442079460958"):
        assert secret not in logs


def test_the_action_server_refuses_calls_without_its_token(assistant):
    call = {"next_action": "action_request_human", "sender_id": "x", "tracker": {"sender_id": "x", "events": []},
            "domain": {}}
    refused = requests.post(assistant.env["ACTION_SERVER_URL"], json=call, timeout=10)
    assert refused.status_code == 401


def test_rasas_http_api_is_not_open(assistant):
    base = assistant.rasa_url
    assert requests.get(f"{base}/conversations/x/tracker", timeout=10).status_code in (401, 403, 404)

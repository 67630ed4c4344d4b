"""Who is handed to the consultation API is decided by the rules in qualification.yml."""
import pytest

from actions.consultation.qualification import facts, qualify

SENT = {"review": "send", "consent_record": {"given": True}, "contact": {"value": "a@b.co", "guardian": False},
        "diagnosis_status": "confirmed", "patient_age": 50}


def outcome(emergency=False, **changes):
    return qualify(facts({**SENT, **changes}, emergency))


def test_consent_a_contact_and_a_diagnosis_are_sent():
    assert outcome().send
    assert outcome(diagnosis_status="suspected").send


@pytest.mark.parametrize("changes", [{"review": "cancel"}, {"review": None}, {"consent_record": None}])
def test_nothing_is_sent_without_consent(changes):
    result = outcome(**changes)
    assert not result.send and result.say == ["utter_consultation_cancelled"]


def test_general_curiosity_gets_information_and_an_invitation():
    result = outcome(diagnosis_status="none")
    assert not result.send and result.say == ["utter_consultation_information_only"]


def test_a_minor_needs_a_guardians_contact():
    assert not outcome(patient_age=15).send
    assert outcome(patient_age=15, contact={"value": "+441234", "guardian": True}).send


def test_an_emergency_gets_urgent_care_advice_first():
    result = outcome(emergency=True)
    assert result.send and result.say_first == ["utter_emergency"]

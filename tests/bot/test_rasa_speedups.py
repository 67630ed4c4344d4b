"""The faster action-response check accepts and refuses exactly what Rasa's own check does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlg  # noqa: F401  (loading the NLG applies the speed-ups, as in the Rasa server)
from bot.rasa_speedups import validate_action_result

RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "zh", "timestamp": None}], "responses": []},
    {"events": [{"event": "bot", "text": "hello"}], "responses": [{"text": "hi"}]},
    {},
]
BAD_RESPONSES = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["text instead of an object"]},
    [],
]


def original(result):
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("result", RESPONSES)
def test_good_responses_pass_both(result):
    original(result)
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD_RESPONSES)
def test_bad_responses_fail_both_with_rasas_message(result):
    with pytest.raises(jsonschema.ValidationError) as by_rasa:
        original(result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_action_result(None, result)
    assert ours.value.message.startswith(by_rasa.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_rasa_server_uses_it():
    assert RemoteAction._validate_action_result is validate_action_result

"""Waste removed from Rasa 3.6.21 itself, applied in the Rasa server when it loads our NLG (bot/nlg.py).

`RemoteAction._validate_action_result` checks every action server response with `jsonschema.validate`, which
first checks the schema itself against JSON Schema's meta-schema and looks up its validator class: about 90 ms
of a 140 ms message on this machine (`python -m bot.tools.profile_messages --top 40`), for every custom action
call, and there is one on every message (action_set_language). The replacement makes the same check against the
same schema, with the validator built once. Remove this module when Rasa does the same.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def action_result_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """What RemoteAction._validate_action_result does (same errors, same message), without the per-call work."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result




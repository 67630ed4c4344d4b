"""Decide from the rules in qualification.yml whether a request goes to the consultation API."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

RULES_FILE = Path(__file__).resolve().parent / "qualification.yml"
MINOR_BELOW = 18


@dataclass(frozen=True)
class Outcome:
    rule: str
    send: bool = False
    say_first: List[str] = field(default_factory=list)
    say: List[str] = field(default_factory=list)


@lru_cache(maxsize=None)
def rules() -> List[Dict[str, Any]]:
    with open(RULES_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["rules"]


def facts(slots: Mapping[str, Any], emergency_reported: bool) -> Dict[str, Any]:
    """What the rules look at, from the form's slots."""
    age = slots.get("patient_age")
    contact = slots.get("contact") or {}
    return {
        "consent_given": slots.get("review") == "send" and bool(slots.get("consent_record")),
        "contact_valid": bool(contact.get("value")),
        "diagnosis_status": slots.get("diagnosis_status"),
        "minor": isinstance(age, int) and age < MINOR_BELOW,
        "guardian_contact": bool(contact.get("guardian")),
        "emergency_reported": emergency_reported,
    }


def qualify(known: Mapping[str, Any]) -> Outcome:
    """The outcome of the first rule whose conditions all hold."""
    for rule in rules():
        if all(_holds(known.get(name), wanted) for name, wanted in (rule.get("when") or {}).items()):
            return Outcome(
                rule=rule["name"],
                send=bool(rule.get("send")),
                say_first=list(rule.get("say_first") or []),
                say=list(rule.get("say") or []),
            )
    raise LookupError("qualification.yml must end with a rule that always holds")


def _holds(value: Any, wanted: Any) -> bool:
    return value in wanted if isinstance(wanted, list) else value == wanted

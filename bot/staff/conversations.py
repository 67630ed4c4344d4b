"""Conversations as staff read them, from Rasa's SQL tracker store (`events` table): summaries and transcripts.

Nothing here writes to the tracker store. A summary is computed from a conversation's events: channel, languages,
intents, and the flags staff filter by (emergency, hand-off, consultation submitted, fallback or low confidence).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Engine

EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"),
                  sa.column("timestamp"), sa.column("intent_name"), sa.column("action_name"), sa.column("data"))
LOW_CONFIDENCE = 0.3  # as the policies' core_fallback_threshold (bot/config.yml)
FALLBACK_INTENTS = {"nlu_fallback"}
FLAGS = ("emergency", "handoff", "consultation", "fallback")


@dataclass
class Turn:
    """One message in a transcript: the patient's (with what the bot understood) or the bot's."""

    speaker: str  # "patient" or "bot"
    text: str
    at: datetime
    language: Optional[str] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)
    response: Optional[str] = None  # the bot's response name (utter_...), to show its English version
    buttons: List[str] = field(default_factory=list)


@dataclass
class Conversation:
    sender_id: str
    started: datetime
    last: datetime
    channel: str = ""
    languages: Set[str] = field(default_factory=set)
    intents: Set[str] = field(default_factory=set)
    flags: Set[str] = field(default_factory=set)
    consultation_reference: Optional[str] = None
    patient_messages: int = 0
    texts: List[str] = field(default_factory=list)  # the patient's messages, for full-text search


def moment(timestamp: Optional[float]) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)


def _events(engine: Engine, where: Any) -> Iterable[sa.engine.Row]:
    if not sa.inspect(engine).has_table("events"):
        return []
    query = sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data).where(where)
    with engine.connect() as connection:
        return connection.execute(query.order_by(EVENTS.c.sender_id, EVENTS.c.id)).all()


def _data(row: sa.engine.Row) -> Dict[str, Any]:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def summaries(engine: Engine, since: Optional[datetime] = None, until: Optional[datetime] = None) -> List[Conversation]:
    """Every conversation with activity in [since, until], newest activity first."""
    where = sa.true()
    if since:
        where = sa.and_(where, EVENTS.c.timestamp >= since.timestamp())
    if until:
        where = sa.and_(where, EVENTS.c.timestamp <= until.timestamp())
    found: Dict[str, Conversation] = {}
    for row in _events(engine, where):
        at = moment(row.timestamp)
        conversation = found.setdefault(row.sender_id, Conversation(row.sender_id, at, at))
        conversation.last = max(conversation.last, at)
        _summarise(conversation, row.type_name, _data(row))
    return sorted(found.values(), key=lambda c: c.last, reverse=True)


def _summarise(conversation: Conversation, kind: str, data: Dict[str, Any]) -> None:
    if kind == "user":
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {})
        conversation.patient_messages += 1
        conversation.texts.append(str(data.get("text") or ""))
        conversation.channel = str(data.get("input_channel") or conversation.channel)
        if intent.get("name"):
            conversation.intents.add(intent["name"])
        if intent.get("name") == "report_emergency":
            conversation.flags.add("emergency")
        if intent.get("name") in FALLBACK_INTENTS or (intent.get("confidence") or 1.0) < LOW_CONFIDENCE:
            conversation.flags.add("fallback")
    elif kind == "slot":
        name, value = data.get("name"), data.get("value")
        if name == "language" and value:
            conversation.languages.add(str(value))
        elif name == "emergency_flagged" and value:
            conversation.flags.add("emergency")
        elif name == "consultation_reference" and value:
            conversation.consultation_reference = str(value)
            conversation.flags.add("consultation")
    elif kind == "action" and data.get("name") == "action_request_human":
        conversation.flags.add("handoff")


def transcript(engine: Engine, sender_id: str) -> List[Turn]:
    """The patient's and the bot's messages of one conversation, in order."""
    turns: List[Turn] = []
    for row in _events(engine, EVENTS.c.sender_id == sender_id):
        data = _data(row)
        if row.type_name == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            language = (parse.get("language") or {}).get("language")
            turns.append(Turn("patient", str(data.get("text") or ""), moment(row.timestamp), language,
                              intent.get("name"), intent.get("confidence"), list(parse.get("entities") or [])))
        elif row.type_name == "bot":
            buttons = [str(b.get("title", "")) for b in ((data.get("data") or {}).get("buttons") or [])]
            turns.append(Turn("bot", str(data.get("text") or ""), moment(row.timestamp),
                              response=(data.get("metadata") or {}).get("utter_action"), buttons=buttons))
    return turns

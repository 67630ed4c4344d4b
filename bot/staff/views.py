"""Conversation list (filters, search, counts, pages) and transcript view with the bot's understanding beside it."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from rasa.shared.core.domain import Domain

from bot.languages import NATIVE_NAMES, RIGHT_TO_LEFT
from bot.staff import conversations, db
from bot.staff.conversations import Conversation
from bot.tracker_db import delete_conversation

blueprint = Blueprint("conversations", __name__)
PAGE_SIZE = 25
DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"
CLINICIAN_FLAGS = {"emergency", "handoff"}
MAX_NOTE = 4000
TAG = re.compile(r"[\w-]{1,40}")
EXPORT_FIELDS = ("conversation", "channel", "speaker", "time", "language", "intent", "confidence", "response", "text")


@lru_cache(maxsize=1)
def intent_labels() -> Dict[str, str]:
    return yaml.safe_load((Path(__file__).with_name("intent_labels.yml")).read_text(encoding="utf-8"))["labels"]


@lru_cache(maxsize=1)
def english_responses() -> Dict[str, str]:
    """The English text of every response (the domain is the English catalogue)."""
    return {name: (variants[0].get("text") or "") for name, variants in Domain.load(str(DOMAIN_DIR)).responses.items()}


def may_see(conversation: Conversation) -> bool:
    """Clinicians see conversations that were handed off or flagged; coordinators and administrators all."""
    return g.user["role"] != "clinician" or bool(conversation.flags & CLINICIAN_FLAGS)


def _date(value: Optional[str], end: bool = False) -> Optional[datetime]:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        abort(400, "Dates are YYYY-MM-DD.")
    return day.replace(hour=23, minute=59, second=59) if end else day


def matches(conversation: Conversation, filters: Dict[str, str], reviewed: Dict[str, Any]) -> bool:
    if filters.get("channel") and conversation.channel != filters["channel"]:
        return False
    if filters.get("language") and filters["language"] not in conversation.languages:
        return False
    if filters.get("intent") and filters["intent"] not in conversation.intents:
        return False
    if filters.get("flag") and filters["flag"] not in conversation.flags:
        return False
    status = filters.get("review")
    if status and (status == "reviewed") != (conversation.sender_id in reviewed):
        return False
    query = (filters.get("q") or "").strip().casefold()
    return not query or any(query in text.casefold() for text in conversation.texts)


@blueprint.route("/conversations")
def conversation_list() -> Any:
    filters = {key: request.args.get(key, "") for key in ("since", "until", "channel", "language", "intent", "flag",
                                                          "review", "q")}
    found = conversations.summaries(_tracker(), _date(filters["since"]), _date(filters["until"], end=True))
    visible = [c for c in found if may_see(c)]
    reviewed = db.reviewed()
    chosen = [c for c in visible if matches(c, filters, reviewed)]
    page = max(1, request.args.get("page", 1, type=int))
    shown = chosen[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    db.audit(g.user["username"], "list_conversations", f"{len(chosen)} found")
    return render_template(
        "conversations.html", conversations=shown, filters=filters, page=page, total=len(chosen),
        pages=max(1, -(-len(chosen) // PAGE_SIZE)), reviewed=reviewed,
        by_language=Counter(language for c in chosen for language in c.languages),
        by_channel=Counter(c.channel for c in chosen), channels=sorted({c.channel for c in visible}),
        languages=NATIVE_NAMES, intents=intent_labels(), flags=conversations.FLAGS)


@blueprint.route("/conversations/<path:sender_id>")
def conversation(sender_id: str) -> Any:
    summary = next((c for c in conversations.summaries(_tracker()) if c.sender_id == sender_id), None)
    if summary is None:
        abort(404)
    if not may_see(summary):
        db.audit(g.user["username"], "view_refused", sender_id)
        abort(403)
    db.audit(g.user["username"], "view_conversation", sender_id)
    return render_template("conversation.html", conversation=summary,
                           turns=conversations.transcript(_tracker(), sender_id), intents=intent_labels(),
                           english=english_responses(), right_to_left=RIGHT_TO_LEFT,
                           reviewed=db.reviewed().get(sender_id), notes=db.notes_of(sender_id),
                           tags=db.tags_of(sender_id))


@blueprint.route("/conversations/<path:sender_id>/reviewed", methods=["POST"])
def mark_reviewed(sender_id: str) -> Any:
    _visible(sender_id)
    db.mark_reviewed(sender_id, g.user["username"])
    db.audit(g.user["username"], "mark_reviewed", sender_id)
    return redirect(url_for("conversations.conversation", sender_id=sender_id))


def _visible(sender_id: str) -> Conversation:
    """The conversation if this staff member may work on it; 404 otherwise (not even whether it exists)."""
    summary = next((c for c in conversations.summaries(_tracker()) if c.sender_id == sender_id), None)
    if summary is None or not may_see(summary):
        abort(404)
    return summary


def _tracker() -> Any:
    return current_app.extensions["tracker_engine"]


@blueprint.route("/conversations/<path:sender_id>/notes", methods=["POST"])
def add_note(sender_id: str) -> Any:
    _visible(sender_id)
    text = (request.form.get("note") or "").strip()
    if not text or len(text) > MAX_NOTE:
        abort(400, f"A note has 1 to {MAX_NOTE} characters.")
    db.add_note(sender_id, g.user["username"], text)
    db.audit(g.user["username"], "add_note", sender_id)
    return redirect(url_for("conversations.conversation", sender_id=sender_id))


@blueprint.route("/conversations/<path:sender_id>/tags", methods=["POST"])
def add_tag(sender_id: str) -> Any:
    _visible(sender_id)
    tag = (request.form.get("tag") or "").strip().lower()
    if not TAG.fullmatch(tag):
        abort(400, "A tag is 1 to 40 letters, digits, - or _.")
    db.add_tag(sender_id, tag)
    db.audit(g.user["username"], "add_tag", f"{sender_id}: {tag}")
    return redirect(url_for("conversations.conversation", sender_id=sender_id))


@blueprint.route("/conversations/<path:sender_id>/delete", methods=["POST"])
def delete(sender_id: str) -> Any:
    """A patient asked for deletion: the transcript goes from the tracker store, staff records with it."""
    if g.user["role"] == "clinician":
        abort(403)
    _visible(sender_id)
    deleted = delete_conversation(_tracker(), sender_id)
    db.forget(sender_id)
    db.audit(g.user["username"], "delete_conversation", f"{sender_id} ({deleted} events)")
    return redirect(url_for("conversations.conversation_list"))


@blueprint.route("/export", methods=["POST"])
def export() -> Any:
    """The selected conversations' transcripts as CSV or JSON (a download; audited with every id)."""
    chosen = request.form.getlist("conversation")
    if not chosen:
        abort(400, "Select at least one conversation.")
    summaries = [_visible(sender_id) for sender_id in chosen]
    rows = [{"conversation": s.sender_id, "channel": s.channel, "speaker": turn.speaker,
             "time": turn.at.isoformat(), "language": turn.language or "", "intent": turn.intent or "",
             "confidence": "" if turn.confidence is None else round(turn.confidence, 3),
             "response": turn.response or "", "text": turn.text}
            for s in summaries for turn in conversations.transcript(_tracker(), s.sender_id)]
    kind = request.form.get("format", "csv")
    db.audit(g.user["username"], f"export_{kind}", ", ".join(chosen)[:255])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    if kind == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        return Response(body, mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.json"'})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_FIELDS))
    writer.writeheader()
    writer.writerows({key: _safe_cell(value) for key, value in row.items()} for row in rows)
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.csv"'})


def _safe_cell(value: Any) -> Any:
    """A patient's text starting with = + - @ would be a formula in a spreadsheet: prefix it with a quote."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


@blueprint.route("/dashboard")
def dashboard() -> Any:
    """Conversations per day, language and channel; fallback share; top intents; hand-offs and emergencies."""
    visible = [c for c in conversations.summaries(_tracker()) if may_see(c)]
    per_day = Counter(c.last.strftime("%Y-%m-%d") for c in visible)
    intents = Counter(intent for c in visible for intent in c.intents)
    labels = intent_labels()
    figures = {
        "per_day": sorted(per_day.items())[-30:],
        "per_language": Counter(language for c in visible for language in c.languages).most_common(),
        "per_channel": Counter(c.channel or "?" for c in visible).most_common(),
        "top_intents": [(labels.get(name, name), n) for name, n in intents.most_common(10)],
        "flags": [(flag, sum(flag in c.flags for c in visible)) for flag in conversations.FLAGS],
    }
    fallback_share = sum("fallback" in c.flags for c in visible) / len(visible) if visible else 0.0
    db.audit(g.user["username"], "view_dashboard")
    return render_template("dashboard.html", figures=figures, total=len(visible), fallback_share=fallback_share)

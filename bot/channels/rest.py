"""The REST channel for the web chat and tests: Rasa's RestInput, hardened for whatever a patient's client sends.

- A body that is not JSON, not UTF-8, or without a string `sender` and `message` gets 400 with a JSON error.
- Control characters are removed; a message longer than `max_chars` is cut and flagged in its metadata, so
  that the reply starts with a note in the conversation's language (bot/nlg.py).
- A sender who floods the bot is slowed down by a per-sender rate limit, with one polite note per window.
- Message text is never logged, not even when processing fails.
Configured in bot/credentials.yml as `bot.channels.rest.PatientRestInput`; its URL stays /webhooks/rest/webhook.
"""
from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.domain import Domain
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rate_limit import rate_limiter
from bot.languages import DEFAULT_LANGUAGE, hint_from_metadata, is_supported
from bot.locales import load_catalogues
from bot.nlg import MESSAGE_CUT
from bot.nlu.language_id import plain_langdetect

logger = logging.getLogger(__name__)
DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"
MAX_CHARS = 2000
MAX_SENDER = 255
KEPT_CONTROLS = {"\n", "\t"}


class BadRequest(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    metadata: Optional[Dict[str, Any]]
    cut: bool


def clean_text(text: str, max_chars: int) -> tuple[str, bool]:
    """Remove control and format characters (not newlines or tabs), then cut to `max_chars`."""
    kept = "".join(c for c in text if c in KEPT_CONTROLS or unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return (kept[:max_chars], True) if len(kept) > max_chars else (kept, False)


def parse(body: bytes, max_chars: int) -> Incoming:
    """The sender, the cleaned message and the metadata of a webhook body, or BadRequest."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("invalid_encoding", "The body must be UTF-8 encoded JSON.") from None
    except ValueError:
        raise BadRequest("invalid_json", "The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise BadRequest("invalid_json", "The body must be a JSON object.")
    sender, message, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
        raise BadRequest("invalid_sender", f"`sender` must be a non-empty string of at most {MAX_SENDER} characters.")
    if not isinstance(message, str):
        raise BadRequest("invalid_message", "`message` must be a string.")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("invalid_metadata", "`metadata` must be an object.")
    text, cut = clean_text(message, max_chars)
    return Incoming(sender, text, metadata, cut)


@lru_cache(maxsize=1)
def _catalogues() -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    return load_catalogues(Domain.load(str(DOMAIN_DIR)).responses)


def note(response_name: str, text: str, metadata: Optional[Dict[str, Any]]) -> str:
    """A channel note in the language of the message (or the client's locale), English otherwise."""
    language = hint_from_metadata(metadata) or (plain_langdetect(text) if text.strip() else None)
    language = language if is_supported(language) else DEFAULT_LANGUAGE
    return _catalogues()[language][response_name][0]["text"]


class PatientRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "PatientRestInput":
        return cls(**(credentials or {}))

    def __init__(self, max_chars: int = MAX_CHARS, burst: int = 20, per_second: float = 3.0):
        self.max_chars = int(max_chars)
        self.limiter = rate_limiter(int(burst), float(per_second))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("patient_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                incoming = parse(request.body or b"", self.max_chars)
            except BadRequest as error:
                return response.json({"error": {"code": error.code, "message": error.message}}, status=400)
            if not self.limiter.allow(incoming.sender):
                if not self.limiter.should_warn(incoming.sender):
                    return response.json([])
                text = note("utter_slow_down", incoming.text, incoming.metadata)
                return response.json([{"recipient_id": incoming.sender, "text": text}])
            collector = CollectingOutputChannel()
            metadata = {**(incoming.metadata or {}), MESSAGE_CUT: True} if incoming.cut else incoming.metadata
            try:
                await on_new_message(UserMessage(incoming.text, collector, incoming.sender,
                                                 input_channel=self.name(), metadata=metadata))
            except Exception as error:  # the patient still gets what was produced; the log gets no text
                logger.error("A REST message could not be handled: %s", type(error).__name__)
            return response.json(collector.messages)

        return webhook

"""What every messaging-app connector shares: the webhook, numbered options, length limits, outgoing calls.

A connector (bot/channels/whatsapp_cloud.py, line.py, wechat.py) subclasses `MessagingInput` and says how to
verify a request, how to read its events into `Inbound` messages and how to send a reply; this module does the
rest the same way for all of them:

- Not configured (no secret in the environment): the webhook answers 503 and calls nobody.
- Wrong signature: 403 and no reply. Unreadable body: 400 and nothing else happens.
- Each platform message is handled once, even when the platform delivers it again.
- Buttons become numbered options where the platform has none (or too few); a reply "2" means the second one.
- Long answers are split at paragraph, line, sentence or word boundaries to the platform's length limit.
- Files become `/share_document`, other unsupported types (stickers, locations, ...) `/send_unsupported`,
  so the bot answers them in the conversation's language.
- The country of a phone number reaches language detection as a hint.
- No message text is ever logged.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import phonenumbers
import requests
import yaml
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from requests.adapters import HTTPAdapter
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from urllib3.util.retry import Retry

from bot.channels.memory import ButtonMemory, button_memory, seen_messages
from bot.channels.rest import BadRequest, clean_text

logger = logging.getLogger(__name__)

SHARE_DOCUMENT = "/share_document"
UNSUPPORTED = "/send_unsupported"
GREETING = "/greet"  # a patient opening the chat (Telegram's /start, WeChat's subscribe)
MAX_CHARS = 2000
TIMEOUT = (3.05, 10)  # connect, read: every call to a platform has both
COUNTRY_LANGUAGES = Path(__file__).with_name("country_languages.yml")


@dataclass(frozen=True)
class Inbound:
    """One patient message read from a platform's webhook body."""

    sender: str
    text: str  # what the patient typed, a button's payload, or SHARE_DOCUMENT / UNSUPPORTED
    message_id: Optional[str] = None  # the platform's id, to handle a redelivered message once
    metadata: Dict[str, Any] = field(default_factory=dict)
    reply_token: Optional[str] = None  # LINE answers an event with its reply token


def attachment(sender: str, kind: str, media_id: Optional[str], message_id: Optional[str],
               metadata: Optional[Dict[str, Any]] = None, reply_token: Optional[str] = None,
               **details: Any) -> Inbound:
    """A file (image, document, video) sent by the patient: the bot is told, the file stays on the platform."""
    info = {"kind": kind, "media_id": media_id, **{k: v for k, v in details.items() if v is not None}}
    return Inbound(sender, SHARE_DOCUMENT, message_id, {**(metadata or {}), "attachment": info}, reply_token)


def unsupported(sender: str, kind: str, message_id: Optional[str], metadata: Optional[Dict[str, Any]] = None,
                reply_token: Optional[str] = None) -> Inbound:
    return Inbound(sender, UNSUPPORTED, message_id, {**(metadata or {}), "unsupported": kind}, reply_token)


# ---- language hints --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_languages() -> Dict[str, str]:
    with open(COUNTRY_LANGUAGES, encoding="utf-8") as handle:
        table = yaml.safe_load(handle)
    return {country: language for language, countries in table.items() for country in countries}


def language_from_phone(number: Optional[str]) -> Optional[str]:
    """The main supported language of the country of an international phone number ("7916..." -> "ru")."""
    if not number:
        return None
    digits = re.sub(r"\D", "", str(number))
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    return _country_languages().get(phonenumbers.region_code_for_number(parsed) or "")


# ---- replies: numbered options and length limits ----------------------------------------------------------


def numbered(text: str, buttons: List[Dict[str, Any]]) -> str:
    """A question with its buttons as numbered options, for channels without buttons."""
    options = "\n".join(f"{i}. {button.get('title', '')}" for i, button in enumerate(buttons, start=1))
    return f"{text}\n\n{options}" if text else options


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> List[str]:
    """Parts of at most `limit` (measured by `size`), cut at paragraphs, then lines, sentences, words, characters."""
    text = text.strip()
    if size(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", ". ", "。", "! ", "? ", " "):
        pieces = text.split(separator)
        if len(pieces) > 1:
            return _pack([p + separator for p in pieces[:-1]] + [pieces[-1]], limit, size)
    cut = len(text)
    while size(text[:cut]) > limit:
        cut -= max(1, (size(text[:cut]) - limit) // 4)
    return [text[:cut]] + split_text(text[cut:], limit, size)


def _pack(pieces: List[str], limit: int, size: Callable[[str], int]) -> List[str]:
    parts: List[str] = []
    current = ""
    for piece in pieces:
        if size(current + piece) <= limit:
            current += piece
            continue
        if current.strip():
            parts.append(current.strip())
        if size(piece) > limit:
            parts.extend(split_text(piece, limit, size))
            current = ""
        else:
            current = piece
    if current.strip():
        parts.append(current.strip())
    return parts


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


# ---- outgoing calls ---------------------------------------------------------------------------------------


class PlatformClient:
    """HTTP calls to a platform's API: a timeout on each, retries (urllib3) where nothing can have been sent twice."""

    def __init__(self, base_url: str, headers: Optional[Dict[str, str]] = None):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        retry = Retry(total=3, connect=3, read=0, status=2, backoff_factor=0.5,
                      status_forcelist=(429, 503), allowed_methods=None, respect_retry_after_header=True)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> Optional[requests.Response]:
        """The response, or None when the platform could not be reached; failures are logged without content."""
        try:
            reply = self.session.request(method, self.url(path), timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            logger.error("Call to %s failed: %s", self.base_url, type(error).__name__)
            return None
        if reply.status_code >= 400:
            logger.error("Call to %s answered %s", self.base_url, reply.status_code)
        return reply

    async def send(self, method: str, path: str, **kwargs: Any) -> Optional[requests.Response]:
        return await asyncio.to_thread(self.request, method, path, **kwargs)


def hmac_digest(secret: str, body: bytes, algorithm: Any = hashlib.sha256) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, algorithm).digest()


def same_signature(expected: str, given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8"))


def base64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac_digest(secret, body)).decode("ascii")


# ---- the connector ----------------------------------------------------------------------------------------


class MessagingOutput(OutputChannel):
    """Sends the bot's replies: split to `limit`, buttons native when `native_buttons` allows, else numbered."""

    limit = 4000
    size: Callable[[str], int] = staticmethod(len)

    def __init__(self, memory: ButtonMemory):
        self.memory = memory

    async def send_part(self, recipient_id: str, text: str) -> None:
        raise NotImplementedError

    async def send_native_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> bool:
        """Send the buttons as the platform's own; False when it cannot (then they become numbered options)."""
        return False

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.memory.forget(recipient_id)
        for part in split_text(text, self.limit, self.size):
            await self.send_part(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        if not await self.send_native_buttons(recipient_id, text, buttons):
            await self.send_text_message(recipient_id, numbered(text, buttons))
        self.memory.remember(recipient_id, buttons)  # typing "2" also picks a native button's option

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, image)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, attachment)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        logger.debug("Custom JSON replies are not sent on %s", self.name())


class MessagingInput(InputChannel):
    """A messaging app's webhook at /webhooks/<name>/webhook. Subclasses fill in the platform's details."""

    required: tuple[str, ...] = ()  # settings without which the channel stays switched off (503)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "MessagingInput":
        return cls(**{key: ("" if value is None else str(value)) for key, value in (credentials or {}).items()})

    def __init__(self, max_chars: Any = MAX_CHARS, **settings: str):
        self.max_chars = int(max_chars or MAX_CHARS)
        self.settings = settings
        self.memory = button_memory()
        self.seen = seen_messages()

    def setting(self, key: str, default: str = "") -> str:
        return (self.settings.get(key) or default).strip()

    def configured(self) -> bool:
        return all(self.setting(key) for key in self.required)

    # -- what a platform fills in --

    def verify(self, request: Request) -> bool:
        raise NotImplementedError

    def parse(self, body: bytes) -> List[Inbound]:
        """The patient messages in a webhook body; BadRequest when the body is not the platform's shape."""
        raise NotImplementedError

    def output_for(self, inbound: Inbound) -> OutputChannel:
        raise NotImplementedError

    async def challenge(self, request: Request) -> HTTPResponse:
        """GET on the webhook (a platform's verification handshake, where it has one)."""
        return response.json({"error": {"code": "method_not_allowed", "message": "POST only."}}, status=405)

    async def answer(self, inbounds: List[Inbound], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     request: Request) -> HTTPResponse:
        """Handle the messages, then acknowledge (platforms that must be answered fast override this)."""
        for inbound in inbounds:
            await self.handle(inbound, on_new_message)
        return response.json({"status": "ok"})

    # -- the same for all --

    def fresh(self, inbounds: Iterable[Inbound]) -> List[Inbound]:
        return [inbound for inbound in inbounds if self.seen.first_time(inbound.message_id)]

    def user_message(self, inbound: Inbound, output: OutputChannel) -> UserMessage:
        text, cut = clean_text(self.memory.resolve(inbound.sender, inbound.text), self.max_chars)
        metadata = {**inbound.metadata, "message_cut": True} if cut else inbound.metadata
        return UserMessage(text, output, inbound.sender, input_channel=self.name(), metadata=metadata,
                           message_id=None)

    async def handle(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     output: Optional[OutputChannel] = None) -> None:
        try:
            await on_new_message(self.user_message(inbound, output or self.output_for(inbound)))
        except Exception as error:  # the platform must not redeliver forever; the log gets no text
            logger.error("A %s message could not be handled: %s", self.name(), type(error).__name__)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured() else "not configured"})

        @webhook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            if not self.configured():
                return not_configured(self.name())
            return await self.challenge(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.configured():
                return not_configured(self.name())
            if not self.verify(request):
                return response.json({"error": {"code": "invalid_signature",
                                                "message": "The request signature is not valid."}}, status=403)
            try:
                inbounds = self.parse(request.body or b"")
            except BadRequest as error:
                return response.json({"error": {"code": error.code, "message": error.message}}, status=400)
            return await self.answer(self.fresh(inbounds), on_new_message, request)

        return webhook


def not_configured(name: str) -> HTTPResponse:
    return response.json({"error": {"code": "not_configured",
                                    "message": f"The {name} channel has no credentials here."}}, status=503)

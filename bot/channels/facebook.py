"""Facebook Messenger connector: Rasa's FacebookInput/MessengerBot (fbmessenger), with our connectors' webhook.

What changes from Rasa's version (rasa/core/channels/facebook.py):
- POST /webhooks/facebook/webhook must carry `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, body)>`
  (constant-time compare); only without that header is Rasa's `X-Hub-Signature` SHA-1 check used (also
  constant-time, and SHA-1 only where Rasa's takes whatever hashlib name the header gives). 403 otherwise, 400 for
  a body that is not a page webhook, 503 without credentials. Each message id is handled once, and every event of
  a batch is handled (Rasa's stops after the first).
- GET answers Meta's `hub.challenge` when `hub.mode` is "subscribe" and `hub.verify_token` matches; 403 otherwise.
- Text, quick replies and postbacks reach the bot; images, files and videos become /share_document, stickers,
  locations, audio and the rest /send_unsupported. Echoes, deliveries, reads and reactions are ignored.
- Replies are cut at 2000 characters. Up to 3 buttons with titles of at most 20 characters and a text of at most
  640 stay Rasa's button template; other buttons become numbered options ("2" is the second payload).
- The Graph API is called at `api_base_url` when given, with a timeout, from a worker thread (fbmessenger's client
  is synchronous). Errors are logged by code or exception type; no message text is logged.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Coroutine, Dict, List, Optional, Text

import requests
from fbmessenger import DEFAULT_API_VERSION, MessengerClient
from fbmessenger.elements import Text as FBText
from rasa.core.channels.facebook import FacebookInput, MessengerBot
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    TIMEOUT,
    Inbound,
    MessagingInput,
    attachment,
    numbered,
    same_signature,
    split_text,
    unsupported,
)
from bot.channels.rest import BadRequest

logger = logging.getLogger(__name__)

GRAPH = "https://graph.facebook.com"
LIMIT = 2000  # characters in one Messenger text
MAX_BUTTONS = 3  # in a button template
MAX_TITLE = 20  # characters in a button title
MAX_TEMPLATE_TEXT = 640
FILES = {"image": "image", "file": "document", "video": "video"}


class _TimeoutSession(requests.Session):
    """fbmessenger calls the Graph API without a timeout: give every call one."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        return super().request(*args, **kwargs)


def messenger_client(page_access_token: str, api_base_url: str = "", api_version: str = "") -> MessengerClient:
    client = MessengerClient(page_access_token, session=_TimeoutSession(),
                             api_version=api_version or DEFAULT_API_VERSION)
    client.graph_url = f"{(api_base_url or GRAPH).rstrip('/')}/v{client.api_version}"
    return client


def _log_error(result: Any) -> None:
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        error = result["error"]
        logger.error("Messenger refused a message: %s %s", error.get("type"), error.get("code"))


class PatientMessengerBot(MessengerBot):
    """Rasa's Messenger output: Messenger's length limit, numbered options, no blocking of the event loop."""

    def __init__(self, messenger_client: MessengerClient, memory: Optional[ButtonMemory] = None):
        super().__init__(messenger_client)
        self.memory = memory or ButtonMemory()

    def send(self, recipient_id: Text, element: Any) -> None:
        _log_error(self.messenger_client.send(element.to_dict(), recipient_id, "RESPONSE"))

    @staticmethod
    async def _in_thread(coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run one of Rasa's send methods (async, but making blocking HTTP calls) off the event loop."""
        return await asyncio.to_thread(asyncio.run, coroutine)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.memory.forget(recipient_id)
        for part in split_text(text, LIMIT):
            await asyncio.to_thread(self.send, recipient_id, FBText(text=part))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        titles = [button.get("title") for button in buttons]
        if (text and len(text) <= MAX_TEMPLATE_TEXT and 0 < len(buttons) <= MAX_BUTTONS
                and all(isinstance(t, str) and 0 < len(t) <= MAX_TITLE for t in titles)
                and all(button.get("payload") for button in buttons)):
            await self._in_thread(super().send_text_with_buttons(recipient_id, text, buttons, **kwargs))
        else:
            await self.send_text_message(recipient_id, numbered(text, buttons))
        self.memory.remember(recipient_id, buttons)  # typing "2" also picks a template button's option

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self._in_thread(super().send_quick_replies(recipient_id, text, quick_replies, **kwargs))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._in_thread(super().send_image_url(recipient_id, image, **kwargs))

    async def send_elements(self, recipient_id: Text, elements: Any, **kwargs: Any) -> None:
        await self._in_thread(super().send_elements(recipient_id, elements, **kwargs))

    async def send_custom_json(self, recipient_id: Text, json_message: Any, **kwargs: Any) -> None:
        await self._in_thread(super().send_custom_json(recipient_id, json_message, **kwargs))

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await self._in_thread(super().send_action(recipient_id, sender_action))


def read_event(event: Dict[str, Any]) -> Optional[Inbound]:
    """One entry of `messaging` as a patient message; None for echoes, deliveries, reads, reactions, ..."""
    sender = event["sender"]["id"]
    if not isinstance(sender, (str, int)) or isinstance(sender, bool) or not str(sender):
        raise BadRequest("invalid_body", "An event has no sender id.")
    sender = str(sender)
    if isinstance(event.get("message"), dict):
        message = event["message"]
        if message.get("is_echo"):
            return None
        mid = message.get("mid")
        quick_reply = message.get("quick_reply") or {}
        if quick_reply.get("payload"):
            return Inbound(sender, str(quick_reply["payload"]), mid)
        if isinstance(message.get("text"), str) and message["text"]:
            return Inbound(sender, message["text"], mid)
        attachments = message.get("attachments") or []
        if not attachments:
            return None
        first = attachments[0]
        kind, payload = first.get("type"), first.get("payload") or {}
        if kind == "image" and payload.get("sticker_id"):  # stickers (and the like button) are images
            return unsupported(sender, "sticker", mid)
        if kind in FILES:
            return attachment(sender, FILES[kind], None, mid, url=payload.get("url"), count=len(attachments))
        return unsupported(sender, str(kind or "unknown"), mid)
    if isinstance(event.get("postback"), dict):
        postback = event["postback"]
        payload = postback.get("payload") or postback.get("title")
        return Inbound(sender, str(payload), postback.get("mid")) if payload else None
    return None


class PatientMessengerInput(MessagingInput, FacebookInput):
    """Rasa's FacebookInput with the webhook of bot/channels/messaging.py."""

    required = ("verify", "secret", "page-access-token")

    @classmethod
    def name(cls) -> Text:
        return "facebook"

    def __init__(self, **settings: Any):
        MessagingInput.__init__(self, **settings)
        FacebookInput.__init__(self, self.setting("verify"), self.setting("secret"),
                               self.setting("page-access-token"))
        self.client = messenger_client(self.fb_access_token, self.setting("api_base_url"),
                                       self.setting("api_version"))

    async def challenge(self, request: Request) -> HTTPResponse:
        if request.args.get("hub.mode") == "subscribe" and same_signature(
                self.fb_verify, request.args.get("hub.verify_token")):
            return response.text(request.args.get("hub.challenge") or "")
        logger.warning("Facebook webhook verification with a wrong verify token")
        return response.json({"error": {"code": "invalid_verify_token",
                                        "message": "The verification token does not match."}}, status=403)

    def verify(self, request: Request) -> bool:
        body = request.body or b""
        signature = request.headers.get("X-Hub-Signature-256")
        if signature is not None:
            return same_signature("sha256=" + self.hexdigest(body, hashlib.sha256), signature)
        # Rasa's check of the older SHA-1 header, limited to SHA-1 and compared in constant time
        return same_signature("sha1=" + self.hexdigest(body, hashlib.sha1), request.headers.get("X-Hub-Signature"))

    def hexdigest(self, body: bytes, algorithm: Any) -> str:
        return hmac.new(self.fb_secret.encode("utf-8"), body, algorithm).hexdigest()

    def parse(self, body: bytes) -> List[Inbound]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("invalid_json", "The body must be UTF-8 encoded JSON.") from None
        try:
            if not isinstance(data["entry"], list):
                raise TypeError
            events = [event for entry in data["entry"] for event in (entry.get("messaging") or [])]
            return [inbound for inbound in map(read_event, events) if inbound]
        except (KeyError, TypeError, AttributeError):
            raise BadRequest("invalid_body", "The body is not a Messenger webhook event.") from None

    def output_for(self, inbound: Inbound) -> PatientMessengerBot:
        return PatientMessengerBot(self.client, self.memory)

    def get_output_channel(self) -> Optional[PatientMessengerBot]:  # type: ignore[override]
        return PatientMessengerBot(self.client, self.memory) if self.configured() else None

"""WhatsApp Cloud API (Meta) connector: the verification challenge, signed webhooks in, Graph API messages out.

GET /webhooks/whatsapp/webhook answers Meta's challenge when `hub.verify_token` matches; POST bodies must carry
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`. Replies: POST {base}/{phone_number_id}/messages.
Up to 3 buttons with titles of at most 20 characters become WhatsApp reply buttons; others numbered options.
The patient's number (wa_id) gives a language hint by its country.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    Inbound,
    MessagingInput,
    MessagingOutput,
    PlatformClient,
    attachment,
    hmac_digest,
    language_from_phone,
    same_signature,
    unsupported,
)
from bot.channels.rest import BadRequest

API = "https://graph.facebook.com/v19.0"
MAX_BUTTONS = 3
MAX_TITLE = 20
MAX_BODY = 1024  # an interactive message's body
FILES = {"image", "document", "video", "audio"}


class WhatsAppCloudOutput(MessagingOutput):
    limit = 4096

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, client: PlatformClient, memory: ButtonMemory, phone_number_id: str):
        super().__init__(memory)
        self.client, self.phone_number_id = client, phone_number_id

    async def post(self, recipient_id: str, message: Dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient_id, **message}
        await self.client.send("POST", f"/{self.phone_number_id}/messages", json=body)

    async def send_part(self, recipient_id: str, text: str) -> None:
        await self.post(recipient_id, {"type": "text", "text": {"body": text, "preview_url": True}})

    async def send_native_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> bool:
        titles = [str(b.get("title", "")) for b in buttons]
        if not text or len(text) > MAX_BODY or len(buttons) > MAX_BUTTONS or any(
                not t or len(t) > MAX_TITLE for t in titles):
            return False
        replies = [{"type": "reply", "reply": {"id": str(b.get("payload") or t)[:256], "title": t}}
                   for b, t in zip(buttons, titles, strict=True)]
        await self.post(recipient_id, {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": text}, "action": {"buttons": replies}}})
        return True


def read_message(message: Dict[str, Any], metadata: Dict[str, Any]) -> Optional[Inbound]:
    """One entry of `value.messages` as a patient message."""
    sender, message_id, kind = message.get("from"), message.get("id"), message.get("type")
    if not isinstance(sender, str) or not sender:
        return None
    if kind == "text":
        text = (message.get("text") or {}).get("body")
        return Inbound(sender, text, message_id, metadata) if isinstance(text, str) else None
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        choice = interactive.get("button_reply") or interactive.get("list_reply") or {}
        payload = choice.get("id") or choice.get("title")
        return Inbound(sender, str(payload), message_id, metadata) if payload else None
    if kind == "button":  # a quick-reply button of a template message
        button = message.get("button") or {}
        payload = button.get("payload") or button.get("text")
        return Inbound(sender, str(payload), message_id, metadata) if payload else None
    if kind in FILES:
        media = message.get(kind) or {}
        return attachment(sender, kind, media.get("id"), message_id, metadata,
                          mime_type=media.get("mime_type"), filename=media.get("filename"))
    return unsupported(sender, str(kind or "unknown"), message_id, metadata)


class WhatsAppCloudInput(MessagingInput):
    required = ("access_token", "app_secret", "verify_token", "phone_number_id")

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, **settings: Any):
        super().__init__(**settings)
        self.client = PlatformClient(self.setting("api_base_url", API),
                                     {"Authorization": f"Bearer {self.setting('access_token')}"})

    async def challenge(self, request: Request) -> HTTPResponse:
        if request.args.get("hub.mode") == "subscribe" and same_signature(
                self.setting("verify_token"), request.args.get("hub.verify_token")):
            return response.text(request.args.get("hub.challenge") or "")
        return response.json({"error": {"code": "invalid_verify_token",
                                        "message": "The verification token does not match."}}, status=403)

    def verify(self, request: Request) -> bool:
        expected = "sha256=" + hmac_digest(self.setting("app_secret"), request.body or b"", hashlib.sha256).hex()
        return same_signature(expected, request.headers.get("x-hub-signature-256"))

    def parse(self, body: bytes) -> List[Inbound]:
        try:
            data = json.loads(body.decode("utf-8"))
            changes = [change for entry in data["entry"] for change in entry.get("changes", [])]
            values = [change["value"] for change in changes if change.get("field", "messages") == "messages"]
            found: List[Inbound] = []
            for value in values:
                for message in value.get("messages") or []:  # status updates carry no messages
                    hint = language_from_phone(message.get("from"))
                    inbound = read_message(message, {"language_hint": hint} if hint else {})
                    if inbound:
                        found.append(inbound)
            return found
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("invalid_json", "The body must be UTF-8 encoded JSON.") from None
        except (KeyError, TypeError, AttributeError):
            raise BadRequest("invalid_body", "The body is not a WhatsApp webhook notification.") from None

    def output_for(self, inbound: Inbound) -> OutputChannel:
        return self.get_output_channel()

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppCloudOutput(self.client, self.memory, self.setting("phone_number_id"))

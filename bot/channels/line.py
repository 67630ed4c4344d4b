"""LINE Messaging API connector: signed webhooks in, reply (then push) messages out.

Webhook: POST /webhooks/line/webhook, `X-Line-Signature` = base64(HMAC-SHA256(channel secret, body)).
Replies go out with the event's reply token (free, one use, at most 5 messages); anything beyond, or a reply
whose token was refused, goes out by push. Buttons become LINE quick replies (at most 13, labels of at most
20 characters); more become numbered options.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from sanic.request import Request

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    Inbound,
    MessagingInput,
    MessagingOutput,
    PlatformClient,
    attachment,
    base64_hmac,
    same_signature,
    split_text,
    unsupported,
)
from bot.channels.rest import BadRequest

API = "https://api.line.me"
PER_CALL = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
FILES = {"image", "video", "file", "audio"}


class LineOutput(MessagingOutput):
    """Collects the replies to one event, then `flush()` sends them: reply token first, push for the rest."""

    limit = 5000

    @classmethod
    def name(cls) -> str:
        return "line"

    def __init__(self, client: PlatformClient, memory: ButtonMemory, reply_token: Optional[str],
                 buffered: bool = True):
        super().__init__(memory)
        self.client, self.reply_token, self.buffered = client, reply_token, buffered
        self.pending: Dict[str, List[Dict[str, Any]]] = {}

    async def send_part(self, recipient_id: str, text: str) -> None:
        await self.queue(recipient_id, [{"type": "text", "text": text}])

    async def send_native_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> bool:
        parts = split_text(text, self.limit)
        if not parts or len(buttons) > MAX_QUICK_REPLIES:
            return False
        items = [{"type": "action", "action": {"type": "postback", "label": _label(b.get("title", "")),
                                              "data": str(b.get("payload") or b.get("title") or ""),
                                              "displayText": str(b.get("title", ""))[:300]}}
                 for b in buttons]
        messages = [{"type": "text", "text": part} for part in parts]
        messages[-1]["quickReply"] = {"items": items}
        await self.queue(recipient_id, messages)
        return True

    async def queue(self, recipient_id: str, messages: List[Dict[str, Any]]) -> None:
        self.pending.setdefault(recipient_id, []).extend(messages)
        if not self.buffered:
            await self.flush()

    async def flush(self) -> None:
        for recipient, messages in self.pending.items():
            first, rest = messages[:PER_CALL], messages[PER_CALL:]
            replied = None
            if self.reply_token:
                replied = await self.client.send("POST", "/v2/bot/message/reply",
                                                 json={"replyToken": self.reply_token, "messages": first})
                self.reply_token = None
            if replied is None or replied.status_code >= 400:
                rest = messages
            for start in range(0, len(rest), PER_CALL):
                await self.client.send("POST", "/v2/bot/message/push",
                                       json={"to": recipient, "messages": rest[start:start + PER_CALL]})
        self.pending.clear()


def _label(title: str) -> str:
    return title if len(title) <= MAX_LABEL else title[:MAX_LABEL - 1] + "…"


def read_event(event: Dict[str, Any]) -> Optional[Inbound]:
    """One webhook event as a patient message, or None for events that are not messages (follow, read, ...)."""
    source = event.get("source") or {}
    sender = source.get("userId")
    kind, token = event.get("type"), event.get("replyToken")
    if not isinstance(sender, str) or kind not in ("message", "postback"):
        return None
    event_id = event.get("webhookEventId")
    if kind == "postback":
        data = (event.get("postback") or {}).get("data")
        return Inbound(sender, str(data or ""), event_id, {}, token)
    message = event.get("message") or {}
    if message.get("type") == "text" and isinstance(message.get("text"), str):
        return Inbound(sender, message["text"], message.get("id") or event_id, {}, token)
    if message.get("type") in FILES:
        return attachment(sender, message["type"], message.get("id"), message.get("id") or event_id,
                          reply_token=token, filename=message.get("fileName"))
    return unsupported(sender, str(message.get("type") or "unknown"), message.get("id") or event_id, None, token)


class LineInput(MessagingInput):
    required = ("channel_secret", "channel_access_token")

    @classmethod
    def name(cls) -> str:
        return "line"

    def __init__(self, **settings: Any):
        super().__init__(**settings)
        self.client = PlatformClient(self.setting("api_base_url", API),
                                     {"Authorization": f"Bearer {self.setting('channel_access_token')}"})

    def verify(self, request: Request) -> bool:
        expected = base64_hmac(self.setting("channel_secret"), request.body or b"")
        return same_signature(expected, request.headers.get("x-line-signature"))

    def parse(self, body: bytes) -> List[Inbound]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("invalid_json", "The body must be UTF-8 encoded JSON.") from None
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
            raise BadRequest("invalid_events", "`events` must be a list of objects.")
        return [inbound for inbound in map(read_event, events) if inbound is not None]

    def output_for(self, inbound: Inbound) -> OutputChannel:
        return LineOutput(self.client, self.memory, inbound.reply_token)

    async def handle(self, inbound: Inbound, on_new_message, output: Optional[OutputChannel] = None) -> None:
        output = output or self.output_for(inbound)
        await super().handle(inbound, on_new_message, output)
        await output.flush()

    def get_output_channel(self) -> OutputChannel:
        """For messages the bot sends on its own (no reply token): push."""
        return LineOutput(self.client, self.memory, None, buffered=False)

"""Twilio connector (WhatsApp and SMS): Rasa's TwilioInput/TwilioOutput, with the webhook of our other connectors.

What changes from Rasa's version (rasa/core/channels/twilio.py):
- Every POST must carry a valid `X-Twilio-Signature` for `webhook_url` (the public URL configured at Twilio,
  exactly as Twilio calls it), checked with twilio's RequestValidator: 403 otherwise. 503 without credentials,
  400 for a form without `From`. Each MessageSid is handled once.
- `Body` is the text (Rasa's "¡" -> "@" replacement is not kept: it breaks Spanish); a WhatsApp template button
  gives its `ButtonPayload`. Files (NumMedia > 0: images, PDFs, videos) become /share_document with MediaUrl0 and
  MediaContentType0; locations, voice notes, contacts and empty messages /send_unsupported.
- The country of the patient's number is a language hint (`language_hint`).
- Replies are cut at 1600 characters; buttons become numbered options, and a reply "2" is the second payload.
  A reply to a "whatsapp:" number is sent from the WhatsApp form of `twilio_number`.
- Messages are created in a worker thread (twilio's client is synchronous) with a timeout, at `api_base_url`
  when it is given. The webhook answers an empty TwiML document; replies go through the REST API.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

import requests
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    Inbound,
    MessagingInput,
    attachment,
    language_from_phone,
    numbered,
    split_text,
    unsupported,
)
from bot.channels.rest import BadRequest

logger = logging.getLogger(__name__)

LIMIT = 1600  # characters in one Twilio message body
TIMEOUT_SECONDS = 15.0
WHATSAPP = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def form_of(body: bytes) -> RequestParameters:
    """The form fields, blank ones included: Twilio signs every parameter it sends, even an empty Body."""
    try:
        return RequestParameters(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise BadRequest("invalid_encoding", "The body must be a UTF-8 form.") from None


def file_kind(content_type: str) -> Optional[str]:
    """What kind of file a media type is, or None for media that are not files (voice notes, contacts)."""
    major = content_type.split("/", 1)[0].lower()
    if major in ("image", "video"):
        return major
    if major == "audio" or "vcard" in content_type.lower():
        return None
    return "document"


class PatientTwilioOutput(TwilioOutput):
    """Rasa's Twilio output (a twilio Client) with another base URL, a timeout, Twilio's limit, numbered buttons."""

    def __init__(self, account_sid: Text, auth_token: Text, twilio_number: Text, api_base_url: Text = "",
                 memory: Optional[ButtonMemory] = None):
        super().__init__(account_sid, auth_token, twilio_number)
        self.http_client = TwilioHttpClient(timeout=TIMEOUT_SECONDS)
        if api_base_url:
            self.api.base_url = api_base_url.rstrip("/")  # the domain of messages.create
        self.memory = memory or ButtonMemory()

    def sender_for(self, recipient_id: Text) -> Text:
        number = self.twilio_number or ""
        if recipient_id.startswith(WHATSAPP) and not number.startswith(WHATSAPP):
            return WHATSAPP + number
        if not recipient_id.startswith(WHATSAPP) and number.startswith(WHATSAPP):
            return number[len(WHATSAPP):]
        return number

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        data = dict(message_data)
        if data.get("from_") == self.twilio_number and isinstance(data.get("to"), str):
            data["from_"] = self.sender_for(data["to"])
        try:
            return await asyncio.to_thread(self.messages.create, **data)
        except TwilioRestException as error:
            logger.error("Twilio refused a message: HTTP %s, error %s", error.status, error.code)
        except (TwilioException, requests.RequestException) as error:
            logger.error("Twilio could not be reached: %s", type(error).__name__)
        return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.memory.forget(recipient_id)
        for part in split_text(text, LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": part})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, numbered(text, buttons))
        self.memory.remember(recipient_id, buttons)

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)


class PatientTwilioInput(MessagingInput, TwilioInput):
    """Rasa's TwilioInput with the webhook of bot/channels/messaging.py."""

    required = ("account_sid", "auth_token", "twilio_number", "webhook_url")

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    def __init__(self, account_sid: Any = "", auth_token: Any = "", twilio_number: Any = "", webhook_url: Any = "",
                 api_base_url: Any = "", **settings: Any):
        MessagingInput.__init__(self, account_sid=account_sid or "", auth_token=auth_token or "",
                                twilio_number=twilio_number or "", webhook_url=webhook_url or "",
                                api_base_url=api_base_url or "", **settings)
        TwilioInput.__init__(self, self.setting("account_sid"), self.setting("auth_token"),
                             self.setting("twilio_number"), debug_mode=False)
        self._output: Optional[PatientTwilioOutput] = None

    def verify(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        try:
            params = form_of(request.body or b"")
        except BadRequest:
            return False
        return RequestValidator(self.auth_token).validate(self.setting("webhook_url"), params, signature)

    def parse(self, body: bytes) -> List[Inbound]:
        form = form_of(body)
        sender = (form.get("From") or "").strip()
        if not sender:
            raise BadRequest("invalid_sender", "The form has no `From`.")
        message_id = form.get("MessageSid") or form.get("SmsMessageSid") or None
        hint = language_from_phone(sender[len(WHATSAPP):] if sender.startswith(WHATSAPP) else sender)
        metadata = {"language_hint": hint} if hint else {}
        text = form.get("Body") or ""
        try:
            media = int(form.get("NumMedia") or 0)
        except ValueError:
            raise BadRequest("invalid_form", "`NumMedia` must be a number.") from None
        if form.get("ButtonPayload"):
            return [Inbound(sender, form.get("ButtonPayload"), message_id, metadata)]
        if media > 0:
            content_type = form.get("MediaContentType0") or ""
            kind = file_kind(content_type)
            if kind is None:
                return [unsupported(sender, "contact" if "vcard" in content_type else "audio", message_id, metadata)]
            url = form.get("MediaUrl0") or ""
            return [attachment(sender, kind, url.rstrip("/").rsplit("/", 1)[-1] or None, message_id, metadata,
                               url=url or None, mime_type=content_type or None, count=media,
                               caption=text.strip() or None)]
        if form.get("Latitude") and form.get("Longitude"):
            return [unsupported(sender, "location", message_id, metadata)]
        if not text.strip():
            return [unsupported(sender, "empty", message_id, metadata)]
        return [Inbound(sender, text, message_id, metadata)]

    async def answer(self, inbounds: List[Inbound], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     request: Request) -> HTTPResponse:
        for inbound in inbounds:
            await self.handle(inbound, on_new_message)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    def output(self) -> PatientTwilioOutput:
        if self._output is None:
            self._output = PatientTwilioOutput(self.account_sid, self.auth_token, self.twilio_number,
                                               self.setting("api_base_url"), self.memory)
        return self._output

    def output_for(self, inbound: Inbound) -> PatientTwilioOutput:
        return self.output()

    def get_output_channel(self) -> Optional[PatientTwilioOutput]:  # type: ignore[override]
        return self.output() if self.configured() else None


"""Telegram connector: Rasa's TelegramInput/TelegramOutput (aiogram), with the webhook of our other connectors.

What changes from Rasa's version (rasa/core/channels/telegram.py):
- Nothing calls Telegram at start-up (Rasa's `get_output_channel` calls setWebhook) nor per message (Rasa calls
  getMe to compare the bot's username). GET/POST /webhooks/telegram/set_webhook registers `webhook_url` with the
  `secret_token`, which Telegram then sends back in `X-Telegram-Bot-Api-Secret-Token` on every update.
- POST /webhooks/telegram/webhook: 503 without `access_token` or `secret_token`, 403 when the secret header does
  not match (constant-time), 400 for a body that is not an Update; each update_id is handled once.
- Text, edited text and button presses (callback_query, acknowledged so the button stops spinning) reach the bot;
  photos, documents and videos become /share_document, stickers, locations, voice, contacts etc. /send_unsupported.
  The user's Telegram language (`from.language_code`) is passed on as a hint in the metadata.
- "/start" (what Telegram sends when a patient opens the bot) is the greeting.
- Replies are cut at 4096 characters; buttons stay Rasa's inline keyboard unless a payload is longer than
  Telegram's 64-byte callback_data, then they become numbered options.
- `api_base_url` points aiogram at another Bot API server (a local one, or the tests' fake).
- A message that makes the bot fail is logged by exception type only; no message text is logged, not even by
  aiogram's request debug log.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from aiogram.bot.api import TelegramAPIServer
from aiogram.types import CallbackQuery, ContentType, Message, Update, User
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    GREETING,
    Inbound,
    MessagingInput,
    attachment,
    not_configured,
    numbered,
    same_signature,
    split_text,
    unsupported,
)
from bot.channels.rest import BadRequest

logger = logging.getLogger(__name__)

LIMIT = 4096  # characters in one Telegram message
MAX_CALLBACK_DATA = 64  # bytes in an inline button's callback_data
TIMEOUT_SECONDS = 15
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
START = re.compile(r"^/start(@\w+)?(\s.*)?$", re.DOTALL)
FILES = {ContentType.PHOTO: "image", ContentType.DOCUMENT: "document", ContentType.VIDEO: "video"}
SERVICE = {  # messages about the chat itself, not from the patient: nothing to answer
    ContentType.NEW_CHAT_MEMBERS, ContentType.LEFT_CHAT_MEMBER, ContentType.NEW_CHAT_TITLE,
    ContentType.NEW_CHAT_PHOTO, ContentType.DELETE_CHAT_PHOTO, ContentType.GROUP_CHAT_CREATED,
    ContentType.PINNED_MESSAGE, ContentType.MIGRATE_TO_CHAT_ID, ContentType.MIGRATE_FROM_CHAT_ID,
    ContentType.MESSAGE_AUTO_DELETE_TIMER_CHANGED, ContentType.CONNECTED_WEBSITE, ContentType.SUCCESSFUL_PAYMENT,
    ContentType.INVOICE, ContentType.PASSPORT_DATA,
}


class _NoRequestBodies(logging.Filter):
    """aiogram logs every request's data (the patient's reply) and every answer at DEBUG: drop those records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Make request", "Response for"))


logging.getLogger("aiogram").addFilter(_NoRequestBodies())


class PatientTelegramOutput(TelegramOutput):
    """Rasa's Telegram output (an aiogram Bot) with another API server, a timeout and Telegram's length limit."""

    def __init__(self, access_token: Text, api_base_url: Text = "", memory: Optional[ButtonMemory] = None):
        super().__init__(access_token)
        if api_base_url:
            self.server = TelegramAPIServer.from_base(api_base_url)
        self.timeout = TIMEOUT_SECONDS
        self.memory = memory or ButtonMemory()

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.memory.forget(str(recipient_id))
        for part in split_text(text, LIMIT):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     button_type: Optional[Text] = "inline", **kwargs: Any) -> None:
        parts = split_text(text, LIMIT)
        if not parts or not all(_fits_inline(button) for button in buttons):
            await self.send_text_message(recipient_id, numbered(text, buttons))
        else:
            for part in parts[:-1]:
                await self.send_message(recipient_id, part)
            await super().send_text_with_buttons(recipient_id, parts[-1], buttons, button_type=button_type, **kwargs)
        self.memory.remember(str(recipient_id), buttons)  # typing "2" also picks an inline button's option

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def set_webhook_with_secret(self, url: Text, secret_token: Text) -> bool:
        """aiogram 2.15's set_webhook predates `secret_token` (Bot API 6.1): the same call with it."""
        payload = {"url": url, "secret_token": secret_token, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        return bool(await self.request("setWebhook", payload))


def _fits_inline(button: Dict[Text, Any]) -> bool:
    payload, title = button.get("payload"), button.get("title")
    return (isinstance(title, str) and bool(title) and isinstance(payload, str) and bool(payload)
            and len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA)


def _hint(user: Optional[User]) -> Dict[str, Any]:
    code = getattr(user, "language_code", None) if isinstance(user, User) else None
    return {"language_code": code} if isinstance(code, str) and code else {}


def _chat_id(message: Any) -> str:
    chat_id = message.chat.id if isinstance(message, Message) else None
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise BadRequest("invalid_update", "The message has no chat id.")
    return str(chat_id)


class PatientTelegramInput(MessagingInput, TelegramInput):
    """Rasa's TelegramInput with the webhook of bot/channels/messaging.py.

    Rasa keeps the bot's username (credentials key `verify`) in `self.verify`; here `verify` is the request check
    of MessagingInput, so the username is `self.bot_username`.
    """

    required = ("access_token", "secret_token")

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, access_token: Any = "", verify: Any = "", webhook_url: Any = "", secret_token: Any = "",
                 api_base_url: Any = "", **settings: Any):
        MessagingInput.__init__(self, access_token=access_token or "", webhook_url=webhook_url or "",
                                secret_token=secret_token or "", api_base_url=api_base_url or "", **settings)
        # what TelegramInput.__init__ sets, except `verify`
        self.access_token = self.setting("access_token")
        self.bot_username = str(verify or "").strip().lstrip("@")
        self.webhook_url = self.setting("webhook_url")
        self.debug_mode = False
        self._output: Optional[PatientTelegramOutput] = None

    # -- the webhook --

    def verify(self, request: Request) -> bool:  # type: ignore[override]
        return same_signature(self.setting("secret_token"), request.headers.get(SECRET_HEADER))

    def parse(self, body: bytes) -> List[Inbound]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("invalid_json", "The body must be UTF-8 encoded JSON.") from None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadRequest("invalid_update", "The body is not a Telegram Update.")
        try:
            inbound = self.read(Update(**data))
        except BadRequest:
            raise
        except (AttributeError, KeyError, TypeError, ValueError):
            raise BadRequest("invalid_update", "The body is not a Telegram Update.") from None
        return [inbound] if inbound else []

    def read(self, update: Update) -> Optional[Inbound]:
        """The patient message of an update; None for updates that are not one (e.g. a chat member change)."""
        update_id = str(update.update_id)
        if self._is_button(update):
            query = update.callback_query
            if not isinstance(query, CallbackQuery) or not isinstance(query.data, str) or not query.data:
                return None  # a game button, or something that is not a button press
            sender = _chat_id(query.message) if query.message is not None else str(query.from_user.id)
            return Inbound(sender, query.data, update_id, _hint(query.from_user), reply_token=str(query.id))
        message = update.edited_message if self._is_edited_message(update) else update.message
        if message is None:
            return None
        if not isinstance(message, Message):
            raise BadRequest("invalid_update", "The message is not a Telegram Message.")
        sender, metadata, kind = _chat_id(message), _hint(message.from_user), message.content_type
        if kind in SERVICE:
            return None
        if kind == ContentType.TEXT:
            return Inbound(sender, self.command(message.text), update_id, metadata)
        if kind in FILES:
            if kind == ContentType.PHOTO:
                photo = message.photo[-1]  # the sizes come smallest first
                file, mime_type, filename = photo, "image/jpeg", None
            else:
                file = message.document if kind == ContentType.DOCUMENT else message.video
                mime_type, filename = file.mime_type, getattr(file, "file_name", None)
            return attachment(sender, FILES[kind], file.file_id, update_id, metadata, mime_type=mime_type,
                              filename=filename, file_unique_id=file.file_unique_id, caption=message.caption)
        return unsupported(sender, str(kind or "unknown"), update_id, metadata)

    def command(self, text: str) -> str:
        """"/start" (and "/start@bot param") is the greeting; "/help@hospital_bot" is "/help"."""
        if START.match(text.strip()):
            return GREETING
        if self.bot_username:
            text = re.sub(rf"^(/\w+)@{re.escape(self.bot_username)}\b", r"\1", text.strip(), flags=re.IGNORECASE)
        return text

    async def answer(self, inbounds: List[Inbound], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     request: Request) -> HTTPResponse:
        for inbound in inbounds:
            if inbound.reply_token:
                await self.acknowledge_button(inbound.reply_token)
            await self.handle(inbound, on_new_message)
        return response.json({"status": "ok"})

    async def acknowledge_button(self, callback_query_id: str) -> None:
        """Telegram shows a button as pressed until the bot answers its callback query."""
        try:
            await self.output().answer_callback_query(callback_query_id)
        except Exception as error:  # the patient's message is still handled
            logger.warning("Telegram button press not acknowledged: %s", type(error).__name__)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.route("/set_webhook", methods=["GET", "POST"])
        async def set_webhook(_: Request) -> HTTPResponse:
            if not self.configured():
                return not_configured(self.name())
            if not self.webhook_url:
                return response.json({"error": {"code": "no_webhook_url",
                                                "message": "Set webhook_url in the credentials."}}, status=400)
            try:
                done = await self.output().set_webhook_with_secret(self.webhook_url, self.setting("secret_token"))
            except Exception as error:
                logger.warning("Telegram webhook setup failed: %s", type(error).__name__)
                done = False
            if not done:
                return response.json({"error": {"code": "set_webhook_failed",
                                                "message": "Telegram did not accept the webhook."}}, status=502)
            logger.info("Telegram webhook set")
            return response.json({"status": "ok"})

        @webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self._output is not None and self._output._session is not None:
                await self._output.close()

        return webhook

    # -- replies --

    def output(self) -> PatientTelegramOutput:
        """One aiogram Bot for all replies, made on first use (no call to Telegram here)."""
        if self._output is None:
            self._output = PatientTelegramOutput(self.access_token, self.setting("api_base_url"), self.memory)
        return self._output

    def output_for(self, inbound: Inbound) -> PatientTelegramOutput:
        return self.output()

    def get_output_channel(self) -> Optional[PatientTelegramOutput]:  # type: ignore[override]
        """Unlike Rasa's, calls nobody (no setWebhook); None when the channel has no credentials."""
        return self.output() if self.configured() else None

"""WeChat Official Account connector: signed XML in, a passive XML reply within 5 seconds, late replies by API.

WeChat signs every call with `signature` = SHA-1 of the sorted token, timestamp and nonce (query parameters);
GET with `echostr` is the server verification. A message must be answered within 5 seconds or WeChat retries
it (3 times): the bot's first reply goes back in the HTTP answer when it is ready within `reply_within`
seconds (4 by default); the rest, and everything after a slow answer, goes through the customer-service
message API (`/cgi-bin/message/custom/send`, access token from `/cgi-bin/token`, renewed before it expires).
Plain-text mode only (not the AES "safe mode"). WeChat has no buttons: options are numbered.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any, Dict, List, Optional
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from rasa.core.channels.channel import OutputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.memory import ButtonMemory
from bot.channels.messaging import (
    GREETING,
    Inbound,
    MessagingInput,
    MessagingOutput,
    PlatformClient,
    attachment,
    same_signature,
    unsupported,
    utf8_size,
)
from bot.channels.rest import BadRequest

API = "https://api.weixin.qq.com"
FILES = {"image", "video", "shortvideo", "file"}


class AccessToken:
    """The account's API access token, fetched when missing and renewed 5 minutes before it expires."""

    def __init__(self, client: PlatformClient, app_id: str, app_secret: str):
        self.client, self.app_id, self.app_secret = client, app_id, app_secret
        self.value: Optional[str] = None
        self.expires = 0.0
        self.lock = asyncio.Lock()

    async def get(self) -> Optional[str]:
        async with self.lock:
            if self.value and time.monotonic() < self.expires:
                return self.value
            reply = await self.client.send("GET", "/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret})
            data = reply.json() if reply is not None and reply.ok else {}
            if not data.get("access_token"):
                return None
            self.value = data["access_token"]
            self.expires = time.monotonic() + max(60, int(data.get("expires_in", 7200)) - 300)
            return self.value


class WeChatOutput(MessagingOutput):
    """Holds replies while the webhook may still answer passively; after `go_late()` sends them by API."""

    limit = 2000
    size = staticmethod(utf8_size)  # WeChat counts bytes (2048 at most)

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, client: PlatformClient, memory: ButtonMemory, token: AccessToken, holding: bool = True):
        super().__init__(memory)
        self.client, self.token, self.holding = client, token, holding
        self.held: List[tuple[str, str]] = []

    async def send_part(self, recipient_id: str, text: str) -> None:
        if self.holding:
            self.held.append((recipient_id, text))
        else:
            await self.send_by_api(recipient_id, text)

    async def send_by_api(self, recipient_id: str, text: str) -> None:
        token = await self.token.get()
        if token is None:
            return
        await self.client.send("POST", "/cgi-bin/message/custom/send", params={"access_token": token},
                               data=_json({"touser": recipient_id, "msgtype": "text", "text": {"content": text}}),
                               headers={"Content-Type": "application/json; charset=utf-8"})

    def take_first(self) -> Optional[tuple[str, str]]:
        return self.held.pop(0) if self.held else None

    async def go_late(self) -> None:
        """Stop holding: what is held, and every later reply, goes out through the API."""
        self.holding = False
        held, self.held = self.held, []
        for recipient, text in held:
            await self.send_by_api(recipient, text)


def _json(data: Dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")  # WeChat wants characters, not \u escapes


def passive_reply(to_user: str, from_user: str, text: str) -> str:
    xml = Element("xml")
    for tag, value in (("ToUserName", to_user), ("FromUserName", from_user),
                       ("CreateTime", str(int(time.time()))), ("MsgType", "text"), ("Content", text)):
        SubElement(xml, tag).text = value
    return tostring(xml, encoding="unicode")


def read_message(fields: Dict[str, str]) -> Optional[Inbound]:
    sender, kind = fields.get("FromUserName"), fields.get("MsgType")
    if not sender or not kind:
        raise BadRequest("invalid_body", "FromUserName and MsgType are required.")
    message_id = fields.get("MsgId") or f"{sender}:{fields.get('CreateTime')}"
    metadata = {"account": fields.get("ToUserName", "")}
    if kind == "text":
        return Inbound(sender, fields.get("Content", ""), message_id, metadata)
    if kind == "event":
        return Inbound(sender, GREETING, message_id, metadata) if fields.get("Event") == "subscribe" else None
    if kind in FILES:
        return attachment(sender, kind, fields.get("MediaId"), message_id, metadata)
    return unsupported(sender, kind, message_id, metadata)


class WeChatInput(MessagingInput):
    required = ("token", "app_id", "app_secret")

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, reply_within: Any = 4.0, **settings: Any):
        super().__init__(**settings)
        self.reply_within = float(reply_within or 4.0)
        self.client = PlatformClient(self.setting("api_base_url", API))
        self.token = AccessToken(self.client, self.setting("app_id"), self.setting("app_secret"))
        self.late_tasks: set[asyncio.Task] = set()

    def signed(self, request: Request) -> bool:
        parts = sorted([self.setting("token"), request.args.get("timestamp") or "", request.args.get("nonce") or ""])
        expected = hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
        return same_signature(expected, request.args.get("signature"))

    verify = signed

    async def challenge(self, request: Request) -> HTTPResponse:
        if not self.signed(request):
            return response.text("invalid signature", status=403)
        return response.text(request.args.get("echostr") or "")

    def parse(self, body: bytes) -> List[Inbound]:
        try:
            root = SafeElementTree.fromstring(body)
        except (SafeElementTree.ParseError, DefusedXmlException, ValueError):
            raise BadRequest("invalid_xml", "The body must be a WeChat XML message.") from None
        if root.tag != "xml":
            raise BadRequest("invalid_xml", "The body must be a WeChat XML message.")
        inbound = read_message({child.tag: (child.text or "") for child in root})
        return [inbound] if inbound else []

    def output_for(self, inbound: Inbound) -> OutputChannel:
        return WeChatOutput(self.client, self.memory, self.token)

    def get_output_channel(self) -> OutputChannel:
        return WeChatOutput(self.client, self.memory, self.token, holding=False)

    async def answer(self, inbounds: List[Inbound], on_new_message: Any, request: Request) -> HTTPResponse:
        if not inbounds:
            return response.text("success")  # WeChat's "received, no reply"
        inbound = inbounds[0]
        output = self.output_for(inbound)
        task = asyncio.ensure_future(self.handle(inbound, on_new_message, output))
        try:
            await asyncio.wait_for(asyncio.shield(task), self.reply_within)
        except asyncio.TimeoutError:
            await output.go_late()
            self._keep(task)
            return response.text("success")
        first = output.take_first()
        self._keep(asyncio.ensure_future(output.go_late()))
        if first is None:
            return response.text("success")
        recipient, text = first
        return response.text(passive_reply(recipient, inbound.metadata.get("account", ""), text),
                             content_type="application/xml; charset=utf-8")

    def _keep(self, task: asyncio.Task) -> None:
        """Keep a reference to a background task until it ends (asyncio only keeps weak ones)."""
        self.late_tasks.add(task)
        task.add_done_callback(self.late_tasks.discard)


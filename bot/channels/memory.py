"""What a messaging channel remembers: the numbered options last shown to each recipient, and the platform
message ids already handled.

With several Rasa servers a patient may see options from one server and answer "2" to another, and a platform
may redeliver a message to another server. So when the lock store is in Redis (replicated servers), both memories
live there too, under keys that hold a hash of the recipient or message id, never the id itself, and expire. Each
server also keeps its own copy, used if Redis cannot be reached: then it behaves as one server alone would.
"""
from __future__ import annotations

import json
import logging
import unicodedata
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional

import redis

from bot.lock_store import shared_key, shared_redis

logger = logging.getLogger(__name__)

REMEMBERED_FOR = 7 * 24 * 3600  # seconds; platforms retry webhooks for up to a week


def as_number(text: str) -> Optional[int]:
    """"2", "２", "٢" or " 2. " -> 2; anything else None."""
    stripped = text.strip().rstrip(".)")
    if not stripped or len(stripped) > 3:
        return None
    try:
        return int("".join(str(unicodedata.digit(c)) for c in stripped))
    except (TypeError, ValueError):
        return None


class ButtonMemory:
    """The payloads of the numbered options last shown to each recipient, so that "2" means the second one."""

    def __init__(self, max_recipients: int = 50_000):
        self.max_recipients = max_recipients
        self._payloads: "OrderedDict[str, List[str]]" = OrderedDict()

    def remember(self, recipient: str, buttons: List[Dict[str, Any]]) -> None:
        self._payloads.pop(recipient, None)
        self._payloads[recipient] = [str(b.get("payload") or b.get("title") or "") for b in buttons]
        while len(self._payloads) > self.max_recipients:
            self._payloads.popitem(last=False)

    def forget(self, recipient: str) -> None:
        """A message without options was shown since: a number now means a number (an age, a year)."""
        self._payloads.pop(recipient, None)

    def payloads(self, recipient: str) -> Optional[List[str]]:
        return self._payloads.get(recipient)

    def resolve(self, recipient: str, text: str) -> str:
        payloads = self.payloads(recipient)
        number = as_number(text) if payloads else None
        if number is None or not 1 <= number <= len(payloads):
            return text
        return payloads[number - 1]


class SeenMessages:
    """Platform message ids already handled (platforms redeliver when an answer is slow)."""

    def __init__(self, remembered: int = 10_000):
        self.remembered = remembered
        self._ids: "OrderedDict[str, None]" = OrderedDict()

    def first_time(self, message_id: Optional[str]) -> bool:
        if not message_id:
            return True
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        while len(self._ids) > self.remembered:
            self._ids.popitem(last=False)
        return True


def _warn(what: str, error: Exception) -> None:
    logger.warning("%s kept on this server only, Redis failed: %s", what, type(error).__name__)


class SharedButtonMemory(ButtonMemory):
    def __init__(self, client: redis.Redis, prefix: str = "options:"):
        super().__init__()
        self.client, self.prefix = client, prefix

    def remember(self, recipient: str, buttons: List[Dict[str, Any]]) -> None:
        super().remember(recipient, buttons)
        try:
            shown = json.dumps(super().payloads(recipient))
            self.client.set(shared_key(self.prefix, recipient), shown, ex=REMEMBERED_FOR)
        except redis.RedisError as error:
            _warn("Numbered options", error)

    def forget(self, recipient: str) -> None:
        super().forget(recipient)
        try:
            self.client.delete(shared_key(self.prefix, recipient))
        except redis.RedisError as error:
            _warn("Numbered options", error)

    def payloads(self, recipient: str) -> Optional[List[str]]:
        try:
            stored = self.client.get(shared_key(self.prefix, recipient))
        except redis.RedisError as error:
            _warn("Numbered options", error)
            return super().payloads(recipient)
        return json.loads(stored) if stored else None


class SharedSeenMessages(SeenMessages):
    def __init__(self, client: redis.Redis, prefix: str = "seen:"):
        super().__init__()
        self.client, self.prefix = client, prefix

    def first_time(self, message_id: Optional[str]) -> bool:
        here = super().first_time(message_id)
        if not message_id:
            return here
        try:
            return bool(self.client.set(shared_key(self.prefix, message_id), 1, nx=True, ex=REMEMBERED_FOR))
        except redis.RedisError as error:
            _warn("Handled message ids", error)
            return here


def button_memory(env: Optional[Mapping[str, str]] = None) -> ButtonMemory:
    client = shared_redis(env)
    return ButtonMemory() if client is None else SharedButtonMemory(client)


def seen_messages(env: Optional[Mapping[str, str]] = None) -> SeenMessages:
    client = shared_redis(env)
    return SeenMessages() if client is None else SharedSeenMessages(client)

"""Per-sender token buckets: a burst of messages is fine, a flood is slowed down; other senders are unaffected."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

import redis

from bot.lock_store import shared_key, shared_redis

logger = logging.getLogger(__name__)


@dataclass
class Bucket:
    tokens: float
    updated: float
    warned_at: float = float("-inf")


class RateLimiter:
    """`allow(sender)` is False once a sender has used `burst` messages faster than `per_second` refills them."""

    def __init__(self, burst: int = 10, per_second: float = 2.0, max_senders: int = 100_000,
                 clock: Callable[[], float] = time.monotonic):
        self.burst, self.per_second, self.max_senders, self.clock = burst, per_second, max_senders, clock
        self.buckets: "OrderedDict[str, Bucket]" = OrderedDict()

    def allow(self, sender: str) -> bool:
        now = self.clock()
        bucket = self.buckets.pop(sender, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self.buckets[sender] = bucket
        while len(self.buckets) > self.max_senders:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        return False

    def should_warn(self, sender: str, every: float = 10.0) -> bool:
        """Whether a slowed-down sender should be told (once per `every` seconds, not for each message)."""
        bucket = self.buckets.get(sender)
        now = self.clock()
        if bucket is None or now - bucket.warned_at < every:
            return False
        bucket.warned_at = now
        return True


# One token bucket per sender in Redis, taken atomically; Redis's clock, so every server agrees.
TAKE_TOKEN = """
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = math.min(burst, (tonumber(bucket[1]) or burst) + (now - (tonumber(bucket[2]) or now)) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return allowed
"""


class SharedRateLimiter:
    """The same limit, shared by every Rasa server and worker through Redis (the lock store's server), so a
    flood spread over replicas is slowed down as one. Keys hold a hash of the sender id, never the id itself.
    If Redis cannot be reached, messages are let through: a patient must never be silenced by the limiter."""

    def __init__(self, client, burst: int = 10, per_second: float = 2.0, prefix: str = "ratelimit:"):
        self.client, self.burst, self.per_second, self.prefix = client, burst, per_second, prefix
        self.take = client.register_script(TAKE_TOKEN)

    def _key(self, sender: str, kind: str) -> str:
        return shared_key(f"{self.prefix}{kind}:", sender)

    def allow(self, sender: str) -> bool:
        try:
            return bool(self.take(keys=[self._key(sender, "bucket")], args=[self.burst, self.per_second]))
        except redis.RedisError as error:
            logger.warning("Rate limit not applied, Redis failed: %s", type(error).__name__)
            return True

    def should_warn(self, sender: str, every: float = 10.0) -> bool:
        try:
            return bool(self.client.set(self._key(sender, "warned"), 1, nx=True, px=int(every * 1000)))
        except redis.RedisError:
            return True


def rate_limiter(burst: int, per_second: float, env: Optional[Mapping[str, str]] = None):
    """Shared through Redis when endpoints.yml's lock store is Redis (replicated servers), else per process."""
    client = shared_redis(env)
    return RateLimiter(burst, per_second) if client is None else SharedRateLimiter(client, burst, per_second)

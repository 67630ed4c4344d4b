"""Per-sender token buckets: a burst of messages is fine, a flood is slowed down; other senders are unaffected."""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


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

"""Rasa's Redis lock store with atomic ticket updates, for several Rasa servers or workers.

Rasa 3.6's RedisLockStore issues, finishes and cleans up a conversation's tickets by reading the lock from
Redis, changing it in Python and writing it back. When two servers get messages of one conversation at the same
moment, one write can undo the other: two messages get the same ticket (both handled at once, on the same
tracker), or a finished ticket comes back and every later message of the conversation waits for it to expire,
60 s (seen in tests/e2e/test_replicated_servers.py as a request that timed out). Here each of those changes
is one Redis transaction (WATCH, then MULTI/EXEC, retried when the lock changed in between).

endpoints.yml: `lock_store: type: bot.lock_store.RedisLockStore` (LOCK_STORE_TYPE), with the same settings
as Rasa's `redis` type.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from typing import Any, Callable, Mapping, Optional, Text, Tuple

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError
from rasa.core.lock_store import RedisLockStore as RasaRedisLockStore
from rasa.utils.endpoints import EndpointConfig

REDIS_LOCK_STORE = "bot.lock_store.RedisLockStore"

# (result, lock to save or None, delete the lock)
Change = Callable[[Optional[TicketLock]], Tuple[Any, Optional[TicketLock], bool]]


def uses_redis_lock(env: Mapping[str, str]) -> bool:
    """Whether endpoints.yml's lock store, as these variables set it, is shared through Redis."""
    return env.get("LOCK_STORE_TYPE") in (REDIS_LOCK_STORE, "redis")


def shared_redis(env: Optional[Mapping[str, str]] = None) -> Optional[redis.Redis]:
    """The lock store's Redis, for other state every server must share (rate limits, channel memory); None
    when the lock store is in memory (one server)."""
    env = os.environ if env is None else env
    if not uses_redis_lock(env):
        return None
    return _client(env.get("REDIS_HOST") or "localhost", int(env.get("REDIS_PORT") or 6379),
                   int(env.get("REDIS_DB") or 1), env.get("REDIS_PASSWORD") or None)


def shared_key(prefix: str, identifier: str) -> str:
    """A Redis key for a sender, recipient or message id that holds a hash of the id, never the id itself."""
    return f"{prefix}{hashlib.sha256(identifier.encode()).hexdigest()[:32]}"


@lru_cache(maxsize=None)
def _client(host: str, port: int, db: int, password: Optional[str]) -> redis.Redis:
    return redis.Redis(host=host, port=port, db=db, password=password, socket_timeout=1, socket_connect_timeout=1)


class RedisLockStore(RasaRedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _atomically(self, conversation_id: Text, change: Change) -> Any:
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> Any:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            result, changed, delete = change(lock)
            pipe.multi()
            if delete:
                pipe.delete(key)
            elif changed is not None:
                pipe.set(key, changed.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]):
            lock = lock or TicketLock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock, False

        try:
            return self._atomically(conversation_id, change)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]):
            if lock:
                lock.remove_expired_tickets()
            return None, lock, False

        self._atomically(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]):
            if lock:
                lock.remove_ticket_for(ticket_number)
            return None, lock, False

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish the ticket, and delete the lock if nobody waits, in one step: a ticket issued in between is
        never deleted with it."""

        def change(lock: Optional[TicketLock]):
            if not lock:
                return None, None, False
            lock.remove_ticket_for(ticket_number)
            return None, lock, not lock.is_someone_waiting()

        self._atomically(conversation_id, change)

"""Two Rasa servers taking tickets for one conversation at the same moment, on a real Redis server."""
import threading

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import REDIS_LOCK_STORE, RedisLockStore


@pytest.fixture
def servers(redis_server):
    """Two lock stores, as two Rasa servers build them from endpoints.yml, on a clean Redis database."""
    host, port = redis_server
    redis.Redis(host=host, port=port, db=2).flushdb()
    config = EndpointConfig(url=host, type=REDIS_LOCK_STORE, port=str(port), db="2", key_prefix="test")
    return LockStore.create(config), LockStore.create(config)


def hammer(servers, tickets_each: int = 150) -> list:
    """Both servers issue tickets for one conversation as fast as they can, at the same time."""
    issued, start = [], threading.Barrier(len(servers))

    def issue(store):
        start.wait()
        issued.extend(store.issue_ticket("patient") for _ in range(tickets_each))

    threads = [threading.Thread(target=issue, args=(store,)) for store in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return issued


def test_endpoints_yml_gets_this_lock_store(servers):
    assert all(isinstance(store, RedisLockStore) for store in servers)


def test_tickets_issued_at_once_by_two_servers_are_all_different_and_all_kept(servers):
    issued = hammer(servers)
    assert len(set(issued)) == len(issued) == 300
    assert len(servers[0].get_lock("patient").tickets) == 300


def test_finishing_tickets_at_once_brings_none_back(servers):
    issued = hammer(servers, 100)
    halves = [issued[0::2], issued[1::2]]
    threads = [threading.Thread(target=lambda s=store, h=half: [s.cleanup("patient", t) for t in h])
               for store, half in zip(servers, halves, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert servers[0].get_lock("patient") is None, "a finished ticket came back and would block the conversation"

"""The rate limit shared by replicated servers through a real Redis server on loopback."""
import pytest
import redis

from bot.channels.rate_limit import RateLimiter, SharedRateLimiter, rate_limiter
from bot.lock_store import REDIS_LOCK_STORE


@pytest.fixture
def servers(redis_server):
    """Two servers' limiters (as two Rasa processes would build them), on a clean Redis database."""
    host, port = redis_server
    env = {"LOCK_STORE_TYPE": REDIS_LOCK_STORE, "REDIS_HOST": host, "REDIS_PORT": str(port), "REDIS_DB": "3"}
    redis.Redis(host=host, port=port, db=3).flushdb()
    return rate_limiter(4, 0.001, env), rate_limiter(4, 0.001, env)


def test_a_flood_spread_over_two_servers_is_limited_as_one(servers):
    first, second = servers
    assert isinstance(first, SharedRateLimiter)
    allowed = [(first if n % 2 else second).allow("+6591234567") for n in range(8)]
    assert allowed == [True] * 4 + [False] * 4
    assert first.allow("another patient") and second.allow("another patient")


def test_the_slow_down_note_is_sent_once_by_all_servers_together(servers):
    first, second = servers
    assert first.should_warn("flooder") is True
    assert second.should_warn("flooder") is False


def test_redis_keeps_no_sender_id(servers, redis_server):
    servers[0].allow("+6591234567")
    keys = redis.Redis(host=redis_server[0], port=redis_server[1], db=3).keys("*")
    assert keys and not any(b"6591234567" in key for key in keys)


def test_without_redis_patients_are_not_silenced():
    limiter = rate_limiter(1, 0.001, {"LOCK_STORE_TYPE": "redis", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1"})
    assert all(limiter.allow("patient") for _ in range(3))


def test_one_server_keeps_its_limit_in_memory():
    assert isinstance(rate_limiter(4, 1.0, {"LOCK_STORE_TYPE": "in_memory"}), RateLimiter)

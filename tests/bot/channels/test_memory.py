"""What a messaging channel remembers (numbered options, handled message ids), alone or shared by several servers
through a real Redis server on loopback."""
import pytest
import redis

from bot.channels.memory import (
    ButtonMemory,
    SeenMessages,
    SharedButtonMemory,
    SharedSeenMessages,
    as_number,
    button_memory,
    seen_messages,
)
from bot.lock_store import REDIS_LOCK_STORE

OPTIONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
NO_REDIS = {"LOCK_STORE_TYPE": REDIS_LOCK_STORE, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1"}


@pytest.mark.parametrize("text, number", [("2", 2), (" 3. ", 3), ("２", 2), ("٣", 3), ("12", 12),
                                          ("two", None), ("", None), ("1234", None), ("2 please", None)])
def test_numbers_in_any_script(text, number):
    assert as_number(text) == number


def test_a_number_means_the_option_last_shown_to_that_recipient_only():
    memory = ButtonMemory()
    memory.remember("a", [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}])
    assert memory.resolve("a", "2") == "/deny"
    assert memory.resolve("a", "3") == "3", "out of range stays text"
    assert memory.resolve("b", "2") == "2", "other recipients are unaffected"
    memory.forget("a")
    assert memory.resolve("a", "2") == "2", "after a question without options, a number is a number (an age)"


def test_a_platform_message_is_handled_once():
    seen = SeenMessages()
    assert seen.first_time("wamid.1") and not seen.first_time("wamid.1")
    assert seen.first_time(None) and seen.first_time(None), "messages without an id are always handled"


@pytest.fixture
def redis_env(redis_server):
    host, port = redis_server
    redis.Redis(host=host, port=port, db=4).flushdb()
    return {"LOCK_STORE_TYPE": REDIS_LOCK_STORE, "REDIS_HOST": host, "REDIS_PORT": str(port), "REDIS_DB": "4"}


def test_options_shown_by_one_server_are_understood_by_another(redis_env):
    first, second = button_memory(redis_env), button_memory(redis_env)
    assert isinstance(first, SharedButtonMemory)
    first.remember("+6591234567", OPTIONS)
    assert second.resolve("+6591234567", "2") == "/deny"
    assert second.resolve("+6281234567890", "2") == "2", "other recipients are unaffected"
    second.forget("+6591234567")
    assert first.resolve("+6591234567", "2") == "2", "a question without options, shown by any server, resets"


def test_a_message_redelivered_to_another_server_is_not_handled_again(redis_env):
    first, second = seen_messages(redis_env), seen_messages(redis_env)
    assert isinstance(first, SharedSeenMessages)
    assert first.first_time("wamid.HBgL1") is True
    assert second.first_time("wamid.HBgL1") is False
    assert second.first_time("wamid.HBgL2") is True


def test_redis_keeps_no_recipient_or_message_id(redis_env):
    button_memory(redis_env).remember("+6591234567", OPTIONS)
    seen_messages(redis_env).first_time("wamid.HBgL1")
    keys = redis.Redis(host=redis_env["REDIS_HOST"], port=int(redis_env["REDIS_PORT"]), db=4).keys("*")
    assert len(keys) == 2 and not any(b"6591234567" in key or b"HBgL1" in key for key in keys)


def test_without_redis_each_server_still_remembers_its_own():
    memory, seen = button_memory(NO_REDIS), seen_messages(NO_REDIS)
    memory.remember("a", OPTIONS)
    assert memory.resolve("a", "1") == "/affirm"
    assert seen.first_time("m1") is True and seen.first_time("m1") is False


def test_one_server_keeps_its_memory_in_process():
    assert type(button_memory({"LOCK_STORE_TYPE": "in_memory"})) is ButtonMemory
    assert type(seen_messages({})) is SeenMessages

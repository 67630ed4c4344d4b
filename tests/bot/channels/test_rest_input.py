"""The REST channel's body checks, text cleaning and rate limit."""
import pytest

from bot.channels.rate_limit import RateLimiter
from bot.channels.rest import BadRequest, clean_text, parse


def test_a_good_body():
    incoming = parse('{"sender": "p1", "message": "Что такое IORT?", "metadata": {"locale": "ru"}}'.encode(), 2000)
    assert (incoming.sender, incoming.text, incoming.metadata, incoming.cut) == (
        "p1", "Что такое IORT?", {"locale": "ru"}, False)


@pytest.mark.parametrize("body, code", [
    (b"\xff\xfe", "invalid_encoding"), (b"", "invalid_json"), (b"null", "invalid_json"),
    (b'{"sender": "", "message": "x"}', "invalid_sender"), (b'{"sender": 5, "message": "x"}', "invalid_sender"),
    (b'{"sender": "' + b"s" * 256 + b'", "message": "x"}', "invalid_sender"),
    (b'{"sender": "p", "message": null}', "invalid_message"),
])
def test_bad_bodies(body, code):
    with pytest.raises(BadRequest) as error:
        parse(body, 2000)
    assert error.value.code == code


def test_cleaning_keeps_newlines_and_letters_and_cuts_long_text():
    assert clean_text("a\x00b\u200bc\nd\te\U0001F600", 100) == ("abc\nd\te\U0001F600", False)
    assert clean_text("x" * 2500, 2000) == ("x" * 2000, True)


def test_rate_limit_per_sender():
    now = [0.0]
    limiter = RateLimiter(burst=3, per_second=1, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("b"), "other senders are unaffected"
    assert limiter.should_warn("a") and not limiter.should_warn("a"), "one note per window"
    now[0] = 2.0
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")

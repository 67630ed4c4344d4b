"""LINE: signed webhooks in, reply/push messages out through a local fake of the LINE API."""
import json

import pytest
import requests

from bot.channels.line import LineInput
from bot.channels.messaging import base64_hmac
from tests.support.channel_server import BUTTONS, QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import FakePlatforms

SECRET = "line-channel-secret"


@pytest.fixture
def line():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = LineInput(channel_secret=SECRET, channel_access_token="line-token", api_base_url=fake.base("line"))
        with serving(channel, bot) as url:
            yield fake, bot, url


def post(url, body, secret=SECRET, signature=None):
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    signature = signature if signature is not None else base64_hmac(secret, raw)
    return requests.post(url + "/webhook", data=raw, timeout=30,
                         headers={"Content-Type": "application/json", "X-Line-Signature": signature})


def event(message=None, postback=None, event_id="ev1", token="reply-token-1"):
    kind = "postback" if postback else "message"
    found = {"type": kind, "replyToken": token, "webhookEventId": event_id, "timestamp": 1,
             "source": {"type": "user", "userId": "U4af4980629"}, "mode": "active",
             "deliveryContext": {"isRedelivery": False}}
    found.update({"postback": {"data": postback}} if postback else {"message": message})
    return {"destination": "Uxxxxxxxx", "events": [found]}


def test_a_text_is_answered_with_the_reply_token_and_buttons_become_quick_replies(line):
    fake, bot, url = line
    assert post(url, event({"type": "text", "id": "m1", "text": "Что такое ИОЛТ?"})).status_code == 200
    assert [m.text for m in bot.received] == ["Что такое ИОЛТ?"]
    (reply,) = fake.of("line", "/reply")
    assert reply.headers["authorization"] == "Bearer line-token"
    body = reply.json()
    assert body["replyToken"] == "reply-token-1"
    assert [m["text"] for m in body["messages"]] == [RUSSIAN_ANSWER, QUESTION]
    items = body["messages"][1]["quickReply"]["items"]
    assert [(i["action"]["label"], i["action"]["data"]) for i in items] == [
        (b["title"], b["payload"]) for b in BUTTONS]
    assert not fake.of("line", "/push")


def test_a_quick_reply_tap_sends_its_payload(line):
    fake, bot, url = line
    assert post(url, event(postback="/ask_iort_side_effects")).status_code == 200
    assert bot.received[0].text == "/ask_iort_side_effects"


def test_files_and_stickers_reach_the_bot_as_intents(line):
    fake, bot, url = line
    post(url, event({"type": "image", "id": "m2", "contentProvider": {"type": "line"}}, event_id="e2"))
    post(url, event({"type": "file", "id": "m3", "fileName": "mri.pdf", "fileSize": 1000}, event_id="e3"))
    post(url, event({"type": "sticker", "id": "m4", "packageId": "1", "stickerId": "1"}, event_id="e4"))
    assert [m.text for m in bot.received] == ["/share_document", "/share_document", "/send_unsupported"]
    assert bot.received[1].metadata["attachment"] == {"kind": "file", "media_id": "m3", "filename": "mri.pdf"}
    assert bot.received[2].metadata["unsupported"] == "sticker"


def test_a_redelivered_event_is_handled_once(line):
    fake, bot, url = line
    body = event({"type": "text", "id": "m5", "text": "hello"}, event_id="e5")
    post(url, body)
    post(url, body)
    assert len(bot.received) == 1


def test_more_than_five_messages_go_on_by_push(line):
    fake, bot, url = line

    async def chatty(message):
        for i in range(7):
            await message.output_channel.send_text_message(message.sender_id, f"part {i}")

    bot.reply = chatty
    post(url, event({"type": "text", "id": "m6", "text": "hi"}, event_id="e6"))
    (reply,), (push,) = fake.of("line", "/reply"), fake.of("line", "/push")
    assert len(reply.json()["messages"]) == 5
    assert push.json() == {"to": "U4af4980629", "messages": [{"type": "text", "text": "part 5"},
                                                           {"type": "text", "text": "part 6"}]}


@pytest.mark.parametrize("signature", ["", "d3Jvbmc=", base64_hmac("another-secret", b"{}")])
def test_a_wrong_signature_is_refused_and_nothing_is_sent(line, signature):
    fake, bot, url = line
    answer = post(url, event({"type": "text", "id": "m7", "text": "hi"}), signature=signature)
    assert answer.status_code == 403
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"events": "x"}', b'{"events": [1]}', b"\xff"])
def test_a_malformed_body_is_a_400_and_nothing_else(line, body):
    fake, bot, url = line
    assert post(url, body).status_code == 400
    assert not bot.received and not fake.calls


def test_not_configured_answers_503():
    with serving(LineInput(channel_secret="", channel_access_token=""), ScriptedBot()) as url:
        assert post(url, event({"type": "text", "id": "m", "text": "hi"}), secret="").status_code == 503

"""WeChat Official Account: signed XML in, passive XML reply in time, late replies via the customer-service API."""
import asyncio
import hashlib
import json

import pytest
import requests
from defusedxml import ElementTree

from bot.channels.wechat import WeChatInput
from tests.support.channel_server import QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import WECHAT_TOKEN, FakePlatforms

TOKEN = "wechat-token"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture
def wechat():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = WeChatInput(token=TOKEN, app_id="wx123", app_secret="wx-secret", api_base_url=fake.base("wechat"),
                              reply_within="1.5")
        with serving(channel, bot) as url:
            yield fake, bot, url


def signed(token=TOKEN, timestamp="1700000000", nonce="42"):
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def xml(kind="text", msg_id="6054768590064713728", **fields):
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (f"<xml><ToUserName><![CDATA[gh_hospital]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
            f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{inner}"
            f"<MsgId>{msg_id}</MsgId></xml>").encode()


def post(url, body, params=None):
    return requests.post(url + "/webhook", data=body, params=params or signed(), timeout=30,
                         headers={"Content-Type": "text/xml"})


def sent_texts(fake):
    return [json.loads(call.body)["text"]["content"] for call in fake.of("wechat", "/message/custom/send")]


def test_server_verification_echoes_only_when_signed(wechat):
    fake, bot, url = wechat
    ok = requests.get(url + "/webhook", params={**signed(), "echostr": "5837397"}, timeout=30)
    bad = requests.get(url + "/webhook", params={**signed("guess"), "echostr": "5837397"}, timeout=30)
    assert (ok.status_code, ok.text) == (200, "5837397")
    assert bad.status_code == 403 and "5837397" not in bad.text


def test_a_quick_answer_comes_back_as_xml_and_the_rest_through_the_api(wechat):
    fake, bot, url = wechat
    answer = post(url, xml(Content="Что такое ИОЛТ?"))
    assert answer.status_code == 200
    reply = {child.tag: child.text for child in ElementTree.fromstring(answer.content)}
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"], reply["Content"]) == (
        OPENID, "gh_hospital", "text", RUSSIAN_ANSWER)
    assert bot.received[0].text == "Что такое ИОЛТ?"
    fake.wait_for("wechat", 1, "/message/custom/send")
    (late,) = fake.of("wechat", "/message/custom/send")
    assert late.query["access_token"] == [WECHAT_TOKEN]
    assert json.loads(late.body) == {"touser": OPENID, "msgtype": "text", "text": {
        "content": QUESTION + "\n\n1. Что такое ИОЛТ?\n2. Побочные эффекты"}}


def test_a_slow_answer_is_acknowledged_in_time_and_sent_later(wechat):
    fake, bot, url = wechat

    async def slow(message):
        await asyncio.sleep(3)
        await message.output_channel.send_text_message(message.sender_id, RUSSIAN_ANSWER)

    bot.reply = slow
    answer = post(url, xml(Content="привет", msg_id="2"))
    assert (answer.status_code, answer.text) == (200, "success")
    fake.wait_for("wechat", 1, "/message/custom/send")
    assert sent_texts(fake) == [RUSSIAN_ANSWER]
    assert len(fake.of("wechat", "/cgi-bin/token")) == 1


def test_wechat_retrying_the_same_message_does_not_make_a_second_answer(wechat):
    fake, bot, url = wechat
    post(url, xml(Content="hello", msg_id="3"))
    assert post(url, xml(Content="hello", msg_id="3")).text == "success"
    assert len(bot.received) == 1


def test_a_numbered_reply_picks_the_option(wechat):
    fake, bot, url = wechat
    post(url, xml(Content="привет", msg_id="4"))
    fake.wait_for("wechat", 1, "/message/custom/send")
    post(url, xml(Content="２", msg_id="5"))
    assert bot.received[-1].text == "/ask_iort_side_effects"


def test_images_voice_and_follow_events(wechat):
    fake, bot, url = wechat
    post(url, xml("image", msg_id="6", PicUrl="http://mmbiz/x.jpg", MediaId="media-9"))
    post(url, xml("voice", msg_id="7", MediaId="media-10", Format="amr"))
    post(url, xml("event", msg_id="8", Event="subscribe"))
    assert [m.text for m in bot.received] == ["/share_document", "/send_unsupported", "/greet"]
    assert bot.received[0].metadata["attachment"] == {"kind": "image", "media_id": "media-9"}


def test_a_wrong_signature_is_refused_and_nothing_is_sent(wechat):
    fake, bot, url = wechat
    assert post(url, xml(Content="hi"), params=signed("guess")).status_code == 403
    assert post(url, xml(Content="hi"), params={"timestamp": "1700000000"}).status_code == 403
    assert not bot.received and not fake.calls


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml>&lol2;</xml>')
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b'<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>')


@pytest.mark.parametrize("body", [b"not xml", b"<root/>", b"<xml><MsgType>text</MsgType></xml>", b"\xff",
                                  BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_malformed_or_hostile_body_is_a_400_and_nothing_else(wechat, body):
    fake, bot, url = wechat
    assert post(url, body).status_code == 400
    assert not bot.received and not fake.calls

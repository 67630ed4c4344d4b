"""Facebook Messenger (Rasa's FacebookInput/MessengerBot over fbmessenger): signed events in, Send API out (fake)."""
import hashlib
import hmac
import json
import logging

import pytest
import requests

from bot.channels.facebook import PatientMessengerInput
from tests.support.channel_server import BUTTONS, QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import FakePlatforms

SECRET = "facebook-app-secret"
PAGE_TOKEN = "EAAPageAccessToken"
PAGE = "1122334455"
PSID = "6655443322110"  # the patient's page-scoped id


def messenger_channel(fake, **overrides):
    settings = {"verify": "verify-me", "secret": SECRET, "page-access-token": PAGE_TOKEN,
                "api_base_url": fake.base("messenger"), **overrides}
    return PatientMessengerInput.from_credentials(settings)


@pytest.fixture
def messenger():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        with serving(messenger_channel(fake), bot) as url:
            yield fake, bot, url


def sign(raw: bytes, secret: str = SECRET, algorithm=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), raw, algorithm).hexdigest()


def post(url, body, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if headers is None:
        headers = {"X-Hub-Signature-256": "sha256=" + sign(raw)}
    return requests.post(url + "/webhook", data=raw, timeout=30, headers={"Content-Type": "application/json",
                                                                          **headers})


_mids = iter(range(10**6, 10**7))


def event(**content):
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1700000000000, **content}


def text_message(**content):
    return {"mid": f"m_{next(_mids)}", **content}


def webhook(*events):
    return {"object": "page", "entry": [{"id": PAGE, "time": 1700000000000, "messaging": list(events)}]}


def sent(fake):
    """The Send API calls with a message (not sender actions), as JSON bodies."""
    return [call.json() for call in fake.of("messenger", "/me/messages") if "message" in call.json()]


def test_the_verification_challenge():
    with FakePlatforms() as fake:
        with serving(messenger_channel(fake), ScriptedBot()) as url:
            ok = requests.get(url + "/webhook", timeout=30, params={
                "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
            wrong = requests.get(url + "/webhook", timeout=30, params={
                "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert not fake.calls


def test_a_text_gets_the_answer_and_a_button_template(messenger):
    fake, bot, url = messenger
    assert post(url, webhook(event(message=text_message(text="Что такое ИОЛТ?")))).status_code == 200
    (received,) = bot.received
    assert (received.text, received.sender_id, received.input_channel) == ("Что такое ИОЛТ?", PSID, "facebook")
    calls = fake.of("messenger")
    assert all(call.path == "/v2.12/me/messages" and call.query["access_token"] == [PAGE_TOKEN] for call in calls)
    text, question = sent(fake)
    assert text["recipient"] == {"id": PSID} and text["messaging_type"] == "RESPONSE"
    assert text["message"] == {"text": RUSSIAN_ANSWER}
    template = question["message"]["attachment"]["payload"]
    assert (template["template_type"], template["text"]) == ("button", QUESTION)
    assert [(b["type"], b["title"], b["payload"]) for b in template["buttons"]] == [
        ("postback", b["title"], b["payload"]) for b in BUTTONS]


def test_postbacks_and_quick_replies_send_their_payload(messenger):
    fake, bot, url = messenger
    post(url, webhook(event(postback={"mid": "m_pb1", "title": "Побочные эффекты",
                                      "payload": "/ask_iort_side_effects"})))
    post(url, webhook(event(message=text_message(text="Что такое ИОЛТ?",
                                                 quick_reply={"payload": "/ask_iort_what"}))))
    assert [m.text for m in bot.received] == ["/ask_iort_side_effects", "/ask_iort_what"]


def test_many_options_are_numbered_and_a_number_picks_one(messenger):
    fake, bot, url = messenger
    options = [{"title": f"Вариант {i}", "payload": f"/choice_{i}"} for i in range(1, 6)]

    async def many(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Выберите", "buttons": options})

    bot.reply = many
    post(url, webhook(event(message=text_message(text="Привет"))))
    assert sent(fake)[-1]["message"] == {"text": "Выберите\n\n" + "\n".join(
        f"{i}. Вариант {i}" for i in range(1, 6))}
    post(url, webhook(event(message=text_message(text="4"))))
    assert bot.received[-1].text == "/choice_4"


def test_images_files_and_videos_are_shared_documents(messenger):
    fake, bot, url = messenger
    for kind in ("image", "file", "video"):
        attachment = {"type": kind, "payload": {"url": f"https://scontent.xx.fbcdn.net/{kind}.bin"}}
        post(url, webhook(event(message=text_message(attachments=[attachment]))))
    assert [m.text for m in bot.received] == ["/share_document"] * 3
    assert [m.metadata["attachment"] for m in bot.received] == [
        {"kind": kind, "media_id": None, "url": f"https://scontent.xx.fbcdn.net/{name}.bin", "count": 1}
        for kind, name in (("image", "image"), ("document", "file"), ("video", "video"))]


def test_stickers_locations_and_audio_are_unsupported(messenger):
    fake, bot, url = messenger
    sticker = {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/sticker.png",
                                            "sticker_id": 369239263222822}}
    location = {"type": "location", "payload": {"coordinates": {"lat": 55.75, "long": 37.62}}}
    audio = {"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/audio.mp4"}}
    for attachment in (sticker, location, audio):
        post(url, webhook(event(message=text_message(attachments=[attachment]))))
    assert [m.text for m in bot.received] == ["/send_unsupported"] * 3
    assert [m.metadata["unsupported"] for m in bot.received] == ["sticker", "location", "audio"]


def test_every_event_of_a_batch_is_handled_and_echoes_and_receipts_are_ignored(messenger):
    fake, bot, url = messenger
    body = webhook(event(message=text_message(text="Первый вопрос")),
                   event(message=text_message(text="Ответ бота", is_echo=True, app_id=1)),
                   event(delivery={"mids": ["m_1"], "watermark": 1700000000000}),
                   event(read={"watermark": 1700000000000}),
                   event(message=text_message(text="Второй вопрос")))
    assert post(url, body).status_code == 200
    assert [m.text for m in bot.received] == ["Первый вопрос", "Второй вопрос"]


def test_a_redelivered_message_is_handled_once(messenger):
    fake, bot, url = messenger
    body = webhook(event(message=text_message(text="Сколько стоит?")))
    assert post(url, body).status_code == 200 and post(url, body).status_code == 200
    assert len(bot.received) == 1


def test_the_older_sha1_signature_is_accepted_without_a_sha256_one(messenger):
    fake, bot, url = messenger
    raw = json.dumps(webhook(event(message=text_message(text="hi")))).encode()
    assert post(url, raw, {"X-Hub-Signature": "sha1=" + sign(raw, algorithm=hashlib.sha1)}).status_code == 200
    assert [m.text for m in bot.received] == ["hi"]


@pytest.mark.parametrize("headers", [
    {}, {"X-Hub-Signature-256": ""}, {"X-Hub-Signature-256": "sha256=00"},
    {"X-Hub-Signature-256": "sha256=" + "0" * 64}, "signed with another secret", "sha1 right but sha256 wrong",
    "sha1 with md5", {"X-Hub-Signature": "sha1=00"},
])
def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_sent(messenger, headers):
    fake, bot, url = messenger
    raw = json.dumps(webhook(event(message=text_message(text="hi")))).encode()
    if headers == "signed with another secret":
        headers = {"X-Hub-Signature-256": "sha256=" + sign(raw, "other-secret")}
    elif headers == "sha1 right but sha256 wrong":
        headers = {"X-Hub-Signature-256": "sha256=00", "X-Hub-Signature": "sha1=" + sign(raw, algorithm=hashlib.sha1)}
    elif headers == "sha1 with md5":
        headers = {"X-Hub-Signature": "md5=" + sign(raw, algorithm=hashlib.md5)}
    assert post(url, raw, headers).status_code == 403
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("body", [
    b"nope", b"\xff\xfe", b"[]", b"null", b'{"object": "page"}', b'{"object": "page", "entry": 5}',
    b'{"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": {"x": 1}}, "message": {"text": "x"}}]}]}',
])
def test_a_malformed_body_is_a_400_and_nothing_else(messenger, body):
    fake, bot, url = messenger
    assert post(url, body).status_code == 400
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("missing", ["verify", "secret", "page-access-token"])
def test_without_credentials_the_webhook_answers_503_and_calls_nobody(missing):
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = messenger_channel(fake, **{missing: ""})
        assert channel.get_output_channel() is None
        with serving(channel, bot) as url:
            assert post(url, webhook(event(message=text_message(text="hi")))).status_code == 503
            assert requests.get(url + "/webhook", timeout=30, params={
                "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"}).status_code == 503
    assert not bot.received and not fake.calls


def test_long_answers_are_split_at_2000(messenger):
    fake, bot, url = messenger
    sentence = "Интраоперационная лучевая терапия проводится во время операции. "

    async def reply(message):
        await message.output_channel.send_response(message.sender_id, {"text": sentence * 70})

    bot.reply = reply
    post(url, webhook(event(message=text_message(text="Расскажите подробно"))))
    parts = [call["message"]["text"] for call in sent(fake)]
    assert len(parts) == 3 and all(len(part) <= 2000 for part in parts)
    assert " ".join(parts).split() == (sentence * 70).split()


def test_a_failing_bot_does_not_break_the_webhook_and_no_text_is_logged(messenger, caplog):
    fake, bot, url = messenger

    async def fail(message):
        raise RuntimeError("the text must not be logged")

    bot.reply = fail
    caplog.set_level(logging.DEBUG)
    assert post(url, webhook(event(message=text_message(text="Секретный диагноз пациента")))).status_code == 200
    assert "RuntimeError" in caplog.text
    bot.reply = ScriptedBot.answer
    assert post(url, webhook(event(message=text_message(text="Второй секретный вопрос")))).status_code == 200
    assert len(sent(fake)) == 2
    assert "секретный" not in caplog.text.lower() and "must not be logged" not in caplog.text
    assert RUSSIAN_ANSWER not in caplog.text

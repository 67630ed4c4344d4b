"""Telegram (Rasa's TelegramInput/TelegramOutput over aiogram): webhook updates in, Bot API calls out (local fake)."""
import json
import logging
from urllib.parse import parse_qs

import pytest
import requests

from bot.channels.telegram import PatientTelegramInput
from tests.support.channel_server import BUTTONS, QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import FakePlatforms

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret-Token_for-webhooks"
CHAT = 111111111
PATIENT = {"id": CHAT, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Hospital", "username": "hospital_bot"}


def telegram_channel(fake, **overrides):
    settings = {"access_token": TOKEN, "verify": "hospital_bot", "secret_token": SECRET,
                "webhook_url": "https://bot.example.org/webhooks/telegram/webhook",
                "api_base_url": fake.base("telegram"), **overrides}
    return PatientTelegramInput.from_credentials(settings)


@pytest.fixture
def telegram():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        with serving(telegram_channel(fake), bot) as url:
            yield fake, bot, url


def post(url, body, secret=SECRET):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return requests.post(url + "/webhook", data=raw, headers=headers, timeout=30)


_update_ids = iter(range(500_000_000, 600_000_000))


def update(**content):
    """An Update as Telegram posts it; `content` is e.g. message=message(text=...)."""
    return {"update_id": next(_update_ids), **content}


def message(**content):
    return {"message_id": 1365, "date": 1700000000, "from": PATIENT,
            "chat": {"id": CHAT, "first_name": "Иван", "type": "private"}, **content}


def sent(fake, method="sendMessage"):
    """The form fields of the Bot API calls of `method` (aiogram posts them urlencoded)."""
    return [{k: v[0] for k, v in parse_qs(call.body.decode()).items()} for call in fake.of("telegram", "/" + method)]


def test_a_text_gets_the_answer_and_an_inline_keyboard_without_other_api_calls(telegram):
    fake, bot, url = telegram
    answer = post(url, update(message=message(text="Что такое ИОЛТ?")))
    assert answer.status_code == 200
    (received,) = bot.received
    assert (received.text, received.sender_id, received.input_channel) == ("Что такое ИОЛТ?", str(CHAT), "telegram")
    assert received.metadata == {"language_code": "ru"}
    assert all(call.path.startswith(f"/bot{TOKEN}/") for call in fake.calls)
    assert [call.path.rsplit("/", 1)[-1] for call in fake.calls] == ["sendMessage", "sendMessage"], \
        "no getMe per message, no setWebhook at start-up"
    text, question = sent(fake)
    assert (text["chat_id"], text["text"]) == (str(CHAT), RUSSIAN_ANSWER)
    assert question["text"] == QUESTION
    keyboard = json.loads(question["reply_markup"])["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for row in keyboard for b in row] == [
        (b["title"], b["payload"]) for b in BUTTONS]


def test_a_button_press_sends_its_payload_and_is_acknowledged(telegram):
    fake, bot, url = telegram
    bot_message = {"message_id": 1366, "date": 1700000001, "from": BOT_USER, "text": QUESTION,
                   "chat": {"id": CHAT, "first_name": "Иван", "type": "private"}}
    post(url, update(callback_query={"id": "4382bfdwdsb323b2d9", "from": PATIENT, "message": bot_message,
                                     "chat_instance": "-8222444444444", "data": "/ask_iort_side_effects"}))
    (received,) = bot.received
    assert (received.text, received.sender_id, received.metadata) == (
        "/ask_iort_side_effects", str(CHAT), {"language_code": "ru"})
    assert sent(fake, "answerCallbackQuery") == [{"callback_query_id": "4382bfdwdsb323b2d9"}]


def test_an_edited_text_and_start_and_commands_addressed_to_the_bot(telegram):
    fake, bot, url = telegram
    post(url, update(edited_message={**message(text="Что такое ИОКТ?"), "edit_date": 1700000100}))
    post(url, update(message=message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])))
    post(url, update(message=message(text="/help@hospital_bot")))
    assert [m.text for m in bot.received] == ["Что такое ИОКТ?", "/greet", "/help"]


def test_photos_documents_and_videos_are_shared_documents(telegram):
    fake, bot, url = telegram
    photo = [{"file_id": "small", "file_unique_id": "u1", "width": 90, "height": 51, "file_size": 1000},
             {"file_id": "large", "file_unique_id": "u2", "width": 1280, "height": 720, "file_size": 90000}]
    post(url, update(message=message(photo=photo, caption="Мой снимок")))
    post(url, update(message=message(document={"file_id": "doc-1", "file_unique_id": "u3", "file_name": "report.pdf",
                                               "mime_type": "application/pdf", "file_size": 50000})))
    post(url, update(message=message(video={"file_id": "vid-1", "file_unique_id": "u4", "width": 640, "height": 480,
                                            "duration": 5, "mime_type": "video/mp4"})))
    assert [m.text for m in bot.received] == ["/share_document"] * 3
    assert [m.metadata["attachment"] for m in bot.received] == [
        {"kind": "image", "media_id": "large", "mime_type": "image/jpeg", "file_unique_id": "u2",
         "caption": "Мой снимок"},
        {"kind": "document", "media_id": "doc-1", "mime_type": "application/pdf", "filename": "report.pdf",
         "file_unique_id": "u3"},
        {"kind": "video", "media_id": "vid-1", "mime_type": "video/mp4", "file_unique_id": "u4"},
    ]
    assert all(m.metadata["language_code"] == "ru" for m in bot.received)


def test_stickers_locations_voice_and_contacts_are_unsupported(telegram):
    fake, bot, url = telegram
    post(url, update(message=message(sticker={"file_id": "st", "file_unique_id": "u", "width": 512, "height": 512,
                                              "is_animated": False, "emoji": "👍"})))
    post(url, update(message=message(location={"latitude": 55.75, "longitude": 37.62})))
    post(url, update(message=message(voice={"file_id": "v", "file_unique_id": "u", "duration": 3,
                                            "mime_type": "audio/ogg"})))
    post(url, update(message=message(contact={"phone_number": "+79161234567", "first_name": "Мария"})))
    assert [m.text for m in bot.received] == ["/send_unsupported"] * 4
    assert [m.metadata["unsupported"] for m in bot.received] == ["sticker", "location", "voice", "contact"]


def test_updates_that_are_not_patient_messages_are_ignored(telegram):
    fake, bot, url = telegram
    member = {"chat": {"id": CHAT, "type": "private"}, "from": PATIENT, "date": 1700000000,
              "old_chat_member": {"user": BOT_USER, "status": "member"},
              "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0}}
    assert post(url, update(my_chat_member=member)).status_code == 200
    assert not bot.received and not fake.calls


def test_a_redelivered_update_is_handled_once(telegram):
    fake, bot, url = telegram
    body = update(message=message(text="Сколько стоит?"))
    assert post(url, body).status_code == 200
    assert post(url, body).status_code == 200
    assert len(bot.received) == 1 and len(fake.of("telegram", "/sendMessage")) == 2


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
def test_a_wrong_or_missing_secret_token_is_refused_and_nothing_is_sent(telegram, secret):
    fake, bot, url = telegram
    assert post(url, update(message=message(text="hi")), secret=secret).status_code == 403
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("body", [
    b"nope", b"\xff\xfe", b"[]", b"null", b'{"message": {"text": "no update_id"}}', b'{"update_id": "1"}',
    b'{"update_id": 1, "message": "text"}', b'{"update_id": 1, "message": {"message_id": 1, "chat": 5}}',
    b'{"update_id": 1, "callback_query": {"id": "1", "data": "/x"}}',
])
def test_a_body_that_is_not_an_update_is_a_400_and_nothing_else(telegram, body):
    fake, bot, url = telegram
    assert post(url, body).status_code == 400
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("missing", ["access_token", "secret_token"])
def test_without_credentials_the_webhook_answers_503_and_calls_nobody(missing):
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = telegram_channel(fake, **{missing: ""})
        assert channel.get_output_channel() is None
        with serving(channel, bot) as url:
            assert post(url, update(message=message(text="hi"))).status_code == 503
            assert requests.post(url + "/set_webhook", timeout=30).status_code == 503
            assert requests.get(url + "/", timeout=30).json() == {"status": "not configured"}
    assert not bot.received and not fake.calls


def test_set_webhook_registers_the_url_with_the_secret_token(telegram):
    fake, bot, url = telegram
    assert requests.post(url + "/set_webhook", timeout=30).status_code == 200
    (call,) = sent(fake, "setWebhook")
    assert call["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert call["secret_token"] == SECRET
    assert json.loads(call["allowed_updates"]) == ["message", "edited_message", "callback_query"]


def test_long_answers_are_split_at_4096_and_long_payloads_become_numbered_options(telegram):
    fake, bot, url = telegram
    paragraph = "Лучевая терапия во время операции. " * 60  # 2100 characters: two do not fit in 4096
    long_payload = [{"title": "Да", "payload": '/inform{"answer": "' + "д" * 40 + '"}'},
                    {"title": "Нет", "payload": "/deny"}]

    async def reply(message):
        await message.output_channel.send_response(message.sender_id, {"text": "\n\n".join([paragraph] * 3)})
        await message.output_channel.send_response(message.sender_id, {"text": "Верно?", "buttons": long_payload})

    bot.reply = reply
    post(url, update(message=message(text="Расскажите подробно")))
    *parts, question = [call["text"] for call in sent(fake)]
    assert len(parts) == 3 and all(len(part) <= 4096 for part in parts), "cut at paragraphs, 4096 at most"
    assert parts == [paragraph.strip()] * 3
    assert question == "Верно?\n\n1. Да\n2. Нет" and "reply_markup" not in sent(fake)[-1]
    post(url, update(message=message(text="1")))
    assert bot.received[-1].text == long_payload[0]["payload"]


def test_a_failing_bot_does_not_break_the_webhook_and_no_text_is_logged(telegram, caplog):
    fake, bot, url = telegram

    async def fail(message):
        raise RuntimeError("the text must not be logged")

    bot.reply = fail
    caplog.set_level(logging.DEBUG)
    assert post(url, update(message=message(text="Секретный диагноз пациента"))).status_code == 200
    assert "RuntimeError" in caplog.text
    assert "Секретный диагноз" not in caplog.text and "must not be logged" not in caplog.text
    bot.reply = ScriptedBot.answer
    post(url, update(message=message(text="Второй секретный вопрос")))
    assert len(fake.of("telegram", "/sendMessage")) == 2
    assert "секретный" not in caplog.text.lower() and RUSSIAN_ANSWER not in caplog.text

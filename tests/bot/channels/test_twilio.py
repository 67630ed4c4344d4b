"""Twilio WhatsApp/SMS (Rasa's TwilioInput/TwilioOutput): signed form webhooks in, REST messages out (local fake)."""
import logging

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.twilio import PatientTwilioInput
from tests.support.channel_server import BUTTONS, QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import FakePlatforms

ACCOUNT = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token"
NUMBER = "whatsapp:+14155238886"
PUBLIC_URL = "https://bot.example.org/webhooks/twilio/webhook"  # what Twilio calls, so what it signs
PATIENT = "whatsapp:+79161234567"  # a Russian mobile number


def twilio_channel(fake, **overrides):
    settings = {"account_sid": ACCOUNT, "auth_token": AUTH_TOKEN, "twilio_number": NUMBER,
                "webhook_url": PUBLIC_URL, "api_base_url": fake.base("twilio"), **overrides}
    return PatientTwilioInput.from_credentials(settings)


@pytest.fixture
def twilio():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        with serving(twilio_channel(fake), bot) as url:
            yield fake, bot, url


_sids = iter(range(10**9, 2 * 10**9))


def form(**fields):
    """An incoming message webhook as Twilio posts it (form fields; empty ones are sent and signed too)."""
    base = {"MessageSid": f"SM{next(_sids):032d}", "SmsMessageSid": "", "AccountSid": ACCOUNT, "From": PATIENT,
            "To": NUMBER, "Body": "", "NumMedia": "0", "NumSegments": "1", "ProfileName": "Иван",
            "WaId": "79161234567", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    return {**base, **fields}


def post(url, fields, signature=None, raw=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL, fields)
    if signature is not False:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url + "/webhook", data=raw if raw is not None else fields, headers=headers, timeout=30)


def messages(fake):
    return [{k: v[0] for k, v in call.form().items()} for call in fake.of("twilio", "/Messages.json")]


def test_a_whatsapp_text_gets_the_answer_and_numbered_options_with_a_language_hint(twilio):
    fake, bot, url = twilio
    answer = post(url, form(Body="Что такое ИОЛТ?"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in answer.text
    (received,) = bot.received
    assert (received.text, received.sender_id, received.input_channel) == ("Что такое ИОЛТ?", PATIENT, "twilio")
    assert received.metadata == {"language_hint": "ru"}
    calls = fake.of("twilio")
    assert all(call.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json" for call in calls)
    assert all(call.headers["authorization"].startswith("Basic ") for call in calls)
    assert messages(fake) == [
        {"To": PATIENT, "From": NUMBER, "Body": RUSSIAN_ANSWER},
        {"To": PATIENT, "From": NUMBER, "Body": f"{QUESTION}\n\n1. {BUTTONS[0]['title']}\n2. {BUTTONS[1]['title']}"},
    ]


def test_a_number_reply_sends_the_payload_of_that_option(twilio):
    fake, bot, url = twilio
    post(url, form(Body="Здравствуйте"))
    post(url, form(Body="2"))
    assert bot.received[-1].text == BUTTONS[1]["payload"]
    post(url, form(Body="3"))
    assert bot.received[-1].text == "3", "a number without an option is just text"


def test_an_sms_gets_its_reply_from_the_plain_number(twilio):
    fake, bot, url = twilio
    post(url, form(From="+34612345678", WaId="", Body="¡Hola! ¿Qué es la RIO?"))
    (received,) = bot.received
    assert (received.text, received.sender_id, received.metadata) == (
        "¡Hola! ¿Qué es la RIO?", "+34612345678", {"language_hint": "es"})
    assert {(m["To"], m["From"]) for m in messages(fake)} == {("+34612345678", "+14155238886")}


def test_files_are_shared_documents_with_their_url_and_type(twilio):
    fake, bot, url = twilio
    media = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME0123456789abcdef"
    post(url, form(NumMedia="1", MediaUrl0=media, MediaContentType0="application/pdf"))
    post(url, form(NumMedia="1", MediaUrl0=media, MediaContentType0="image/jpeg", Body="Мой анализ"))
    assert [m.text for m in bot.received] == ["/share_document"] * 2
    assert bot.received[0].metadata == {"language_hint": "ru", "attachment": {
        "kind": "document", "media_id": "ME0123456789abcdef", "url": media, "mime_type": "application/pdf",
        "count": 1}}
    assert bot.received[1].metadata["attachment"]["kind"] == "image"
    assert bot.received[1].metadata["attachment"]["caption"] == "Мой анализ"


def test_locations_voice_notes_and_empty_messages_are_unsupported(twilio):
    fake, bot, url = twilio
    post(url, form(Latitude="55.7558", Longitude="37.6173", Address="Москва"))
    post(url, form(NumMedia="1", MediaUrl0="https://api.twilio.com/x/Media/ME1", MediaContentType0="audio/ogg"))
    post(url, form())
    assert [m.text for m in bot.received] == ["/send_unsupported"] * 3
    assert [m.metadata["unsupported"] for m in bot.received] == ["location", "audio", "empty"]


def test_a_template_button_sends_its_payload(twilio):
    fake, bot, url = twilio
    post(url, form(Body="Побочные эффекты", ButtonText="Побочные эффекты", ButtonPayload="/ask_iort_side_effects"))
    assert bot.received[0].text == "/ask_iort_side_effects"


def test_a_redelivered_message_is_handled_once(twilio):
    fake, bot, url = twilio
    fields = form(Body="Сколько стоит?")
    assert post(url, fields).status_code == 200 and post(url, fields).status_code == 200
    assert len(bot.received) == 1


@pytest.mark.parametrize("signature", [False, "", "bm9wZQ==", "sign-with-another-url", "sign-with-another-token"])
def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_sent(twilio, signature):
    fake, bot, url = twilio
    fields = form(Body="hi")
    if signature == "sign-with-another-url":
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url + "/webhook", fields)
    elif signature == "sign-with-another-token":
        signature = RequestValidator("other-token").compute_signature(PUBLIC_URL, fields)
    assert post(url, fields, signature).status_code == 403
    assert not bot.received and not fake.calls


def test_a_changed_field_breaks_the_signature(twilio):
    fake, bot, url = twilio
    fields = form(Body="hi")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL, fields)
    assert post(url, {**fields, "Body": "/restart"}, signature).status_code == 403
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("fields", [{"Body": "no sender"}, {"From": "", "Body": "empty sender"},
                                    {"From": PATIENT, "NumMedia": "many"}])
def test_a_signed_form_without_a_sender_is_a_400_and_nothing_else(twilio, fields):
    fake, bot, url = twilio
    assert post(url, fields).status_code == 400
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("missing", ["account_sid", "auth_token", "twilio_number", "webhook_url"])
def test_without_credentials_the_webhook_answers_503_and_calls_nobody(missing):
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = twilio_channel(fake, **{missing: None})
        assert channel.get_output_channel() is None
        with serving(channel, bot) as url:
            assert post(url, form(Body="hi")).status_code == 503
    assert not bot.received and not fake.calls


def test_long_answers_are_split_at_1600(twilio):
    fake, bot, url = twilio
    sentence = "Интраоперационная лучевая терапия проводится во время операции. "

    async def reply(message):
        await message.output_channel.send_response(message.sender_id, {"text": sentence * 60})

    bot.reply = reply
    post(url, form(Body="Расскажите подробно"))
    bodies = [m["Body"] for m in messages(fake)]
    assert len(bodies) == 3 and all(len(body) <= 1600 for body in bodies)
    assert " ".join(bodies).split() == (sentence * 60).split()


def test_a_failing_bot_does_not_break_the_webhook_and_no_text_is_logged(twilio, caplog):
    fake, bot, url = twilio

    async def fail(message):
        raise RuntimeError("the text must not be logged")

    bot.reply = fail
    caplog.set_level(logging.DEBUG)
    assert post(url, form(Body="Секретный диагноз пациента")).status_code == 200
    assert "RuntimeError" in caplog.text
    bot.reply = ScriptedBot.answer
    assert post(url, form(Body="Второй секретный вопрос")).status_code == 200
    assert len(messages(fake)) == 2
    assert "секретный" not in caplog.text.lower() and "must not be logged" not in caplog.text
    assert RUSSIAN_ANSWER not in caplog.text and AUTH_TOKEN not in caplog.text

"""WhatsApp Cloud API: the verification challenge, signed notifications in, Graph API messages out (local fake)."""
import hashlib
import json

import pytest
import requests

from bot.channels.messaging import hmac_digest
from bot.channels.whatsapp_cloud import WhatsAppCloudInput
from tests.support.channel_server import BUTTONS, QUESTION, RUSSIAN_ANSWER, ScriptedBot, serving
from tests.support.fake_platforms import FakePlatforms

SECRET = "meta-app-secret"
PATIENT = "79161234567"  # a Russian mobile number, as WhatsApp sends it (wa_id)


@pytest.fixture
def whatsapp():
    with FakePlatforms() as fake:
        bot = ScriptedBot()
        channel = WhatsAppCloudInput(access_token="wa-token", app_secret=SECRET, verify_token="verify-me",
                                     phone_number_id="1065", api_base_url=fake.base("whatsapp"))
        with serving(channel, bot) as url:
            yield fake, bot, url


def sign(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac_digest(secret, raw, hashlib.sha256).hex()


def post(url, body, signature=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(url + "/webhook", data=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw) if signature is None else signature})


def notification(message):
    message = {"from": PATIENT, "id": "wamid.HBgL" + message.get("type", ""), "timestamp": "1700000000", **message}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "8610000000", "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Patient"}, "wa_id": PATIENT}], "messages": [message]}}]}]}


def test_the_verification_challenge():
    with FakePlatforms() as fake:
        channel = WhatsAppCloudInput(access_token="t", app_secret=SECRET, verify_token="verify-me",
                                     phone_number_id="1", api_base_url=fake.base("whatsapp"))
        with serving(channel, ScriptedBot()) as url:
            ok = requests.get(url + "/webhook", timeout=30, params={
                "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
            wrong = requests.get(url + "/webhook", timeout=30, params={
                "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_a_text_gets_the_answer_and_reply_buttons_with_a_language_hint_from_the_number(whatsapp):
    fake, bot, url = whatsapp
    assert post(url, notification({"type": "text", "text": {"body": "Что такое ИОЛТ?"}})).status_code == 200
    (message,) = bot.received
    assert (message.text, message.sender_id, message.metadata) == ("Что такое ИОЛТ?", PATIENT, {"language_hint": "ru"})
    sent = [call.json() for call in fake.of("whatsapp", "/1065/messages")]
    assert all(call.headers["authorization"] == "Bearer wa-token" for call in fake.of("whatsapp"))
    assert sent[0] == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": PATIENT,
                       "type": "text", "text": {"body": RUSSIAN_ANSWER, "preview_url": True}}
    interactive = sent[1]["interactive"]
    assert interactive["body"]["text"] == QUESTION
    assert [(b["reply"]["title"], b["reply"]["id"]) for b in interactive["action"]["buttons"]] == [
        (b["title"], b["payload"]) for b in BUTTONS]


def test_a_button_reply_sends_its_payload(whatsapp):
    fake, bot, url = whatsapp
    post(url, notification({"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "/ask_iort_side_effects", "title": "Побочные эффекты"}}}))
    assert bot.received[0].text == "/ask_iort_side_effects"


def test_more_than_three_options_are_numbered_and_a_number_picks_one(whatsapp):
    fake, bot, url = whatsapp
    options = [{"title": f"Option {i}", "payload": f"/choice_{i}"} for i in range(1, 6)]

    async def many(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Pick one", "buttons": options})

    bot.reply = many
    post(url, notification({"type": "text", "id": "wamid.1", "text": {"body": "hi"}}))
    assert fake.of("whatsapp")[-1].json()["text"]["body"] == (
        "Pick one\n\n1. Option 1\n2. Option 2\n3. Option 3\n4. Option 4\n5. Option 5")
    post(url, notification({"type": "text", "id": "wamid.2", "text": {"body": "4"}}))
    assert bot.received[-1].text == "/choice_4"


def test_documents_images_stickers_and_locations(whatsapp):
    fake, bot, url = whatsapp
    post(url, notification({"type": "document", "document": {
        "id": "media-1", "filename": "report.pdf", "mime_type": "application/pdf", "sha256": "x"}}))
    post(url, notification({"type": "image", "image": {"id": "media-2", "mime_type": "image/jpeg"}}))
    post(url, notification({"type": "sticker", "sticker": {"id": "media-3", "animated": False}}))
    post(url, notification({"type": "location", "location": {"latitude": 1.0, "longitude": 2.0}}))
    assert [m.text for m in bot.received] == ["/share_document", "/share_document", "/send_unsupported",
                                              "/send_unsupported"]
    assert bot.received[0].metadata["attachment"] == {
        "kind": "document", "media_id": "media-1", "mime_type": "application/pdf", "filename": "report.pdf"}
    assert bot.received[3].metadata["unsupported"] == "location"


def test_status_updates_are_acknowledged_and_ignored(whatsapp):
    fake, bot, url = whatsapp
    body = notification({"type": "text", "text": {"body": "x"}})
    value = body["entry"][0]["changes"][0]["value"]
    value.pop("messages")
    value["statuses"] = [{"id": "wamid.x", "status": "delivered", "recipient_id": PATIENT}]
    assert post(url, body).status_code == 200
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("signature", ["", "sha256=00", sign(b"{}", "other-secret")])
def test_a_wrong_signature_is_refused_and_nothing_is_sent(whatsapp, signature):
    fake, bot, url = whatsapp
    assert post(url, notification({"type": "text", "text": {"body": "hi"}}), signature).status_code == 403
    assert not bot.received and not fake.calls


@pytest.mark.parametrize("body", [b"nope", b"[]", b'{"entry": 5}', b'{"object": "page"}', b"\xff\xfe"])
def test_a_malformed_body_is_a_400_and_nothing_else(whatsapp, body):
    fake, bot, url = whatsapp
    assert post(url, body).status_code == 400
    assert not bot.received and not fake.calls


def test_a_number_typed_after_a_plain_question_stays_a_number(whatsapp):
    fake, bot, url = whatsapp
    post(url, notification({"type": "text", "id": "wamid.a", "text": {"body": "hi"}}))  # options shown
    post(url, notification({"type": "text", "id": "wamid.b", "text": {"body": "1"}}))
    assert bot.received[-1].text == "/ask_iort_what", "typing the number of a reply button picks it"

    async def plain_question(message):
        await message.output_channel.send_response(message.sender_id, {"text": "How old is the patient?"})

    bot.reply = plain_question
    post(url, notification({"type": "text", "id": "wamid.c", "text": {"body": "start"}}))
    post(url, notification({"type": "text", "id": "wamid.d", "text": {"body": "2"}}))
    assert bot.received[-1].text == "2"

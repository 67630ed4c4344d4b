"""Every messaging connector in front of the real bot: the same localized answers as the web chat.

Rasa runs with all channels of bot/credentials.yml switched on (tests/e2e/conftest.py sets their secrets) and
each platform's base URL pointing at a local fake; the tests post webhooks in the platforms' documented shapes,
signed as the platform signs them, and read what the bot sent back through the fake platform API.
"""
import hashlib
import hmac
import itertools
import json
import re
import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import yaml
from defusedxml import ElementTree
from twilio.request_validator import RequestValidator

from bot.channels.messaging import base64_hmac
from tests.e2e.conftest import CHANNEL_SECRETS as SECRETS
from tests.e2e.conftest import pattern_of
from tests.support.fake_platforms import PDF

CONSULTATIONS = yaml.safe_load(Path(__file__).with_name("consultations.yml").read_text(encoding="utf-8"))

_ids = itertools.count(int(time.time()))


def same_words(text: str) -> str:
    return " ".join(text.split())


class Platform:
    """A patient on one messaging app: what they send, and what the bot sent back to them through the fake."""

    name = ""

    def __init__(self, assistant, fake):
        self.rasa, self.fake = assistant.rasa_url, fake
        self.sender = self.new_sender()
        self.passive: list = []

    def new_sender(self) -> str:
        return uuid.uuid4().hex[:12]

    def post(self, data: bytes, headers: dict, params=None) -> requests.Response:
        return requests.post(f"{self.rasa}/webhooks/{self.name}/webhook", data=data, headers=headers,
                             params=params, timeout=120)

    def received(self) -> str:
        """Everything the patient got so far, as one text."""
        return same_words("\n".join(self.passive + self.texts()))


class Telegram(Platform):
    name = "telegram"

    def new_sender(self):
        return str(next(_ids))

    def _update(self, content):
        body = {"update_id": next(_ids), **content}
        headers = {"Content-Type": "application/json",
                   "X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_SECRET_TOKEN"]}
        return self.post(json.dumps(body).encode(), headers)

    def _message(self, **content):
        return {"message": {"message_id": next(_ids), "date": int(time.time()),
                            "from": {"id": int(self.sender), "is_bot": False, "first_name": "P", "language_code": "ru"},
                            "chat": {"id": int(self.sender), "type": "private"}, **content}}

    def text(self, text):
        return self._update(self._message(text=text))

    def button(self, payload, number):
        message = self._message(text="…")["message"]
        return self._update({"callback_query": {"id": str(next(_ids)), "from": message["from"], "message": message,
                                                "chat_instance": "1", "data": payload}})

    def file(self):
        return self._update(self._message(document={"file_id": "doc-1", "file_unique_id": "u1",
                                                    "file_name": "report.pdf", "mime_type": "application/pdf"}))

    def sticker(self):
        return self._update(self._message(sticker={"file_id": "st-1", "file_unique_id": "u2", "width": 512,
                                                   "height": 512, "is_animated": False, "type": "regular"}))

    def texts(self):
        calls = self.fake.of("telegram", "/sendMessage")
        forms = [{k: v[0] for k, v in parse_qs(c.body.decode()).items()} for c in calls]
        return [f["text"] for f in forms if f.get("chat_id") == self.sender]


class Twilio(Platform):
    name = "twilio"
    url = SECRETS["TWILIO_WEBHOOK_URL"]

    def new_sender(self):
        return f"whatsapp:+7916{next(_ids) % 10**7:07d}"

    def _form(self, **fields):
        form = {"MessageSid": f"SM{next(_ids):032d}", "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"], "From": self.sender,
                "To": SECRETS["TWILIO_NUMBER"], "Body": "", "NumMedia": "0", **fields}
        signature = RequestValidator(SECRETS["TWILIO_AUTH_TOKEN"]).compute_signature(self.url, form)
        return requests.post(f"{self.rasa}/webhooks/twilio/webhook", data=form, timeout=120,
                             headers={"X-Twilio-Signature": signature})

    def text(self, text):
        return self._form(Body=text)

    def button(self, payload, number):
        return self._form(Body="", ButtonPayload=payload, ButtonText="option")

    def file(self):
        return self._form(NumMedia="1", MediaUrl0=self.fake.base("twilio") + "/media/report.pdf",
                          MediaContentType0="application/pdf")

    def sticker(self):
        return self._form(Latitude="55.75", Longitude="37.61")

    def texts(self):
        forms = [{k: v[0] for k, v in c.form().items()} for c in self.fake.of("twilio", "/Messages.json")]
        return [f["Body"] for f in forms if f.get("To") == self.sender]


class Messenger(Platform):
    name = "facebook"

    def _event(self, **content):
        body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [
            {"sender": {"id": self.sender}, "recipient": {"id": "PAGE"}, "timestamp": 1, **content}]}]}).encode()
        signature = hmac.new(SECRETS["MESSENGER_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
        return self.post(body, {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + signature})

    def text(self, text):
        return self._event(message={"mid": f"m_{next(_ids)}", "text": text})

    def button(self, payload, number):
        return self._event(postback={"title": "option", "payload": payload, "mid": f"m_{next(_ids)}"})

    def file(self):
        return self._event(message={"mid": f"m_{next(_ids)}", "attachments": [
            {"type": "file", "payload": {"url": self.fake.base("messenger") + "/media/report.pdf"}}]})

    def sticker(self):
        return self._event(message={"mid": f"m_{next(_ids)}", "sticker_id": 369239263222822, "attachments": [
            {"type": "image", "payload": {"url": "https://example.org/like.png", "sticker_id": 369239263222822}}]})

    def texts(self):
        bodies = [c.json() for c in self.fake.of("messenger", "/me/messages")]
        found = []
        for body in bodies:
            message = body.get("message") or {}
            if (body.get("recipient") or {}).get("id") == self.sender:
                template = (message.get("attachment") or {}).get("payload") or {}
                found.append(message.get("text") or template.get("text"))
        return [text for text in found if text]


class WhatsApp(Platform):
    name = "whatsapp"

    def new_sender(self):
        return f"7916{next(_ids) % 10**7:07d}"

    def body(self, **message) -> bytes:
        """A webhook body with one new message (a platform redelivers the same body when an answer is slow)."""
        return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1065"},
                                            "messages": [{"from": self.sender, "id": f"wamid.{next(_ids)}",
                                                          "timestamp": "1", **message}]}}]}]}).encode()

    def deliver(self, body: bytes):
        signature = hmac.new(SECRETS["WHATSAPP_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
        return self.post(body, {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + signature})

    def _message(self, **message):
        return self.deliver(self.body(**message))

    def text(self, text):
        return self._message(type="text", text={"body": text})

    def button(self, payload, number):
        return self._message(type="interactive", interactive={"type": "button_reply",
                                                              "button_reply": {"id": payload, "title": "option"}})

    def file(self):
        return self._message(type="document", document={"id": "media-1", "filename": "report.pdf",
                                                        "mime_type": "application/pdf"})

    def sticker(self):
        return self._message(type="sticker", sticker={"id": "media-2"})

    def texts(self):
        bodies = [c.json() for c in self.fake.of("whatsapp", "/1065/messages")]
        return [(b.get("text") or {}).get("body") or b["interactive"]["body"]["text"]
                for b in bodies if b.get("to") == self.sender]


class Line(Platform):
    name = "line"

    def new_sender(self):
        return "U" + uuid.uuid4().hex

    def _event(self, **content):
        event = {"replyToken": f"{self.sender}-{next(_ids)}", "webhookEventId": str(next(_ids)), "timestamp": 1,
                 "source": {"type": "user", "userId": self.sender}, "mode": "active", **content}
        body = json.dumps({"destination": "U0", "events": [event]}).encode()
        return self.post(body, {"Content-Type": "application/json",
                                "X-Line-Signature": base64_hmac(SECRETS["LINE_CHANNEL_SECRET"], body)})

    def text(self, text):
        return self._event(type="message", message={"type": "text", "id": str(next(_ids)), "text": text})

    def button(self, payload, number):
        return self._event(type="postback", postback={"data": payload})

    def file(self):
        return self._event(type="message", message={"type": "file", "id": f"line-media-{next(_ids)}",
                                                    "fileName": "report.pdf"})

    def sticker(self):
        return self._event(type="message", message={"type": "sticker", "id": str(next(_ids)), "packageId": "1",
                                                    "stickerId": "1"})

    def texts(self):
        found = []
        for call in self.fake.of("line", "/v2/bot/message/"):
            if call.method != "POST":
                continue  # the bot fetching a file the patient sent
            body = call.json()
            if body.get("to") == self.sender or str(body.get("replyToken", "")).startswith(self.sender + "-"):
                found.extend(m["text"] for m in body["messages"])
        return found


class WeChat(Platform):
    name = "wechat"

    def new_sender(self):
        return "o" + uuid.uuid4().hex[:27]

    def _xml(self, kind, **fields):
        inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
        body = (f"<xml><ToUserName><![CDATA[gh_hospital]]></ToUserName><FromUserName><![CDATA[{self.sender}]]>"
                f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
                f"{inner}<MsgId>{next(_ids)}</MsgId></xml>").encode()
        timestamp, nonce = str(int(time.time())), str(next(_ids))
        signature = hashlib.sha1("".join(sorted([SECRETS["WECHAT_TOKEN"], timestamp, nonce])).encode()).hexdigest()
        answer = self.post(body, {"Content-Type": "text/xml"},
                           {"signature": signature, "timestamp": timestamp, "nonce": nonce})
        if answer.text.startswith("<xml>"):
            self.passive.append(ElementTree.fromstring(answer.content).find("Content").text)
        return answer

    def text(self, text):
        return self._xml("text", Content=text)

    def button(self, payload, number):
        return self._xml("text", Content=str(number))  # WeChat has no buttons: options are numbered

    def file(self):
        return self._xml("image", PicUrl="http://mmbiz.example/x.jpg", MediaId="wx-media-1")

    def sticker(self):
        return self._xml("location", Location_X="55.75", Location_Y="37.61", Scale="15", Label="Moscow")

    def texts(self):
        bodies = [json.loads(c.body) for c in self.fake.of("wechat", "/message/custom/send")]
        return [b["text"]["content"] for b in bodies if b.get("touser") == self.sender]


PLATFORMS = [Telegram, Twilio, Messenger, WhatsApp, Line, WeChat]


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def app_patient(request, assistant, platforms):
    return request.param(assistant, platforms)


def wait_for_text(patient, expected: str, timeout: float = 30.0) -> str:
    """What the patient received once `expected` is among it (WeChat sends late replies after the webhook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received = patient.received()
        if same_words(expected) in received:
            return received
        time.sleep(0.2)
    return patient.received()


def text_of(catalogues, language, response):
    return catalogues[language][response][0]["text"]


def test_a_russian_question_gets_the_russian_answer_and_notice(app_patient, catalogues):
    assert app_patient.text("Что такое интраоперационная лучевая терапия?").status_code == 200
    answer = text_of(catalogues, "ru", "utter_iort_what")
    received = wait_for_text(app_patient, answer)
    assert same_words(answer) in received
    assert same_words(text_of(catalogues, "ru", "utter_first_notice")) in received


def test_a_button_reply_is_understood_in_the_conversation_language(app_patient, catalogues):
    app_patient.text("Чем вы можете помочь?")
    wait_for_text(app_patient, text_of(catalogues, "ru", "utter_help"))
    payloads = [button["payload"] for button in catalogues["ru"]["utter_help"][0]["buttons"]]
    assert app_patient.button("/ask_iort_what", payloads.index("/ask_iort_what") + 1).status_code == 200
    answer = text_of(catalogues, "ru", "utter_iort_what")
    assert same_words(answer) in wait_for_text(app_patient, answer)


def test_a_file_before_any_request_and_a_sticker_get_localized_explanations(app_patient, catalogues):
    app_patient.text("Что такое ИОХТ?")
    wait_for_text(app_patient, text_of(catalogues, "ru", "utter_ioct_what"))
    assert app_patient.file().status_code == 200
    before_request = text_of(catalogues, "ru", "utter_document_before_request")
    assert same_words(before_request) in wait_for_text(app_patient, before_request)
    assert app_patient.sticker().status_code == 200
    text_only = text_of(catalogues, "ru", "utter_send_text_only")
    assert same_words(text_only) in wait_for_text(app_patient, text_only)


def test_a_wrongly_signed_webhook_reaches_nobody(app_patient):
    before = len(app_patient.fake.calls)
    answer = requests.post(f"{app_patient.rasa}/webhooks/{app_patient.name}/webhook", data=b"{}", timeout=30,
                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00",
                                    "X-Line-Signature": "AA==", "X-Twilio-Signature": "AA==",
                                    "X-Telegram-Bot-Api-Secret-Token": "guess"},
                           params={"signature": "00", "timestamp": "1", "nonce": "1"})
    assert answer.status_code in (401, 403)
    time.sleep(1)
    assert len(app_patient.fake.calls) == before


def occurrences(patient, catalogues, language, response) -> list:
    """The values of the response's variables, once for every time the patient received it."""
    template = same_words(text_of(catalogues, language, response))
    regex = pattern_of(template).pattern.removesuffix(r"\Z")
    return [found.groupdict() for found in re.finditer(regex, patient.received())]


def wait_for_another(patient, catalogues, language, response, seen: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = occurrences(patient, catalogues, language, response)
        if len(found) > seen:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"{patient.name}: no new {response}; received: {patient.received()[-500:]}")


def test_a_file_sent_after_a_request_is_attached_to_it(app_patient, catalogues, assistant):
    variables = {}
    for message, responses in CONSULTATIONS["ru"]["steps"]:
        seen = len(occurrences(app_patient, catalogues, "ru", responses[-1]))
        assert app_patient.text(message).status_code == 200
        variables.update(wait_for_another(app_patient, catalogues, "ru", responses[-1], seen))
        for response in responses[:-1]:
            variables.update(occurrences(app_patient, catalogues, "ru", response)[-1])
    reference = variables["reference"]
    assert app_patient.file().status_code == 200
    attached = wait_for_another(app_patient, catalogues, "ru", "utter_document_attached", 0)
    assert attached["reference"] == reference
    database = assistant.env["CONSULTATION_API_DB_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT d.content_type, d.size, d.source FROM documents d JOIN consultations c "
                          "ON c.id = d.consultation_id WHERE c.reference = ?", (reference,)).fetchall()
    assert rows == [("application/pdf", len(PDF), rows[0][2])], rows

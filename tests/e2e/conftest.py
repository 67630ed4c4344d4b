"""Start the real services (consultation API, delivery worker, action server, Rasa with the trained model) once."""
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Dict

import pytest
import requests
from rasa.shared.core.domain import Domain
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bot.locales import load_catalogues
from bot.serve import ROOT, latest_model, running_assistant
from tests.support.fake_platforms import FakePlatforms

# The delivery worker looks for pending requests this often during the tests.
DELIVERY_INTERVAL = 1.0


class Patient:
    """Talks to the assistant through Rasa's REST channel, as a web or app client would.

    The first reply of a conversation starts with the automated-assistant notice; `says` takes it off
    the replies (so tests compare answers) and records it in `notices`.
    """

    def __init__(self, url: str, sender: str, notices: tuple = ()):
        self.url, self.sender, self.notice_texts = url, sender, notices
        self.notices = []

    def says(self, text: str, **metadata) -> list:
        body = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return [reply for reply in map(self._without_notice, response.json()) if reply is not None]

    def _without_notice(self, reply: dict):
        """The reply without the notice: the channel sends it as its own message, or in front of a question
        with buttons."""
        text = reply.get("text") or ""
        for notice in self.notice_texts:
            if text == notice:
                self.notices.append(notice)
                return None
            if text.startswith(notice + "\n\n"):
                self.notices.append(notice)
                return {**reply, "text": text[len(notice) + 2:]}
        return reply


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("assistant")


# Every messaging channel switched on, with test secrets, talking to a local fake of its platform.
CHANNEL_SECRETS = {
    "TELEGRAM_TOKEN": "123456:telegram-test-token", "TELEGRAM_BOT_NAME": "hospital_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret-token",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_NUMBER": "whatsapp:+14155238886", "TWILIO_WEBHOOK_URL": "https://bot.example.org/webhooks/twilio/webhook",
    "MESSENGER_VERIFY_TOKEN": "messenger-verify", "MESSENGER_APP_SECRET": "messenger-app-secret",
    "MESSENGER_PAGE_ACCESS_TOKEN": "messenger-page-token",
    "WHATSAPP_ACCESS_TOKEN": "whatsapp-token", "WHATSAPP_APP_SECRET": "whatsapp-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "whatsapp-verify", "WHATSAPP_PHONE_NUMBER_ID": "1065",
    "LINE_CHANNEL_SECRET": "line-secret", "LINE_CHANNEL_ACCESS_TOKEN": "line-token",
    "WECHAT_TOKEN": "wechat-token", "WECHAT_APP_ID": "wx-app", "WECHAT_APP_SECRET": "wx-secret",
}
PLATFORMS = {"TELEGRAM": "telegram", "TWILIO": "twilio", "MESSENGER": "messenger", "WHATSAPP": "whatsapp",
             "LINE": "line", "WECHAT": "wechat"}


def channel_settings(platforms) -> Dict[str, str]:
    """Every messaging channel's secrets, and its platform's API at the local fake."""
    return {**CHANNEL_SECRETS, **{f"{prefix}_API_BASE_URL": platforms.base(name) for prefix, name in PLATFORMS.items()}}


@pytest.fixture(scope="session")
def platforms():
    with FakePlatforms() as fake:
        yield fake


@pytest.fixture(scope="session")
def assistant(run_dir, platforms):
    settings = channel_settings(platforms)
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        with running_assistant(run_dir, latest_model(), delivery_interval=DELIVERY_INTERVAL) as running:
            yield running
    except Exception:
        for log in sorted(run_dir.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def catalogues():
    return load_catalogues(Domain.load(str(ROOT / "bot" / "domain")).responses)


@pytest.fixture(scope="session")
def notices(catalogues):
    return tuple(catalogue["utter_first_notice"][0]["text"] for catalogue in catalogues.values())


@pytest.fixture
def patient(assistant, request, notices):
    return Patient(assistant.webhook, f"test-{request.node.name}", notices)


@pytest.fixture
def consultations(assistant):
    """The consultation requests stored by the API, as rows (dicts)."""
    database = assistant.env["CONSULTATION_API_DB_URL"].removeprefix("sqlite:///")

    def rows(conversation_id: str) -> list:
        with closing(sqlite3.connect(database)) as db:
            db.row_factory = sqlite3.Row
            found = db.execute("SELECT * FROM consultations WHERE conversation_id = ?", (conversation_id,))
            return [dict(row) for row in found.fetchall()]

    return rows


def pattern_of(template: str) -> re.Pattern:
    """A response text with its {variables} as wildcards."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.S)


@pytest.fixture(scope="session")
def says_response(catalogues):
    """says_response(reply_text, language, response) -> the variables' values when it is that response, else None."""

    def match(text: str, language: str, response: str):
        found = pattern_of(catalogues[language][response][0]["text"]).match(text or "")
        return found.groupdict() if found else None

    return match


@pytest.fixture(scope="session")
def expect(says_response):
    """expect(patient, [(message, [response, ...]), ...], language): every message gets exactly those responses.

    Returns the values of the responses' variables ({reference}, {url} ...)."""

    def talk(patient: Patient, steps, language: str = "en") -> dict:
        found = {}
        for message, responses in steps:
            replies = [reply.get("text") for reply in patient.says(message)]
            assert len(replies) == len(responses), (message, replies)
            for text, response in zip(replies, responses, strict=True):
                variables = says_response(text, language, response)
                assert variables is not None, f"{message!r}: expected {response}, got {text!r}"
                found.update(variables)
        return found

    return talk


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    profile = tempfile.mkdtemp(prefix="browser-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(argument)
    downloads = Path(profile) / "downloads"
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.download_dir = downloads
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)

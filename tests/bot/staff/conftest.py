"""A staff app over a tracker store written by Rasa's own SQLTrackerStore (the shape the bot really stores)."""
import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.staff import create_app, db
from bot.staff.auth import hash_password

PASSWORD = "correct horse battery staple"


def user(text, intent, language, confidence=0.9, timestamp=None, channel="rest"):
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
             "language": {"language": language, "confidence": 0.99, "reliable": True}}
    return UserUttered(text, parse["intent"], [], parse, timestamp=timestamp, input_channel=channel)


def bot(text, response, timestamp=None):
    return BotUttered(text, metadata={"utter_action": response}, timestamp=timestamp)


CONVERSATIONS = {
    "ru-handoff": [user("Что такое ИОЛТ?", "ask_iort_what", "ru", timestamp=1000),
                   SlotSet("language", "ru", timestamp=1000),
                   bot("Интраоперационная лучевая терапия ...", "utter_iort_what", timestamp=1001),
                   user("Хочу поговорить с человеком", "request_human", "ru", timestamp=1002),
                   ActionExecuted("action_request_human", timestamp=1003)],
    "ar-emergency": [user("أمي تنزف بشدة من الجرح", "report_emergency", "ar", timestamp=2000),
                     SlotSet("language", "ar", timestamp=2000),
                     SlotSet("emergency_flagged", True, timestamp=2000),
                     bot("قد تكون هذه حالة طارئة", "utter_emergency", timestamp=2001)],
    "en-plain": [user("<script>alert('x')</script> what is IOCT?", "ask_ioct_what", "en", timestamp=3000,
                      channel="telegram"), SlotSet("language", "en", timestamp=3000),
                 bot("Intraoperative chemotherapy ...", "utter_ioct_what", timestamp=3001)],
}


@pytest.fixture(scope="session")
def domain():
    return Domain.load("bot/domain")


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def tracker_url(tmp_path, domain):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots)))
    return f"sqlite:///{path}"


@pytest.fixture
def app(tmp_path, tracker_url, password_hash):
    app = create_app({"STAFF_DB_URL": f"sqlite:///{tmp_path / 'staff.sqlite3'}", "TRACKER_DB_URL": tracker_url,
                      "TESTING": True})
    engine = app.extensions["staff_engine"]
    for name, role in (("ada", "administrator"), ("cora", "coordinator"), ("clio", "clinician")):
        db.create_account(engine, name, password_hash, role)
    return app

"""The staff app reads a PostgreSQL tracker store written by Rasa's SQLTrackerStore, through the same settings."""
import asyncio

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.staff import conversations
from bot.tracker_db import url_from_env
from tests.bot.staff.conftest import CONVERSATIONS


def test_summaries_and_transcripts_from_postgresql(postgres_url, domain):
    url = sa.engine.make_url(postgres_url)
    store = SQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                            username=url.username, password=url.password)
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots)))
    env = {"TRACKER_DB_DIALECT": "postgresql", "TRACKER_DB": url.database,
           "TRACKER_DB_HOST": f"{url.host}:{url.port}", "TRACKER_DB_USER": url.username or "",
           "TRACKER_DB_PASSWORD": url.password or ""}
    engine = sa.create_engine(url_from_env(env), future=True)
    found = {c.sender_id: c for c in conversations.summaries(engine)}
    assert {"ru-handoff", "ar-emergency", "en-plain"} <= set(found)
    assert found["ru-handoff"].flags == {"handoff"} and found["ar-emergency"].flags == {"emergency"}
    assert [t.text for t in conversations.transcript(engine, "ar-emergency")] == [
        "أمي تنزف بشدة من الجرح", "قد تكون هذه حالة طارئة"]

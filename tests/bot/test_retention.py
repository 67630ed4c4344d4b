"""Transcripts older than the retention period are deleted; recent ones stay."""
import time

import sqlalchemy as sa

from bot.tracker_db import delete_conversation, delete_inactive_since, engine_from_env, url_from_env


def tracker_store(path, rows):
    engine = sa.create_engine(f"sqlite:///{path}", future=True)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT,"
                                   " timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)"))
        for sender, age_days in rows:
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp) VALUES (:s, 'user', :t)"),
                               {"s": sender, "t": time.time() - age_days * 86400})
    return engine


def senders(engine):
    with engine.connect() as connection:
        return sorted(set(connection.execute(sa.text("SELECT sender_id FROM events")).scalars()))


def test_only_conversations_silent_for_longer_than_the_period_are_deleted(tmp_path):
    engine = tracker_store(tmp_path / "tracker.db", [("old", 200), ("old", 190), ("mixed", 300), ("mixed", 10),
                                                    ("new", 1)])
    assert delete_inactive_since(engine, time.time() - 180 * 86400) == 1
    assert senders(engine) == ["mixed", "new"]


def test_forget_one_conversation(tmp_path):
    engine = tracker_store(tmp_path / "tracker.db", [("a", 1), ("a", 2), ("b", 1)])
    assert delete_conversation(engine, "a") == 2
    assert senders(engine) == ["b"]


def test_the_tracker_store_comes_from_the_same_variables_as_endpoints_yml(tmp_path):
    env = {"TRACKER_DB_DIALECT": "postgresql", "TRACKER_DB": "rasa", "TRACKER_DB_HOST": "127.0.0.1:5432",
           "TRACKER_DB_USER": "bot", "TRACKER_DB_PASSWORD": "s3cret"}
    url = url_from_env(env)
    assert (url.drivername, url.host, url.port, url.database, url.username) == (
        "postgresql", "127.0.0.1", 5432, "rasa", "bot")
    assert engine_from_env({"TRACKER_DB": str(tmp_path / "t.db")}).url.database == str(tmp_path / "t.db")


def test_the_retention_command_cleans_the_tracker_store_and_finished_outbox_items(tmp_path, monkeypatch):
    from actions.consultation.outbox import CONSULTATION, Outbox
    from bot import retention

    engine = tracker_store(tmp_path / "tracker.db", [("old", 400), ("new", 1)])
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    done, waiting = outbox.add(CONSULTATION, "old", {}), outbox.add(CONSULTATION, "old", {})
    outbox.mark_delivered(done, {"reference": "PH-2025-000001"})
    with outbox._connect() as db:
        db.execute("UPDATE outbox SET created_at = '2025-01-01T00:00:00+00:00'")
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.setenv("CONSULTATION_OUTBOX", str(tmp_path / "outbox.sqlite3"))
    assert retention.run(180) == {"conversations": 1, "outbox_items": 1}
    assert senders(engine) == ["new"]
    assert [item.id for item in outbox.due()] == [waiting.id], "a request not yet delivered is never deleted"

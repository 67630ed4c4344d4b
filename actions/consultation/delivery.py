"""Send outbox items to the consultation API; `python -m actions.consultation.delivery` keeps doing it.

The action server tries each request once when the patient sends it; whatever is still pending (API down,
429, 5xx, timeouts) is sent again by this loop, with the same Idempotency-Key, until the API confirms it.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import replace
from typing import Optional

from actions.consultation.client import ApiRejected, ApiUnavailable, ConsultationApiClient
from actions.consultation.outbox import CONSULTATION, DELIVERED, FORGET, HANDOFF, Item, Outbox
from actions.consultation.settings import Settings, settings
from bot.tracker_db import delete_conversation, engine_from_env

logger = logging.getLogger(__name__)


def deliver(outbox: Outbox, client: ConsultationApiClient, item: Item) -> Item:
    """One delivery attempt (with the client's own retries); the outbox records the result."""
    if item.kind == FORGET:
        return forget(outbox, client, item)
    send = {CONSULTATION: client.create_consultation, HANDOFF: client.create_handoff}[item.kind]
    try:
        response = send(item.payload, item.idempotency_key)
    except ApiUnavailable as error:
        logger.info("Outbox item %s (%s) not delivered yet: %s", item.id, item.kind, error)
        return outbox.mark_failed(item, str(error))
    except ApiRejected as error:
        logger.warning("Outbox item %s (%s) rejected by the API: %s %s", item.id, item.kind, error.status, error.code)
        return outbox.mark_rejected(item, f"{error.status} {error.code}")
    logger.info("Outbox item %s (%s) delivered.", item.id, item.kind)
    return outbox.mark_delivered(item, response.body)


def forget(outbox: Outbox, client: ConsultationApiClient, item: Item) -> Item:
    """A patient asked to be forgotten: the API anonymises their requests, then the transcript and the
    outbox's copies of this conversation are deleted (this item too, once it has done its work)."""
    try:
        client.forget_conversation(item.conversation_id)
    except ApiUnavailable as error:
        logger.info("Outbox item %s (forget) not done yet: %s", item.id, error)
        return outbox.mark_failed(item, str(error))
    except ApiRejected as error:
        logger.warning("Outbox item %s (forget) rejected by the API: %s %s", item.id, error.status, error.code)
        return outbox.mark_rejected(item, f"{error.status} {error.code}")
    events = delete_conversation(engine_from_env(), item.conversation_id)
    outbox.forget_conversation(item.conversation_id)
    logger.info("Outbox item %s (forget) done: %d tracker event(s) deleted.", item.id, events)
    return replace(item, state=DELIVERED, payload={})


def deliver_due(outbox: Outbox, client: ConsultationApiClient) -> int:
    """Try every item whose time has come; returns how many were delivered."""
    return sum(deliver(outbox, client, item).state == DELIVERED for item in outbox.due())


def run(config: Settings, interval: float, stop: Optional[threading.Event] = None) -> None:
    stop = stop or threading.Event()
    outbox = Outbox(config.outbox_path)
    client = ConsultationApiClient(config, attempts=2)
    while not stop.is_set():
        try:
            deliver_due(outbox, client)
        except Exception:  # the loop must outlive one bad round (disk full, a locked database ...)
            logger.exception("Delivery round failed; trying again in %.0f s.", interval)
        stop.wait(interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between delivery rounds")
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = settings()
    if args.once:
        delivered = deliver_due(Outbox(config.outbox_path), ConsultationApiClient(config))
        logger.info("Delivered %d item(s).", delivered)
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run(config, args.interval, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

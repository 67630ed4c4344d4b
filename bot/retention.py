"""Delete transcripts older than the retention period: `python -m bot.retention [--days N]` (default 180).

Run it daily (cron, a systemd timer or a Kubernetes CronJob; see docs/privacy.md). It deletes, from the
tracker store, every conversation whose last message is older than N days, and from the action server's
outbox the requests of those days that were delivered or refused (pending ones are kept until delivered).
Consultation requests in the consultation API follow the hospital's medical-records rules, not this one.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from actions.consultation.outbox import Outbox
from actions.consultation.settings import settings
from bot.tracker_db import delete_inactive_since, engine_from_env

DEFAULT_DAYS = 180
logger = logging.getLogger(__name__)


def retention_days() -> int:
    return int(os.environ.get("RETENTION_DAYS", DEFAULT_DAYS))


def run(days: int) -> dict:
    cutoff = time.time() - days * 86400
    conversations = delete_inactive_since(engine_from_env(), cutoff)
    outbox_items = Outbox(settings().outbox_path).delete_finished_before(cutoff)
    return {"conversations": conversations, "outbox_items": outbox_items}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=retention_days(), help="keep this many days (RETENTION_DAYS)")
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    deleted = run(args.days)
    logger.info("Retention %d days: deleted %d conversation(s) and %d outbox item(s).",
                args.days, deleted["conversations"], deleted["outbox_items"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

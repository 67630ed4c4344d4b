"""`python -m bot.consultation_api [--host 127.0.0.1] [--port 5056]`: run the consultation API (one worker)."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from . import create_app
from .config import Config, ConfigError
from .db import SchemaError

logger = logging.getLogger("bot.consultation_api")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.consultation_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = Config.from_env()
    except ConfigError as error:
        print(f"consultation API not started: {error}", file=sys.stderr)
        return 2
    backend = make_url(config.db_url).get_backend_name()
    try:
        app = create_app(config)
    except SchemaError as error:
        print(f"consultation API not started: {error}.", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        # The exception text may contain the database URL with its password: name the class only.
        print(f"consultation API not started: cannot open the {backend} database ({type(error).__name__}).",
              file=sys.stderr)
        return 1
    logger.info(
        "consultation API (%s) on http://%s:%d, %s database, documents in %s",
        config.env, args.host, args.port, backend, config.storage,
    )
    # One worker (handlers use synchronous SQLAlchemy); no access log: upload URLs carry a token.
    app.run(host=args.host, port=args.port, workers=1, access_log=False, debug=False, auto_reload=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

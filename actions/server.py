"""The action server: rasa_sdk's app, with the doors closed. `python -m actions.server --port 5055`.

rasa_sdk has no authentication of its own. Here:
- with ACTION_SERVER_TOKEN set, /webhook answers only requests carrying `?token=<it>` (Rasa adds it when
  endpoints.yml's action_endpoint has `token:`); without it the server listens on loopback only;
- CORS allows only ACTION_SERVER_CORS_ORIGINS (comma-separated; none by default), never `*`;
- with ASSISTANT_ENV=production it refuses to start without a token of at least 32 characters.
"""
from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import sys
from typing import List, Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from actions.consultation.settings import DEFAULT_TOKEN

MIN_TOKEN = 32
LOOPBACK_NAMES = {"localhost"}
logger = logging.getLogger(__name__)


class UnsafeConfiguration(SystemExit):
    """The server would start with an open door."""


def allowed_origins() -> List[str]:
    origins = (o.strip() for o in os.environ.get("ACTION_SERVER_CORS_ORIGINS", "").split(","))
    return [origin for origin in origins if origin and origin != "*"]


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_NAMES


def check_configuration(host: str, token: str, production: bool) -> None:
    if production and len(token) < MIN_TOKEN:
        raise UnsafeConfiguration(f"ASSISTANT_ENV=production needs ACTION_SERVER_TOKEN of {MIN_TOKEN}+ characters.")
    api_token = os.environ.get("CONSULTATION_API_TOKEN", DEFAULT_TOKEN)
    if production and (api_token == DEFAULT_TOKEN or len(api_token) < MIN_TOKEN):
        raise UnsafeConfiguration("ASSISTANT_ENV=production needs the consultation API's own CONSULTATION_API_TOKEN.")
    if not token and not is_loopback(host):
        raise UnsafeConfiguration(f"Refusing to listen on {host} without ACTION_SERVER_TOKEN; use 127.0.0.1.")


# Sanic closes a connection on which no request arrived within KEEP_ALIVE_TIMEOUT (5 s by default), new ones
# included. Rasa opens a new connection for every action call; when its event loop is busy (bursts, several
# conversations at once) the request may follow the connection later than that, and the call then failed with
# "Can not write request body". Rasa always sends right after connecting, so waiting longer costs nothing.
IDLE_CONNECTION_SECONDS = 75


def build_app(token: str) -> Sanic:
    app = create_app("actions", cors_origins=allowed_origins() or None)
    app.config.KEEP_ALIVE_TIMEOUT = IDLE_CONNECTION_SECONDS

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[response.HTTPResponse]:
        if not token or request.path in ("/health", "/"):
            return None
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": {"code": "unauthorized", "message": "Wrong or missing token."}},
                                 status=401)
        return None

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    try:
        check_configuration(args.host, token, os.environ.get("ASSISTANT_ENV") == "production")
    except UnsafeConfiguration as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    build_app(token).run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

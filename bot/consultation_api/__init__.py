"""The hospital's consultation API, reference implementation: `create_app(config)` returns the Sanic app."""
from __future__ import annotations

import itertools
import os
from typing import Optional

from sanic import Sanic
from sanic.request import Request

from .auth import check_bearer, needs_token
from .config import Config
from .db import init_db, make_engine
from .errors import ApiErrorHandler
from .limits import check_head, limit_body
from .routes import register_all
from .storage import Storage

__all__ = ["create_app", "Config"]

# Sanic 21.12 keeps a registry of app names per process; every app needs its own.
_app_numbers = itertools.count(1)


def create_app(config: Optional[Config] = None) -> Sanic:
    """Build the app: database schema, storage folder, routes, error handling, body limits and authentication."""
    config = config or Config.from_env()
    app = Sanic(
        f"consultation_api_{os.getpid()}_{next(_app_numbers)}",
        error_handler=ApiErrorHandler(),
        configure_logging=False,
    )
    app.config.REQUEST_MAX_SIZE = config.request_max_size
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.MOTD = False
    app.ctx.config = config
    app.ctx.engine = make_engine(config.db_url)
    init_db(app.ctx.engine)
    app.ctx.storage = Storage(config.storage)
    app.ctx.storage.prepare()
    register_all(app)

    @app.signal("http.lifecycle.read_head")
    async def on_head(head: bytes, **_context) -> None:
        check_head(head)

    @app.signal("http.routing.after")
    async def before_body(request: Request, **_context) -> None:
        """Runs once the route is known and before the body is read: per-route size limit, then the token."""
        limit_body(request)
        if needs_token(request.path):
            check_bearer(request, config.token)

    return app

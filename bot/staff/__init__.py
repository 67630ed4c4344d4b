"""The staff review app (issue 6): a Flask app to read, filter, flag and export patient conversations.

Layout as in Flask's tutorial: `create_app()` here, `db.py` (accounts, reviews and the audit log), `auth.py`
(sign-in, lock-out, inactivity logoff, roles), `conversations.py` (reading Rasa's tracker store), `views.py`
(conversation list and transcript), `admin.py` (accounts, retention),
`cli.py` (`python -m bot.staff create-account`). The tracker store is the
one endpoints.yml uses (TRACKER_DB_* variables, bot/tracker_db.py), or TRACKER_DB_URL in the config.
"""
from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Dict, Optional

import sqlalchemy as sa
from flask import Flask
from flask_wtf.csrf import CSRFProtect

from bot.staff import admin, auth, db, views
from bot.tracker_db import url_from_env

DEFAULT_SECRET = "local-dev-staff-secret"
csrf = CSRFProtect()


def create_app(config: Optional[Dict[str, Any]] = None) -> Flask:
    app = Flask(__name__)
    production = os.environ.get("ASSISTANT_ENV") == "production"
    app.config.update(
        SECRET_KEY=os.environ.get("STAFF_SECRET_KEY", DEFAULT_SECRET),
        STAFF_DB_URL=os.environ.get("STAFF_DB_URL", "sqlite:///run/staff.sqlite3"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=production,  # local mode runs on plain HTTP on loopback
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        IDLE_MINUTES=int(os.environ.get("STAFF_IDLE_MINUTES", 15)),
        MAX_FAILED_SIGN_INS=5,
        LOCK_MINUTES=15,
        PRODUCTION=production,
    )
    app.config.update(config or {})
    if app.config["PRODUCTION"] and (app.config["SECRET_KEY"] == DEFAULT_SECRET or len(app.config["SECRET_KEY"]) < 32):
        raise RuntimeError("STAFF_SECRET_KEY must be set to a random value of 32+ characters in production.")
    csrf.init_app(app)
    db.init_app(app)
    app.extensions["tracker_engine"] = sa.create_engine(app.config.get("TRACKER_DB_URL") or url_from_env(), future=True)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(admin.blueprint)
    return app

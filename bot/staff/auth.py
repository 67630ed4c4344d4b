"""Sign-in with hashed passwords (argon2), lock-out after repeated failures, logoff after inactivity, roles."""
from __future__ import annotations

import functools
import time
from datetime import timedelta
from typing import Any, Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from bot.staff import db

blueprint = Blueprint("auth", __name__)
hasher = PasswordHasher()
OPEN_ENDPOINTS = {"auth.sign_in", "static"}
# A hash to verify against when the username is unknown, so that both cases take the same time.
_UNKNOWN_USER_HASH = hasher.hash("not a real password")


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError("A staff password needs at least 12 characters.")
    return hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def requires_role(*roles: str) -> Callable:
    """Only signed-in staff with one of `roles` may open the view (403 otherwise)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


@blueprint.before_app_request
def load_signed_in_user() -> Any:
    """Everything but the sign-in page needs a session that was active within the idle limit."""
    g.user = None
    username, last_seen = session.get("username"), session.get("last_seen", 0)
    idle = timedelta(minutes=current_app.config["IDLE_MINUTES"]).total_seconds()
    if username and time.time() - last_seen <= idle:
        g.user = db.find_account(username)
    if g.user is None:
        if username:
            session.clear()
        if request.endpoint not in OPEN_ENDPOINTS:
            return redirect(url_for("auth.sign_in", next=request.path))
        return None
    session["last_seen"] = time.time()
    return None


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        account = db.find_account(username)
        if verify_and_record(account, username, password):
            session.clear()
            session.permanent = True
            session.update(username=username, last_seen=time.time())
            db.audit(username, "sign_in")
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("auth.home"))
        error = "Wrong username or password, or the account is locked for a while."
    return render_template("sign_in.html", error=error), (401 if error else 200)


def verify_and_record(account: Any, username: str, password: str) -> bool:
    """Check the password; count failures and lock the account after MAX_FAILED_SIGN_INS."""
    if account is None:
        password_matches(_UNKNOWN_USER_HASH, password)
        db.audit(username[:80] or "-", "sign_in_failed")
        return False
    locked_until = account["locked_until"]
    if locked_until is not None and locked_until.replace(tzinfo=db.now().tzinfo) > db.now():
        db.audit(username, "sign_in_refused_locked")
        return False
    if password_matches(account["password_hash"], password):
        db.update_account(username, failed_sign_ins=0, locked_until=None)
        return True
    failures = account["failed_sign_ins"] + 1
    config = current_app.config
    if failures >= config["MAX_FAILED_SIGN_INS"]:
        db.update_account(username, failed_sign_ins=0,
                          locked_until=db.now() + timedelta(minutes=config["LOCK_MINUTES"]))
        db.audit(username, "locked")
    else:
        db.update_account(username, failed_sign_ins=failures)
        db.audit(username, "sign_in_failed")
    return False


@blueprint.route("/sign-out", methods=["POST"])
def sign_out() -> Any:
    db.audit(g.user["username"], "sign_out")
    session.clear()
    return redirect(url_for("auth.sign_in"))


@blueprint.route("/")
def home() -> Any:
    return render_template("home.html")


@blueprint.route("/audit")
@requires_role("administrator")
def audit_log() -> Any:
    db.audit(g.user["username"], "view_audit_log")
    return render_template("audit.html", entries=db.audit_entries())

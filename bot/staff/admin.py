"""Administrators: staff accounts (create, unlock) and transcript retention."""
from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from bot.retention import retention_days
from bot.staff import db
from bot.staff.auth import hash_password, requires_role
from bot.staff.conversations import summaries
from bot.tracker_db import delete_inactive_since

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
USERNAME = re.compile(r"[a-z0-9._-]{2,80}")


@blueprint.route("/accounts")
@requires_role("administrator")
def accounts() -> Any:
    with db.engine().connect() as connection:
        rows = connection.execute(sa.select(db.accounts).order_by(db.accounts.c.username)).mappings().all()
    return render_template("accounts.html", accounts=rows, roles=db.ROLES, now=db.now())


@blueprint.route("/accounts", methods=["POST"])
@requires_role("administrator")
def create_account() -> Any:
    username = (request.form.get("username") or "").strip().lower()
    role = request.form.get("role") or ""
    if not USERNAME.fullmatch(username) or role not in db.ROLES:
        abort(400, "A username has 2-80 of a-z 0-9 . _ -, and a role is one of " + ", ".join(db.ROLES) + ".")
    if db.find_account(username):
        abort(409, "That username exists.")
    try:
        password_hash = hash_password(request.form.get("password") or "")
    except ValueError as error:
        abort(400, str(error))
    db.create_account(db.engine(), username, password_hash, role)
    db.audit(g.user["username"], "create_account", f"{username} ({role})")
    return redirect(url_for("admin.accounts"))


@blueprint.route("/accounts/<username>/unlock", methods=["POST"])
@requires_role("administrator")
def unlock(username: str) -> Any:
    if not db.find_account(username):
        abort(404)
    db.update_account(username, failed_sign_ins=0, locked_until=None)
    db.audit(g.user["username"], "unlock_account", username)
    return redirect(url_for("admin.accounts"))


@blueprint.route("/retention", methods=["GET", "POST"])
@requires_role("administrator")
def retention() -> Any:
    days = retention_days()
    cutoff = time.time() - days * 86400
    tracker = current_app.extensions["tracker_engine"]
    deleted = None
    if request.method == "POST":
        deleted = delete_inactive_since(tracker, cutoff)
        db.audit(g.user["username"], "retention", f"{deleted} conversations older than {days} days")
    due = sum(1 for c in summaries(tracker) if c.last.timestamp() < cutoff)
    return render_template("retention.html", days=days, due=due, deleted=deleted)

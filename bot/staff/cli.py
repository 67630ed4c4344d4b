"""`python -m bot.staff create-account USERNAME [--role ...]` (asks for the password; the first administrator)
and `python -m bot.staff serve` (on waitress, a production WSGI server: Flask's own server is for development only;
waitress writes no access log, so no URL with a conversation id reaches the logs)."""
from __future__ import annotations

import argparse
import getpass
import sys

import waitress

from bot.staff import create_app, db
from bot.staff.auth import hash_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-account", help="create a staff account (role: administrator by default)")
    create.add_argument("username")
    create.add_argument("--role", choices=db.ROLES, default="administrator")
    serve = commands.add_parser("serve", help="serve the app (on loopback unless --host says otherwise)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5057)
    serve.add_argument("--threads", type=int, default=8, help="requests served at once")
    args = parser.parse_args(argv)
    app = create_app()
    if args.command == "serve":
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="staff")
        return 0
    if sys.stdin.isatty():
        password = getpass.getpass("Password (12+ characters): ")
    else:  # piped in, e.g. from a secrets manager
        password = sys.stdin.readline().rstrip("\n")
    try:
        db.create_account(app.extensions["staff_engine"], args.username, hash_password(password), args.role)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Created {args.role} account {args.username}.")
    return 0

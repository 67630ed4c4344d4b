"""Staff sign-in: hashed passwords, CSRF on every form, lock-out, inactivity logoff, roles, audit."""
import io
import re

import pytest

from bot.staff import create_app, db
from bot.staff.cli import main as cli
from tests.bot.staff.conftest import PASSWORD


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/sign-in"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username, password=PASSWORD):
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "csrf_token": csrf_token(client)})


def audit(app):
    with app.app_context():
        return [(e["username"], e["action"]) for e in reversed(db.audit_entries())]


@pytest.mark.parametrize("path", ["/", "/audit"])
def test_signed_out_every_page_redirects_to_sign_in(client, path):
    answer = client.get(path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in")


def test_passwords_are_stored_as_argon2_hashes(app):
    with app.app_context():
        stored = db.find_account("ada")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_sets_a_safe_session_cookie_and_is_audited(app, client):
    answer = sign_in(client, "ada")
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Welcome, ada" in client.get("/").get_data(as_text=True)
    assert ("ada", "sign_in") in audit(app)


def test_a_form_without_its_csrf_token_is_rejected(client):
    answer = client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/").status_code == 302, "not signed in"


def test_five_wrong_passwords_lock_the_account(app, client):
    for _ in range(5):
        assert sign_in(client, "ada", "wrong password here").status_code == 401
    assert sign_in(client, "ada").status_code == 401, "the right password is refused while locked"
    assert ("ada", "locked") in audit(app) and ("ada", "sign_in_refused_locked") in audit(app)


def test_inactivity_signs_out(app, client):
    app.config["IDLE_MINUTES"] = 0
    sign_in(client, "ada")
    assert client.get("/").status_code == 302


def test_roles_keep_coordinators_out_of_the_audit_log(app, client):
    sign_in(client, "cora")
    assert client.get("/audit").status_code == 403
    other = app.test_client()
    sign_in(other, "ada")
    page = other.get("/audit").get_data(as_text=True)
    assert "view_audit_log" in page and "cora" in page


def test_sign_out_needs_the_csrf_token(client):
    sign_in(client, "ada")
    assert client.post("/sign-out").status_code == 400
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_production_refuses_the_default_secret_and_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.delenv("STAFF_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app({"STAFF_DB_URL": f"sqlite:///{tmp_path / 's.sqlite3'}"})
    monkeypatch.setenv("STAFF_SECRET_KEY", "x" * 40)
    assert create_app({"STAFF_DB_URL": f"sqlite:///{tmp_path / 's.sqlite3'}"}).config["SESSION_COOKIE_SECURE"]


def test_the_command_creates_the_first_administrator(tmp_path, monkeypatch):
    monkeypatch.setenv("STAFF_DB_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli(["create-account", "root"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli(["create-account", "weak"]) == 2
    app = create_app()
    with app.app_context():
        assert db.find_account("root")["role"] == "administrator" and db.find_account("weak") is None

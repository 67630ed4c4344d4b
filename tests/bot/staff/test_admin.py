"""Administrators manage accounts and run retention; nobody else can."""
import re

import pytest

from bot.staff import db
from tests.bot.staff.test_auth import sign_in


def token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def admin(app):
    client = app.test_client()
    sign_in(client, "ada")
    return client


def test_an_administrator_creates_an_account_that_can_sign_in(app, admin):
    answer = admin.post("/admin/accounts", data={"csrf_token": token(admin, "/admin/accounts"), "username": "nina",
                                                  "role": "clinician", "password": "twelve chars ok"})
    assert answer.status_code == 302
    assert sign_in(app.test_client(), "nina", "twelve chars ok").status_code == 302
    assert "nina" in admin.get("/admin/accounts").get_data(as_text=True)


@pytest.mark.parametrize("form, status", [({"username": "Bad Name!", "role": "clinician", "password": "x" * 12}, 400),
                                          ({"username": "nina", "role": "boss", "password": "x" * 12}, 400),
                                          ({"username": "nina", "role": "clinician", "password": "short"}, 400),
                                          ({"username": "cora", "role": "clinician", "password": "x" * 12}, 409)])
def test_bad_account_forms_get_clear_errors(admin, form, status):
    assert admin.post("/admin/accounts", data={"csrf_token": token(admin, "/admin/accounts"), **form}
                      ).status_code == status


def test_unlocking_a_locked_account(app, admin):
    other = app.test_client()
    for _ in range(5):
        sign_in(other, "cora", "wrong password here")
    assert "locked" in admin.get("/admin/accounts").get_data(as_text=True)
    admin.post("/admin/accounts/cora/unlock", data={"csrf_token": token(admin, "/admin/accounts")})
    assert sign_in(other, "cora").status_code == 302


def test_retention_deletes_old_transcripts_and_is_audited(app, admin):
    page = admin.get("/admin/retention").get_data(as_text=True)
    assert '<span id="due">3</span>' in page, "the test conversations are from 1970"
    answer = admin.post("/admin/retention", data={"csrf_token": token(admin, "/admin/retention")})
    assert "Deleted 3 conversations." in answer.get_data(as_text=True)
    assert '<tr class="conversation">' not in admin.get("/conversations").get_data(as_text=True)
    with app.app_context():
        assert any(e["action"] == "retention" for e in db.audit_entries())


@pytest.mark.parametrize("path", ["/admin/accounts", "/admin/retention"])
def test_only_administrators(app, path):
    client = app.test_client()
    sign_in(client, "cora")
    assert client.get(path).status_code == 403

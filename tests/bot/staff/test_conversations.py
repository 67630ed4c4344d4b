"""Conversation list, filters, transcript with the bot's understanding, roles on conversations, review, audit."""
import re

import pytest

from bot.staff import db
from tests.bot.staff.test_auth import sign_in


@pytest.fixture
def coordinator(app):
    client = app.test_client()
    sign_in(client, "cora")
    return client


def listed(page):
    return re.findall(r'<tr class="conversation">.*?<a href="[^"]+">([^<]+)</a>', page, re.S)


def test_the_list_is_newest_first_with_counts(coordinator):
    page = coordinator.get("/conversations").get_data(as_text=True)
    assert listed(page) == ["en-plain", "ar-emergency", "ru-handoff"]
    assert "3 conversations" in page and "telegram 1" in page and "rest 2" in page


@pytest.mark.parametrize("query, expected", [
    ("language=ru&flag=handoff", ["ru-handoff"]), ("flag=emergency", ["ar-emergency"]),
    ("channel=telegram", ["en-plain"]), ("intent=ask_ioct_what", ["en-plain"]), ("q=человеком", ["ru-handoff"]),
    ("until=1970-01-01", ["en-plain", "ar-emergency", "ru-handoff"]), ("since=2030-01-01", []),
])
def test_filters(coordinator, query, expected):
    assert listed(coordinator.get(f"/conversations?{query}").get_data(as_text=True)) == expected


def test_a_bad_date_is_a_clear_400(coordinator):
    assert coordinator.get("/conversations?since=yesterday").status_code == 400


def test_the_transcript_shows_understanding_and_english_beside_each_message(coordinator):
    page = coordinator.get("/conversations/ru-handoff").get_data(as_text=True)
    assert "Что такое ИОЛТ?" in page and "What IORT is" in page and "(0.90)" in page
    assert "Intraoperative radiotherapy (IORT) is" in page, "the bot's reply in English beside it"


def test_arabic_is_right_to_left_and_patient_html_is_text(coordinator):
    arabic = coordinator.get("/conversations/ar-emergency").get_data(as_text=True)
    assert 'dir="rtl">أمي تنزف' in arabic
    english = coordinator.get("/conversations/en-plain").get_data(as_text=True)
    assert "<script>alert" not in english and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in english


def test_a_clinician_sees_only_flagged_or_handed_off_conversations(app):
    client = app.test_client()
    sign_in(client, "clio")
    assert listed(client.get("/conversations").get_data(as_text=True)) == ["ar-emergency", "ru-handoff"]
    assert client.get("/conversations/en-plain").status_code == 403
    assert client.get("/conversations/ar-emergency").status_code == 200


def test_mark_reviewed_filters_and_is_audited(app, coordinator):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      coordinator.get("/conversations/ar-emergency").get_data(as_text=True)).group(1)
    assert coordinator.post("/conversations/ar-emergency/reviewed").status_code == 400, "CSRF token required"
    coordinator.post("/conversations/ar-emergency/reviewed", data={"csrf_token": token})
    assert "Reviewed by cora" in coordinator.get("/conversations/ar-emergency").get_data(as_text=True)
    assert listed(coordinator.get("/conversations?flag=emergency&review=unreviewed").get_data(as_text=True)) == []
    with app.app_context():
        actions = [(e["username"], e["action"], e["target"]) for e in db.audit_entries()]
    assert ("cora", "mark_reviewed", "ar-emergency") in actions
    assert ("cora", "view_conversation", "ar-emergency") in actions


def token_of(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_export_csv_and_json_are_downloads_and_audited(app, coordinator):
    token = token_of(coordinator, "/conversations")
    answer = coordinator.post("/export", data={"csrf_token": token, "conversation": ["ru-handoff", "en-plain"],
                                               "format": "csv"})
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="conversations-')
    text = answer.get_data(as_text=True)
    assert text.splitlines()[0] == "conversation,channel,speaker,time,language,intent,confidence,response,text"
    assert "Что такое ИОЛТ?" in text and "ask_iort_what" in text and "ar-emergency" not in text
    data = coordinator.post("/export", data={"csrf_token": token, "conversation": "ar-emergency",
                                             "format": "json"}).get_json()
    assert data[0]["text"] == "أمي تنزف بشدة من الجرح" and data[0]["intent"] == "report_emergency"
    with app.app_context():
        actions = {(e["action"], e["target"]) for e in db.audit_entries()}
    assert ("export_csv", "ru-handoff, en-plain") in actions and ("export_json", "ar-emergency") in actions


def test_export_needs_a_selection_and_the_token(coordinator):
    assert coordinator.post("/export", data={"conversation": "en-plain"}).status_code == 400
    assert coordinator.post("/export", data={"csrf_token": token_of(coordinator, "/conversations")}).status_code == 400


def test_a_clinician_cannot_export_an_unflagged_conversation(app):
    client = app.test_client()
    sign_in(client, "clio")
    token = token_of(client, "/conversations")
    assert client.post("/export", data={"csrf_token": token, "conversation": "en-plain"}).status_code == 404


def test_notes_and_tags(coordinator):
    token = token_of(coordinator, "/conversations/ru-handoff")
    coordinator.post("/conversations/ru-handoff/notes", data={"csrf_token": token, "note": "<b>Call back</b> Monday"})
    coordinator.post("/conversations/ru-handoff/tags", data={"csrf_token": token, "tag": "Needs-Interpreter"})
    assert coordinator.post("/conversations/ru-handoff/tags", data={"csrf_token": token, "tag": "no spaces"}
                            ).status_code == 400
    page = coordinator.get("/conversations/ru-handoff").get_data(as_text=True)
    assert "&lt;b&gt;Call back&lt;/b&gt; Monday" in page and "needs-interpreter" in page


def test_deleting_on_the_patients_request(app, coordinator):
    token = token_of(coordinator, "/conversations/en-plain")
    coordinator.post("/conversations/en-plain/delete", data={"csrf_token": token})
    assert coordinator.get("/conversations/en-plain").status_code == 404
    assert "en-plain" not in listed(coordinator.get("/conversations").get_data(as_text=True))
    with app.app_context():
        assert any(e["action"] == "delete_conversation" and e["target"].startswith("en-plain")
                   for e in db.audit_entries())


def test_a_clinician_cannot_delete(app):
    client = app.test_client()
    sign_in(client, "clio")
    token = token_of(client, "/conversations/ar-emergency")
    assert client.post("/conversations/ar-emergency/delete", data={"csrf_token": token}).status_code == 403


def test_spreadsheet_formulas_typed_by_a_patient_are_neutralised():
    from bot.staff.views import _safe_cell
    assert _safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")" and _safe_cell("hello") == "hello"


def test_the_dashboard_counts_what_staff_may_see(app, coordinator):
    page = coordinator.get("/dashboard").get_data(as_text=True)
    assert "3 conversations" in page and page.count("<svg") == 5
    flags = re.search(r'<figure id="flags">.*?</figure>', page, re.S).group(0)
    assert "<title>emergency: 1</title>" in flags and "<title>handoff: 1</title>" in flags
    assert "<title>What IOCT is: 1</title>" in page, "intents by their readable label"
    clinician = app.test_client()
    sign_in(clinician, "clio")
    assert "2 conversations" in clinician.get("/dashboard").get_data(as_text=True)

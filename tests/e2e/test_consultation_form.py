"""A patient goes from "I want a consultation" to a reference number, through the REST channel and the real API."""
from pathlib import Path

import pytest
import requests
import yaml

from bot.languages import SUPPORTED

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
CONVERSATIONS = yaml.safe_load(Path(__file__).with_name("consultations.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_whole_form_ends_with_one_stored_request(patient, expect, consultations, language):
    conversation = CONVERSATIONS[language]
    variables = expect(patient, conversation["steps"], language)
    [record] = consultations(patient.sender)
    assert variables["reference"] == record["reference"]
    assert record["reference"].startswith("PH-")
    assert {field: record[field] for field in conversation["record"]} == conversation["record"]
    assert record["consent_language"] == language
    assert record["consent_given_at"]
    page = requests.get(variables["url"], timeout=10)
    assert page.status_code == 200 and f'lang="{language}"' in page.text, "the upload page is not in their language"
    upload = requests.post(variables["url"], files=[("file", ("report.pdf", PDF))], timeout=30)
    assert upload.status_code == 201, upload.text
    assert requests.post(variables["url"], files=[("file", ("again.pdf", PDF))], timeout=30).status_code == 410

"""Every consent record names the version of the consent text the patient saw; the version follows the text."""
import hashlib
import json

import yaml
from rasa.shared.core.domain import Domain

from actions.consultation.settings import CONSENT_FILE, consent_text_version
from bot.locales import load_catalogues

CONSENT_RESPONSE = "utter_ask_review"


def consent_fingerprint() -> str:
    catalogues = load_catalogues(Domain.load("bot/domain").responses)
    texts = {language: catalogue[CONSENT_RESPONSE] for language, catalogue in sorted(catalogues.items())}
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def test_the_consent_text_has_not_changed_without_a_new_version():
    recorded = yaml.safe_load(CONSENT_FILE.read_text(encoding="utf-8"))["fingerprint"]
    assert recorded == consent_fingerprint(), (
        f"{CONSENT_RESPONSE} changed: give {CONSENT_FILE.name} a new `version` and set"
        f" `fingerprint: {consent_fingerprint()}`"
    )


def test_the_version_is_a_non_empty_string():
    assert isinstance(consent_text_version(), str) and consent_text_version().strip()

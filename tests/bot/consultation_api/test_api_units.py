"""The pure modules: file type detection, references, validation helpers, configuration, page texts."""
import re
import string
from datetime import datetime, timedelta, timezone

import pytest

from bot.consultation_api import filetypes
from bot.consultation_api.config import DEFAULT_TOKEN, Config, ConfigError
from bot.consultation_api.documents import display_name
from bot.consultation_api.errors import ApiError
from bot.consultation_api.idempotency import KEY_PATTERN, body_hash
from bot.consultation_api.pages import LANGUAGES, all_texts, fill, language_from_header
from bot.consultation_api.references import is_reference, make_reference, parse_reference
from bot.consultation_api.storage import Storage
from bot.consultation_api.validation import normalise_contact, parse_rfc3339, proof_candidates, validate


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.7\n...", filetypes.PDF),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", filetypes.JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00", filetypes.PNG),
    (b"\x00" * 128 + b"DICM\x02\x00", filetypes.DICOM),
    (b"x" * 128 + b"DICM", filetypes.DICOM),
    (b"MZ\x90\x00", None),
    (b"\x7fELF\x02\x01", None),
    (b"PK\x03\x04", None),
    (b"<html>", None),
    (b"", None),
    (b"%PDF", None),
    (b"\x89PNG\r\n", None),
    (b"\x00" * 127 + b"DICM", None),
])
def test_detect(data, expected):
    assert filetypes.detect(data) == expected


def test_references():
    assert make_reference("PH", 2026, 123) == "PH-2026-000123"
    assert make_reference("HO", 2026, 1) == "HO-2026-000001"
    assert make_reference("PH", 2027, 1234567) == "PH-2027-1234567"
    assert parse_reference("PH-2026-000123", "PH") == 123
    assert is_reference("HO-2026-000001", "HO") and not is_reference("HO-2026-000001", "PH")
    for text in ["PH-2026-00012", "PH-2026-000123\n", "ph-2026-000123", "PH-2026-٠٠٠١٢٣", "PH-20260-000123", None, 5]:
        assert parse_reference(text, "PH") is None
    with pytest.raises(ValueError):
        make_reference("XX", 2026, 1)


def test_idempotency_key_pattern_and_canonical_hash():
    assert KEY_PATTERN.fullmatch("abc.DEF_123:4-5")
    assert not KEY_PATTERN.fullmatch("a" * 129) and not KEY_PATTERN.fullmatch("a b")
    assert body_hash({"a": 1, "b": [1, 2]}) == body_hash({"b": [1, 2], "a": 1})
    assert body_hash({"a": 1}) != body_hash({"a": 1.5}) != body_hash({"a": "1"})


@pytest.mark.parametrize("value, expected", [
    ("2026-11-26T15:50:00Z", datetime(2026, 11, 26, 15, 50, tzinfo=timezone.utc)),
    ("2026-11-26T15:50:00.25+01:00", datetime(2026, 11, 26, 15, 50, 0, 250000, tzinfo=timezone(timedelta(hours=1)))),
    ("2026-11-26t15:50:00.123456789-05:30",
     datetime(2026, 11, 26, 15, 50, 0, 123456, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
    ("2026-11-26T15:50:00", None), ("2026-11-26", None), ("2026-02-30T10:00:00Z", None),
    ("2026-11-26T25:00:00Z", None), ("2026-11-26T15:50:00+24:00", None), ("2026-11-26 15:50:00Z", None),
])
def test_parse_rfc3339(value, expected):
    assert parse_rfc3339(value) == expected


@pytest.mark.parametrize("kind, value, stored", [
    ("email", " Jana.Novakova@Example.ORG ", "jana.novakova@example.org"),
    ("phone", "+49 (30) 1234-5678", "+493012345678"),
    ("phone", "0049 30 12345678", "+493012345678"),
    ("phone", "+86 138 0013 8000", "+8613800138000"),
    ("messaging", " @Some_User ", "@some_user"),
    ("messaging", "+20 100 123 4567", "+201001234567"),
])
def test_normalise_contact(kind, value, stored):
    assert normalise_contact(kind, value) == stored
    assert stored in proof_candidates(value)


@pytest.mark.parametrize("kind, value", [
    ("email", "jana"), ("email", "jana@example"), ("email", "a@b@c.org"),
    ("phone", "030 12345678"), ("phone", "+1 555"), ("phone", "+49 abc"), ("phone", "+" + "1" * 50),
])
def test_invalid_contacts(kind, value):
    with pytest.raises(ApiError) as raised:
        normalise_contact(kind, value)
    assert raised.value.status == 422 and raised.value.details[0]["field"] == "contact.value"


def test_validate_reports_every_problem_with_its_field():
    with pytest.raises(ApiError) as raised:
        validate({"status": "later", "extra": 1}, "StatusUpdate")
    assert raised.value.code == "validation_error"
    assert raised.value.details == [
        {"field": "extra", "problem": "is not an allowed field"},
        {"field": "status", "problem": 'must be one of: "received", "under_review", "specialist_assigned", '
                                       '"answered", "closed"'},
    ]
    validate({"status": "closed"}, "StatusUpdate")


def test_validate_handles_nullable_and_timestamps():
    validate({"language": "en", "channel": "rest", "conversation_id": "c", "consultation_reference": None,
              "transcript": [{"sender": "bot", "text": "", "timestamp": 0}]}, "HandoffRequest")


@pytest.mark.parametrize("name, shown", [
    ("report.pdf", "report.pdf"), ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\scan.jpg", "scan.jpg"),
    ("a\x00b<script>.pdf", "a_b_script_.pdf"), ("", "document"), ("...", "document"), (None, "document"),
    ("x" * 300, "x" * 200), ("снимок МРТ.png", "снимок МРТ.png"),
])
def test_display_name(name, shown):
    assert display_name(name) == shown


def test_storage_writes_owner_only_files_with_random_names(tmp_path):
    storage = Storage(tmp_path / "docs")
    name = storage.save(b"data")
    assert re.fullmatch(r"[0-9a-f]{32}", name)
    assert (tmp_path / "docs" / name).read_bytes() == b"data"
    assert (tmp_path / "docs" / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "docs").stat().st_mode & 0o777 == 0o700
    storage.delete(name)
    storage.delete(name)
    assert not (tmp_path / "docs" / name).exists()
    with pytest.raises(ValueError):
        storage.path("../secret")


def test_config_defaults_are_local_and_safe():
    config = Config.from_env({})
    assert config.env == "local" and config.token == DEFAULT_TOKEN
    assert config.db_url == "sqlite:///run/consultation-api/consultations.sqlite3"
    assert config.public_url == "http://127.0.0.1:5056"
    assert config.upload_link_hours == 72 and config.max_upload_mb == 20
    assert config.storage.parts[-3:] == ("run", "consultation-api", "documents") and config.storage.is_absolute()
    assert config.request_max_size > 4 * config.max_upload_bytes


@pytest.mark.parametrize("environ, message", [
    ({"CONSULTATION_API_ENV": "production"}, "not set"),
    ({"CONSULTATION_API_ENV": "production", "CONSULTATION_API_TOKEN": DEFAULT_TOKEN}, "default"),
    ({"CONSULTATION_API_ENV": "production", "CONSULTATION_API_TOKEN": "x" * 31}, "shorter than 32"),
    ({"CONSULTATION_API_ENV": "staging"}, "CONSULTATION_API_ENV"),
    ({"CONSULTATION_API_UPLOAD_LINK_HOURS": "0"}, "positive"),
    ({"CONSULTATION_API_MAX_UPLOAD_MB": "-1"}, "positive"),
    ({"CONSULTATION_API_MAX_UPLOAD_MB": "nan"}, "positive"),
    ({"CONSULTATION_API_PUBLIC_URL": "ftp://x"}, "http"),
])
def test_config_refuses_unsafe_or_invalid_settings(environ, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(environ)


def test_production_accepts_a_long_secret():
    config = Config.from_env({"CONSULTATION_API_ENV": "production", "CONSULTATION_API_TOKEN": "y" * 32,
                              "CONSULTATION_API_PUBLIC_URL": "https://hospital.example/"})
    assert config.env == "production" and config.public_url == "https://hospital.example"


def test_every_language_has_every_text_with_the_same_placeholders():
    texts = all_texts()
    assert tuple(texts) == LANGUAGES
    english = texts["en"]
    for language, table in texts.items():
        assert set(table) == set(english), language
        for key, text in table.items():
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            english_fields = {name for _, name, _, _ in string.Formatter().parse(english[key]) if name}
            assert fields == english_fields, (language, key)
        assert table["dir"] == ("rtl" if language == "ar" else "ltr")
        if language != "en":
            translated = [key for key in english if key != "dir" and table[key] != english[key]]
            assert len(translated) == len(english) - 1, (language, set(english) - set(translated))


def test_fill_escapes_and_isolates_values():
    filled = fill("Up to {max_mb} MB <b>", max_mb="<i>20</i>")
    assert str(filled) == "Up to <bdi>&lt;i&gt;20&lt;/i&gt;</bdi> MB &lt;b&gt;"


@pytest.mark.parametrize("header, language", [
    ("", "en"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("de-DE,de;q=0.9,fr;q=0.5", "fr"),
    ("en;q=0.5, ar;q=0.9", "ar"), ("zh-CN", "zh"), ("xx, *;q=0.1", "en"), ("vi;q=abc", "en"),
])
def test_language_from_header(header, language):
    assert language_from_header(header) == language


def test_each_missing_field_is_reported_once():
    with pytest.raises(ApiError) as raised:
        validate({"language": "en"}, "HandoffRequest")
    assert raised.value.details == [
        {"field": "channel", "problem": "is required"},
        {"field": "conversation_id", "problem": "is required"},
    ]

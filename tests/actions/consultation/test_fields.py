"""Free-text answers: names, ages, countries, contacts and descriptions are checked before they are kept."""
import pytest

from actions.consultation.fields import (
    MAX_DESCRIPTION,
    clean_country,
    clean_description,
    clean_name,
    parse_age,
    parse_contact,
)


@pytest.mark.parametrize("text, age", [("45", 45), ("45 years", 45), ("٤٥", 45), ("45岁", 45), ("０", 0),
                                       ("130", None), ("forty", None), ("4 or 5", None), ("", None)])
def test_age(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text, name", [("  Ana   María López ", "Ana María López"), ("王建国", "王建国"),
                                        ("what is IORT?", None), ("x" * 101, None), ("😀😀", None),
                                        ("12345", None), ("a\x00b", "a b")])
def test_name(text, name):
    assert clean_name(text) == name


def test_country():
    assert clean_country("Việt Nam") == "Việt Nam"
    assert clean_country("where are you located?") is None
    assert clean_country("🇮🇩") is None


@pytest.mark.parametrize("text, kind, value", [
    ("Name@Example.COM", "email", "name@example.com"),
    ("my email is ana@mail.es.", "email", "ana@mail.es"),
    ("+44 20 7946 0000", "phone", "+442079460000"),
    ("+62 812-3456-7890 WhatsApp", "messaging", "+6281234567890"),
])
def test_valid_contacts(text, kind, value):
    contact = parse_contact(text)
    assert (contact.kind, contact.value) == (kind, value)


@pytest.mark.parametrize("text", ["020 7946 0000", "+1 555", "bob@", "a@b@c", "a@x.com b@y.com", "", "😀",
                                  "call me maybe"])
def test_invalid_contacts(text):
    assert parse_contact(text) is None


def test_long_description_is_cut_and_said_so():
    description, shortened = clean_description("word " * 3000)
    assert shortened and len(description) <= MAX_DESCRIPTION
    assert clean_description("👍👍👍") == (None, False)
    assert clean_description("Short story.") == ("Short story.", False)

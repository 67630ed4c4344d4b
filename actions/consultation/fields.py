"""Check and clean the free-text answers of the consultation form (name, age, country, contact, description)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from actions.consultation.answers import messaging_app

MAX_NAME = 100
MAX_COUNTRY = 60
MAX_DESCRIPTION = 1500  # below the REST channel's 2,000 characters, so the form's own note can show
MAX_DIAGNOSIS = 500
MAX_AGE = 120
_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_PHONE_IN_TEXT = re.compile(r"\+?[\d\s().\-]{6,}\d")


def clean_text(text: Optional[str]) -> str:
    """Drop control and format characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text or "")
    kept = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(kept.split())


def has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


def looks_like_question(text: str) -> bool:
    return "?" in text or "？" in text or "؟" in text


def clean_name(text: Optional[str]) -> Optional[str]:
    """A person's name: letters, at most 100 characters and 8 words, no digits, no question."""
    name = clean_text(text)
    if not (has_letters(name) and len(name) <= MAX_NAME and len(name.split()) <= 8):
        return None
    if any(c.isdigit() for c in name) or looks_like_question(name) or "@" in name:
        return None
    return name


def clean_country(text: Optional[str]) -> Optional[str]:
    """A country name: letters, at most 60 characters and 6 words, no digits, no question."""
    country = clean_text(text)
    if not (has_letters(country) and len(country) <= MAX_COUNTRY and len(country.split()) <= 6):
        return None
    if any(c.isdigit() for c in country) or looks_like_question(country):
        return None
    return country


def parse_age(text: Optional[str]) -> Optional[int]:
    """Age in years from "45", "45 years", "٤٥", "45岁"; None when absent, ambiguous or out of range."""
    numbers = re.findall(r"\d+", clean_text(text))
    if len(numbers) != 1:
        return None
    age = int(numbers[0])
    return age if 0 <= age <= MAX_AGE else None


def clean_description(text: Optional[str]) -> tuple[Optional[str], bool]:
    """The description, cut to MAX_DESCRIPTION; (None, False) when it has no words. Second item: was it cut."""
    description = clean_text(text)
    if not has_letters(description):
        return None, False
    if len(description) <= MAX_DESCRIPTION:
        return description, False
    return description[:MAX_DESCRIPTION].rstrip(), True


@dataclass(frozen=True)
class Contact:
    """How the hospital reaches the patient: kind is email, phone or messaging (with the app)."""

    kind: str
    value: str
    app: Optional[str] = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def parse_contact(text: Optional[str]) -> Optional[Contact]:
    """An email address (syntax checked) or a phone number in international format (+country code)."""
    text = clean_text(text)
    emails = _EMAIL_IN_TEXT.findall(text)
    if emails:
        if len(emails) != 1:
            return None
        try:
            checked = validate_email(emails[0].strip(".").rstrip("."), check_deliverability=False)
        except EmailNotValidError:
            return None
        return Contact("email", checked.normalized.lower())
    phones = _PHONE_IN_TEXT.findall(text)
    if len(phones) != 1 or not phones[0].lstrip().startswith("+"):
        return None
    try:
        number = phonenumbers.parse(phones[0], None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    app = messaging_app(text)
    return Contact("messaging", e164, app) if app else Contact("phone", e164)

"""What all messaging connectors share: splitting, numbered options' text, phone-country hints."""
import pytest

from bot.channels.messaging import language_from_phone, numbered, split_text, utf8_size


def test_long_answers_are_split_at_paragraphs_then_sentences_then_words():
    text = "First paragraph. " * 10 + "\n\n" + "Second one is here. " * 10
    parts = split_text(text, 200)
    assert all(len(part) <= 200 for part in parts)
    assert " ".join(parts).split() == text.split(), "nothing lost, nothing added"
    assert parts[0].startswith("First") and parts[-1].endswith("here.")


def test_splitting_by_bytes_for_chinese_and_text_without_spaces():
    text = "术中放疗是在手术中进行的放射治疗" * 30
    parts = split_text(text, 100, utf8_size)
    assert all(utf8_size(part) <= 100 for part in parts) and "".join(parts) == text


def test_short_text_is_one_part_and_empty_text_none():
    assert split_text("  hello  ", 10) == ["hello"]
    assert split_text("   ", 10) == []


def test_options_become_a_numbered_list():
    assert numbered("Sure?", [{"title": "Yes"}, {"title": "No"}]) == "Sure?\n\n1. Yes\n2. No"


@pytest.mark.parametrize("number, language", [("79161234567", "ru"), ("+86 138 0013 8000", "zh"),
                                              ("whatsapp:+966501234567", "ar"), ("+34612345678", "es"),
                                              ("+33612345678", "fr"), ("+6281234567890", "id"),
                                              ("+84912345678", "vi"), ("+49301234567", None), ("", None),
                                              ("abc", None)])
def test_phone_country_hint(number, language):
    assert language_from_phone(number) == language

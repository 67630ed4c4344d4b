"""What all messaging connectors share: splitting, numbered options, phone-country hints."""
import pytest

from bot.channels.messaging import ButtonMemory, as_number, language_from_phone, numbered, split_text, utf8_size


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


@pytest.mark.parametrize("text, number", [("2", 2), (" 3. ", 3), ("２", 2), ("٣", 3), ("12", 12),
                                          ("two", None), ("", None), ("1234", None), ("2 please", None)])
def test_numbers_in_any_script(text, number):
    assert as_number(text) == number


def test_a_number_means_the_option_last_shown_to_that_recipient_only():
    memory = ButtonMemory()
    memory.remember("a", [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}])
    assert memory.resolve("a", "2") == "/deny"
    assert memory.resolve("a", "3") == "3", "out of range stays text"
    assert memory.resolve("b", "2") == "2", "other recipients are unaffected"
    assert numbered("Sure?", [{"title": "Yes"}, {"title": "No"}]) == "Sure?\n\n1. Yes\n2. No"
    memory.forget("a")
    assert memory.resolve("a", "2") == "2", "after a question without options, a number is a number (an age)"


@pytest.mark.parametrize("number, language", [("79161234567", "ru"), ("+86 138 0013 8000", "zh"),
                                              ("whatsapp:+966501234567", "ar"), ("+34612345678", "es"),
                                              ("+33612345678", "fr"), ("+6281234567890", "id"),
                                              ("+84912345678", "vi"), ("+49301234567", None), ("", None),
                                              ("abc", None)])
def test_phone_country_hint(number, language):
    assert language_from_phone(number) == language

import pytest

from bot.languages import (
    Detection,
    choose_reply_language,
    hint_from_metadata,
    normalise_code,
    request_from_metadata,
)

RU_SURE = Detection("ru", 1.0, True, "script")
UNSURE_ES = Detection("es", 0.6, False, "model")
NOTHING = Detection(None, 0.0, False, "none")
GERMAN = Detection("de", 0.99, True, "model+langdetect")


@pytest.mark.parametrize(
    "value, code",
    [("ru-RU", "ru"), ("zh_Hans_CN", "zh"), ("PT-br", "pt"), ("en", "en"), ("", None),
     ("not a locale", None), (None, None), (42, None)],
)
def test_normalise_code(value, code):
    assert normalise_code(value) == code


def test_hints_and_requests_come_from_channel_metadata():
    assert hint_from_metadata({"locale": "vi-VN"}) == "vi"
    assert hint_from_metadata({"language_code": "id"}) == "id"
    assert hint_from_metadata({"other": "x"}) is None
    assert hint_from_metadata("not a mapping") is None
    assert request_from_metadata({"language_request": "ar"}) == "ar"
    assert request_from_metadata({}) is None


def test_confident_detection_switches_the_reply_language():
    assert choose_reply_language("en", False, RU_SURE).language == "ru"


def test_short_or_ambiguous_message_keeps_the_conversation_language():
    assert choose_reply_language("fr", False, UNSURE_ES).language == "fr"
    assert choose_reply_language("zh", False, NOTHING).language == "zh"


def test_explicit_request_wins_and_sticks():
    chosen = choose_reply_language("en", False, RU_SURE, requested="vi")
    assert (chosen.language, chosen.explicit) == ("vi", True)
    later = choose_reply_language(chosen.language, chosen.explicit, RU_SURE)
    assert (later.language, later.explicit) == ("vi", True)


def test_request_for_an_unsupported_language_keeps_the_current_one_and_says_so():
    chosen = choose_reply_language("es", False, UNSURE_ES, requested="de")
    assert (chosen.language, chosen.explicit, chosen.unsupported) == ("es", False, "de")


def test_message_in_an_unsupported_language_is_flagged_without_switching():
    chosen = choose_reply_language("ar", False, GERMAN)
    assert (chosen.language, chosen.unsupported) == ("ar", "de")


def test_new_conversation_starts_from_hint_then_guess_then_english():
    assert choose_reply_language(None, False, NOTHING, hint="id").language == "id"
    assert choose_reply_language(None, False, UNSURE_ES).language == "es"
    assert choose_reply_language(None, False, NOTHING).language == "en"
    assert choose_reply_language(None, False, GERMAN).language == "en"


SHORT_ES_WORDS = Detection("es", 0.99, True, "model", short=True)
SHORT_RU_SCRIPT = Detection("ru", 1.0, True, "script", short=True)


def test_short_message_whose_words_point_elsewhere_starts_but_does_not_switch():
    assert choose_reply_language(None, False, SHORT_ES_WORDS).language == "es"
    assert choose_reply_language("zh", False, SHORT_ES_WORDS).language == "zh"


def test_short_message_in_another_script_switches():
    assert choose_reply_language("en", False, SHORT_RU_SCRIPT).language == "ru"

"""The training and held-out data cover every required intent in every language."""
import pytest
from rasa.shared.core.domain import Domain

from bot.channels.messaging import SHARE_DOCUMENT, UNSUPPORTED
from bot.languages import SUPPORTED
from bot.tools.check_nlu_data import check, spec_intents


def test_domain_knows_exactly_the_spec_intents_plus_our_own():
    domain_intents = set(Domain.load("bot/domain").intents)
    assert set(spec_intents()) <= domain_intents
    rasa_defaults = {"nlu_fallback", "restart", "session_start", "back"}
    channel_intents = {SHARE_DOCUMENT.lstrip("/"), UNSUPPORTED.lstrip("/")}  # files and stickers from messaging apps
    assert domain_intents - set(spec_intents()) - rasa_defaults == {"unsupported_language", *channel_intents}


@pytest.mark.parametrize("language", SUPPORTED)
def test_language_data_is_complete_and_consistent(language):
    """At least 15 training and 3 held-out examples per intent, metadata, synonyms, no leaks."""
    assert check(language) == []

"""Natural language generator that answers in the conversation's reply language."""
from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.languages import DEFAULT_LANGUAGE, is_supported
from bot.locales import TRANSLATED, load_catalogue

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
# Responses whose buttons are narrowed to the topics the NLU found most likely.
SUGGESTION_RESPONSES = frozenset({"utter_ask_rephrase"})
MAX_SUGGESTIONS = 4


class LocalizedNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Picks the response variant from the catalogue of the `language` slot.

    Configured in endpoints.yml as `nlg: type: bot.nlg.LocalizedNaturalLanguageGenerator`.
    English lives in the domain: Rasa's agent hands this class the domain's
    responses when it loads a model (as it does for its own templated generator);
    the other catalogues come from bot/locales/<lang>.yml.
    """

    def __init__(self, endpoint_config: Any = None, domain: Optional[Domain] = None, **_: Any):
        super().__init__((domain or Domain.empty()).responses)
        self.translations = {
            language: TemplatedNaturalLanguageGenerator(load_catalogue(language)) for language in TRANSLATED
        }

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        language = reply_language(tracker)
        response = None
        if language in self.translations:
            response = await self.translations[language].generate(
                utter_action, tracker, output_channel, **kwargs
            )
            if response is None:
                logger.warning("Response %s missing in catalogue %s; using English.", utter_action, language)
        if response is None:
            response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is not None and utter_action in SUGGESTION_RESPONSES:
            response = with_likely_topics(response, tracker.latest_message.parse_data)
        return response


def reply_language(tracker: DialogueStateTracker) -> str:
    language = tracker.get_slot(LANGUAGE_SLOT)
    return language if is_supported(language) else DEFAULT_LANGUAGE


def with_likely_topics(response: Dict[Text, Any], parse_data: Dict[Text, Any]) -> Dict[Text, Any]:
    """Keep the response's topic buttons the NLU ranked highest, most likely first."""
    buttons: List[Dict[Text, Any]] = response.get("buttons") or []
    by_intent = {b.get("payload", "").lstrip("/"): b for b in buttons}
    ranking = [r.get("name") for r in parse_data.get("intent_ranking") or []]
    likely = [by_intent[name] for name in ranking if name in by_intent]
    chosen = (likely + [b for b in buttons if b not in likely])[:MAX_SUGGESTIONS]
    response = copy.deepcopy(response)
    response["buttons"] = chosen
    return response

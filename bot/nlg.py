"""Natural language generator that answers in the conversation's reply language."""
from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_speedups
from bot.languages import is_supported, reply_language_after
from bot.locales import TRANSLATED, load_catalogue

logger = logging.getLogger(__name__)
rasa_speedups.apply()  # the Rasa server always loads this module (endpoints.yml), so its speed-ups go with it

LANGUAGE_SLOT = "language"
# Responses whose buttons are narrowed to the topics the NLU found most likely.
SUGGESTION_RESPONSES = frozenset({"utter_ask_rephrase"})
MAX_SUGGESTIONS = 4
# The first reply of a conversation starts with this notice (automated, not medical advice, privacy) ...
FIRST_NOTICE = "utter_first_notice"
# ... unless it says all of that itself.
SELF_INTRODUCING = frozenset({"utter_greet", FIRST_NOTICE})
# The reply to a message the channel had to cut starts with this note (bot/channels/rest.py sets the flag).
MESSAGE_CUT = "message_cut"
TOO_LONG_NOTE = "utter_message_too_long"


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
        self.noted = OncePerMessage()

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        response = await self._localized(utter_action, tracker, output_channel, **kwargs)
        if response is not None and utter_action in SUGGESTION_RESPONSES:
            response = with_likely_topics(response, tracker.latest_message.parse_data)
        if response is None:
            return None
        notes = [FIRST_NOTICE] if utter_action not in SELF_INTRODUCING and first_reply(tracker) else []
        notes += [TOO_LONG_NOTE] if message_was_cut(tracker) else []
        if notes and self.noted.claim(tracker):
            texts = [(await self._localized(note, tracker, output_channel) or {}).get("text") for note in notes]
            response = {**response, "text": "\n\n".join(filter(None, [*texts, response.get("text")]))}
        return response

    async def _localized(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
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
        return response


def first_reply(tracker: DialogueStateTracker) -> bool:
    """No bot message since the conversation (session) started."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, SessionStarted):
            break
    return True


def message_was_cut(tracker: DialogueStateTracker) -> bool:
    message = tracker.latest_message
    return bool(message and (message.metadata or {}).get(MESSAGE_CUT))


class OncePerMessage:
    """Lets notes go in front of one response per patient message (an action may send several at once)."""

    def __init__(self, remembered: int = 10_000):
        self.remembered = remembered
        self.claimed: "OrderedDict[str, Optional[str]]" = OrderedDict()

    def claim(self, tracker: DialogueStateTracker) -> bool:
        message_id = tracker.latest_message.message_id if tracker.latest_message else None
        if self.claimed.get(tracker.sender_id, object()) == message_id:
            return False
        self.claimed[tracker.sender_id] = message_id
        self.claimed.move_to_end(tracker.sender_id)
        while len(self.claimed) > self.remembered:
            self.claimed.popitem(last=False)
        return True


def reply_language(tracker: DialogueStateTracker) -> str:
    """The `language` slot; before action_set_language has ever set it (its call to the action server failed),
    the same decision made here from the latest message."""
    language = tracker.get_slot(LANGUAGE_SLOT)
    if is_supported(language):
        return language
    return reply_language_after(tracker.latest_message.parse_data if tracker.latest_message else {}, None,
                                False).language


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

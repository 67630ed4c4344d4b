"""Rasa intent classifier: a message describing an emergency now is `report_emergency`, whatever else it seems."""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.languages import Detection
from bot.nlu.intent_override import override_intent
from bot.nlu.red_flags import find_red_flag, message_language
from bot.nlu.stateless import StatelessComponent

EMERGENCY_INTENT = "report_emergency"
RED_FLAG = "red_flag"
LANGUAGE = "language"  # the detection bot/nlu/language_detector.py adds to the message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagClassifier(StatelessComponent):
    """Checks every message against the red-flag patterns of all languages (bot/nlu/red_flags/).

    Place it last, after the FallbackClassifier: a red flag wins over any guess, low confidence included.
    The match is added to the parse data as `red_flag: {category, language}`, which the form validation
    actions also read, so that an emergency typed in the middle of a form gets urgent-care advice first.
    """


    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = message_language(Detection.from_dict(message.get(LANGUAGE)))
            flag = find_red_flag(message.get(TEXT) or "", language)
            if flag:
                override_intent(message, EMERGENCY_INTENT)
                message.set(RED_FLAG, {"category": flag.category, "language": flag.language}, add_to_output=True)
        return messages

"""Rasa intent classifier: marks messages reliably written in an unsupported language."""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.languages import Detection, is_supported
from bot.nlu.intent_override import override_intent
from bot.nlu.stateless import StatelessComponent

UNSUPPORTED_LANGUAGE_INTENT = "unsupported_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnsupportedLanguageClassifier(StatelessComponent):
    """Overrides the intent with `unsupported_language` when the detector is sure.

    The intent classifier was trained on the supported languages only, so its
    guess on, say, German is noise; the dialogue answers such messages with a
    short English note naming the supported languages. Place it after the intent
    classifier and before the FallbackClassifier.
    """


    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            detection = Detection.from_dict(message.get("language"))
            if detection.reliable and detection.language and not is_supported(detection.language):
                override_intent(message, UNSUPPORTED_LANGUAGE_INTENT)
        return messages

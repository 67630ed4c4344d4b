"""Rasa graph component: detects each message's language before tokenization."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.languages import Detection, hint_from_metadata, normalise_code, request_from_metadata
from bot.nlu.json_state import JsonStateComponent
from bot.nlu.language_id import LanguageIdentifier, load_langdetect_profiles

LANGUAGE = "language"


def example_language(message: Message) -> Optional[str]:
    """The language a training example was written in (its intent block's metadata)."""
    metadata = message.get("metadata") or {}
    intent_meta = metadata.get("intent") if isinstance(metadata, dict) else None
    return normalise_code((intent_meta or {}).get("language"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(JsonStateComponent):
    """Adds `language` (language, confidence, reliable, source, hint, request) to each message.

    It learns word frequencies per language from the training examples, whose
    intent blocks carry `metadata: {language: xx}`, and combines them with
    script checks and seeded langdetect (see bot/nlu/language_id.py). Channel
    hints from the message metadata are passed on for the reply-language policy.
    """

    STATE_FILE = "language_identifier.json"

    def use_state(self, state: Optional[Dict[str, Any]]) -> None:
        self.identifier = LanguageIdentifier.from_dict(state or {})
        load_langdetect_profiles()  # about 1 s, with the model rather than on the first long message

    def train(self, training_data: TrainingData) -> Resource:
        labelled = [
            (example.get(TEXT), language)
            for example in training_data.training_examples
            if example.get(TEXT) and (language := example_language(example))
        ]
        return self.persist(LanguageIdentifier.train(labelled).to_dict())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if not example.get(TEXT):
                continue
            known = example_language(example)
            detection = (
                Detection(known, 1.0, True, "training data")
                if known
                else self.identifier.detect(example.get(TEXT))
            )
            example.set(LANGUAGE, detection.as_dict())
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            metadata = message.get("metadata")
            result = self.identifier.detect(text).as_dict()
            result["hint"] = hint_from_metadata(metadata)
            result["request"] = request_from_metadata(metadata)
            message.set(LANGUAGE, result, add_to_output=True)
        return messages

"""Rasa intent classifier: a message describing an emergency now is `report_emergency`, whatever else it seems."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.languages import Detection
from bot.nlu.intent_override import override_intent
from bot.nlu.red_flag_model import RedFlagModel
from bot.nlu.red_flags import check_patterns, message_language, patterns

EMERGENCY_INTENT = "report_emergency"
RED_FLAG = "red_flag"
LANGUAGE = "language"  # the detection bot/nlu/language_detector.py adds to the message
MODEL_FILE = "red_flag_model.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RedFlagClassifier(GraphComponent):
    """Checks every message against the red-flag patterns of all languages (bot/nlu/red_flags/), then the learned
    safety net (bot/nlu/red_flag_model.py).

    Place it last, after the FallbackClassifier: a red flag wins over any guess, low confidence included.
    The match is added to the parse data as `red_flag: {category, language}`, which the form validation
    actions also read, so that an emergency typed in the middle of a form gets urgent-care advice first.
    """

    def __init__(self, model_storage: ModelStorage, resource: Resource, model: Optional[RedFlagModel] = None):
        self.model_storage, self.resource, self.model = model_storage, resource, model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagClassifier":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        check_patterns()  # a broken pattern file stops the training, not a patient's message
        self.model = RedFlagModel.train((m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples)
        with self.model_storage.write_to(self.resource) as directory:
            self.model.save(directory / MODEL_FILE)
        return self.resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "RedFlagClassifier":
        patterns()  # compiled now (about 3 s), not on the first patient's message
        with model_storage.read_from(resource) as directory:
            return cls(model_storage, resource, RedFlagModel.load(directory / MODEL_FILE))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = message_language(Detection.from_dict(message.get(LANGUAGE)))
            flag = self.model.flag(message.get(TEXT) or "", language)
            if flag:
                override_intent(message, EMERGENCY_INTENT)
                message.set(RED_FLAG, {"category": flag.category, "language": flag.language}, add_to_output=True)
        return messages

"""Rasa entity extractor: finds treatments, cancer types and languages from the synonym tables."""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_id import CJK_RANGES
from bot.nlu.text_folding import fold, fold_with_offsets

logger = logging.getLogger(__name__)
LEXICON_FILE = "lexicon.json"
_CJK = re.compile(f"[{CJK_RANGES}]")


def build_lexicon(training_data: TrainingData) -> Dict[str, List[str]]:
    """Folded surface form -> [entity, canonical value].

    Lookup tables name the canonical values of each entity (data/nlu/entities.yml);
    synonyms (data/nlu/**/synonyms.yml and annotations) map surface forms to them.
    Canonical values are not surfaces themselves: codes such as "es" or "id" are
    ordinary words in other languages.
    """
    entity_of = {
        value: table["name"]
        for table in training_data.lookup_tables
        for value in table["elements"]
        if isinstance(value, str)
    }
    lexicon: Dict[str, List[str]] = {}
    for surface, value in training_data.entity_synonyms.items():
        entity = entity_of.get(value)
        if entity is None:
            continue
        key = fold(surface).strip()
        if key and key not in lexicon:
            lexicon[key] = [entity, value]
    return lexicon


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LexiconEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Longest-match dictionary extraction that is blind to case, width and accents.

    Matches must start and end at word boundaries, except for CJK text, which
    has no spaces. The value is already the canonical one (e.g. "乳腺癌" -> breast).
    """

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.lexicon = lexicon or {}
        self._pattern = self._compile(self.lexicon)

    @staticmethod
    def _compile(lexicon: Dict[str, List[str]]) -> Optional[re.Pattern]:
        if not lexicon:
            return None
        surfaces = sorted(lexicon, key=len, reverse=True)
        return re.compile("|".join(re.escape(s) for s in surfaces))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LexiconEntityExtractor":
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LexiconEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                lexicon = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No entity lexicon found in the model; no entities will be extracted.")
            lexicon = {}
        return cls(model_storage, resource, lexicon)

    def train(self, training_data: TrainingData) -> Resource:
        self.lexicon = build_lexicon(training_data)
        self._pattern = self._compile(self.lexicon)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LEXICON_FILE).write_text(
                json.dumps(self.lexicon, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            if found:
                entities = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[str, Any]]:
        if self._pattern is None or not text:
            return []
        folded, offsets = fold_with_offsets(text)
        entities = []
        position = 0
        while position < len(folded):
            match = self._pattern.search(folded, position)
            if match is None:
                break
            start, end = match.span()
            if end > start and _at_word_boundaries(folded, start, end):
                entity, value = self.lexicon[match.group(0)]
                entities.append(
                    {
                        "entity": entity,
                        "start": offsets[start],
                        "end": offsets[end - 1] + 1,
                        "value": value,
                        "confidence_entity": 1.0,
                    }
                )
                position = end
            else:
                position = start + 1
        return entities


def _at_word_boundaries(text: str, start: int, end: int) -> bool:
    def is_boundary(inside: str, outside: Optional[str]) -> bool:
        if outside is None or not outside.isalnum():
            return True
        return bool(_CJK.match(inside) or _CJK.match(outside))

    before = text[start - 1] if start > 0 else None
    after = text[end] if end < len(text) else None
    return is_boundary(text[start], before) and is_boundary(text[end - 1], after)

"""Rasa entity extractor: finds treatments, cancer types and languages from the synonym tables."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.json_state import JsonStateComponent
from bot.nlu.language_id import CJK_CHAR as _CJK
from bot.nlu.text_folding import fold, fold_with_offsets, has_latin_accents


def build_lexicon(training_data: TrainingData) -> Dict[str, List[str]]:
    """Surface form (lower case) -> [entity, canonical value].

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
        key = surface.casefold().strip()
        if key and key not in lexicon:
            lexicon[key] = [entity, value]
    return lexicon


class _Index:
    """Surfaces folded one way, and one regex that finds the longest of them."""

    def __init__(self, lexicon: Dict[str, List[str]], keep_latin_accents: bool) -> None:
        self.keep_latin_accents = keep_latin_accents
        self.entries: Dict[str, List[str]] = {}
        for surface, entry in lexicon.items():
            self.entries.setdefault(fold(surface, keep_latin_accents).strip(), entry)
        self.entries.pop("", None)
        surfaces = sorted(self.entries, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(s) for s in surfaces)) if surfaces else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LexiconEntityExtractor(JsonStateComponent, EntityExtractorMixin):
    """Longest-match dictionary extraction that is blind to case, width and accents.

    Matches must start and end at word boundaries, except for CJK text, which
    has no spaces. The value is already the canonical one (e.g. "乳腺癌" -> breast).
    A message typed with Latin accents is matched accent-sensitively (Vietnamese
    "trạng thái" is not "Thai"); one typed without any is matched without them.
    """

    STATE_FILE = "lexicon.json"

    def use_state(self, state: Optional[Dict[str, List[str]]]) -> None:
        self.lexicon = state or {}
        self._accented = _Index(self.lexicon, keep_latin_accents=True)
        self._plain = _Index(self.lexicon, keep_latin_accents=False)

    def train(self, training_data: TrainingData) -> Resource:
        return self.persist(build_lexicon(training_data))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            if found:
                entities = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[str, Any]]:
        index = self._accented if has_latin_accents(text) else self._plain
        if index.pattern is None or not text:
            return []
        folded, offsets = fold_with_offsets(text, index.keep_latin_accents)
        entities = []
        position = 0
        while position < len(folded):
            match = index.pattern.search(folded, position)
            if match is None:
                break
            start, end = match.span()
            if end > start and _at_word_boundaries(folded, start, end):
                entity, value = index.entries[match.group(0)]
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

"""Rasa tokenizer that picks spaCy's blank tokenizer by the message's detected language."""
from __future__ import annotations

import re
import threading
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_id import CJK_CHAR as _CJK

# spaCy's own rules for these; "xx" (multi-language rules) for the rest. spaCy's
# "zh" splits Latin words into letters and its "vi" keeps punctuation on words,
# so Chinese and Vietnamese use "xx" and CJK characters become tokens of their own.
# spaCy's French and Indonesian rules are not used either: their generated exception lists (hyphenated words,
# reduplications) took 4 s and 2 s to compile at every start, half the model's load time. French gets the
# multi-language rules plus its elisions (l'IORT -> l' IORT); Indonesian the multi-language rules.
SPACY_LANGUAGES = frozenset({"en", "ru", "ar", "es"})
FRENCH_ELISION = r"(?<=\b[cdjlmnstCDJLMNST])['’](?=[^\W\d_])|(?<=\b[qQ]u)['’](?=[^\W\d_])"
_HAS_WORD = re.compile(r"\w", re.UNICODE)
PRELOAD_ORDER = ("xx", "en", "ar", "es", "ru", "fr")
_tokenizers: Dict[str, Any] = {}
_loading = threading.Lock()


def _build(key: str):
    if key in SPACY_LANGUAGES:
        return spacy.blank(key).tokenizer
    nlp = spacy.blank("xx")
    if key == "fr":
        nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex([*nlp.Defaults.infixes, FRENCH_ELISION]).finditer
    return nlp.tokenizer


def spacy_tokenizer(language: str):
    key = language if language in SPACY_LANGUAGES or language == "fr" else "xx"
    found = _tokenizers.get(key)
    if found is None:
        with _loading:
            found = _tokenizers.get(key)
            if found is None:
                found = _tokenizers[key] = _build(key)
    return found


def preload_tokenizers() -> None:
    """All of them with the model (under a second in all), so no patient's message waits for one."""
    for key in PRELOAD_ORDER:
        spacy_tokenizer(key)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Tokenizes with spaCy's blank pipeline for the detected language.

    Needs `bot.nlu.language_detector.LanguageDetector` earlier in the pipeline.
    Punctuation-only tokens are dropped (like Rasa's WhitespaceTokenizer); every
    CJK character is a token, so word bigrams act as Chinese words.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MultilingualTokenizer":
        preload_tokenizers()
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        language = _message_language(message) if attribute == TEXT else None
        tokens: List[Token] = []
        for word in spacy_tokenizer(language or "xx")(text):
            tokens.extend(_split_cjk(word.text, word.idx))
        tokens = [t for t in tokens if _HAS_WORD.search(t.text)]
        return self._apply_token_pattern(tokens)


def _message_language(message: Message) -> Optional[str]:
    detected = message.get("language") or {}
    return detected.get("language") if isinstance(detected, dict) else None


def _split_cjk(text: str, offset: int) -> List[Token]:
    """One token per CJK character; runs of other characters stay whole."""
    if not _CJK.search(text):
        return [Token(text, offset)]
    tokens: List[Token] = []
    start = 0
    for match in _CJK.finditer(text):
        if match.start() > start:
            tokens.append(Token(text[start:match.start()], offset + start))
        tokens.append(Token(match.group(0), offset + match.start()))
        start = match.end()
    if start < len(text):
        tokens.append(Token(text[start:], offset + start))
    return tokens

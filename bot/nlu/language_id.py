"""Message language identification: script checks, an in-domain word model and langdetect."""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Optional

import yaml
from langdetect import DetectorFactory, detect_langs, detector_factory
from langdetect.lang_detect_exception import LangDetectException

from bot.languages import SUPPORTED, Detection

RULES_PATH = Path(__file__).with_name("language_rules.yml")
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
# A CJK character is a word by itself; other words are runs of letters.
_WORD = re.compile(rf"[{CJK_RANGES}]|(?:(?![{CJK_RANGES}])[^\W\d_])+", re.UNICODE)
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+|\b[A-Z]{2}-\d{4}-\d+\b|/[a-z_]+(\{.*\})?$",
    re.IGNORECASE,
)
_SMOOTHING = 0.001


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _strip_accents(word: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)
    )


class LanguageIdentifier:
    """Identifies the language of one message.

    Non-Latin scripts are decided by the script itself. Latin-script messages of
    four words or more combine seeded langdetect with a word model learnt from
    our own training data, weighted by how many of the words that model knows;
    shorter ones are decided by the word model alone, and only called reliable
    when at least half of the words are known and they point to one language.
    """

    def __init__(self, word_counts: Mapping[str, Mapping[str, int]], rules: Optional[dict] = None):
        self.rules = rules or load_rules()
        self.word_counts = {lang: dict(c) for lang, c in word_counts.items()}
        self.totals = {lang: sum(c.values()) or 1 for lang, c in self.word_counts.items()}
        self.bare_counts: dict[str, Counter] = {}  # the same words without accents
        for lang, counts in self.word_counts.items():
            bare = self.bare_counts[lang] = Counter()
            for word, n in counts.items():
                bare[_strip_accents(word)] += n
        self.neutral = {t.casefold() for t in self.rules["neutral_terms"]}
        self.script_languages = self.rules["scripts"]
        self.overrides = {lang: set(chars) for lang, chars in self.rules["script_overrides"].items()}
        self.vietnamese_marks = set(self.rules["vietnamese_marks"])
        self.vietnamese_letters = set(self.rules["vietnamese_letters"])
        DetectorFactory.seed = 0

    # ---- training -------------------------------------------------------
    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]]) -> "LanguageIdentifier":
        """Learn word frequencies per language from (text, language) pairs."""
        identifier = cls({})
        counts: dict[str, Counter] = defaultdict(Counter)
        for text, lang in examples:
            counts[lang].update(identifier.words(text))
        return cls({lang: dict(c) for lang, c in counts.items()}, identifier.rules)

    def to_dict(self) -> dict:
        return {"word_counts": self.word_counts}

    @classmethod
    def from_dict(cls, data: Mapping) -> "LanguageIdentifier":
        return cls(data.get("word_counts", {}))

    # ---- features -------------------------------------------------------
    def words(self, text: str) -> list[str]:
        """Lower-cased words of a message, without acronyms, numbers, links and payloads."""
        text = _NOISE.sub(" ", unicodedata.normalize("NFKC", text or ""))
        return [w for w in (m.group(0).casefold() for m in _WORD.finditer(text)) if w not in self.neutral]

    # ---- detection ------------------------------------------------------
    def detect(self, text: str) -> Detection:
        words = self.words(text)
        detection = self._detect(words)
        return replace(detection, short=len(words) < self.rules["min_words_for_langdetect"])

    def _detect(self, words: list[str]) -> Detection:
        letters = [c for w in words for c in w if c.isalpha()]
        if not letters:
            return Detection(None, 0.0, False, "none")
        script, share = self._dominant_script(letters)
        if script != "LATIN":
            return self._by_script(script, share, letters)
        if any(self._is_vietnamese_letter(c) for c in letters if _is_latin(c)):
            return Detection("vi", 1.0, True, "script")
        if len(words) < self.rules["min_words_for_langdetect"]:
            return self._short(words)
        return self._long(" ".join(words), words)

    def _dominant_script(self, letters: list[str]) -> tuple[str, float]:
        scripts = Counter(unicodedata.name(c, "UNKNOWN").split(" ")[0] for c in letters)
        script, count = scripts.most_common(1)[0]
        return script, count / len(letters)

    def _by_script(self, script: str, share: float, letters: list[str]) -> Detection:
        for lang, chars in self.overrides.items():
            if any(c in chars for c in letters):
                return Detection(lang, share, True, "script")
        language = self.script_languages.get(script)
        # A script names one language here; letters of its other languages
        # (Ukrainian і/ї/є, Persian پ/چ/ژ/گ, Japanese kana) were handled above.
        # langdetect is not asked: it takes Russian for Macedonian or Bulgarian.
        return Detection(language, share, language is not None, "script")

    def _is_vietnamese_letter(self, char: str) -> bool:
        if char in self.vietnamese_letters:
            return True
        return any(m in self.vietnamese_marks for m in unicodedata.normalize("NFD", char))

    def _word_posterior(self, words: list[str]) -> tuple[dict[str, float], int]:
        """Posterior over languages from known words, and how many words were known."""
        log_scores = {lang: 0.0 for lang in self.word_counts}
        known = 0
        for word in words:
            rates = self._rates(word)
            if not rates:
                continue
            known += 1
            norm = sum(rates.values())
            for lang in log_scores:
                log_scores[lang] += math.log(rates.get(lang, 0.0) / norm + _SMOOTHING)
        if not known:
            return {}, 0
        top = max(log_scores.values())
        exp = {lang: math.exp(s - top) for lang, s in log_scores.items()}
        total = sum(exp.values())
        return {lang: v / total for lang, v in exp.items()}, known

    def _rates(self, word: str) -> dict[str, float]:
        rates = {
            lang: counts[word] / self.totals[lang]
            for lang, counts in self.word_counts.items()
            if word in counts
        }
        if not rates:  # a patient who dropped the accents
            bare = _strip_accents(word)
            rates = {
                lang: counts[bare] / self.totals[lang]
                for lang, counts in self.bare_counts.items()
                if bare in counts
            }
        return rates

    def _short(self, words: list[str]) -> Detection:
        posterior, known = self._word_posterior(words)
        if not posterior:
            return Detection(None, 0.0, False, "model")
        lang, p = max(posterior.items(), key=lambda kv: kv[1])
        reliable = 2 * known >= len(words) and p >= self.rules["short_reliable_posterior"]
        return Detection(lang, p, reliable, "model")

    def _long(self, text: str, words: list[str]) -> Detection:
        posterior, known = self._word_posterior(words)
        coverage = known / len(words)
        guess = self._langdetect(text) if coverage < 1 else {}  # it would weigh nothing
        scores: dict[str, float] = defaultdict(float)
        for lang, p in posterior.items():
            scores[lang] += coverage * p
        for lang, p in guess.items():
            scores[lang] += (1 - coverage) * p
        if not scores:
            return Detection(None, 0.0, False, "langdetect")
        lang, p = max(scores.items(), key=lambda kv: kv[1])
        source = "model+langdetect" if guess else "model"
        return Detection(lang, p, p >= self.rules["long_reliable_posterior"], source)

    @staticmethod
    def _langdetect(text: str) -> dict[str, float]:
        DetectorFactory.seed = 0
        try:
            found = detect_langs(text)
        except LangDetectException:
            return {}
        return {_langdetect_code(item.lang): item.prob for item in found}


def load_langdetect_profiles() -> None:
    """langdetect reads its 55 language profiles on its first call; do it now."""
    detector_factory.init_factory()


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def _langdetect_code(code: str) -> str:
    return code.split("-")[0]


def plain_langdetect(text: str) -> Optional[str]:
    """Seeded langdetect on the raw text, the baseline the evaluation compares with."""
    DetectorFactory.seed = 0
    try:
        return _langdetect_code(detect_langs(text)[0].lang)
    except LangDetectException:
        return None


__all__ = ["LanguageIdentifier", "plain_langdetect", "SUPPORTED"]

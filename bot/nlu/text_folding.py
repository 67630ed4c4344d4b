"""Fold text for dictionary matching (case, width, accents, Arabic letter variants), keeping offsets."""
from __future__ import annotations

import unicodedata

# Arabic letters patients write interchangeably, and the tatweel.
ARABIC_FOLDS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": ""}


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return the folded text and, for each folded character, its index in `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            chars.append(folded)
            offsets.append(index)
    return "".join(chars), offsets


def fold(text: str) -> str:
    return fold_with_offsets(text)[0]


def _fold_char(char: str) -> str:
    char = ARABIC_FOLDS.get(char, char)
    char = unicodedata.normalize("NFKC", char).casefold()
    if char == "đ":
        return "d"
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))

"""Fold text for dictionary matching (case, width, Arabic letter variants, accents), keeping offsets."""
from __future__ import annotations

import unicodedata

# Arabic letters patients write interchangeably, and the tatweel.
ARABIC_FOLDS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": ""}


def has_latin_accents(text: str) -> bool:
    """True when the writer typed accented Latin letters (é, ư, ñ ...), so accents carry meaning."""
    return any(_is_accented_latin(c) for c in text)


def fold_with_offsets(text: str, keep_latin_accents: bool = False) -> tuple[str, list[int]]:
    """Return the folded text and, for each folded character, its index in `text`.

    Marks on non-Latin letters (Arabic vowel signs, й/ё) are always removed; accents
    on Latin letters only when `keep_latin_accents` is false, because "thái" and
    "thai" are different Vietnamese words but "cancer" is "cáncer" typed on a phone.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char, keep_latin_accents):
            chars.append(folded)
            offsets.append(index)
    return "".join(chars), offsets


def fold(text: str, keep_latin_accents: bool = False) -> str:
    return fold_with_offsets(text, keep_latin_accents)[0]


def _is_accented_latin(char: str) -> bool:
    if char in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", char)
    return (
        len(decomposed) > 1
        and decomposed[0].isascii()
        and any(unicodedata.combining(c) for c in decomposed[1:])
    )


def _fold_char(char: str, keep_latin_accents: bool) -> str:
    char = ARABIC_FOLDS.get(char, char)
    char = unicodedata.normalize("NFKC", char).casefold()
    if keep_latin_accents and _is_accented_latin(char):
        return unicodedata.normalize("NFC", char)
    if char == "đ":
        return "d"
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))

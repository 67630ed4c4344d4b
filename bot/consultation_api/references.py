"""Human-readable references: PH-<year>-<sequence> for consultations, HO-<year>-<sequence> for hand-offs."""
from __future__ import annotations

import re
from typing import Optional

CONSULTATION_PREFIX = "PH"
HANDOFF_PREFIX = "HO"
_PATTERN = re.compile(r"(PH|HO)-([0-9]{4})-([0-9]{6,12})")


def make_reference(prefix: str, year: int, sequence: int) -> str:
    """E.g. make_reference("PH", 2026, 123) == "PH-2026-000123" (the sequence is the row id, so it is unique)."""
    if prefix not in (CONSULTATION_PREFIX, HANDOFF_PREFIX):
        raise ValueError(f"unknown reference prefix {prefix!r}")
    if not 1 <= sequence < 10**12 or not 1000 <= year <= 9999:
        raise ValueError("sequence or year out of range")
    return f"{prefix}-{year:04d}-{sequence:06d}"


def is_reference(text: object, prefix: str) -> bool:
    """True when `text` is a well-formed reference with this prefix (anything else cannot exist)."""
    return parse_reference(text, prefix) is not None


def parse_reference(text: object, prefix: str) -> Optional[int]:
    """The sequence number of a well-formed reference with this prefix, else None."""
    if not isinstance(text, str):
        return None
    match = _PATTERN.fullmatch(text)
    if not match or match.group(1) != prefix:
        return None
    return int(match.group(3))

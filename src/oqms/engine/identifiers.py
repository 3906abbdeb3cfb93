"""Chinese identifiers.

The unified social credit code (统一社会信用代码) is defined by GB 32100-2015: 18 characters drawn from
``0-9`` and the 21 letters ``ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S, V). Character 1 is the registering
authority, 2 the entity type, 3-8 the administrative division, 9-17 the organisation code, and 18 a check
character over the first 17 with weights 3^(i) mod 31.
"""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code from its first 17 (GB 32100-2015 §5)."""
    if len(first17) != 17:
        raise ValueError("a unified social credit code has 17 characters before its check character")
    total = 0
    for char, weight in zip(first17, USCC_WEIGHTS, strict=True):
        index = USCC_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not allowed in a unified social credit code")
        total += index * weight
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when the code is valid, else a short reason key: 'length', 'characters' or 'check'."""
    if len(code) != 18:
        return "length"
    if not _USCC_SHAPE.match(code):
        return "characters"
    if uscc_check_character(code[:17]) != code[17]:
        return "check"
    return None

"""Random draws that cannot be predicted without their seed and can be checked by anyone who has it.

Random spot checks (随机抽查) only work if the vendor cannot guess them, and only convince if an auditor can
verify afterwards that nobody picked them by hand. Both hold when every draw is a function of a secret seed
stored on the plan, and that function is simple enough to be recomputed with any tool:

* ``number(seed, label)`` is SHA-256 of the UTF-8 text ``seed|label``, read as a big-endian 256-bit integer.
* ``below(seed, label, n)`` is ``number(seed, label) mod n``: uniform on 0..n-1 (the bias is below n / 2^256).
* ``unit(seed, label)`` is the top 53 bits of that integer divided by 2^53: uniform on [0, 1).
* ``sample(seed, label, items, k)`` draws k items without replacement by a partial Fisher-Yates shuffle: for
  i = 0, 1, ..., k - 1, swap position i with position i + ``below(seed, f"{label}|{i}", n - i)``, and take the
  first k.

Labels name what is drawn (``"2026-12|3|site"``: the site of the 4th inspection of December 2026), so every draw
is independent of the others and of the order they are made in. Nothing here uses Python's ``random``, whose
algorithms are not part of any promise across versions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def new_seed() -> str:
    """A fresh secret seed: 128 random bits as 32 hexadecimal digits."""
    return secrets.token_hex(16)


def _check_seed(seed: str) -> None:
    if not isinstance(seed, str) or not seed:
        raise ValueError("a seed is a non-empty text")


def number(seed: str, label: str) -> int:
    _check_seed(seed)
    return int.from_bytes(hashlib.sha256(f"{seed}|{label}".encode()).digest(), "big")


def below(seed: str, label: str, n: int) -> int:
    """Uniform on 0..n-1."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError("draw below a whole number of at least 1")
    return number(seed, label) % n


def unit(seed: str, label: str) -> float:
    """Uniform on [0, 1)."""
    return (number(seed, label) >> (256 - 53)) / float(1 << 53)


def sample(seed: str, label: str, items: Sequence[T], k: int) -> list[T]:
    """k of the items without replacement (all of them, shuffled, when k is their number)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(items):
        raise ValueError("draw between 0 and as many items as there are")
    pool = list(items)
    for i in range(k):
        j = i + below(seed, f"{label}|{i}", len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def sample_range(seed: str, label: str, n: int, k: int) -> list[int]:
    """``sample(seed, label, range(1, n + 1), k)`` without building the range: the same numbers, in memory
    proportional to k (positions not yet swapped hold their own number)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("draw from a whole number of items")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
        raise ValueError("draw between 0 and as many items as there are")
    moved: dict[int, int] = {}
    drawn = []
    for i in range(k):
        j = i + below(seed, f"{label}|{i}", n - i)
        at_i, at_j = moved.get(i, i + 1), moved.get(j, j + 1)
        moved[i], moved[j] = at_j, at_i
        drawn.append(at_j)
    return drawn


def spread(seed: str, label: str, items: Sequence[T], k: int) -> list[T]:
    """k draws from the items, each used once before any is used again: shuffled rounds (labels
    ``label|round``) laid end to end. For spreading spot checks over sites or people."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError("draw a whole number of at least 0")
    if not items:
        if k:
            raise ValueError("nothing to draw from")
        return []
    drawn: list[T] = []
    round_ = 0
    while len(drawn) < k:
        drawn += sample(seed, f"{label}|{round_}", items, len(items))
        round_ += 1
    return drawn[:k]

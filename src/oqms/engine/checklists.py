"""Scoring an inspection against its checklist.

A checklist is a list of items; an inspection answers each. Every item has a ``weight`` (>= 0) and may be
**critical**. What an answer is worth, as a fraction from 0 to 1, and whether it fails:

* ``pass_fail`` — pass is 1, fail is 0 and fails.
* ``score`` — a score from 0 to ``max_score``: worth ``score / max_score``; fails below ``pass_score``.
* ``numeric`` — a measured value with a ``lower`` and/or ``upper`` limit (inclusive): within them it is worth 1,
  outside 0 and fails.
* ``choice`` — one of the item's ``choices``, each with its own worth (0-1) and whether it passes.
* ``text`` — a remark: not scored, never fails.
* ``photo`` — evidence: a photo must be attached (the inspection cannot be completed without it); not scored.

An answer may be "not applicable" (``applicable=False``): the item is then left out of the score altogether; a
required answer that is missing makes the inspection incomplete (:class:`ChecklistError` ``incomplete``). With no
scored item applicable, the inspection passes unless a critical item failed.

The **score** is the weighted percentage: 100 x sum(weight x worth) / sum(weight) over the applicable scored
items (``None`` when there are none, or their weights add up to 0). The inspection **passes** when the score
reaches the ``pass_mark`` and no critical item fails: any failed critical item fails the inspection whatever the
score. Items that fail are the inspection's findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("pass_fail", "score", "numeric", "choice", "text", "photo")
SCORED = {"pass_fail", "score", "numeric", "choice"}


class ChecklistError(ValueError):
    """An item or an answer that cannot be scored: ``code`` says what (for translated messages), ``item`` which
    item (its key), the message in English."""

    def __init__(self, code: str, message: str, item: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.item = item


@dataclass(frozen=True)
class Choice:
    label: str
    worth: float = 1.0  # 0..1
    passes: bool = True


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    weight: float = 1.0
    critical: bool = False
    max_score: int = 0  # score items
    pass_score: float = 0.0  # score items: below it the item fails
    lower: float | None = None  # numeric items
    upper: float | None = None
    choices: tuple[Choice, ...] = ()  # choice items

    def check(self) -> None:
        """Raise :class:`ChecklistError` when the item cannot be answered or scored."""
        if self.kind not in KINDS:
            raise ChecklistError("kind", f"unknown item kind {self.kind!r}", self.key)
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ChecklistError("weight", "a weight is a number of at least 0", self.key)
        if self.kind == "score":
            if self.max_score < 1:
                raise ChecklistError(
                    "max_score", "a score item needs a highest score of at least 1", self.key
                )
            if not (0 <= self.pass_score <= self.max_score):
                raise ChecklistError(
                    "pass_score", "the passing score must be between 0 and the highest score", self.key
                )
        if self.kind == "numeric":
            if self.lower is None and self.upper is None:
                raise ChecklistError("limits", "a numeric item needs a lower or an upper limit", self.key)
            if any(v is not None and not math.isfinite(v) for v in (self.lower, self.upper)):
                raise ChecklistError("limits", "limits must be finite numbers", self.key)
            if self.lower is not None and self.upper is not None and self.lower > self.upper:
                raise ChecklistError("limits", "the lower limit is above the upper limit", self.key)
        if self.kind == "choice":
            if len(self.choices) < 2:
                raise ChecklistError("choices", "a choice item needs at least two choices", self.key)
            labels = [c.label for c in self.choices]
            if len(set(labels)) != len(labels) or any(not label.strip() for label in labels):
                raise ChecklistError("choices", "choices need distinct, non-empty labels", self.key)
            if any(not (0 <= c.worth <= 1) for c in self.choices):
                raise ChecklistError("choices", "a choice is worth between 0 and 1", self.key)


@dataclass(frozen=True)
class Answer:
    """An answer: ``value`` is True/False (pass/fail), a number (score, numeric), a choice's label (choice) or
    text; ``photos`` the number of photos attached."""

    value: Any = None
    applicable: bool = True
    photos: int = 0


@dataclass(frozen=True)
class Mark:
    """What one answer came to: its worth (None: not scored or not applicable) and whether it failed."""

    key: str
    worth: float | None
    failed: bool
    critical: bool


@dataclass(frozen=True)
class Outcome:
    score: float | None
    passed: bool
    marks: tuple[Mark, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> list[Mark]:
        return [mark for mark in self.marks if mark.failed]

    @property
    def critical_failed(self) -> list[Mark]:
        return [mark for mark in self.marks if mark.failed and mark.critical]


def _number(item: Item, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ChecklistError("value", "this item is answered with a number", item.key)
    return float(value)


def mark(item: Item, answer: Answer | None) -> Mark:
    """Score one item's answer (raises :class:`ChecklistError` ``incomplete`` when a needed answer is missing,
    ``value`` when the answer does not fit the item)."""
    if answer is not None and not answer.applicable:
        return Mark(item.key, None, False, item.critical)
    if item.kind == "text":
        return Mark(item.key, None, False, item.critical)
    if item.kind == "photo":
        if answer is None or answer.photos < 1:
            raise ChecklistError("incomplete", "this item needs a photo", item.key)
        return Mark(item.key, None, False, item.critical)
    if answer is None or answer.value is None or answer.value == "":
        raise ChecklistError("incomplete", "this item has not been answered", item.key)
    value = answer.value
    if item.kind == "pass_fail":
        if not isinstance(value, bool):
            raise ChecklistError("value", "this item is answered pass or fail", item.key)
        return Mark(item.key, 1.0 if value else 0.0, not value, item.critical)
    if item.kind == "score":
        number = _number(item, value)
        if not (0 <= number <= item.max_score):
            raise ChecklistError("value", f"the score is from 0 to {item.max_score}", item.key)
        return Mark(item.key, number / item.max_score, number < item.pass_score, item.critical)
    if item.kind == "numeric":
        number = _number(item, value)
        inside = (item.lower is None or number >= item.lower) and (item.upper is None or number <= item.upper)
        return Mark(item.key, 1.0 if inside else 0.0, not inside, item.critical)
    for choice in item.choices:  # choice
        if choice.label == value:
            return Mark(item.key, choice.worth, not choice.passes, item.critical)
    raise ChecklistError("value", "not one of the item's choices", item.key)


def evaluate(items: Sequence[Item], answers: Mapping[str, Answer], pass_mark: float) -> Outcome:
    """Score answers (by item key) against the items; see the module's rules."""
    if not (math.isfinite(pass_mark) and 0 <= pass_mark <= 100):
        raise ChecklistError("pass_mark", "the pass mark is from 0 to 100")
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise ChecklistError("keys", "item keys must be distinct")
    unknown = set(answers) - set(keys)
    if unknown:
        raise ChecklistError("unknown", f"answers to unknown items: {sorted(unknown)}", sorted(unknown)[0])
    for item in items:
        item.check()
    marks = tuple(mark(item, answers.get(item.key)) for item in items)
    score = weighted_score((item.weight, m.worth) for item, m in zip(items, marks, strict=True))
    critical = any(m.failed and m.critical for m in marks)
    passed = not critical and score is not None and score >= pass_mark
    if (
        score is None and not critical
    ):  # nothing scored (remarks and photos only): passes unless a photo failed
        passed = not any(m.failed for m in marks)
    return Outcome(score, passed, marks)


def weighted_score(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    """100 x sum(weight x worth) / sum(weight) over the pairs with a worth; None without weight. Weights are
    scaled by the largest first, so that tiny weights lose no precision."""
    scored = [(weight, worth) for weight, worth in pairs if worth is not None and weight > 0]
    if not scored:
        return None
    scale = max(weight for weight, _worth in scored)
    total = math.fsum((weight / scale) * worth for weight, worth in scored)
    weights = math.fsum(weight / scale for weight, _worth in scored)
    return round(100.0 * total / weights, 6)

"""Turning a KPI's value into a score from 0 to 100.

Two rules, both for "higher is better" and "lower is better" KPIs:

* **linear** — 100 at or beyond the target, 0 at or beyond the minimum acceptable value, a straight line between.
  A target equal to the minimum is a pass/fail KPI: 100 when met, 0 when not.
* **tiers** — a list of (threshold, score) steps: the score of the best threshold the value reaches; 0 when it
  reaches none. "Reaches" means ``value >= threshold`` when higher is better, ``value <= threshold`` when lower is.

A value of ``None`` ("no data") has no score (``None``): the KPI is left out of the weighted scorecard rather
than counted as 0 or 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

Direction = Literal["higher", "lower"]


class ScoringError(ValueError):
    """A scoring rule that cannot work: ``code`` says what (for translated messages), the message in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_linear(target: float, minimum: float, direction: Direction) -> None:
    if direction not in ("higher", "lower"):
        raise ScoringError("direction", f"direction must be 'higher' or 'lower', not {direction!r}")
    if not (math.isfinite(target) and math.isfinite(minimum)):
        raise ScoringError("not_finite", "target and minimum must be finite numbers")
    if direction == "higher" and minimum > target:
        raise ScoringError(
            "minimum_above_target", "when higher is better, the minimum cannot be above the target"
        )
    if direction == "lower" and minimum < target:
        raise ScoringError(
            "minimum_below_target",
            "when lower is better, the minimum (the worst acceptable) cannot be below the target",
        )


def linear(value: float | None, target: float, minimum: float, direction: Direction) -> float | None:
    check_linear(target, minimum, direction)
    if value is None or not math.isfinite(value):
        return None
    sign = 1.0 if direction == "higher" else -1.0
    if sign * (value - target) >= 0:
        return 100.0
    if target == minimum or sign * (value - minimum) <= 0:
        return 0.0
    return 100.0 * (value - minimum) / (target - minimum)


def check_tiers(tiers: Sequence[tuple[float, float]], direction: Direction) -> None:
    if direction not in ("higher", "lower"):
        raise ScoringError("direction", f"direction must be 'higher' or 'lower', not {direction!r}")
    if not tiers:
        raise ScoringError("no_tiers", "give at least one tier")
    for threshold, score in tiers:
        if not (math.isfinite(threshold) and math.isfinite(score)) or not 0 <= score <= 100:
            raise ScoringError(
                "bad_tier", f"tier ({threshold}, {score}): thresholds are numbers and scores 0 to 100"
            )
    thresholds = [t for t, _s in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise ScoringError("same_threshold", "two tiers have the same threshold")


def tiered(value: float | None, tiers: Sequence[tuple[float, float]], direction: Direction) -> float | None:
    check_tiers(tiers, direction)
    if value is None or not math.isfinite(value):
        return None
    reached = [
        score
        for threshold, score in tiers
        if (value >= threshold if direction == "higher" else value <= threshold)
    ]
    return float(max(reached)) if reached else 0.0


def weighted(scores: Sequence[tuple[float | None, float]]) -> float | None:
    """The weighted mean of (score, weight) pairs, leaving out KPIs without data; None when none has data."""
    for _score, weight in scores:
        if not math.isfinite(weight) or weight < 0:
            raise ScoringError("bad_weight", "weights are numbers of at least 0")
    present = [(s, w) for s, w in scores if s is not None and w > 0]
    total = sum(w for _s, w in present)
    if not present or total == 0:
        return None
    return sum(s * w for s, w in present) / total

"""KPI scores: linear between minimum and target, tiers, weights, and "no data" left out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oqms.engine.scoring import ScoringError, linear, tiered, weighted


@pytest.mark.parametrize(
    ("value", "expected"),
    [(99.0, 100.0), (95.0, 100.0), (92.5, 50.0), (90.0, 0.0), (80.0, 0.0), (None, None)],
)
def test_linear_higher_is_better(value: float | None, expected: float | None) -> None:
    # The seed's fix rate: target 95 %, minimum acceptable 90 %.
    assert linear(value, target=95, minimum=90, direction="higher") == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(100, 100.0), (120, 100.0), (150, 50.0), (180, 0.0), (300, 0.0)]
)
def test_linear_lower_is_better(value: float, expected: float) -> None:
    # The seed's response time: target 120 minutes (2 h), worst acceptable 180.
    assert linear(value, target=120, minimum=180, direction="lower") == expected


def test_pass_fail_when_target_equals_minimum() -> None:
    assert linear(95, 95, 95, "higher") == 100 and linear(94.9, 95, 95, "higher") == 0


@pytest.mark.parametrize(
    ("target", "minimum", "direction"),
    [(90, 95, "higher"), (120, 60, "lower"), (float("nan"), 1, "higher"), (1, 0, "sideways")],
)
def test_impossible_linear_rules_say_why(target: float, minimum: float, direction: str) -> None:
    with pytest.raises(ScoringError):
        linear(1, target, minimum, direction)  # type: ignore[arg-type]


def test_tiers() -> None:
    tiers = [(98, 100), (95, 80), (90, 60)]
    assert [tiered(v, tiers, "higher") for v in (99, 96, 90, 89, None)] == [100, 80, 60, 0, None]
    lower = [(60, 100), (120, 70)]
    assert [tiered(v, lower, "lower") for v in (30, 90, 121)] == [100, 70, 0]
    for bad in ([], [(1, 120)], [(1, 50), (1, 60)]):
        with pytest.raises(ScoringError):
            tiered(1, bad, "higher")


def test_weighted_leaves_out_no_data() -> None:
    assert weighted([(100, 1), (50, 1)]) == 75
    assert weighted([(100, 3), (None, 1)]) == 100
    assert weighted([(None, 1)]) is None and weighted([]) is None
    with pytest.raises(ScoringError):
        weighted([(10, -1)])


@given(
    st.floats(-1e6, 1e6), st.floats(-1e3, 1e3), st.floats(0.001, 1e3), st.sampled_from(["higher", "lower"])
)
def test_linear_is_bounded_and_monotonic(value: float, target: float, gap: float, direction: str) -> None:
    minimum = target - gap if direction == "higher" else target + gap
    score = linear(value, target, minimum, direction)  # type: ignore[arg-type]
    assert score is not None and 0 <= score <= 100
    better = value + 1 if direction == "higher" else value - 1
    assert linear(better, target, minimum, direction) >= score  # type: ignore[arg-type,operator]

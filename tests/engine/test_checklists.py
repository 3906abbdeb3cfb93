"""Checklist scoring: weighted percentage, not-applicable items left out, any failed critical item fails."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oqms.engine.checklists import Answer, ChecklistError, Choice, Item, evaluate, weighted_score

CLEAN = (Choice("干净", 1.0), Choice("一般", 0.5), Choice("脏", 0.0, passes=False))


def _items() -> list[Item]:
    return [
        Item("floor", "pass_fail", weight=2),
        Item("fire_exit", "pass_fail", weight=1, critical=True),
        Item("tidiness", "score", weight=3, max_score=5, pass_score=3),
        Item("temperature", "numeric", weight=1, lower=18, upper=26),
        Item("toilets", "choice", weight=2, choices=CLEAN),
        Item("remarks", "text", weight=5),
        Item("evidence", "photo", weight=5),
    ]


def _answers(**changes: Answer) -> dict[str, Answer]:
    answers = {
        "floor": Answer(True),
        "fire_exit": Answer(True),
        "tidiness": Answer(4),
        "temperature": Answer(22.5),
        "toilets": Answer("一般"),
        "remarks": Answer("整体良好"),
        "evidence": Answer(photos=1),
    }
    return answers | changes


def test_the_score_is_the_weighted_percentage_of_scored_items() -> None:
    outcome = evaluate(_items(), _answers(), pass_mark=80)
    # (2*1 + 1*1 + 3*0.8 + 1*1 + 2*0.5) / (2+1+3+1+2): text and photo are not scored
    assert outcome.score == pytest.approx(100 * 7.4 / 9)
    assert outcome.passed and outcome.failed == []


def test_below_the_pass_mark_fails_and_the_failed_items_are_findings() -> None:
    outcome = evaluate(_items(), _answers(floor=Answer(False), toilets=Answer("脏")), pass_mark=80)
    assert not outcome.passed
    assert [m.key for m in outcome.failed] == ["floor", "toilets"]
    assert outcome.critical_failed == []


def test_a_failed_critical_item_fails_whatever_the_score() -> None:
    outcome = evaluate(_items(), _answers(fire_exit=Answer(False)), pass_mark=0)
    assert outcome.score is not None and outcome.score > 70
    assert not outcome.passed and [m.key for m in outcome.critical_failed] == ["fire_exit"]


def test_limits_and_pass_scores_are_inclusive() -> None:
    items = _items()
    assert not evaluate(items, _answers(temperature=Answer(18.0), tidiness=Answer(3)), 0).failed
    failed = evaluate(items, _answers(temperature=Answer(26.01), tidiness=Answer(2.5)), 0).failed
    assert [m.key for m in failed] == ["tidiness", "temperature"]


def test_not_applicable_items_are_left_out() -> None:
    answers = _answers(tidiness=Answer(None, applicable=False), toilets=Answer(applicable=False))
    outcome = evaluate(_items(), answers, pass_mark=100)
    assert outcome.score == 100.0 and outcome.passed
    nothing = {key: Answer(applicable=False) for key in _answers()}
    empty = evaluate(_items(), nothing, pass_mark=90)
    assert empty.score is None and empty.passed  # nothing scored, nothing failed


@pytest.mark.parametrize(
    ("key", "answer", "code"),
    [
        ("floor", None, "incomplete"),
        ("evidence", Answer(photos=0), "incomplete"),
        ("floor", Answer("yes"), "value"),
        ("tidiness", Answer(6), "value"),
        ("tidiness", Answer(True), "value"),
        ("temperature", Answer(math.nan), "value"),
        ("temperature", Answer("22"), "value"),
        ("toilets", Answer("很脏"), "value"),
    ],
)
def test_bad_or_missing_answers_are_refused(key: str, answer: Answer | None, code: str) -> None:
    answers = _answers()
    if answer is None:
        del answers[key]
    else:
        answers[key] = answer
    with pytest.raises(ChecklistError) as raised:
        evaluate(_items(), answers, pass_mark=80)
    assert raised.value.code == code and raised.value.item == key


@pytest.mark.parametrize(
    ("item", "code"),
    [
        (Item("x", "slider"), "kind"),
        (Item("x", "pass_fail", weight=-1), "weight"),
        (Item("x", "pass_fail", weight=math.inf), "weight"),
        (Item("x", "score", max_score=0), "max_score"),
        (Item("x", "score", max_score=5, pass_score=6), "pass_score"),
        (Item("x", "numeric"), "limits"),
        (Item("x", "numeric", lower=5, upper=1), "limits"),
        (Item("x", "choice", choices=(Choice("a"),)), "choices"),
        (Item("x", "choice", choices=(Choice("a"), Choice("a"))), "choices"),
        (Item("x", "choice", choices=(Choice("a", 2.0), Choice("b"))), "choices"),
    ],
)
def test_items_that_cannot_be_scored_are_refused(item: Item, code: str) -> None:
    with pytest.raises(ChecklistError) as raised:
        item.check()
    assert raised.value.code == code


def test_the_checklist_as_a_whole_is_checked() -> None:
    with pytest.raises(ChecklistError) as raised:
        evaluate(_items(), _answers(), pass_mark=101)
    assert raised.value.code == "pass_mark"
    with pytest.raises(ChecklistError) as raised:
        evaluate([Item("a", "text"), Item("a", "text")], {}, pass_mark=50)
    assert raised.value.code == "keys"
    with pytest.raises(ChecklistError) as raised:
        evaluate(_items(), _answers(other=Answer(True)), pass_mark=50)
    assert raised.value.code == "unknown"


def test_tiny_weights_keep_their_precision() -> None:
    assert weighted_score([(5e-324, 0.5)]) == 50.0
    assert weighted_score([(1e-300, 1.0), (1e-300, 0.0)]) == 50.0
    assert weighted_score([(0.0, 1.0), (2.0, None)]) is None


@given(
    st.lists(
        st.tuples(st.floats(0, 100, allow_nan=False), st.one_of(st.none(), st.floats(0, 1, allow_nan=False))),
        max_size=30,
    )
)
def test_the_weighted_score_is_a_percentage_between_the_worst_and_the_best_worth(
    pairs: list[tuple[float, float | None]],
) -> None:
    score = weighted_score(pairs)
    scored = [(w, v) for w, v in pairs if v is not None and w > 0]
    if not scored:
        assert score is None
        return
    assert score is not None
    assert min(v for _w, v in scored) * 100 - 1e-6 <= score <= max(v for _w, v in scored) * 100 + 1e-6

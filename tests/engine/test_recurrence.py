"""Recurrence rules of periodic inspections."""

from __future__ import annotations

import datetime as dt

import pytest

from oqms.engine.recurrence import EveryNDays, Monthly, RuleError, Weekly, dump, occurrences, parse

D = dt.date


def test_every_monday() -> None:
    days = occurrences(Weekly((0,)), D(2026, 1, 1), D(2026, 12, 1), D(2026, 12, 31))
    assert days == [D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21), D(2026, 12, 28)]
    assert all(d.weekday() == 0 for d in days)


def test_the_first_and_the_last_day_of_the_month() -> None:
    days = occurrences(Monthly((1, -1)), D(2026, 1, 15), D(2026, 1, 1), D(2026, 3, 31))
    assert days == [D(2026, 1, 31), D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 31)]


def test_a_day_a_month_does_not_have_is_its_last() -> None:
    days = occurrences(Monthly((31,)), D(2024, 1, 1), D(2024, 1, 1), D(2024, 4, 30))
    assert days == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)]
    assert occurrences(Monthly((30, -1)), D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 28)) == [D(2025, 2, 28)]


def test_every_n_days_counts_from_the_start() -> None:
    rule = EveryNDays(10)
    assert occurrences(rule, D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 31)) == [
        D(2026, 1, 1),
        D(2026, 1, 11),
        D(2026, 1, 21),
        D(2026, 1, 31),
    ]
    assert occurrences(rule, D(2026, 1, 1), D(2026, 1, 12), D(2026, 1, 25)) == [D(2026, 1, 21)]
    assert occurrences(rule, D(2026, 2, 1), D(2026, 1, 1), D(2026, 1, 31)) == []


def test_rules_round_trip_and_bad_rules_are_refused() -> None:
    for rule in (Weekly((0, 3)), Monthly((-1, 1, 15)), EveryNDays(14)):
        assert parse(dump(rule)) == rule
    for bad, code in [
        ({"kind": "hourly"}, "kind"),
        ({"kind": "weekly"}, "kind"),
        ({"kind": "weekly", "weekdays": []}, "weekdays"),
        ({"kind": "weekly", "weekdays": [7]}, "weekdays"),
        ({"kind": "monthly", "days": [0]}, "days"),
        ({"kind": "monthly", "days": [32]}, "days"),
        ({"kind": "every", "days": 0}, "interval"),
        ({"kind": "every", "days": "7"}, "interval"),
        ({"kind": "every", "days": True}, "interval"),
    ]:
        with pytest.raises(RuleError) as raised:
            parse(bad)  # type: ignore[arg-type]
        assert raised.value.code == code, bad

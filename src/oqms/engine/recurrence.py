"""When periodic inspections fall: simple recurrence rules, like the few cron patterns people actually use.

A rule is one of:

* ``Weekly(weekdays)`` — on these weekdays (0 = Monday ... 6 = Sunday): "every Monday", "Monday and Thursday";
* ``Monthly(days)`` — on these days of the month, 1-31, or -1 for the last day (a day a month does not have is
  its last day: the 31st is 30 April): "the 1st of the month", "the 15th and the last day";
* ``EveryNDays(n)`` — every n days counted from the plan's start: "every 10 days".

:func:`occurrences` lists the days of a rule from a start day on, within a window of days.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


class RuleError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Weekly:
    weekdays: tuple[int, ...]

    def check(self) -> None:
        if not self.weekdays or any(
            isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in self.weekdays
        ):
            raise RuleError("weekdays", "weekdays are 0 (Monday) to 6 (Sunday), at least one")


@dataclass(frozen=True)
class Monthly:
    days: tuple[int, ...]

    def check(self) -> None:
        if not self.days or any(
            isinstance(d, bool) or not isinstance(d, int) or not (1 <= d <= 31 or d == -1) for d in self.days
        ):
            raise RuleError("days", "days of the month are 1 to 31, or -1 for the last day, at least one")


@dataclass(frozen=True)
class EveryNDays:
    n: int

    def check(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= 366:
            raise RuleError("interval", "the interval is 1 to 366 days")


Rule = Weekly | Monthly | EveryNDays


def parse(data: dict[str, object]) -> Rule:
    """A rule from its stored form: ``{"kind": "weekly", "weekdays": [0]}``, ``{"kind": "monthly", "days":
    [1, -1]}`` or ``{"kind": "every", "days": 10}``."""
    kind = data.get("kind") if isinstance(data, dict) else None
    rule: Rule
    try:
        if kind == "weekly":
            rule = Weekly(tuple(sorted(set(data["weekdays"]))))  # type: ignore[call-overload]
        elif kind == "monthly":
            rule = Monthly(tuple(sorted(set(data["days"]))))  # type: ignore[call-overload]
        elif kind == "every":
            rule = EveryNDays(data["days"])  # type: ignore[arg-type]
        else:
            raise RuleError("kind", "a rule is weekly, monthly or every N days")
    except (KeyError, TypeError) as exc:
        raise RuleError("kind", f"a rule that cannot be read: {exc}") from exc
    rule.check()
    return rule


def dump(rule: Rule) -> dict[str, object]:
    if isinstance(rule, Weekly):
        return {"kind": "weekly", "weekdays": list(rule.weekdays)}
    if isinstance(rule, Monthly):
        return {"kind": "monthly", "days": list(rule.days)}
    return {"kind": "every", "days": rule.n}


def _month_days(year: int, month: int, days: tuple[int, ...]) -> list[dt.date]:
    last = calendar.monthrange(year, month)[1]
    return sorted({dt.date(year, month, last if d == -1 else min(d, last)) for d in days})


def occurrences(rule: Rule, start: dt.date, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days of the rule on or after ``start`` within ``first``..``last`` (inclusive), in order."""
    rule.check()
    lo = max(start, first)
    if last < lo:
        return []
    if isinstance(rule, Weekly):
        return [
            lo + dt.timedelta(days=k)
            for k in range((last - lo).days + 1)
            if (lo + dt.timedelta(days=k)).weekday() in rule.weekdays
        ]
    if isinstance(rule, Monthly):
        found: list[dt.date] = []
        year, month = lo.year, lo.month
        while dt.date(year, month, 1) <= last:
            found += [d for d in _month_days(year, month, rule.days) if lo <= d <= last]
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    offset = (lo - start).days
    step = -(-offset // rule.n) * rule.n  # the first multiple of n at or after lo
    day = start + dt.timedelta(days=step)
    days = []
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=rule.n)
    return days

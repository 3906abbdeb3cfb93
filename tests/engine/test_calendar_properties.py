"""Business calendars: properties (hypothesis) over random weekly hours, holidays, closures and DST zones,
checked against each other and against a plain reference implementation written here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from random import Random
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oqms.engine.calendar import BusinessCalendar, _Lookup

UTC = dt.UTC
TOLERANCE = 1e-6  # seconds
# Each zone with its 2025 clock changes (all on Sundays, in the early hours): Berlin 02:00 -> 03:00 and
# 03:00 -> 02:00; New York 02:00 -> 03:00 and 02:00 -> 01:00; Havana at midnight (00:00 -> 01:00, 01:00 -> 00:00);
# Lord Howe by half an hour (02:00 -> 01:30, 02:00 -> 02:30).
CHANGES = {
    "UTC": [],
    "Asia/Shanghai": [],
    "Europe/Berlin": [dt.date(2025, 3, 30), dt.date(2025, 10, 26)],
    "America/New_York": [dt.date(2025, 3, 9), dt.date(2025, 11, 2)],
    "America/Havana": [dt.date(2025, 3, 9), dt.date(2025, 11, 2)],
    "Australia/Lord_Howe": [dt.date(2025, 4, 6), dt.date(2025, 10, 5)],
}
ZONES = list(CHANGES)
WINDOWS = [dt.datetime(2025, 2, 25, tzinfo=UTC), dt.datetime(2025, 9, 28, tzinfo=UTC)]
WINDOW_DAYS = 55
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def clock(half_hours: int) -> str:
    return f"{half_hours // 2:02d}:{30 * (half_hours % 2):02d}"  # 48 -> "24:00"


@dataclass(frozen=True)
class Spec:
    """What a calendar is made of, kept so that the reference can read it too."""

    zone: str
    weekly: dict[int, list[tuple[str, str]]]
    holidays: frozenset[dt.date] = frozenset()
    workdays: dict[dt.date, list[tuple[str, str]]] = field(default_factory=dict)
    closures: tuple[tuple[dt.datetime, dt.datetime], ...] = ()

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.zone, self.weekly, self.holidays, self.workdays, closures=self.closures)

    def hours_on(self, day: dt.date) -> list[tuple[str, str]]:
        if day in self.holidays:
            return []
        return self.workdays.get(day, self.weekly.get(day.weekday(), []))


# A day's hours: boundaries on the half hour, often in the early hours when clocks change; "24:00" included.
hours = st.sets(st.one_of(st.integers(0, 48), st.integers(0, 7)), max_size=6).map(
    lambda points: [
        (clock(a), clock(b)) for a, b in zip(sorted(points)[::2], sorted(points)[1::2], strict=False)
    ]
)


def dates(zone: str) -> st.SearchStrategy[dt.date]:
    in_window = st.builds(
        lambda window, days: (window + dt.timedelta(days=days)).date(),
        st.sampled_from(WINDOWS),
        st.integers(0, WINDOW_DAYS),
    )
    return st.one_of(in_window, st.sampled_from(CHANGES[zone])) if CHANGES[zone] else in_window


@st.composite
def instants(draw: st.DrawFn, zone: str) -> dt.datetime:
    """An instant in a test window or in the days around one of the zone's clock changes, given in any zone."""
    if CHANGES[zone] and draw(st.booleans()):
        change = dt.datetime.combine(draw(st.sampled_from(CHANGES[zone])), dt.time(), UTC)
        moment = change + dt.timedelta(minutes=draw(st.integers(-3 * 1440, 1440)))
    else:
        moment = draw(st.sampled_from(WINDOWS)) + dt.timedelta(
            minutes=draw(st.integers(0, WINDOW_DAYS * 1440))
        )
    moment += dt.timedelta(seconds=draw(st.sampled_from([0, 0, 0, 1, 59])))
    return moment.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))


@st.composite
def specs(draw: st.DrawFn, zone: str) -> Spec:
    weekly = {day: pattern for day in range(7) if (pattern := draw(hours))}
    if not weekly:
        weekly = {0: [("09:00", "17:30")]}  # business time never ends, so add() always has an answer
    holidays = frozenset(draw(st.sets(dates(zone), max_size=4)))
    workdays = {day: draw(hours) for day in draw(st.sets(dates(zone), max_size=3)) if day not in holidays}
    closures = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(instants(zone))
        closures.append((start, start.astimezone(UTC) + dt.timedelta(minutes=draw(st.integers(1, 3 * 1440)))))
    return Spec(zone, weekly, holidays, workdays, tuple(closures))


@st.composite
def cases(draw: st.DrawFn, count: int) -> tuple[Spec, list[dt.datetime]]:
    """A calendar and `count` instants in increasing order, drawn around the calendar zone's clock changes."""
    zone = draw(st.sampled_from(ZONES))
    return draw(specs(zone)), sorted(draw(instants(zone)) for _ in range(count))


def build(spec: Spec) -> BusinessCalendar:
    return spec.calendar()


# --- the reference: day by day, the clock scanned minute by minute ----------------------------------


@lru_cache(maxsize=100_000)
def first_instant_showing(zone_name: str, wall: dt.datetime) -> dt.datetime:
    """The first UTC minute at which the clock in the zone shows `wall` (naive) or a later time."""
    zone = ZoneInfo(zone_name)
    as_utc = wall.replace(tzinfo=UTC)
    around = [(as_utc + dt.timedelta(hours=h)).astimezone(zone).utcoffset() for h in (-30, -12, 0, 12, 30)]
    moment = as_utc - max(o for o in around if o is not None) - dt.timedelta(hours=1)
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += dt.timedelta(minutes=1)
    return moment


def wall_time(day: dt.date, text: str) -> dt.datetime:
    hour, minute = int(text[:2]), int(text[3:])
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour, minutes=minute)


def reference_seconds(spec: Spec, start: dt.datetime, end: dt.datetime) -> float:
    """Business seconds in [start, end]: the union of each day's hours, minus closures, cut into pieces."""
    zone = ZoneInfo(spec.zone)
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # compare instants, never wall times with a fold
    closures = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in spec.closures]
    first, last = start.astimezone(zone).date() - dt.timedelta(days=2), end.astimezone(zone).date()
    spans = []
    day = first
    while day <= last + dt.timedelta(days=1):
        for opens, closes in spec.hours_on(day):
            spans.append(
                (
                    first_instant_showing(spec.zone, wall_time(day, opens)),
                    first_instant_showing(spec.zone, wall_time(day, closes)),
                )
            )
        day += dt.timedelta(days=1)
    points = sorted({start, end, *(p for span in spans for p in span), *(p for c in closures for p in c)})
    total = dt.timedelta()
    for piece_start, piece_end in zip(points, points[1:], strict=False):
        inside = start <= piece_start and piece_end <= end
        working = any(a <= piece_start < b for a, b in spans)
        closed = any(a <= piece_start < b for a, b in closures)
        if inside and working and not closed:
            total += piece_end - piece_start
    return total.total_seconds()


# --- properties -----------------------------------------------------------------------------------


@FAST
@given(cases(3))
def test_additive(case: tuple[Spec, list[dt.datetime]]) -> None:
    spec, (a, b, c) = case
    calendar = build(spec)
    whole = calendar.business_seconds(a, c)
    assert abs(calendar.business_seconds(a, b) + calendar.business_seconds(b, c) - whole) <= TOLERANCE
    assert 0 <= whole <= (c - a).total_seconds() + TOLERANCE


@FAST
@given(cases(1), st.integers(0, 14 * 86_400_000).map(lambda ms: ms / 1000))
def test_add_inverts_business_seconds_and_is_minimal(
    case: tuple[Spec, list[dt.datetime]], seconds: float
) -> None:
    spec, (start,) = case
    calendar = build(spec)
    due = calendar.add(start, seconds)
    assert due >= start and due.tzinfo == calendar.timezone
    assert abs(calendar.business_seconds(start, due) - seconds) <= TOLERANCE
    just_before = due.astimezone(UTC) - dt.timedelta(
        microseconds=1
    )  # aware arithmetic is wall-clock: use UTC
    if seconds > 0 and just_before >= start:
        assert calendar.business_seconds(start, just_before) < seconds - TOLERANCE / 2


@FAST
@given(cases(2))
def test_add_of_business_seconds_comes_back_no_later(case: tuple[Spec, list[dt.datetime]]) -> None:
    spec, (start, end) = case
    calendar = build(spec)
    back = calendar.add(start, calendar.business_seconds(start, end))
    assert start <= back <= end
    assert calendar.business_seconds(back, end) <= TOLERANCE  # no business time between them


@FAST
@given(cases(3), st.integers(0, 5 * 86_400), st.integers(0, 5 * 86_400))
def test_monotonic(case: tuple[Spec, list[dt.datetime]], x1: int, x2: int) -> None:
    spec, (a, b, c) = case
    calendar = build(spec)
    assert calendar.business_seconds(a, b) <= calendar.business_seconds(a, c) + TOLERANCE  # in the end
    assert calendar.business_seconds(b, c) <= calendar.business_seconds(a, c) + TOLERANCE  # in the start
    low, high = sorted([x1, x2])
    assert calendar.add(a, low) <= calendar.add(a, high)  # in the budget
    assert calendar.add(a, low) <= calendar.add(b, low)  # in the start


@FAST
@given(cases(0))
def test_holidays_never_count(case: tuple[Spec, list[dt.datetime]]) -> None:
    spec, _ = case
    calendar = build(spec)
    zone = ZoneInfo(spec.zone)
    for holiday in spec.holidays:
        begins = dt.datetime.combine(holiday, dt.time(), zone)
        ends = dt.datetime.combine(holiday + dt.timedelta(days=1), dt.time(), zone)
        if ends > begins:
            assert calendar.business_seconds(begins, ends) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(16), st.lists(st.integers(0, 10 * 86_400), min_size=8, max_size=8), st.randoms())
def test_arrays_equal_scalars(case: tuple[Spec, list[dt.datetime]], budgets: list[int], rnd: Random) -> None:
    spec, moments = case
    calendar = build(spec)
    rnd.shuffle(moments)
    pairs = [sorted(moments[k : k + 2]) for k in range(0, 16, 2)]
    rows = [(a, b, x) for (a, b), x in zip(pairs, budgets, strict=True)]
    starts = np.array([a.astimezone(UTC).replace(tzinfo=None) for a, _ in pairs], "datetime64[us]")
    ends = np.array([b.astimezone(UTC).replace(tzinfo=None) for _, b in pairs], "datetime64[us]")
    seconds = np.array([x for _, _, x in rows], float)
    starts[::5], seconds[1::4] = np.datetime64("NaT"), np.nan
    elapsed, due = calendar.business_seconds_array(starts, ends), calendar.add_array(starts, seconds)
    for index, (start, end) in enumerate(pairs):
        if np.isnat(starts[index]):
            assert np.isnan(elapsed[index]) and np.isnat(due[index])
            continue
        assert abs(elapsed[index] - calendar.business_seconds(start, end)) <= TOLERANCE
        if np.isnan(seconds[index]):
            assert np.isnat(due[index])
        else:
            expected = calendar.add(start, float(seconds[index])).astimezone(UTC).replace(tzinfo=None)
            assert due[index] == np.datetime64(expected, "ns")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(1), st.integers(0, 3 * 1440 * 60))
def test_business_seconds_match_the_reference(case: tuple[Spec, list[dt.datetime]], span: int) -> None:
    spec, (start,) = case
    end = start.astimezone(UTC) + dt.timedelta(seconds=span)
    assert abs(build(spec).business_seconds(start, end) - reference_seconds(spec, start, end)) <= TOLERANCE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(1), st.integers(1, 2 * 86_400))
def test_add_matches_the_reference(case: tuple[Spec, list[dt.datetime]], seconds: int) -> None:
    spec, (start,) = case
    due = build(spec).add(start, seconds)
    assert abs(reference_seconds(spec, start, due) - seconds) <= TOLERANCE
    assert reference_seconds(spec, start, due.astimezone(UTC) - dt.timedelta(microseconds=1)) < seconds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([(zone, day) for zone, days in CHANGES.items() for day in days]),
    st.sets(st.integers(0, 8), min_size=2, max_size=6),
    st.integers(1, 4 * 3600),
)
def test_clock_change_days_match_the_reference(
    zone_day: tuple[str, dt.date], points: set[int], seconds: int
) -> None:
    # Hours starting and ending inside the skipped or repeated early hours of the very day the clock changes.
    zone, day = zone_day
    ordered = sorted(points)
    pattern = [(clock(a), clock(b)) for a, b in zip(ordered[::2], ordered[1::2], strict=False)]
    spec = Spec(zone, {6: pattern}, workdays={day - dt.timedelta(days=1): pattern})
    calendar = spec.calendar()
    start = dt.datetime.combine(day, dt.time(), UTC) - dt.timedelta(hours=40)
    end = start + dt.timedelta(hours=80)
    assert abs(calendar.business_seconds(start, end) - reference_seconds(spec, start, end)) <= TOLERANCE
    total = reference_seconds(spec, start, end)
    due = calendar.add(start, min(seconds, total))
    assert abs(reference_seconds(spec, start, due) - min(seconds, total)) <= TOLERANCE
    assert reference_seconds(spec, start, due.astimezone(UTC) - dt.timedelta(microseconds=1)) < min(
        seconds, total
    )


@settings(max_examples=100, deadline=None)
@given(
    st.sets(st.integers(-(10**6), 10**6), max_size=60),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=50),
    st.sampled_from(["left", "right"]),
)
def test_bucket_lookup_equals_binary_search(values: set[int], queries: list[int], side: str) -> None:
    # The table's O(1) lookup (buckets plus a few fixed corrections) against np.searchsorted.
    ordered = np.array(sorted(values), np.int64)
    lookup = _Lookup.build(ordered, -(10**6), 2 * 10**6, side)
    asked = np.array(queries, np.int64)
    assert lookup.count(asked).tolist() == np.searchsorted(ordered, asked, side=side).tolist()  # type: ignore[call-overload]

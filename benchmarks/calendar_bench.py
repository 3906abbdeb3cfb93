"""Business time for a million work orders on the China calendar: the array forms against a floor and a loop.

For 1,000,000 work orders opened at random over 2024-2026 (mostly in office hours, fewer at weekends) with
durations from minutes to weeks, it times ``business_seconds_array`` (elapsed business time) and ``add_array``
(due times for SLA targets of 30 minutes to 80 business hours), each against

- the floor: two ``np.searchsorted`` calls of the same arrays over the calendar's table, the least work any
  table lookup must do (``ratio`` in the report);
- a naive loop walking each record day by day with datetimes, timed on 2,000 records and extrapolated
  (``speedup_vs_naive`` in the extras); its answers are checked against the array forms on the way.

``python -m benchmarks.calendar_bench [records]`` runs it on its own, without Django.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from oqms.engine.calendar import CHINA_WEEKLY, china_calendar, china_holidays

if TYPE_CHECKING:
    from benchmarks.cases import Result

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year (no daylight saving since 1991)
NAIVE_SAMPLE = 2_000
REPEAT = 5
HOUR_NS = 3_600_000_000_000
TARGET_HOURS = [0.5, 1, 2, 4, 8, 16, 24, 40, 80]
TARGET_WEIGHTS = [0.10, 0.15, 0.20, 0.20, 0.15, 0.08, 0.06, 0.04, 0.02]


def work_orders(records: int, seed: int = 2025) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Opened and closed times (datetime64[ns], UTC) and SLA targets (business seconds)."""
    rng = np.random.default_rng(seed)
    first, last = np.datetime64("2024-01-01"), np.datetime64("2027-01-01")
    days = first + rng.integers(0, (last - first).astype(int), records).astype("timedelta64[D]")
    weekend = np.isin((days.astype(np.int64) + 3) % 7, [5, 6])
    redraw = weekend & (rng.random(records) < 0.6)  # fewer tickets at weekends
    days[redraw] += np.timedelta64(2, "D")
    office = rng.random(records) < 0.8  # 80 % raised between 08:00 and 19:00, the rest at any hour
    seconds = np.where(office, rng.uniform(8 * 3600, 19 * 3600, records), rng.uniform(0, 86_400, records))
    local = days.astype("datetime64[ns]") + (seconds * 1e9).astype("timedelta64[ns]")
    opened = local - np.timedelta64(8, "h")
    duration = np.exp(rng.uniform(np.log(5 * 60), np.log(21 * 86_400), records))  # 5 minutes to 3 weeks
    closed = opened + (duration * 1e9).astype("timedelta64[ns]")
    targets = rng.choice(TARGET_HOURS, records, p=TARGET_WEIGHTS) * 3600.0
    return opened, closed, targets


# --- the naive loop: one record at a time, day by day, with datetimes -------------------------------


def naive_hours() -> Callable[[dt.date], list[tuple[dt.datetime, dt.datetime]]]:
    holidays, workdays, _ = china_holidays()
    weekly = {
        day: [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in hours]
        for day, hours in CHINA_WEEKLY.items()
    }

    def hours_on(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if day in holidays:
            return []
        pattern = weekly[0] if day in workdays else weekly.get(day.weekday(), [])
        return [
            (dt.datetime.combine(day, a, SHANGHAI), dt.datetime.combine(day, b, SHANGHAI)) for a, b in pattern
        ]

    return hours_on


def naive_business_seconds(hours_on: Any, start: dt.datetime, end: dt.datetime) -> float:
    total, day = 0.0, start.astimezone(SHANGHAI).date()
    while day <= end.astimezone(SHANGHAI).date():
        for opens, closes in hours_on(day):
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += dt.timedelta(days=1)
    return total


def naive_add(hours_on: Any, start: dt.datetime, seconds: float) -> dt.datetime:
    if seconds == 0:
        return start
    left, day = seconds, start.astimezone(SHANGHAI).date()
    while True:
        for opens, closes in hours_on(day):
            begin = max(opens, start)
            available = (closes - begin).total_seconds()
            if available > 0 and left <= available:
                return begin + dt.timedelta(seconds=left)
            left -= max(0.0, available)
        day += dt.timedelta(days=1)


def as_datetime(value: np.datetime64) -> dt.datetime:
    return value.astype("datetime64[us]").item().replace(tzinfo=dt.UTC)


# --- the measurement ------------------------------------------------------------------------------


def median_seconds(run: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(records: int = 1_000_000) -> dict[str, Any]:
    """All the figures, as plain numbers (no Django involved)."""
    opened, closed, targets = work_orders(records)
    fresh = china_calendar(dict(CHINA_WEEKLY))  # a new instance: its first call builds the table
    started = time.perf_counter()
    fresh.business_seconds_array(opened[:1], opened[:1] + np.timedelta64(1, "s"))
    fresh.business_seconds_array(np.array([opened.min()]), np.array([closed.max()]))
    build = time.perf_counter() - started

    calendar = china_calendar()
    elapsed, due = (
        calendar.business_seconds_array(opened, closed),
        calendar.add_array(opened, targets),
    )  # warm
    table = calendar._table  # the same arrays the lookups search
    assert table is not None
    opened_ns, closed_ns = opened.view(np.int64), closed.view(np.int64)
    cum_end = table.cum[1:].copy()  # what add_array searches: the cumulative business time reached
    reached = table.elapsed(opened_ns) + (targets * 1e9).astype(np.int64)
    figures: dict[str, Any] = {
        "records": records,
        "table_intervals": len(table.ends),
        "table_kib": round(table.nbytes / 1024, 1),
        "table_build_ms": round(build * 1000, 1),
        "elapsed_s": median_seconds(lambda: calendar.business_seconds_array(opened, closed)),
        "elapsed_floor_s": median_seconds(
            lambda: (
                np.searchsorted(table.ends, opened_ns, "right"),
                np.searchsorted(table.ends, closed_ns, "right"),
            )
        ),
        "due_s": median_seconds(lambda: calendar.add_array(opened, targets)),
        "due_floor_s": median_seconds(
            lambda: (
                np.searchsorted(table.ends, opened_ns, "right"),
                np.searchsorted(cum_end, reached, "left"),
            )
        ),
    }
    figures.update(naive(elapsed, due, opened, closed, targets, records))
    return figures


def naive(
    elapsed: np.ndarray,
    due: np.ndarray,
    opened: np.ndarray,
    closed: np.ndarray,
    targets: np.ndarray,
    records: int,
) -> dict[str, Any]:
    """Time the day-by-day loop on a sample, extrapolate it, and check that it gives the same answers."""
    hours_on, sample = naive_hours(), range(min(NAIVE_SAMPLE, records))
    starts = [as_datetime(opened[i]) for i in sample]
    ends = [as_datetime(closed[i]) for i in sample]
    began = time.perf_counter()
    naive_elapsed = [naive_business_seconds(hours_on, starts[i], ends[i]) for i in sample]
    elapsed_loop = (time.perf_counter() - began) * records / len(sample)
    began = time.perf_counter()
    naive_due = [naive_add(hours_on, starts[i], float(targets[i])) for i in sample]
    due_loop = (time.perf_counter() - began) * records / len(sample)
    worst_elapsed = max(abs(naive_elapsed[i] - elapsed[i]) for i in sample)
    worst_due = max(abs((naive_due[i] - as_datetime(due[i])).total_seconds()) for i in sample)
    if worst_elapsed > 1e-3 or worst_due > 1e-3:
        raise AssertionError(f"the naive loop disagrees: {worst_elapsed} s elapsed, {worst_due} s due")
    return {"elapsed_naive_s": elapsed_loop, "due_naive_s": due_loop}


def calendar_cases(records: int = 1_000_000) -> list[Result]:
    """The two calendar benchmarks as report rows: floor as the baseline, the naive loop in the extras."""
    from benchmarks.cases import Result

    f = measure(records)
    table = {
        "table_intervals": f["table_intervals"],
        "table_kib": f["table_kib"],
        "table_build_ms": f["table_build_ms"],
    }
    floor_name = f"2 np.searchsorted x {records:,} over the table"
    return [
        Result(
            f"calendar: elapsed business time, {records:,} work orders",
            f["elapsed_s"],
            floor_name,
            f["elapsed_floor_s"],
            records / f["elapsed_s"],
            "records/s",
            {
                "records": records,
                "naive_loop_s": round(f["elapsed_naive_s"], 1),
                "speedup_vs_naive": round(f["elapsed_naive_s"] / f["elapsed_s"]),
                **table,
            },
        ),
        Result(
            f"calendar: due times (add_array), {records:,} work orders",
            f["due_s"],
            floor_name,
            f["due_floor_s"],
            records / f["due_s"],
            "records/s",
            {
                "records": records,
                "naive_loop_s": round(f["due_naive_s"], 1),
                "speedup_vs_naive": round(f["due_naive_s"] / f["due_s"]),
            },
        ),
    ]


def main(argv: list[str]) -> int:
    records = int(argv[0]) if argv else 1_000_000
    f = measure(records)
    print(
        f"China calendar, {records:,} work orders opened 2024-2026; table: {f['table_intervals']} intervals, "
        f"{f['table_kib']} KiB, built in {f['table_build_ms']} ms"
    )
    print(
        f"{'':24}{'time':>10}{'records/s':>14}{'floor':>10}{'vs floor':>10}{'naive loop':>12}{'speedup':>10}"
    )
    for label, key in (("business_seconds_array", "elapsed"), ("add_array", "due")):
        seconds, floor, loop = f[f"{key}_s"], f[f"{key}_floor_s"], f[f"{key}_naive_s"]
        print(
            f"{label:24}{seconds * 1000:>8.1f}ms{records / seconds:>14,.0f}{floor * 1000:>8.1f}ms"
            f"{seconds / floor:>9.2f}x{loop:>11.1f}s{loop / seconds:>9,.0f}x"
        )
    print(
        f"(naive loop: {NAIVE_SAMPLE:,} records timed and extrapolated; goals: >= 100x the loop, <= 3x the floor)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

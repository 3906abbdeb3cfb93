"""Business time: how much of a span falls inside working hours, and when a budget of working time runs out.

A :class:`BusinessCalendar` is a time zone, weekly wall-clock hours, holidays (days off), make-up workdays (days
that work although they would be off) and closures (periods without business time, e.g. a typhoon). It answers
``business_seconds(start, end)`` and ``add(start, seconds)`` for single datetimes and for whole numpy arrays.

**Table.** The business intervals are turned into UTC epoch nanoseconds (int64) and kept as one sorted table:
interval ends, the business time before each interval (cumulative) and ``start - cumulative`` (shift). Business
time up to an instant ``t`` is ``max(cum[k], t - shift[k])`` where ``k`` counts the intervals ended by ``t``;
the instant at which a cumulative amount is reached is ``target + shift[k]`` where ``k`` counts the intervals
completed before it. Each count is ``np.searchsorted`` in effect; it is done in O(1) through a bucket index
(the count at each bucket's edge plus at most three fixed vectorised corrections) and falls back to binary
search, O(log n), where intervals are too dense for buckets (see ``_Lookup``). The array forms do this for all
records at once: no Python loop per record.

**Window.** The table covers a window of instants that grows lazily (and atomically: readers keep the snapshot
they started with, so one calendar can be shared between threads): the first call builds the months around
its instants, a later call outside the window extends it on that side, and ``add`` extends it forward until the
budget is reached. Touching intervals are merged (a 24x7 calendar is a single interval). A window spans at most
140 years, so that every difference fits in int64; a query far from the current window replaces it, and one
query over more than 140 years raises ValueError. Memory is about 100 bytes per interval (24 for the table, the
rest for the bucket index): the China calendar, with two intervals a workday, needs ~50 KB per year of window.
Zone transitions are sampled once per (zone, year) and cached for the process.

**Daylight saving.** Hours are wall-clock hours of the calendar's zone, so a day whose hours include a clock
change has its real length (Berlin 00:00-24:00 is 23 h on 2025-03-30 and 25 h on 2025-10-26). A wall-clock time
means *the first instant at which the clock shows that time or a later one*: a time inside a repeated hour is
its first occurrence (hours 01:00-04:00 on a fall-back night include both passes of the repeated hour; hours
ending at 02:30 end the first time the clock shows 02:30), and a time skipped by a spring-forward jump is the
jump itself (hours 02:00-02:30 on that night are empty, 02:30-04:00 start when the clock jumps to 03:00).

Instants are supported from 1680-01-01 to 2260-01-01 UTC (the range of datetime64[ns]); precision is 1 ns
in the array forms and 1 us in the datetime forms.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import ArrayLike, NDArray

from oqms.engine import cn_holidays

TimeLike: TypeAlias = str | dt.time
Hours: TypeAlias = Iterable[tuple[TimeLike, TimeLike]]
Ints: TypeAlias = NDArray[np.int64]

CHINA_HOLIDAY_YEARS: tuple[int, ...] = cn_holidays.YEARS
CHINA_WEEKLY: Mapping[int, tuple[tuple[TimeLike, TimeLike], ...]] = MappingProxyType(
    {day: (("09:00", "12:00"), ("13:00", "18:00")) for day in range(5)}
)
SUPPORTED_FROM = dt.datetime(1680, 1, 1, tzinfo=dt.UTC)
SUPPORTED_UNTIL = dt.datetime(2260, 1, 1, tzinfo=dt.UTC)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NS = 1_000_000_000
_DAY_US = 86_400_000_000
_DAY_NS = 86_400 * _NS
_EPOCH_DATE = dt.date(1970, 1, 1)
_STEP = 32 * 86_400 * _NS  # the window grows in steps of 32 days at least
_MAX_SPAN = 140 * 365 * 86_400 * _NS  # a window's width: its differences stay far inside int64
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def _ns(value: dt.datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000


_MIN_NS, _MAX_NS = _ns(SUPPORTED_FROM), _ns(SUPPORTED_UNTIL)
_BOUNDS = (np.datetime64("1680-01-01", "D"), np.datetime64("2260-01-01", "D"))


# --- validation and conversion --------------------------------------------------------------------


def _zone(timezone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(timezone, ZoneInfo):
        return timezone
    if isinstance(timezone, str):
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {timezone!r}: use an IANA name such as 'Asia/Shanghai'"
            ) from None
    raise ValueError(f"timezone must be an IANA name or a zoneinfo.ZoneInfo, got {timezone!r}")


def _clock(us: int) -> str:
    minutes, rest = divmod(us, 60_000_000)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return text if not rest else f"{text}:{rest / 1_000_000:09.6f}".rstrip("0").rstrip(".")


def _time_us(value: object, *, end: bool, where: str) -> int:
    """Microseconds after local midnight; '24:00' (the next midnight) only as an end."""
    if isinstance(value, str):
        match = _TIME.fullmatch(value)
        hour, minute = (int(match[1]), int(match[2])) if match else (99, 99)
        if (hour, minute) == (24, 0):
            if not end:
                raise ValueError(f"{where}: '24:00' can only end a day's hours, not start them")
            return _DAY_US
        if hour > 23 or minute > 59:
            raise ValueError(
                f"{where}: {value!r} is not a time: use 'HH:MM' (00:00 to 24:00) or datetime.time"
            )
        return (hour * 60 + minute) * 60_000_000
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError(
                f"{where}: {value} has a time zone; hours are wall-clock times of the calendar's zone"
            )
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    raise ValueError(f"{where}: {value!r} is not a time: use 'HH:MM' (00:00 to 24:00) or datetime.time")


def _hours(hours: Hours, where: str) -> tuple[tuple[int, int], ...]:
    """A day's hours as sorted, non-overlapping (start, end) microseconds after midnight."""
    parsed: list[tuple[int, int]] = []
    for pair in hours:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"{where}: {pair!r} is not a (start, end) pair")
        start, end = _time_us(pair[0], end=False, where=where), _time_us(pair[1], end=True, where=where)
        span = f"{_clock(start)}-{_clock(end)}"
        if end <= start:
            raise ValueError(f"{where}: {span} ends at or before its start (end a day with '24:00')")
        if parsed and start < parsed[-1][0]:
            raise ValueError(f"{where}: hours are not in order: {span} comes after {_clock(parsed[-1][0])}")
        if parsed and start < parsed[-1][1]:
            raise ValueError(f"{where}: {_clock(parsed[-1][0])}-{_clock(parsed[-1][1])} overlaps {span}")
        parsed.append((start, end))
    return tuple(parsed)


def _date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{what} must be a datetime.date, got {value!r}")
    return value


def _instant(value: object, name: str) -> int:
    """Nanoseconds since the epoch of an aware datetime; naive or out-of-range datetimes are refused."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime ({value.isoformat()}): pass an aware one (with tzinfo)")
    ns = _ns(value)
    if not _MIN_NS <= ns < _MAX_NS:
        raise ValueError(
            f"{name} {value.isoformat()} is outside the supported range 1680-01-01 to 2260-01-01 UTC"
        )
    return ns


def _budget(seconds: object) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"seconds must be a number, got {seconds!r}")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"seconds must be a finite number, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds!r}")
    ns = seconds * _NS if isinstance(seconds, int) else round(seconds * _NS)
    if ns >= _MAX_SPAN:
        raise ValueError(f"seconds={seconds!r} reaches beyond the supported range")
    return ns


def _datetime(ns: int, zone: ZoneInfo) -> dt.datetime:
    return (_EPOCH + dt.timedelta(microseconds=(ns + 500) // 1000)).astimezone(zone)


def _instants(values: ArrayLike, name: str) -> tuple[Ints, NDArray[np.bool_] | None, int, int]:
    """Flat int64 epoch nanoseconds, the NaT mask (None without NaT), and the min/max of the others."""
    array = np.asarray(values)
    if array.dtype.kind != "M":
        raise TypeError(f"{name} must be a numpy datetime64 array (UTC), got dtype {array.dtype}")
    array = array.ravel()
    if np.datetime_data(array.dtype)[0] in ("ps", "fs", "as"):
        array = array.astype("datetime64[ns]")
    nat = np.isnat(array)
    missing = nat if nat.any() else None
    present = array if missing is None else array[~nat]
    if present.size == 0:
        return np.zeros(array.shape, np.int64), missing, _MIN_NS, _MIN_NS
    earliest, latest = present.min(), present.max()
    if earliest < _BOUNDS[0] or latest >= _BOUNDS[1]:
        raise ValueError(f"{name} has values outside the supported range 1680-01-01 to 2260-01-01 UTC")
    ints = array.astype("datetime64[ns]", copy=False).view(np.int64)
    low, high = (int(np.datetime64(value, "ns").astype(np.int64)) for value in (earliest, latest))
    if missing is not None:
        ints = np.where(missing, low, ints)
    return ints, missing, low, high


def _budgets(seconds: ArrayLike, shape: tuple[int, ...]) -> tuple[Ints, NDArray[np.bool_] | None]:
    """Flat int64 nanoseconds of a seconds array (numbers or timedelta64), and its NaN/NaT mask."""
    array = np.asarray(seconds)
    if array.shape != shape and array.ndim != 0:
        raise ValueError(f"starts and seconds differ in shape: {shape} and {array.shape}")
    kind, too_long = array.dtype.kind, f"seconds must stay below {_MAX_SPAN // _NS} (140 years)"
    if kind == "m":
        missing = np.isnat(array)
        ns = array.astype("timedelta64[ns]").view(np.int64)
    elif kind in "iu":
        if array.size and array.max() >= _MAX_SPAN // _NS:
            raise ValueError(too_long)
        missing, ns = np.zeros(array.shape, bool), array.astype(np.int64) * _NS
    elif kind == "f":
        missing = np.isnan(array)
        if np.isinf(array).any():
            raise ValueError("seconds must be finite; the array holds an infinity")
        if (array >= _MAX_SPAN / _NS).any():
            raise ValueError(too_long)
        ns = np.rint(np.where(missing, 0.0, array) * _NS).astype(np.int64)
    else:
        raise TypeError(f"seconds must be a numeric or timedelta64 array, got dtype {array.dtype}")
    if (ns >= _MAX_SPAN).any():
        raise ValueError(too_long)
    ns, missing = np.broadcast_to(ns, shape).ravel(), np.broadcast_to(missing, shape).ravel()
    negative = (ns < 0) & ~missing
    if negative.any():
        raise ValueError(
            f"seconds must be >= 0; {int(negative.sum())} negative, first at index {negative.argmax()}"
        )
    return np.where(missing, 0, ns) if missing.any() else ns, missing if missing.any() else None


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lookup:
    """Where sorted values fall, in O(1): the count below each bucket edge, then a few fixed corrections.

    ``count(q)`` is ``searchsorted(values, q, side)``. The query range is cut into buckets of 2**width; a bucket
    holds at most ``passes`` values, so the count at the bucket's edge plus ``passes`` vectorised steps of "one
    more if the next value is still below q" gives the answer. Without a bucket size that keeps ``passes``
    small (dense closures), it falls back to ``np.searchsorted``.
    """

    values: Ints  # sorted, followed by a sentinel int64 max
    side: str  # "right": count values <= q; "left": count values < q
    origin: int
    width: int
    first: Ints | None  # the count at each bucket's lower edge; None: use np.searchsorted
    passes: int

    @classmethod
    def build(cls, values: Ints, origin: int, span: int, side: str) -> _Lookup:
        padded = np.append(values, np.iinfo(np.int64).max)
        width = max(0, (span // (2 * len(values) + 1)).bit_length() - 1)  # about two buckets per value
        for _ in range(3):  # halve the buckets until none holds more than 3 values (at most 8 per value)
            edges = origin + (np.arange((span >> width) + 1, dtype=np.int64) << width)
            first = np.searchsorted(values, edges, side=side)  # type: ignore[call-overload]
            passes = int(np.diff(first, append=len(values)).max(initial=0))
            if passes <= 3:
                return cls(padded, side, origin, width, first.astype(np.int64), passes)
            if width == 0:
                break
            width -= 1
        return cls(padded, side, origin, width, None, 0)

    def count(self, queries: Ints) -> Ints:
        if self.first is None:
            found: Ints = np.searchsorted(self.values[:-1], queries, side=self.side)  # type: ignore[call-overload]
            return found
        index = self.first.take((queries - self.origin) >> self.width)
        for _ in range(self.passes):
            index += (
                (self.values.take(index) <= queries)
                if self.side == "right"
                else (self.values.take(index) < queries)
            )
        return index


@dataclass(frozen=True)
class _Table:
    """Business intervals inside the window [lo, hi], as cumulative business nanoseconds (see module doc)."""

    lo: int
    hi: int
    ends: Ints  # n interval ends
    cum: Ints  # n + 1: business time before interval i; cum[n] is the window's total
    shift: Ints  # n + 1: interval start - cum, with a sentinel start of hi
    by_instant: _Lookup  # over ends: how many intervals end at or before an instant
    by_amount: _Lookup  # over cum[1:]: how many intervals end before an amount of business time is reached

    @classmethod
    def build(cls, lo: int, hi: int, starts: Ints, ends: Ints) -> _Table:
        if len(starts) > 1:  # merge intervals that touch (24:00 followed by 00:00, a split at a window edge)
            apart = starts[1:] != ends[:-1]
            starts, ends = starts[np.r_[True, apart]], ends[np.r_[apart, True]]
        cum = np.zeros(len(starts) + 1, np.int64)
        np.cumsum(ends - starts, out=cum[1:])
        shift = np.append(starts, np.int64(hi)) - cum
        by_instant = _Lookup.build(ends, lo, hi - lo, "right")
        by_amount = _Lookup.build(cum[1:], 0, int(cum[-1]), "left")
        return cls(lo, hi, np.ascontiguousarray(ends), cum, shift, by_instant, by_amount)

    @property
    def total(self) -> int:
        return int(self.cum[-1])

    @property
    def nbytes(self) -> int:
        parts = [self.ends, self.cum, self.shift, self.by_instant.values, self.by_amount.values]
        parts += [lookup.first for lookup in (self.by_instant, self.by_amount) if lookup.first is not None]
        return sum(part.nbytes for part in parts)

    def starts(self) -> Ints:
        return self.shift[:-1] + self.cum[:-1]

    def elapsed(self, at: Ints) -> Ints:
        """Business nanoseconds from the window start to each instant (lo <= at <= hi)."""
        index = self.by_instant.count(at)
        elapsed: Ints = np.maximum(self.cum.take(index), at - self.shift.take(index))
        return elapsed

    def instant(self, target: Ints) -> Ints:
        """The earliest instant at which the cumulative business time reaches each target (0 < target <= total)."""
        instants: Ints = target + self.shift.take(self.by_amount.count(target))
        return instants


class BusinessTimeline:
    """What a :class:`BusinessCalendar` and a :func:`chain` of them share: the four business-time operations."""

    def __init__(self) -> None:
        self._table: _Table | None = None
        self._lock = threading.Lock()

    @property
    def timezone(self) -> ZoneInfo:
        raise NotImplementedError

    def _intervals(self, lo: int, hi: int) -> tuple[Ints, Ints]:
        """Sorted, disjoint business intervals clipped to [lo, hi)."""
        raise NotImplementedError

    def _business_until(self) -> int | None:
        """An instant after which there is no business time at all; None when business time never ends."""
        raise NotImplementedError

    # -- the window --

    def _window(self, lo: int, hi: int) -> _Table:
        """A table covering [lo, hi]: the current one, or a grown one (or a new one if that would be too wide)."""
        table = self._table
        if table is not None and table.lo <= lo and hi <= table.hi:
            return table
        if hi - lo > _MAX_SPAN - 3 * _STEP:
            raise ValueError("business time over a span of more than 140 years is not supported")
        with self._lock:
            table = self._table
            if table is None or max(hi, table.hi) - min(lo, table.lo) > _MAX_SPAN - 3 * _STEP:
                new_lo, new_hi = max(_MIN_NS, lo - _STEP), min(_MAX_NS, hi + 2 * _STEP)
                table = _Table.build(new_lo, new_hi, *self._intervals(new_lo, new_hi))
            elif not (table.lo <= lo and hi <= table.hi):
                table = self._grown(table, lo, hi)
            self._table = table
            return table

    def _grown(self, table: _Table, lo: int, hi: int) -> _Table:
        # Grow geometrically (a stream of ever later queries builds each day once), within the 140-year cap.
        span = max(hi, table.hi) - min(lo, table.lo)
        grow = max(0, min(max(_STEP, (table.hi - table.lo) // 2), (_MAX_SPAN - span) // 2))
        new_lo = table.lo if lo >= table.lo else max(_MIN_NS, lo - grow)
        new_hi = table.hi if hi <= table.hi else min(_MAX_NS, hi + grow)
        parts = [self._intervals(new_lo, table.lo)] if new_lo < table.lo else []
        parts.append((table.starts(), table.ends))
        parts += [self._intervals(table.hi, new_hi)] if new_hi > table.hi else []
        starts, ends = (np.concatenate([part[k] for part in parts]) for k in (0, 1))
        return _Table.build(new_lo, new_hi, starts, ends)

    def _further(self, table: _Table, first: int, target: int) -> _Table:
        """A table reaching further forward, for a cumulative `target` beyond the window's total.

        `first` is the earliest start that must stay inside. The caller recomputes its target with the new
        table (a window rebuilt from `first` counts business time from a different origin).
        """
        until = self._business_until()
        if table.hi >= _MAX_NS or (until is not None and table.hi >= until):
            beyond = "after 2260-01-01" if table.hi >= _MAX_NS else "never reached"
            raise ValueError(f"the calendar has no more business time: the result would be {beyond}")
        rate = table.total / (table.hi - table.lo)
        step = int((target - table.total) / rate * 1.25) if rate else table.hi - table.lo
        new_hi = min(_MAX_NS, table.hi + max(step, _STEP), first + _MAX_SPAN - 3 * _STEP)
        if new_hi <= table.hi:
            raise ValueError("the result would be more than 140 years after the start")
        return self._window(first, new_hi)

    # -- the four operations --

    def business_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business seconds in [start, end]; aware datetimes in any zone. ValueError if end < start or naive."""
        start_ns, end_ns = _instant(start, "start"), _instant(end, "end")
        if end_ns < start_ns:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        table = self._window(start_ns, end_ns)
        elapsed = table.elapsed(np.array([start_ns, end_ns], np.int64))
        return int(elapsed[1] - elapsed[0]) / _NS

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The earliest instant t >= start with business_seconds(start, t) == seconds, in the calendar's zone.

        ``add(start, 0)`` is ``start``; a budget that runs out exactly at the end of business hours gives that
        end, not the next opening. Negative seconds raise ValueError.
        """
        start_ns, budget = _instant(start, "start"), _budget(seconds)
        if budget == 0:
            return start.astimezone(self.timezone)
        table = self._window(start_ns, start_ns)
        while True:
            target = int(table.elapsed(np.array([start_ns], np.int64))[0]) + budget
            if target <= table.total:
                break
            table = self._further(table, start_ns, target)
        due = int(table.instant(np.array([target], np.int64))[0])
        if due >= _MAX_NS:
            raise ValueError("the result would be after 2260-01-01")
        return _datetime(due, self.timezone)

    def business_seconds_array(self, starts: ArrayLike, ends: ArrayLike) -> NDArray[np.float64]:
        """Business seconds for each (start, end) pair of datetime64 arrays (UTC, any unit); NaT gives NaN.

        Shapes must match; an end before its start raises ValueError.
        """
        shape = np.shape(starts)
        if np.shape(ends) != shape:
            raise ValueError(f"starts and ends differ in shape: {shape} and {np.shape(ends)}")
        start_ns, start_nat, low, _ = _instants(starts, "starts")
        end_ns, end_nat, _, high = _instants(ends, "ends")
        missing = start_nat if end_nat is None else end_nat if start_nat is None else start_nat | end_nat
        if missing is not None:
            start_ns, end_ns = np.where(missing, low, start_ns), np.where(missing, low, end_ns)
        backwards = end_ns < start_ns
        if backwards.any():
            raise ValueError(
                f"ends before starts in {int(backwards.sum())} record(s), "
                f"first at index {int(backwards.argmax())}"
            )
        if start_ns.size == 0 or (missing is not None and missing.all()):
            return np.full(shape, np.nan)
        table = self._window(low, max(low, high))
        seconds = (table.elapsed(end_ns) - table.elapsed(start_ns)) / _NS
        if missing is not None:
            seconds[missing] = np.nan
        return seconds.reshape(shape)

    def add_array(self, starts: ArrayLike, seconds: ArrayLike) -> NDArray[np.datetime64]:
        """``add`` for each record: datetime64 starts (UTC, any unit) and seconds (numbers or timedelta64).

        Returns datetime64[ns] (UTC). NaT starts and NaN/NaT seconds give NaT; a scalar seconds applies to all.
        """
        shape = np.shape(starts)
        start_ns, start_nat, low, high = _instants(starts, "starts")
        budget, budget_nat = _budgets(seconds, shape)
        missing = (
            start_nat if budget_nat is None else budget_nat if start_nat is None else start_nat | budget_nat
        )
        if start_ns.size == 0 or (missing is not None and missing.all()):
            return np.full(shape, np.datetime64("NaT"), "datetime64[ns]")
        table = self._window(low, high)
        while True:
            target = table.elapsed(start_ns) + budget
            needed = int(target.max())
            if needed <= table.total:
                break
            table = self._further(table, low, needed)
        due = np.where(budget == 0, start_ns, table.instant(target))
        if int(due.max()) >= _MAX_NS:
            raise ValueError("a result would be after 2260-01-01")
        if missing is not None:
            due[missing] = np.iinfo(np.int64).min  # NaT
        return due.view("datetime64[ns]").reshape(shape)


# --- the calendar ---------------------------------------------------------------------------------


class BusinessCalendar(BusinessTimeline):
    """Weekly wall-clock hours in a time zone, minus holidays and closures, plus make-up workdays.

    ``weekly`` maps a weekday (Monday = 0) to its hours ``[(start, end), ...]`` as "HH:MM" or datetime.time, in
    order and not overlapping; "24:00" ends a day; an unlisted weekday is off. ``holidays`` are dates without
    business time. ``workdays`` maps a date to the hours it works instead of its weekday's (make-up days; also a
    day with special hours). ``closures`` are (start, end) aware datetimes without business time. ``covered`` is
    the (first, last) date for which the holiday data is known (None: the calendar claims no holiday data).
    """

    def __init__(
        self,
        timezone: str | ZoneInfo,
        weekly: Mapping[int, Hours],
        holidays: Iterable[dt.date] = (),
        workdays: Mapping[dt.date, Hours] | None = None,
        *,
        closures: Iterable[tuple[dt.datetime, dt.datetime]] = (),
        covered: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        super().__init__()
        self._zone = _zone(timezone)
        self._weekly = self._parse_weekly(weekly)
        self._holidays = frozenset(_date(day, "a holiday") for day in holidays)
        self._workdays = {
            _date(day, "a workday"): _hours(hours, f"workday {day}")
            for day, hours in (workdays or {}).items()
        }
        both = sorted(self._holidays & self._workdays.keys())
        if both:
            raise ValueError(f"{both[0]} is both a holiday and a workday")
        self._closures = self._parse_closures(closures)
        irregular = sorted(self._holidays | self._workdays.keys())
        self._irregular_days = np.array([(day - _EPOCH_DATE).days for day in irregular], np.int64)
        self._covered = None if covered is None else self._parse_covered(covered)

    @staticmethod
    def _parse_weekly(weekly: Mapping[int, Hours]) -> tuple[tuple[tuple[int, int], ...], ...]:
        days: list[tuple[tuple[int, int], ...]] = [()] * 7
        for weekday, hours in weekly.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be an integer from 0 (Monday) to 6 (Sunday), got {weekday!r}")
            days[weekday] = _hours(hours, WEEKDAYS[weekday])
        return tuple(days)

    @staticmethod
    def _parse_closures(closures: Iterable[tuple[dt.datetime, dt.datetime]]) -> tuple[Ints, Ints]:
        spans = []
        for start, end in closures:
            start_ns, end_ns = _instant(start, "a closure's start"), _instant(end, "a closure's end")
            if end_ns <= start_ns:
                raise ValueError(
                    f"closure {start.isoformat()} to {end.isoformat()} ends at or before its start"
                )
            spans.append((start_ns, end_ns))
        merged: list[list[int]] = []
        for start_ns, end_ns in sorted(spans):
            if merged and start_ns <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end_ns)
            else:
                merged.append([start_ns, end_ns])
        return np.array([m[0] for m in merged], np.int64), np.array([m[1] for m in merged], np.int64)

    @staticmethod
    def _parse_covered(covered: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
        if not isinstance(covered, tuple | list) or len(covered) != 2:
            raise ValueError(f"covered must be a (first_date, last_date) pair, got {covered!r}")
        first, last = _date(covered[0], "covered[0]"), _date(covered[1], "covered[1]")
        if last < first:
            raise ValueError(f"covered ends ({last}) before it starts ({first})")
        return first, last

    def __repr__(self) -> str:
        open_days = ", ".join(WEEKDAYS[d][:3] for d in range(7) if self._weekly[d])
        return (
            f"<BusinessCalendar {self._zone.key} {open_days or 'no weekdays'}, {len(self._holidays)} holidays, "
            f"{len(self._workdays)} workdays, {len(self._closures[0])} closures>"
        )

    @property
    def timezone(self) -> ZoneInfo:
        return self._zone

    @property
    def covered(self) -> tuple[dt.date, dt.date] | None:
        """(first_date, last_date) for which the holiday data is known; None if the calendar claims none."""
        return self._covered

    @property
    def holidays(self) -> frozenset[dt.date]:
        return self._holidays

    @property
    def workdays(self) -> frozenset[dt.date]:
        return frozenset(self._workdays)

    def uncovered_years(self, start: dt.date, end: dt.date) -> list[int]:
        """Years touched by [start, end] (dates, or aware datetimes read in the calendar's zone) whose part of
        the span lies outside ``covered``: there the figures assume no holidays. Empty when covered is None."""
        first, last = (self._local_date(v, n) for v, n in ((start, "start"), (end, "end")))
        if last < first:
            raise ValueError(f"end {end} is before start {start}")
        if self._covered is None:
            return []
        known_from, known_to = self._covered
        years = []
        for year in range(first.year, last.year + 1):
            part_from, part_to = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31))
            if part_from < known_from or part_to > known_to:
                years.append(year)
        return years

    def _local_date(self, value: dt.date, name: str) -> dt.date:
        if isinstance(value, dt.datetime):
            _instant(value, name)
            return value.astimezone(self._zone).date()
        return _date(value, name)

    # -- building intervals --

    def _hours_on(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        if day in self._holidays:
            return ()
        special = self._workdays.get(day)
        return special if special is not None else self._weekly[day.weekday()]

    def _intervals(self, lo: int, hi: int) -> tuple[Ints, Ints]:
        # Wall-clock intervals as "local nanoseconds" (local date and time read as if it were UTC), built per
        # weekday with numpy, then mapped to UTC at once; sorted locally means sorted in UTC (the map is monotone).
        first = (_datetime(lo, self._zone).date() - _EPOCH_DATE).days - 1
        last = (_datetime(hi, self._zone).date() - _EPOCH_DATE).days + 1
        days = np.arange(first, last + 1, dtype=np.int64)
        regular = days[~np.isin(days, self._irregular_days)]
        weekdays = (regular + 3) % 7  # 1970-01-01 was a Thursday
        starts, ends = [], []
        for weekday, hours in enumerate(self._weekly):
            midnights = regular[weekdays == weekday] * _DAY_NS
            for start_us, end_us in hours:
                starts.append(midnights + start_us * 1000)
                ends.append(midnights + end_us * 1000)
        for day in self._irregular_days[np.searchsorted(self._irregular_days, first) :].tolist():
            if day > last:
                break
            for start_us, end_us in self._hours_on(_EPOCH_DATE + dt.timedelta(days=day)):
                starts.append(np.array([day * _DAY_NS + start_us * 1000]))
                ends.append(np.array([day * _DAY_NS + end_us * 1000]))
        local_starts = np.concatenate([np.zeros(0, np.int64), *starts])
        order = np.argsort(local_starts, kind="stable")
        local_ends = np.concatenate([np.zeros(0, np.int64), *ends])[order]
        utc_starts = np.clip(_wall_to_utc(self._zone, local_starts[order]), lo, hi)
        utc_ends = np.clip(_wall_to_utc(self._zone, local_ends), lo, hi)
        kept = utc_ends > utc_starts  # empty: skipped by a clock change, or outside [lo, hi)
        return _subtract(utc_starts[kept], utc_ends[kept], *self._closures)

    def _business_until(self) -> int | None:
        if any(self._weekly):
            return None
        worked = [day for day, hours in self._workdays.items() if hours]
        if not worked:
            return _MIN_NS
        after = (max(worked) - _EPOCH_DATE).days + 2
        return int(_wall_to_utc(self._zone, np.array([after * _DAY_NS], np.int64))[0])


@lru_cache(maxsize=4096)
def _zone_year(zone: ZoneInfo, year: int) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The UTC offset (ns) at the start of a UTC year and the year's transitions as (instant, offset after).

    Offsets are sampled every other UTC midnight and a change is bisected to the second (zoneinfo offsets and
    transitions are whole seconds). No two transitions in the tz database are less than 3.9 days apart, so a
    2-day step holds at most one. Cached: a zone's year is sampled once per process (about 1 ms).
    """

    def offset(second: int) -> int:
        shift = (_EPOCH + dt.timedelta(seconds=second)).astimezone(zone).utcoffset()
        return 0 if shift is None else (shift.days * 86_400 + shift.seconds) * _NS + shift.microseconds * 1000

    begin = int((dt.datetime(year, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds())
    end = int((dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC) - _EPOCH).total_seconds())
    moments = [*range(begin, end, 2 * 86_400), end]
    samples = [offset(second) for second in moments]
    transitions = []
    for index in range(len(moments) - 1):
        if samples[index] != samples[index + 1]:
            before, after = moments[index], moments[index + 1]
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (middle, after) if offset(middle) == samples[index] else (before, middle)
            transitions.append((after * _NS, samples[index + 1]))
    return samples[0], tuple(transitions)


def _wall_to_utc(zone: ZoneInfo, local: Ints) -> Ints:
    """For each wall-clock time (local ns), the first instant at which the clock shows it or a later time.

    Between transitions the clock reads ``utc + offset``; a segment of constant offset shows the wall times
    [T_j + O_j, T_(j+1) + O_j). The answer lies in the first segment whose last reading passes the wall time:
    at ``wall - O_j``, or at the segment's start T_j when the wall time was skipped by a forward jump.
    """
    if local.size == 0:
        return local
    first_year, last_year = (
        int(np.datetime64(int(value), "ns").astype("datetime64[Y]").astype(np.int64)) + 1970
        for value in (local.min() - 2 * _DAY_NS, local.max() + 2 * _DAY_NS)
    )
    start_offset, _ = _zone_year(zone, first_year)
    moments, offsets = [np.iinfo(np.int64).min], [start_offset]  # "since always", before any supported date
    for year in range(first_year, last_year + 1):
        for moment, offset in _zone_year(zone, year)[1]:
            moments.append(moment)
            offsets.append(offset)
    starts, shown = np.array(moments, np.int64), np.array(offsets, np.int64)
    last_reading = np.append(starts[1:] + shown[:-1], np.iinfo(np.int64).max)
    segment = np.searchsorted(last_reading, local, side="right")
    utc: Ints = np.maximum(starts[segment], local - shown[segment])
    return utc


def _subtract(starts: Ints, ends: Ints, cut_starts: Ints, cut_ends: Ints) -> tuple[Ints, Ints]:
    """Sorted disjoint intervals minus sorted disjoint cuts (closures are few: a plain sweep)."""
    if not len(cut_starts) or not len(starts) or cut_ends[-1] <= starts[0] or cut_starts[0] >= ends[-1]:
        return starts, ends
    kept: list[tuple[int, int]] = []
    cut = 0
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        while cut < len(cut_starts) and cut_ends[cut] <= start:
            cut += 1
        position, index = start, cut
        while index < len(cut_starts) and cut_starts[index] < end:
            if cut_starts[index] > position:
                kept.append((position, int(cut_starts[index])))
            position = max(position, int(cut_ends[index]))
            index += 1
        if position < end:
            kept.append((position, end))
    array = np.array(kept, np.int64).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()


# --- versions -------------------------------------------------------------------------------------


class CalendarChain(BusinessTimeline):
    """Calendar versions in force one after another; see :func:`chain`."""

    def __init__(self, versions: Sequence[tuple[dt.datetime | None, BusinessTimeline]]) -> None:
        super().__init__()
        if not versions:
            raise ValueError("chain() needs at least one (effective_from, calendar) version")
        self._calendars: list[BusinessTimeline] = []
        self._bounds = [_MIN_NS]
        for index, (effective_from, calendar) in enumerate(versions):
            if not isinstance(calendar, BusinessTimeline):
                raise ValueError(f"version {index}: {calendar!r} is not a BusinessCalendar")
            if index == 0:
                if effective_from is not None:
                    raise ValueError(
                        "the first version must apply since always: give None as its effective_from"
                    )
            else:
                if effective_from is None:
                    raise ValueError(f"version {index}: only the first version may have effective_from None")
                moment = _instant(effective_from, f"version {index}'s effective_from")
                if moment <= self._bounds[-1]:
                    raise ValueError(
                        f"version {index}: effective_from must be later than the previous version's"
                    )
                self._bounds.append(moment)
            self._calendars.append(calendar)
        self._bounds.append(_MAX_NS)

    @property
    def timezone(self) -> ZoneInfo:
        """The zone of the latest version; ``add`` answers in it."""
        return self._calendars[-1].timezone

    def _intervals(self, lo: int, hi: int) -> tuple[Ints, Ints]:
        parts = [
            calendar._intervals(max(lo, begin), min(hi, until))
            for calendar, begin, until in zip(self._calendars, self._bounds, self._bounds[1:], strict=False)
            if max(lo, begin) < min(hi, until)
        ]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _business_until(self) -> int | None:
        until = self._calendars[-1]._business_until()
        return None if until is None else max(until, self._bounds[-2])


def chain(versions: Sequence[tuple[dt.datetime | None, BusinessTimeline]]) -> CalendarChain:
    """Calendar versions: business time before a version's effective_from follows the previous version.

    ``versions`` is [(None, first), (effective_from, second), ...] in increasing order of effective_from (aware
    datetimes). This is how a calendar edit applies to clock time from that moment without changing the past.
    Versions may have different zones; the chain's ``timezone`` (and the zone of ``add``) is the last one's.
    """
    return CalendarChain(versions)


# --- China ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _china_rows() -> tuple[frozenset[dt.date], frozenset[dt.date], dict[dt.date, str]]:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    names: dict[dt.date, str] = {}
    for iso, kind, name in cn_holidays.ROWS:
        day = dt.date.fromisoformat(iso)
        (holidays if kind == "holiday" else workdays).add(day)
        names[day] = name
    return frozenset(holidays), frozenset(workdays), names


def china_holidays() -> tuple[frozenset[dt.date], frozenset[dt.date], dict[dt.date, str]]:
    """Mainland China statutory days off (in-lieu days included), make-up workdays, and each day's holiday
    name in Chinese (春节, 国庆节, ...), for the years in :data:`CHINA_HOLIDAY_YEARS`."""
    holidays, workdays, names = _china_rows()
    return holidays, workdays, dict(names)


def china_calendar(
    weekly: Mapping[int, Hours] | None = None, timezone: str | ZoneInfo = "Asia/Shanghai"
) -> BusinessCalendar:
    """A calendar with mainland China's statutory holidays off and make-up days working the Monday hours
    (none if ``weekly`` has no Monday).

    Default hours: Monday-Friday 09:00-12:00 and 13:00-18:00. ``covered`` is the first and last day of
    :data:`CHINA_HOLIDAY_YEARS`; outside it only the weekly hours apply (see ``uncovered_years``). With the
    default hours the same instance is returned on every call, so its table is built once per process.
    """
    if weekly is None:
        return _default_china_calendar(_zone(timezone))
    return _china_calendar(weekly, timezone)


@lru_cache(maxsize=8)
def _default_china_calendar(zone: ZoneInfo) -> BusinessCalendar:
    return _china_calendar(CHINA_WEEKLY, zone)


def _china_calendar(weekly: Mapping[int, Hours], timezone: str | ZoneInfo) -> BusinessCalendar:
    holidays, workdays, _ = _china_rows()
    monday = list(weekly.get(0, ()))
    return BusinessCalendar(
        timezone,
        weekly,
        holidays,
        {day: monday for day in workdays},
        covered=(dt.date(CHINA_HOLIDAY_YEARS[0], 1, 1), dt.date(CHINA_HOLIDAY_YEARS[-1], 12, 31)),
    )

"""Maintaining the daily rollups, and the monthly rollups added up from them.

* Every save or delete of a work order records, in the same transaction, what it changes in the rollups: the
  work order as the rollups saw it before (sign -1) and as they see it after (sign +1), as
  :class:`~oqms.kpis.models.RollupChange` rows (signal receivers below: pages, the API, jobs and the admin
  alike). A save that changes nothing the rollups count (a title, a note, an SLA check) records nothing. The
  state before is read from the database with the row locked, so two saves of one work order chain correctly.
* :func:`refresh_dirty` (a django-q2 schedule, every minute) takes the oldest changes out of the table (one
  ``DELETE ... RETURNING``), counts them like work orders, each weighted by its sign, and adds the result to the
  daily rollups of the slices they touch and to the monthly rollups of their months: a change costs what it
  touches, not what its days hold. Rows that add up to nothing are removed.
* Sums of seconds are sums of durations rounded to 1/1024 s (:func:`quantized`): such sums are exact in
  floating point whatever the order of the additions, so rollups reached by any sequence of changes are bit for
  bit those of a rebuild (a scorecard compares its stored results exactly).
* Changes made without the signals (``QuerySet.update``, raw SQL) are repaired by marking their days
  (:func:`mark`, :class:`~oqms.kpis.models.DirtyDay`): a refresh counts marked days again from the work orders,
  with the change table locked against new changes for the moment (so that no save is counted twice) and every
  waiting change of those contracts taken first. A row that stops adding up (a count below 0, a histogram not
  matching its count) is never written: its day is marked and counted again.
* :func:`rebuild` recomputes everything (or some contracts) in one pass, a chunk of contracts at a time: after
  bulk loads such as the demo, and from the command line (``oqms kpis-rebuild``).

The computation is columnar (numpy): work orders and changes become arrays (on PostgreSQL work orders come
straight from a binary ``COPY``, local days computed by the server; elsewhere through the ORM), their events
are grouped by slice, counted and bucketed in one go.

Monthly rollups (:class:`~oqms.kpis.models.MonthlyRollup`) hold a month's daily rollups added up per slice, and
the levels KPIs read most (whole contract; per service type, priority or site), added up from those; a change
is added to them the same way. Histograms, daily and monthly, are stored sparse (the non-zero buckets).

On PostgreSQL the reads and deletes are set-based (``unnest`` of the keys, ``DELETE ... RETURNING``, rows packed
with ``string_agg``) and rows go in with binary ``COPY``; refreshes are serialised by an advisory lock (a second
worker finds it taken and leaves). Elsewhere (SQLite: tests, a laptop) through the ORM.

Days are local days of ``settings.TIME_ZONE``; changing it needs a rebuild.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from oqms.engine import histogram
from oqms.kpis.models import DailyRollup, DirtyDay, MonthlyRollup, RollupChange
from oqms.workorders.models import WorkOrder

EVENTS = ("opened_at", "responded_at", "resolved_at", "closed_at")
FIELDS = (
    "pk",
    "contract_id",
    "vendor_id",
    "service_type_id",
    "priority",
    "site_id",
    "status",
    "reopen_count",
    "rating",
    "response_target_minutes",
    "resolution_target_minutes",
    "response_business_seconds",
    "resolution_business_seconds",
    *EVENTS,
)
FINISHED = {"resolved", "closed"}
BATCH = 2000
# The rollup columns, in storage order; the seconds are floats, the others counts.
COLUMNS = (
    "opened",
    "opened_completed",
    "responded",
    "responded_in_time",
    "response_seconds",
    "resolved",
    "resolved_in_time",
    "resolved_first_time",
    "resolved_reopened",
    "resolution_seconds",
    "closed",
    "rated",
    "rating_sum",
)
FLOATS = {"response_seconds", "resolution_seconds"}
HISTOGRAMS = ("response", "resolution")
BUCKETS = histogram.BUCKETS_V1.size
CHUNK = 400_000  # work orders per step of a rebuild (memory: about 1.5 kB each at the peak)
MAX_RANGES = 8  # time ranges in the query of a refresh; more are merged (the days are filtered exactly after)

DAYS = ("opened_day", "responded_day", "resolved_day", "closed_day")
NO_DAY = np.iinfo(np.int32).max  # an event that did not happen (PostgreSQL's binary 'infinity'::date, too)
EPOCH = datetime.date(1970, 1, 1)
PG_EPOCH_DAYS = (datetime.date(2000, 1, 1) - EPOCH).days
SPARSE = np.dtype([("bucket", "<u2"), ("count", "<u4")])

WORK = np.dtype(
    [
        ("id", "i8"),
        ("contract", "i8"),
        ("vendor", "i8"),
        ("service_type", "i8"),
        ("site", "i8"),
        ("priority", "i8"),
        ("finished", "?"),
        ("closed", "?"),
        ("reopened", "?"),
        ("rating", "i8"),
        ("response_target", "i8"),
        ("resolution_target", "i8"),
        ("response_seconds", "f8"),
        ("resolution_seconds", "f8"),
        ("opened_day", "i4"),
        ("responded_day", "i4"),
        ("resolved_day", "i4"),
        ("closed_day", "i4"),
    ]
)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(zone()).date()


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone())
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone())
    return start, end


def days_of(row: dict[str, Any] | None) -> set[datetime.date]:
    if not row:
        return set()
    return {local_day(row[name]) for name in EVENTS if row.get(name)}


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after the one holding ``day``."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


# --- recording changes ------------------------------------------------------------------------------

REFRESH_LOCK = 0x4F514D534B5049  # the advisory lock of refreshes and rebuilds (PostgreSQL)
CHANGE_COLUMNS = (
    "sign",
    "work_order_id",
    "contract_id",
    "vendor_id",
    "service_type_id",
    "site_id",
    "priority",
    "finished",
    "closed",
    "reopened",
    "rating",
    "response_target_minutes",
    "resolution_target_minutes",
    "response_business_seconds",
    "resolution_business_seconds",
    *DAYS,
)


def quantized(seconds: Any) -> np.ndarray:
    """Durations rounded to 1/1024 s, as the rollups add them up: sums of such values are exact in floating
    point (up to 2^43 s, some 280,000 years) in whatever order they are added."""
    return np.rint(np.asarray(seconds, dtype=np.float64) * 1024.0) / 1024.0


def mark(contract_id: int, days: Iterable[datetime.date]) -> None:
    """Have these days of a contract counted again from its work orders at the next refresh (after a change
    made without the save signals)."""
    now = timezone.now()
    rows = [DirtyDay(contract_id=contract_id, day=day, marked_at=now) for day in sorted(set(days))]
    if rows:
        DirtyDay.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["contract", "day"], update_fields=["marked_at"]
        )


def work_orders(ids: Iterable[int], lock: bool = False) -> np.ndarray:
    """These work orders as the rollups see them (a ``WORK`` array, by id; missing ones left out); ``lock``
    locks their rows until the end of the transaction."""
    rows = WorkOrder._base_manager.filter(pk__in=sorted(set(ids))).order_by("pk")
    if lock and connection.features.has_select_for_update and connection.in_atomic_block:
        rows = rows.select_for_update()
    return _fetch_orm(rows)


def _change_row(sign: int, work: np.void) -> RollupChange:
    def day(name: str) -> datetime.date | None:
        number = int(work[name])
        return None if number == NO_DAY else day_of(number)

    def target(name: str) -> int | None:
        return None if int(work[name]) < 0 else int(work[name])

    def seconds(name: str) -> float | None:
        return None if np.isnan(work[name]) else float(work[name])

    return RollupChange(
        sign=sign,
        work_order_id=int(work["id"]),
        contract_id=int(work["contract"]),
        vendor_id=int(work["vendor"]),
        service_type_id=int(work["service_type"]),
        site_id=int(work["site"]),
        priority=priority_text(int(work["priority"])),
        finished=bool(work["finished"]),
        closed=bool(work["closed"]),
        reopened=bool(work["reopened"]),
        rating=int(work["rating"]),
        response_target_minutes=target("response_target"),
        resolution_target_minutes=target("resolution_target"),
        response_business_seconds=seconds("response_seconds"),
        resolution_business_seconds=seconds("resolution_seconds"),
        **{name: day(name) for name in DAYS},
    )


def record(before: np.ndarray, after: np.ndarray) -> int:
    """Record what changing work orders from ``before`` to ``after`` (``WORK`` arrays from :func:`work_orders`;
    one only in ``after`` was created, one only in ``before`` deleted) does to the rollups, for the next
    refresh; returns the number of change rows written (none for a work order the rollups see unchanged)."""
    old = {int(row["id"]): row for row in before}
    new = {int(row["id"]): row for row in after}
    rows = []
    for pk in sorted(old.keys() | new.keys()):
        left, entered = old.get(pk), new.get(pk)
        if left is not None and entered is not None and left.tobytes() == entered.tobytes():
            continue
        if left is not None:
            rows.append(_change_row(-1, left))
        if entered is not None:
            rows.append(_change_row(1, entered))
    RollupChange.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _before_save(sender: Any, instance: WorkOrder, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    instance._kpi_before = work_orders([instance.pk], lock=True)  # type: ignore[attr-defined]


def _after_save(sender: Any, instance: WorkOrder, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = instance.__dict__.pop("_kpi_before", None)
    record(np.empty(0, dtype=WORK) if before is None else before, work_orders([instance.pk]))


def _before_delete(sender: Any, instance: WorkOrder, **kwargs: Any) -> None:
    instance._kpi_before = work_orders([instance.pk], lock=True)  # type: ignore[attr-defined]


def _after_delete(sender: Any, instance: WorkOrder, **kwargs: Any) -> None:
    before = instance.__dict__.pop("_kpi_before", None)
    if before is not None:
        record(before, np.empty(0, dtype=WORK))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

    pre_save.connect(_before_save, sender=WorkOrder, dispatch_uid="oqms-kpis-before-save")
    post_save.connect(_after_save, sender=WorkOrder, dispatch_uid="oqms-kpis-after-save")
    pre_delete.connect(_before_delete, sender=WorkOrder, dispatch_uid="oqms-kpis-before-delete")
    post_delete.connect(_after_delete, sender=WorkOrder, dispatch_uid="oqms-kpis-after-delete")
    from oqms.workorders.bulk import work_orders_changed

    work_orders_changed.connect(_bulk_changed, dispatch_uid="oqms-kpis-bulk-changed")


def _bulk_changed(sender: Any, days: dict[int, set[datetime.date]], **kwargs: Any) -> None:
    """Work orders written in bulk (an import, the bulk API): count their days again at the next refresh."""
    for contract_id, changed in days.items():
        mark(contract_id, changed)


def _changes_work(listed: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Change rows (values of ``CHANGE_COLUMNS``) as a ``WORK`` array and their signs."""
    work = np.empty(len(listed), dtype=WORK)
    if not listed:
        return work, np.zeros(0)
    named = dict(zip(CHANGE_COLUMNS, zip(*listed, strict=True), strict=True))
    work["id"] = named["work_order_id"]
    _fill_slice_and_clocks(work, named)
    for name in ("finished", "closed", "reopened"):
        work[name] = [bool(v) for v in named[name]]
    work["rating"] = named["rating"]
    for name in DAYS:
        work[name] = [
            NO_DAY if d is None else day_number(datetime.date.fromisoformat(d) if isinstance(d, str) else d)
            for d in named[name]
        ]
    return work, np.array(named["sign"], dtype=np.float64)


def _claim_changes(limit: int | None, contract_ids: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """Take the oldest waiting changes (at most ``limit``; of these contracts only) out of the table."""
    table = connection.ops.quote_name(RollupChange._meta.db_table)
    where, params = "", []
    if contract_ids is not None:
        if not contract_ids:
            return []
        where = f"WHERE contract_id IN ({', '.join(['%s'] * len(contract_ids))})"
        params = list(contract_ids)
    size = ""
    if limit is not None:
        size = "LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} {where} ORDER BY id {size}) "
            f"RETURNING {', '.join(CHANGE_COLUMNS)}",
            params,
        )
        return cursor.fetchall()


def _lock_changes() -> None:
    """Hold back new changes until the end of the transaction, and wait for those being written: what is
    counted from the work orders from here on cannot also arrive later as a change."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RollupChange._meta.db_table} IN EXCLUSIVE MODE")


# --- encodings ---------------------------------------------------------------------------------------


def priority_code(text: str) -> int:
    """A priority (at most 2 characters) as an integer, for arrays: 21 bits per character ("" is 0)."""
    code = 0
    for position in range(2):
        code = (code << 21) + (ord(text[position]) if position < len(text) else 0)
    return code


def priority_text(code: int) -> str:
    return "".join(chr(part) for part in ((code >> 21) & 0x1FFFFF, code & 0x1FFFFF) if part)


PRIORITY_SQL = (
    "(COALESCE(ascii(substr(priority, 1, 1)), 0)::int8 << 21) + COALESCE(ascii(substr(priority, 2, 1)), 0)"
)


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> datetime.date:
    return EPOCH + datetime.timedelta(days=int(number))


def month_numbers(days: np.ndarray) -> np.ndarray:
    """The first day of the month of each day (days since 1970-01-01)."""
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def pack_sparse(start: np.ndarray, bucket: np.ndarray, count: np.ndarray) -> list[bytes]:
    """Compressed-row histograms as their stored sparse form: the non-zero (uint16 bucket, uint32 count) pairs
    of each row, little-endian, in bucket order; an empty row is b"" (no data)."""
    if len(count) and (count.min() < 0 or count.max() > np.iinfo(np.uint32).max):
        raise ValueError("sparse histogram counts are from 0 to 2^32 - 1")
    records = np.empty(len(bucket), dtype=SPARSE)
    records["bucket"] = bucket
    records["count"] = count
    data = records.tobytes()
    bounds = (start * SPARSE.itemsize).tolist()
    return [data[bounds[k] : bounds[k + 1]] for k in range(len(start) - 1)]


# --- rollup rows as columns ----------------------------------------------------------------------------


@dataclass
class Rows:
    """Rollup rows as columns: keys (priority as :func:`priority_code`; a service type, site or priority of 0
    stands for "all", in the monthly levels), the rollup columns as floats, and each histogram as compressed
    rows: the non-zero buckets of row k are ``bucket[start[k]:start[k + 1]]``, their counts alongside."""

    contract: np.ndarray
    period: np.ndarray  # days since 1970-01-01: the day, or the first day of the month
    service_type: np.ndarray
    priority: np.ndarray
    site: np.ndarray
    vendor: np.ndarray
    values: dict[str, np.ndarray]
    hist: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]

    def __len__(self) -> int:
        return len(self.contract)

    def key_columns(self) -> tuple[np.ndarray, ...]:
        return self.contract, self.period, self.service_type, self.priority, self.site


KEYS = ("contract", "period", "service_type", "priority", "site", "vendor")


def expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(starts[k], starts[k] + lengths[k])`` for every k."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def _compressed(
    rows: np.ndarray, bucket: np.ndarray, count: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, bucket, count) entries sorted by row (then bucket) as compressed rows."""
    start = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=start[1:])
    return start, bucket.astype(np.int64), count.astype(np.int64)


def empty_rows() -> Rows:
    nothing = np.zeros(0, dtype=np.int64)
    return Rows(
        *(nothing for _key in KEYS),
        {name: np.zeros(0) for name in COLUMNS},
        {which: (np.zeros(1, dtype=np.int64), nothing, nothing) for which in HISTOGRAMS},
    )


def take_rows(rows: Rows, index: np.ndarray) -> Rows:
    hist = {}
    for which, (start, bucket, count) in rows.hist.items():
        lengths = start[index + 1] - start[index]
        new_start = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_start[1:])
        gather = expand(start[index], lengths)
        hist[which] = (new_start, bucket[gather], count[gather])
    return Rows(
        *(getattr(rows, key)[index] for key in KEYS),
        {name: column[index] for name, column in rows.values.items()},
        hist,
    )


def sort_rows(rows: Rows) -> Rows:
    """In key order: contract, period, service type, priority, site."""
    order = np.lexsort(rows.key_columns()[::-1])
    if len(order) and (np.diff(order) != 1).any():
        return take_rows(rows, order)
    return rows


def concat_rows(parts: Sequence[Rows]) -> Rows:
    parts = [part for part in parts if len(part)]
    if not parts:
        return empty_rows()
    if len(parts) == 1:
        return parts[0]
    hist = {}
    for which in HISTOGRAMS:
        starts, buckets, counts, offset = [np.zeros(1, dtype=np.int64)], [], [], 0
        for part in parts:
            start, bucket, count = part.hist[which]
            starts.append(start[1:] + offset)
            offset += int(start[-1])
            buckets.append(bucket)
            counts.append(count)
        hist[which] = (np.concatenate(starts), np.concatenate(buckets), np.concatenate(counts))
    return Rows(
        *(np.concatenate([getattr(part, key) for part in parts]) for key in KEYS),
        {name: np.concatenate([part.values[name] for part in parts]) for name in COLUMNS},
        hist,
    )


def _group(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by the columns (the first is the primary key): each row's group number, groups numbered in key
    order, and the first row of each group (the earliest of its rows)."""
    count = len(columns[0])
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(columns[::-1])
    change = np.zeros(count, dtype=bool)
    change[0] = True
    for column in columns:
        ordered = column[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    numbers = np.cumsum(change) - 1
    group = np.empty(count, dtype=np.int64)
    group[order] = numbers
    return group, order[change]


def _add_histograms(
    group: np.ndarray, size: int, start: np.ndarray, bucket: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histograms (compressed rows) added up by group; buckets that add up to 0 are dropped."""
    lengths = np.diff(start)
    key = np.repeat(group, lengths) * BUCKETS + bucket
    unique, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=count, minlength=len(unique))
    sums = np.rint(sums).astype(np.int64)
    kept = sums != 0
    unique, sums = unique[kept], sums[kept]
    return _compressed(unique // BUCKETS, unique % BUCKETS, sums, size)


def group_rows(rows: Rows, keys: Sequence[np.ndarray]) -> Rows:
    """Rows added up by key (contract, period, service type, priority, site), in key order. Each group's columns
    are added in the order of its rows (seconds are floats: the order is part of the result)."""
    if len(rows) == 0:
        return empty_rows()
    group, first = _group(*keys)
    size = len(first)
    values = {name: np.bincount(group, weights=rows.values[name], minlength=size) for name in COLUMNS}
    hist = {which: _add_histograms(group, size, *rows.hist[which]) for which in HISTOGRAMS}
    return Rows(*(key[first] for key in keys), rows.vendor[first], values, hist)


def monthly(daily: Rows) -> Rows:
    """Daily rows (full slices) added up by month: monthly rows of full slices, the seconds in day order."""
    daily = sort_rows(daily)
    return group_rows(daily, (daily.contract, month_numbers(daily.period), *daily.key_columns()[2:]))


def with_levels(full: Rows) -> Rows:
    """Monthly rows of full slices and, added up from them in key order, the levels KPIs read: each contract and
    month in all (service type, priority, site 0), and per service type, per priority and per site."""
    full = sort_rows(full)
    zero = np.zeros(len(full), dtype=np.int64)
    levels = [full]
    for service_type, priority, site in (
        (zero, zero, zero),
        (full.service_type, zero, zero),
        (zero, full.priority, zero),
        (zero, zero, full.site),
    ):
        levels.append(group_rows(full, (full.contract, full.period, service_type, priority, site)))
    return sort_rows(concat_rows(levels))


def full_slices(rows: Rows) -> np.ndarray:
    return (rows.service_type != 0) & (rows.site != 0) & (rows.priority != 0)


def _pairs(contract: np.ndarray, day: np.ndarray) -> np.ndarray:
    return contract.astype(np.int64) * (1 << 32) + (day.astype(np.int64) & 0xFFFFFFFF)


def _pair_codes(pairs: Iterable[tuple[int, datetime.date]]) -> np.ndarray:
    listed = list(pairs)
    return _pairs(
        np.array([c for c, _d in listed], dtype=np.int64),
        np.array([day_number(d) for _c, d in listed], dtype=np.int64),
    )


def accumulate(
    work: np.ndarray,
    only: Iterable[tuple[int, datetime.date]] | None = None,
    weight: np.ndarray | None = None,
    leave_out: Iterable[tuple[int, datetime.date]] = (),
) -> Rows:
    """The daily rows of work orders (a ``WORK`` array); ``only`` keeps the events of these (contract, day)
    pairs, ``leave_out`` drops those of these. Each work order counts on the day of each of its events: raised,
    first response, resolution (while resolved or closed), closing; with ``weight``, it counts that many times
    (changes: -1 for a state left, +1 for a state entered; slices and buckets that add up to nothing are left
    out). Seconds are added :func:`quantized`."""
    weight = np.ones(len(work)) if weight is None else np.asarray(weight, dtype=np.float64)
    kept = None if only is None else _pair_codes(only)
    dropped = _pair_codes(leave_out)
    seconds = {"response": work["response_seconds"], "resolution": work["resolution_seconds"]}
    masks = {
        "opened": work["opened_day"] != NO_DAY,
        "responded": (work["responded_day"] != NO_DAY) & ~np.isnan(seconds["response"]),
        "resolved": work["finished"] & (work["resolved_day"] != NO_DAY) & ~np.isnan(seconds["resolution"]),
        "closed": work["closed"] & (work["closed_day"] != NO_DAY),
    }
    events: dict[str, np.ndarray] = {}
    for kind, mask in masks.items():
        index = np.flatnonzero(mask)
        if kept is not None or len(dropped):
            codes = _pairs(work["contract"][index], work[f"{kind}_day"][index])
            if kept is not None:
                index = index[np.isin(codes, kept)]
                codes = _pairs(work["contract"][index], work[f"{kind}_day"][index])
            if len(dropped):
                index = index[~np.isin(codes, dropped)]
        events[kind] = index
    index = np.concatenate(list(events.values()))
    if len(index) == 0:
        return empty_rows()
    day = np.concatenate([work[f"{kind}_day"][events[kind]] for kind in events]).astype(np.int64)
    group, first = _group(
        work["contract"][index],
        day,
        work["service_type"][index],
        work["priority"][index],
        work["site"][index],
    )
    size = len(first)
    parts: dict[str, np.ndarray] = {}
    offset = 0
    for kind, rows in events.items():
        parts[kind] = group[offset : offset + len(rows)]
        offset += len(rows)

    def add(kind: str, values: np.ndarray | None = None) -> np.ndarray:
        weights = weight[events[kind]] if values is None else weight[events[kind]] * values
        return np.bincount(parts[kind], weights=weights, minlength=size).astype(np.float64)

    opened, responded, resolved, closed = (events[k] for k in ("opened", "responded", "resolved", "closed"))
    response, resolution = seconds["response"][responded], seconds["resolution"][resolved]
    response_target = work["response_target"][responded]
    resolution_target = work["resolution_target"][resolved]
    reopened = work["reopened"][resolved]
    rating = work["rating"][closed]
    values = {
        "opened": add("opened"),
        "opened_completed": add("opened", work["finished"][opened].astype(np.float64)),
        "responded": add("responded"),
        "responded_in_time": add(
            "responded", ((response_target >= 0) & (response <= response_target * 60.0)).astype(np.float64)
        ),
        "response_seconds": add("responded", quantized(response)),
        "resolved": add("resolved"),
        "resolved_in_time": add(
            "resolved",
            ((resolution_target >= 0) & (resolution <= resolution_target * 60.0)).astype(np.float64),
        ),
        "resolved_first_time": add("resolved", (~reopened).astype(np.float64)),
        "resolved_reopened": add("resolved", reopened.astype(np.float64)),
        "resolution_seconds": add("resolved", quantized(resolution)),
        "closed": add("closed"),
        "rated": add("closed", (rating > 0).astype(np.float64)),
        "rating_sum": add("closed", np.maximum(rating, 0).astype(np.float64)),
    }
    hist = {}
    for which, kind, sample in (("response", "responded", response), ("resolution", "resolved", resolution)):
        key = parts[kind] * BUCKETS + histogram.bucket_of(sample)
        unique, inverse = np.unique(key, return_inverse=True)
        counts = np.rint(np.bincount(inverse.ravel(), weights=weight[events[kind]], minlength=len(unique)))
        present = counts != 0
        unique, counts = unique[present], counts[present].astype(np.int64)
        hist[which] = _compressed(unique // BUCKETS, unique % BUCKETS, counts, size)
    source = index[first]
    rows = Rows(
        work["contract"][source],
        day[first],
        work["service_type"][source],
        work["priority"][source],
        work["site"][source],
        work["vendor"][source],
        values,
        hist,
    )
    something = _nonzero(rows)
    return rows if something.all() else take_rows(rows, np.flatnonzero(something))


def _nonzero(rows: Rows) -> np.ndarray:
    """Rows with something in them (a row of changes that cancel out has nothing)."""
    something = np.zeros(len(rows), dtype=bool)
    for column in rows.values.values():
        something |= column != 0
    for start, _bucket, _count in rows.hist.values():
        something |= np.diff(start) > 0
    return something


def _inconsistent(rows: Rows) -> np.ndarray:
    """Rows that cannot be right: a count below 0, seconds without a duration counted, a histogram with a count
    below 0 or not adding up to its count."""
    bad = np.zeros(len(rows), dtype=bool)
    for name, column in rows.values.items():
        if name not in FLOATS:
            bad |= column < 0
    for which, counted in (("response", "responded"), ("resolution", "resolved")):
        bad |= (rows.values[counted] == 0) & (rows.values[f"{which}_seconds"] != 0)
        start, _bucket, count = rows.hist[which]
        owner = np.repeat(np.arange(len(rows)), np.diff(start))
        total = np.bincount(owner, weights=count, minlength=len(rows))
        negative = np.bincount(owner, weights=count < 0, minlength=len(rows)) > 0
        bad |= (total != rows.values[counted]) | negative
    return bad


# --- reading work orders ------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _work_sql(where: str) -> str:
    table = WorkOrder._meta.db_table
    day = "COALESCE(({0} AT TIME ZONE %(zone)s)::date, 'infinity'::date)"
    columns = [
        "id::int8",
        "contract_id::int8",
        "vendor_id::int8",
        "service_type_id::int8",
        "site_id::int8",
        "(COALESCE(ascii(substr(priority, 1, 1)), 0)::int8 << 21) + COALESCE(ascii(substr(priority, 2, 1)), 0)",
        "status = ANY(%(finished)s)",
        "status = 'closed'",
        "reopen_count > 0",
        "COALESCE(rating, 0)::int8",
        "COALESCE(response_target_minutes, -1)::int8",
        "COALESCE(resolution_target_minutes, -1)::int8",
        "COALESCE(response_business_seconds, 'NaN')::float8",
        "COALESCE(resolution_business_seconds, 'NaN')::float8",
        *(day.format(name) for name in EVENTS),
    ]
    return f"COPY (SELECT {', '.join(columns)} FROM {table} WHERE {where}) TO STDOUT (FORMAT binary)"


def _copy_wire_dtype() -> np.dtype:
    """A row of the binary COPY of ``_work_sql``: field count, then (length, big-endian value) per field."""
    fields: list[tuple[str, Any]] = [("fields", ">i2")]
    for name in WORK.names:
        kind = WORK.fields[name][0]  # type: ignore[index]
        fields += [(f"{name}_length", ">i4"), (name, kind.newbyteorder(">"))]
    return np.dtype(fields)


def _fetch_postgres(where: str, params: dict[str, Any], kept: np.ndarray | None) -> np.ndarray:
    """Work orders from a binary COPY, converted a block at a time; with ``kept`` ((contract, day) pairs as
    :func:`_pairs` codes) only those with an event on one of these days are kept, so that memory holds what
    is needed, not everything the query's time ranges let through."""
    connection.ensure_connection()
    wire = _copy_wire_dtype()
    parts: list[np.ndarray] = []
    pending = bytearray()
    header = 19  # the signature, flags and header extension length; the stream ends with a 2-byte trailer

    def convert(rows: np.ndarray) -> None:
        work = np.empty(len(rows), dtype=WORK)
        for name in WORK.names:
            work[name] = rows[name]
        for name in DAYS:
            present = work[name] != NO_DAY
            work[name][present] += PG_EPOCH_DAYS
        if kept is not None:
            touching = np.zeros(len(work), dtype=bool)
            for name in DAYS:
                touching |= np.isin(_pairs(work["contract"], work[name]), kept)
            work = work[touching]
        parts.append(work)

    with connection.connection.cursor() as cursor, cursor.copy(_work_sql(where), params) as copy:
        for block in copy:
            pending.extend(block)
            if header:
                if len(pending) < header:
                    continue
                del pending[:header]
                header = 0
            usable = (len(pending) // wire.itemsize) * wire.itemsize
            if usable >= 4 << 20:  # convert every few megabytes
                convert(np.frombuffer(bytes(pending[:usable]), dtype=wire))
                del pending[:usable]
    del pending[len(pending) - 2 :]  # the trailer
    convert(np.frombuffer(bytes(pending), dtype=wire))
    return np.concatenate(parts)


def work_of(rows: QuerySet[Any]) -> np.ndarray:
    """The work orders of a queryset as the rollups see them (a ``WORK`` array, in the queryset's order)."""
    return _fetch_orm(rows)


def _fill_slice_and_clocks(work: np.ndarray, named: dict[str, Any]) -> None:
    """What work order rows and change rows give alike: the slice, the priority code, the targets (-1: none)
    and the durations (NaN: none)."""
    for name in ("contract", "vendor", "service_type", "site"):
        work[name] = named[f"{name}_id"]
    work["priority"] = [priority_code(p) for p in named["priority"]]
    for which in ("response", "resolution"):
        work[f"{which}_target"] = [-1 if t is None else t for t in named[f"{which}_target_minutes"]]
        work[f"{which}_seconds"] = [np.nan if s is None else s for s in named[f"{which}_business_seconds"]]


def _fetch_orm(rows: Any) -> np.ndarray:
    listed = list(rows.values_list(*FIELDS))
    work = np.empty(len(listed), dtype=WORK)
    if not listed:
        return work
    columns = list(zip(*listed, strict=True))
    named = dict(zip(FIELDS, columns, strict=True))
    work["id"] = named["pk"]
    _fill_slice_and_clocks(work, named)
    work["finished"] = [s in FINISHED for s in named["status"]]
    work["closed"] = [s == "closed" for s in named["status"]]
    work["reopened"] = [bool(r) for r in named["reopen_count"]]
    work["rating"] = [r or 0 for r in named["rating"]]
    for event, name in zip(
        EVENTS, ("opened_day", "responded_day", "resolved_day", "closed_day"), strict=True
    ):
        work[name] = [NO_DAY if m is None else day_number(local_day(m)) for m in named[event]]
    return work


def _fetch(
    contract_ids: Sequence[int] | None,
    ranges: Sequence[tuple[datetime.datetime, datetime.datetime]] | None,
    only: Iterable[tuple[int, datetime.date]] | None = None,
) -> np.ndarray:
    """The work orders of these contracts (or all) with an event in one of the ranges (or any); with ``only``,
    (contract, day) pairs, the others may be left out."""
    if _postgres():
        params: dict[str, Any] = {"zone": settings.TIME_ZONE, "finished": sorted(FINISHED)}
        where = ["TRUE"]
        if contract_ids is not None:
            where.append("contract_id = ANY(%(contracts)s)")
            params["contracts"] = list(contract_ids)
        if ranges is not None:
            terms = []
            for k, (start, end) in enumerate(ranges):
                params[f"s{k}"], params[f"e{k}"] = start, end
                terms += [f"({name} >= %(s{k})s AND {name} < %(e{k})s)" for name in EVENTS]
            if ranges:  # a cheap test first: most rows have no event that late (or were raised after)
                params["first"], params["last"] = min(s for s, _e in ranges), max(e for _s, e in ranges)
                where.append(f"GREATEST({', '.join(EVENTS)}) >= %(first)s AND opened_at < %(last)s")
            where.append(f"({' OR '.join(terms) or 'FALSE'})")
        kept = None
        if only is not None:
            pairs = list(only)
            kept = _pairs(
                np.array([c for c, _d in pairs], dtype=np.int64),
                np.array([day_number(d) for _c, d in pairs], dtype=np.int64),
            )
        return _fetch_postgres(" AND ".join(where), params, kept)
    rows = WorkOrder._base_manager.order_by()
    if contract_ids is not None:
        rows = rows.filter(contract_id__in=list(contract_ids))
    if ranges is not None:
        touches = Q(pk__in=[])
        for start, end in ranges:
            for name in EVENTS:
                touches |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
        rows = rows.filter(touches)
    return _fetch_orm(rows)


def _ranges(days: Iterable[datetime.date]) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Time ranges covering the days (consecutive days merged; at most MAX_RANGES, closing the smallest gaps)."""
    spans: list[list[datetime.date]] = []
    for day in sorted(set(days)):
        if spans and (day - spans[-1][1]).days <= 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    while len(spans) > MAX_RANGES:
        gaps = [(spans[k + 1][0] - spans[k][1], k) for k in range(len(spans) - 1)]
        _gap, k = min(gaps)
        spans[k : k + 2] = [[spans[k][0], spans[k + 1][1]]]
    return [(day_bounds(first)[0], day_bounds(last)[1]) for first, last in spans]


# --- writing and reading rollups -------------------------------------------------------------------------

STORED = [
    *COLUMNS[: COLUMNS.index("response_seconds") + 1],
    "response_histogram",
    *COLUMNS[COLUMNS.index("response_seconds") + 1 : COLUMNS.index("resolution_seconds") + 1],
    "resolution_histogram",
    *COLUMNS[COLUMNS.index("resolution_seconds") + 1 :],
]


def _is_daily(model: Any) -> bool:
    return bool(model._meta.model_name == "dailyrollup")


def stored_names(model: Any) -> list[str]:
    """The columns of :func:`stored_rows`, in order."""
    period = "day" if _is_daily(model) else "month"
    return ["contract_id", "vendor_id", "service_type_id", "priority", "site_id", period, *STORED]


def stored_rows(model: Any, rows: Rows) -> Iterator[tuple[Any, ...]]:
    """Rows as values of :func:`stored_names` (histograms sparse; a key of 0 is NULL, or "" for the
    priority)."""
    dates = {number: day_of(number) for number in np.unique(rows.period).tolist()}
    priorities = {code: priority_text(code) for code in np.unique(rows.priority).tolist()}
    blobs = [pack_sparse(*rows.hist[which]) for which in HISTOGRAMS]
    columns = [
        np.rint(rows.values[n]).astype(np.int64).tolist() if n not in FLOATS else rows.values[n].tolist()
        for n in COLUMNS
    ]
    split = COLUMNS.index("response_seconds") + 1, COLUMNS.index("resolution_seconds") + 1
    for contract, vendor, service_type, priority, site, period, response, resolution, *values in zip(
        rows.contract.tolist(),
        rows.vendor.tolist(),
        rows.service_type.tolist(),
        rows.priority.tolist(),
        rows.site.tolist(),
        rows.period.tolist(),
        *blobs,
        *columns,
        strict=True,
    ):
        yield (
            contract,
            vendor,
            service_type or None,
            priorities[priority],
            site or None,
            dates[period],
            *values[: split[0]],
            response,
            *values[split[0] : split[1]],
            resolution,
            *values[split[1] :],
        )


def _insert(model: Any, rows: Rows) -> int:
    if len(rows) == 0:
        return 0
    names = stored_names(model)
    if _postgres():
        types = ["int8", "int8", "int8", "text", "int8", "date"]
        types += [
            "bytea" if n.endswith("_histogram") else "float8" if n in FLOATS else "int4" for n in STORED
        ]
        statement = f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN (FORMAT binary)"
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in stored_rows(model, rows):
                copy.write_row(row)
        return len(rows)
    objects = (model(**dict(zip(names, row, strict=True))) for row in stored_rows(model, rows))
    while batch := [obj for _k, obj in zip(range(BATCH), objects, strict=False)]:
        model.objects.bulk_create(batch)
    return len(rows)


def _where(rows: QuerySet[Any]) -> tuple[str, Sequence[Any]] | None:
    """The WHERE clause of a single-table queryset (None: it selects nothing)."""
    compiler = rows.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(rows.query.where)
    except FullResultSet:
        return "TRUE", []
    except EmptyResultSet:
        return None
    return sql or "TRUE", params


def _record_dtype() -> np.dtype:
    fields = [(key, ">i8") for key in KEYS]
    fields += [(name, ">f8" if name in FLOATS else ">i8") for name in COLUMNS]
    return np.dtype(fields)


def _packed(model: Any, source: str, histograms: bool) -> str:
    """A query giving rollup rows of ``source`` (a table, or a WITH name; the rest of the statement follows) back
    as one row: their count, fixed-width binary records and the histograms, each packed with ``string_agg``."""
    period = "day" if _is_daily(model) else "month"
    record = [
        "int8send(contract_id::int8)",
        f"int8send(({period} - DATE '1970-01-01')::int8)",
        "int8send(COALESCE(service_type_id, 0)::int8)",
        f"int8send({PRIORITY_SQL})",
        "int8send(COALESCE(site_id, 0)::int8)",
        "int8send(vendor_id::int8)",
        *(f"float8send({n}::float8)" if n in FLOATS else f"int8send({n}::int8)" for n in COLUMNS),
    ]
    hists = []
    for which in HISTOGRAMS:
        hists += (
            [f"string_agg(int4send(length({which}_histogram)), '')", f"string_agg({which}_histogram, '')"]
            if histograms
            else ["NULL::bytea", "NULL::bytea"]
        )
    return f"SELECT count(*), string_agg({' || '.join(record)}, ''), {', '.join(hists)} FROM {source}"


def _unpack_sparse(lengths: np.ndarray, data: bytes, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored sparse histograms (``lengths``: bytes of each row's, ``data``: all of them) as compressed rows."""
    if len(lengths) != count or (lengths % SPARSE.itemsize).any():
        raise ValueError("a rollup histogram is not in the sparse form")
    sparse = np.frombuffer(data, dtype=SPARSE)
    start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths // SPARSE.itemsize, out=start[1:])
    return start, sparse["bucket"].astype(np.int64), sparse["count"].astype(np.int64)


def _run_packed(model: Any, sql: str, params: Sequence[Any], histograms: bool) -> Rows:
    import psycopg

    connection.ensure_connection()
    with _no_jit(), psycopg.Cursor(connection.connection) as cursor:  # server-side binding, binary results
        cursor.execute(sql, params, binary=True)
        count, packed, *blobs = cursor.fetchone()
    if not count:
        return empty_rows()
    records = np.frombuffer(packed, dtype=_record_dtype())
    hist = {}
    for k, which in enumerate(HISTOGRAMS):
        nothing = np.zeros(0, dtype=np.int64)
        if not histograms:
            hist[which] = (np.zeros(count + 1, dtype=np.int64), nothing, nothing)
            continue
        lengths = np.frombuffer(blobs[2 * k] or b"", dtype=">i4").astype(np.int64)
        data = blobs[2 * k + 1] or b""
        hist[which] = _unpack_sparse(lengths, data, count)
    return Rows(
        *(records[key].astype(np.int64) for key in KEYS),
        {name: records[name].astype(np.float64) for name in COLUMNS},
        hist,
    )


@contextlib.contextmanager
def _no_jit() -> Iterator[None]:
    """Short queries with a high estimated cost: compiling them would take longer than running them."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # for the rest of the transaction
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _read_postgres(model: Any, rows: QuerySet[Any], histograms: bool) -> Rows:
    where = _where(rows)
    if where is None:
        return empty_rows()
    sql = _packed(model, f"{model._meta.db_table} WHERE {where[0]}", histograms)
    return _run_packed(model, sql, where[1], histograms)


def rows_of(model: Any, listed: Sequence[Sequence[Any]], names: Sequence[str]) -> Rows:
    """``values_list(*names)`` rows of rollups (``names``: :func:`stored_names`, the histograms may be left out)
    as columns."""
    if not listed:
        return empty_rows()
    columns = dict(zip(names, zip(*listed, strict=True), strict=True))
    count = len(listed)
    period = columns["day" if _is_daily(model) else "month"]
    period = [d if isinstance(d, datetime.date) else datetime.date.fromisoformat(d) for d in period]
    hist = {}
    for which in HISTOGRAMS:
        nothing = np.zeros(0, dtype=np.int64)
        if f"{which}_histogram" not in columns:
            hist[which] = (np.zeros(count + 1, dtype=np.int64), nothing, nothing)
            continue
        blobs = [bytes(blob or b"") for blob in columns[f"{which}_histogram"]]
        lengths = np.array([len(blob) for blob in blobs], dtype=np.int64)
        hist[which] = _unpack_sparse(lengths, b"".join(blobs), count)
    return Rows(
        np.array(columns["contract_id"], dtype=np.int64),
        np.array([day_number(d) for d in period], dtype=np.int64),
        np.array([v or 0 for v in columns["service_type_id"]], dtype=np.int64),
        np.array([priority_code(p) for p in columns["priority"]], dtype=np.int64),
        np.array([v or 0 for v in columns["site_id"]], dtype=np.int64),
        np.array(columns["vendor_id"], dtype=np.int64),
        {name: np.array(columns[name], dtype=np.float64) for name in COLUMNS},
        hist,
    )


def read_rows(model: Any, rows: QuerySet[Any], histograms: bool = True) -> Rows:
    """The rows of a queryset of rollups, in key order (without ``histograms``: with empty ones)."""
    if _postgres():
        return sort_rows(_read_postgres(model, rows, histograms))
    names = [n for n in stored_names(model) if histograms or not n.endswith("_histogram")]
    return sort_rows(rows_of(model, list(rows.order_by().values_list(*names)), names))


# --- computing -------------------------------------------------------------------------------------------


def _lock(contract_ids: Iterable[int]) -> None:
    """Serialise rollup maintenance (and scorecard computation) per contract."""
    from oqms.contracts.models import Contract

    ids = sorted(set(contract_ids))
    if ids and connection.features.has_select_for_update:
        list(Contract.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values("pk"))


def _delete(rows: Any) -> None:
    """Delete rows in one statement (rollups and marks have no dependants and no delete signals to send)."""
    rows._raw_delete(rows.db)


def _in_days(pairs: Iterable[tuple[int, datetime.date]], field: str = "day") -> list[Q]:
    """Conditions selecting these (contract, day) pairs (or months, with field="month"), 50 contracts each."""
    by_contract: dict[int, set[datetime.date]] = {}
    for contract_id, day in pairs:
        by_contract.setdefault(contract_id, set()).add(day)
    items = sorted(by_contract.items())
    conditions = []
    for start in range(0, len(items), 50):
        condition = Q(pk__in=[])
        for contract_id, days in items[start : start + 50]:
            condition |= Q(contract_id=contract_id, **{f"{field}__in": sorted(days)})
        conditions.append(condition)
    return conditions


def _in_months(months: Iterable[tuple[int, datetime.date]]) -> list[Q]:
    """Conditions selecting the days of these (contract, month) pairs, 50 pairs each."""
    items = sorted(set(months))
    conditions = []
    for start in range(0, len(items), 50):
        condition = Q(pk__in=[])
        for contract_id, month in items[start : start + 50]:
            condition |= Q(contract_id=contract_id, day__gte=month, day__lt=next_month(month))
        conditions.append(condition)
    return conditions


def _read_all(model: Any, conditions: list[Q], histograms: bool) -> Rows:
    return sort_rows(
        concat_rows([read_rows(model, model.objects.filter(c), histograms=histograms) for c in conditions])
    )


def _pair_arrays(pairs: Iterable[tuple[int, datetime.date]]) -> list[list[Any]]:
    ordered = sorted(set(pairs))
    return [[c for c, _d in ordered], [d for _c, d in ordered]]


def _take(model: Any, pairs: Iterable[tuple[int, datetime.date]]) -> Rows:
    """Delete the rollups of these (contract, day) pairs (daily) or (contract, month) pairs (monthly, every
    level) and return them, in key order."""
    pairs = list(pairs)
    if not pairs:
        return empty_rows()
    period = "day" if _is_daily(model) else "month"
    if _postgres():  # one statement: delete, and give back what was deleted
        sql = (
            f"WITH gone AS (DELETE FROM {model._meta.db_table} r USING unnest(%s::bigint[], %s::date[]) AS "
            f"p(contract_id, period) WHERE r.contract_id = p.contract_id AND r.{period} = p.period RETURNING r.*) "
            + _packed(model, "gone", True)
        )
        return sort_rows(_run_packed(model, sql, _pair_arrays(pairs), True))
    conditions = _in_days(pairs, field=period)
    rows = _read_all(model, conditions, histograms=True)
    for condition in conditions:
        _delete(model.objects.filter(condition))
    return rows


def _take_keys(model: Any, keys: Rows) -> Rows:
    """Delete the stored rollups with the keys of these rows and return them, in key order (on SQLite: every
    row of their days or months, which the caller writes back)."""
    if len(keys) == 0:
        return empty_rows()
    if not _postgres():
        return _take(model, zip(keys.contract.tolist(), map(day_of, keys.period.tolist()), strict=True))
    period = "day" if _is_daily(model) else "month"
    service_type, site = (
        ("r.service_type_id", "r.site_id")
        if _is_daily(model)
        else ("COALESCE(r.service_type_id, 0)", "COALESCE(r.site_id, 0)")
    )
    sql = (
        f"WITH gone AS (DELETE FROM {model._meta.db_table} r USING unnest(%s::bigint[], %s::date[], "
        "%s::bigint[], %s::text[], %s::bigint[]) AS p(contract_id, period, service_type_id, priority, site_id) "
        f"WHERE r.contract_id = p.contract_id AND r.{period} = p.period AND {service_type} = p.service_type_id "
        f"AND r.priority = p.priority AND {site} = p.site_id RETURNING r.*) " + _packed(model, "gone", True)
    )
    params = [
        keys.contract.tolist(),
        [day_of(number) for number in keys.period.tolist()],
        keys.service_type.tolist(),
        [priority_text(code) for code in keys.priority.tolist()],
        keys.site.tolist(),
    ]
    return sort_rows(_run_packed(model, sql, params, True))


def _add_to(model: Any, change: Rows) -> Rows:
    """Add rows of changes to the stored rollups of their keys (rows that add up to nothing are removed);
    returns the rows that would not add up, left out (the caller counts them again)."""
    change = take_rows(change, np.flatnonzero(_nonzero(change)))
    if len(change) == 0:
        return empty_rows()
    both = concat_rows([_take_keys(model, change), change])
    summed = group_rows(both, both.key_columns())
    summed = take_rows(summed, np.flatnonzero(_nonzero(summed)))
    bad = _inconsistent(summed)
    _insert(model, take_rows(summed, np.flatnonzero(~bad)))
    return take_rows(summed, np.flatnonzero(bad))


def _recount_days(pairs: Sequence[tuple[int, datetime.date]]) -> None:
    """Count the daily rollups of these (contract, day) pairs again from the work orders."""
    if not pairs:
        return
    work = _fetch(sorted({c for c, _d in pairs}), _ranges(d for _c, d in pairs), only=pairs)
    fresh = accumulate(work, only=pairs)
    del work
    _take(DailyRollup, pairs)
    _insert(DailyRollup, fresh)


def _count_months(months: Iterable[tuple[int, datetime.date]]) -> None:
    """Count the monthly rollups (every level) of these (contract, month) pairs again from their daily rows."""
    months = sorted(set(months))
    if not months:
        return
    daily = _read_all(DailyRollup, _in_months(months), histograms=True)
    _take(MonthlyRollup, months)
    _insert(MonthlyRollup, with_levels(monthly(daily)))


def _apply(change: Rows, recount: Sequence[tuple[int, datetime.date]] = ()) -> None:
    """Add daily rows of changes (full slices) to the daily rollups and, added up by month and level, to the
    monthly ones; count the ``recount`` days again from the work orders and their months from their days.
    Daily rows that would not add up are left out and their days marked to be counted again; monthly ones are
    counted again from the days at once."""
    bad = _add_to(DailyRollup, change)
    by_contract: dict[int, set[datetime.date]] = {}
    for contract_id, number in zip(bad.contract.tolist(), bad.period.tolist(), strict=True):
        by_contract.setdefault(contract_id, set()).add(day_of(number))
    for contract_id, days in by_contract.items():
        mark(contract_id, days)
    _recount_days(recount)
    counted = {(c, month_of(d)) for c, d in recount}
    months = with_levels(monthly(change))
    if counted:
        codes = _pair_codes(counted)
        months = take_rows(months, np.flatnonzero(~np.isin(_pairs(months.contract, months.period), codes)))
    bad = _add_to(MonthlyRollup, months)
    counted |= {(c, day_of(m)) for c, m in zip(bad.contract.tolist(), bad.period.tolist(), strict=True)}
    _count_months(counted)


def _pending(limit: int) -> list[tuple[int, int, datetime.date, datetime.datetime]]:
    """The oldest dirty marks: (pk, contract, day, marked_at)."""
    return list(
        DirtyDay.objects.order_by("marked_at", "pk").values_list("pk", "contract_id", "day", "marked_at")[
            :limit
        ]
    )


def _claim(
    pending: Sequence[tuple[int, int, datetime.date, datetime.datetime]],
) -> list[tuple[int, datetime.date]]:
    """Delete the marks that still have the ``marked_at`` they were read with; returns the claimed days."""
    table = connection.ops.quote_name(DirtyDay._meta.db_table)
    claimed: list[tuple[int, datetime.date]] = []
    with connection.cursor() as cursor:
        if _postgres():  # one statement; each row is deleted only if it still has its marked_at
            cursor.execute(
                f"DELETE FROM {table} d USING unnest(%s::bigint[], %s::timestamptz[]) AS p(id, marked_at) "
                "WHERE d.id = p.id AND d.marked_at = p.marked_at RETURNING d.contract_id, d.day",
                [[pk for pk, *_rest in pending], [marked_at for *_rest, marked_at in pending]],
            )
            return [(contract_id, day) for contract_id, day in cursor.fetchall()]
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(pending), 400):
            part = pending[start : start + 400]
            values = ", ".join(["(%s, %s)"] * len(part))
            params = [value for pk, _c, _d, marked_at in part for value in (pk, adapt(marked_at))]
            cursor.execute(
                f"DELETE FROM {table} WHERE (id, marked_at) IN (VALUES {values}) RETURNING contract_id, day",
                params,
            )
            for contract_id, day in cursor.fetchall():
                if isinstance(day, str):  # SQLite
                    day = datetime.date.fromisoformat(day)
                claimed.append((contract_id, day))
    return claimed


def _serialise(wait: bool) -> bool:
    """Take the advisory lock of refreshes and rebuilds for the transaction (PostgreSQL; elsewhere writers are
    serialised anyway); without ``wait``, give up at once if it is taken."""
    if not _postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # short queries, small sorts: no compiling, all in memory
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK])
        return bool(cursor.fetchone()[0])


def refresh_dirty(limit: int = 20_000) -> int:
    """Add the oldest waiting changes (at most ``limit``) to the rollups, or, when days are marked, count the
    oldest marked days (at most ``limit``) again, with every waiting change of their contracts; in one
    transaction. Returns how many changes and days were done: 0 when nothing is waiting or another refresh is
    running."""
    from oqms.contracts.models import Contract

    with transaction.atomic():
        if not _serialise(wait=False):
            return 0
        pending = _pending(limit)
        claimed: list[tuple[int, datetime.date]] = []
        if pending:
            _lock_changes()
            claimed = _claim(pending)
            listed = _claim_changes(None, sorted({c for c, _d in claimed}))
        else:
            listed = _claim_changes(limit)
        if not listed and not claimed:
            return 0
        work, sign = _changes_work(listed)
        contracts = set(work["contract"].tolist()) | {c for c, _d in claimed}
        alive = set(Contract.objects.filter(pk__in=contracts).values_list("pk", flat=True))
        kept = np.isin(work["contract"], sorted(alive))  # a deleted contract's rollups went with it
        claimed = [(c, d) for c, d in claimed if c in alive]
        _lock(alive)
        _apply(accumulate(work[kept], weight=sign[kept], leave_out=claimed), claimed)
    return len(listed) + len(claimed)


def _chunks(contract_ids: list[int] | None) -> list[list[int]]:
    """Contracts in groups of about CHUNK work orders."""
    rows = WorkOrder._base_manager.order_by()
    if contract_ids is not None:
        rows = rows.filter(contract_id__in=contract_ids)
    counts = sorted(rows.values_list("contract_id").annotate(n=Count("pk")).values_list("contract_id", "n"))
    chunks: list[list[int]] = [[]]
    size = 0
    for contract_id, count in counts:
        if size and size + count > CHUNK:
            chunks.append([])
            size = 0
        chunks[-1].append(contract_id)
        size += count
    return [chunk for chunk in chunks if chunk]


@transaction.atomic
def rebuild(contract_ids: Iterable[int] | None = None) -> int:
    """Recompute the rollups of all (or these) contracts from their work orders; returns the number of daily
    rows. New changes wait meanwhile (the change table is locked), and the waiting ones of these contracts are
    dropped: the work orders are counted as they are."""
    from oqms.contracts.models import Contract

    ids = sorted(set(contract_ids)) if contract_ids is not None else None
    _serialise(wait=True)
    _lock_changes()
    tables = [DailyRollup.objects.all(), MonthlyRollup.objects.all(), DirtyDay.objects.all()]
    tables.append(RollupChange.objects.all())
    if ids is not None:
        tables = [rows.filter(contract_id__in=ids) for rows in tables]
    _lock(ids if ids is not None else Contract.objects.values_list("pk", flat=True))
    for rows in tables:
        _delete(rows)
    written = 0
    for chunk in _chunks(ids):
        rows = accumulate(_fetch(chunk, None))
        written += _insert(DailyRollup, rows)
        _insert(MonthlyRollup, with_levels(monthly(rows)))
        del rows
    if _postgres():  # the tables changed wholesale: give the planner their new figures
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DailyRollup._meta.db_table}, {MonthlyRollup._meta.db_table}")
    return written

"""Maintaining the daily rollups.

* Every save or delete of a work order marks the (contract, day) pairs of its events — before and after the
  change — as dirty, in the same transaction (signal receivers below: pages, the API, jobs and the admin alike).
* :func:`refresh_dirty` (a django-q2 schedule, every minute) recomputes each dirty day from the work orders and
  replaces its rollups. A dirty row is claimed by deleting it with the ``marked_at`` it was read with, so two
  workers never both rebuild it and a day marked again meanwhile is rebuilt again on the next run.
* :func:`rebuild` recomputes everything (or some contracts) in one pass: after bulk loads such as the demo, and
  from the command line (``oqms kpis-rebuild``).

Days are local days of ``settings.TIME_ZONE``; changing it needs a rebuild.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oqms.engine import histogram
from oqms.kpis.models import DailyRollup, DirtyDay
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


# --- marking ----------------------------------------------------------------------------------------


def mark(contract_id: int, days: Iterable[datetime.date]) -> None:
    now = timezone.now()
    rows = [DirtyDay(contract_id=contract_id, day=day, marked_at=now) for day in sorted(set(days))]
    if rows:
        DirtyDay.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["contract", "day"], update_fields=["marked_at"]
        )


def _before_save(sender: Any, instance: WorkOrder, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    old = WorkOrder._base_manager.filter(pk=instance.pk).values("contract_id", *EVENTS).first()
    instance._kpi_before = old  # type: ignore[attr-defined]


def _after_save(sender: Any, instance: WorkOrder, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    old = instance.__dict__.pop("_kpi_before", None)
    now = {name: getattr(instance, name) for name in EVENTS}
    if old and old["contract_id"] != instance.contract_id:
        mark(old["contract_id"], days_of(old))
        old = None
    mark(instance.contract_id, days_of(now) | days_of(old))


def _after_delete(sender: Any, instance: WorkOrder, **kwargs: Any) -> None:
    mark(instance.contract_id, days_of({name: getattr(instance, name) for name in EVENTS}))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_before_save, sender=WorkOrder, dispatch_uid="oqms-kpis-before-save")
    post_save.connect(_after_save, sender=WorkOrder, dispatch_uid="oqms-kpis-after-save")
    post_delete.connect(_after_delete, sender=WorkOrder, dispatch_uid="oqms-kpis-after-delete")


# --- computing ---------------------------------------------------------------------------------------


@dataclass
class Slice:
    vendor_id: int
    opened: int = 0
    opened_completed: int = 0
    responded: int = 0
    responded_in_time: int = 0
    response_seconds: float = 0.0
    response_samples: list[float] = field(default_factory=list)
    resolved: int = 0
    resolved_in_time: int = 0
    resolved_first_time: int = 0
    resolved_reopened: int = 0
    resolution_seconds: float = 0.0
    resolution_samples: list[float] = field(default_factory=list)
    closed: int = 0
    rated: int = 0
    rating_sum: int = 0

    def rollup(self, key: tuple[Any, ...]) -> DailyRollup:
        contract_id, day, service_type_id, priority, site_id = key
        return DailyRollup(
            contract_id=contract_id,
            vendor_id=self.vendor_id,
            day=day,
            service_type_id=service_type_id,
            priority=priority,
            site_id=site_id,
            opened=self.opened,
            opened_completed=self.opened_completed,
            responded=self.responded,
            responded_in_time=self.responded_in_time,
            response_seconds=self.response_seconds,
            response_histogram=_blob(self.response_samples),
            resolved=self.resolved,
            resolved_in_time=self.resolved_in_time,
            resolved_first_time=self.resolved_first_time,
            resolved_reopened=self.resolved_reopened,
            resolution_seconds=self.resolution_seconds,
            resolution_histogram=_blob(self.resolution_samples),
            closed=self.closed,
            rated=self.rated,
            rating_sum=self.rating_sum,
        )


def _blob(samples: list[float]) -> bytes:
    """A histogram for storage; no samples is an empty value (no data), not a histogram of zeros."""
    return histogram.to_bytes(histogram.counts(samples)) if samples else b""


def accumulate(
    rows: Iterable[dict[str, Any]], only: datetime.date | None = None
) -> dict[tuple[Any, ...], Slice]:
    """Add work orders into slices keyed (contract, day, service type, priority, site); ``only`` keeps one day."""
    slices: dict[tuple[Any, ...], Slice] = {}

    def slice_of(row: dict[str, Any], moment: datetime.datetime) -> Slice | None:
        day = local_day(moment)
        if only is not None and day != only:
            return None
        key = (row["contract_id"], day, row["service_type_id"], row["priority"], row["site_id"])
        found = slices.get(key)
        if found is None:
            found = slices[key] = Slice(vendor_id=row["vendor_id"])
        return found

    for row in rows:
        finished = row["status"] in FINISHED
        if (s := slice_of(row, row["opened_at"])) is not None:
            s.opened += 1
            s.opened_completed += finished
        seconds = row["response_business_seconds"]
        if row["responded_at"] and seconds is not None and (s := slice_of(row, row["responded_at"])):
            s.responded += 1
            s.response_seconds += seconds
            s.response_samples.append(seconds)
            target = row["response_target_minutes"]
            s.responded_in_time += bool(target is not None and seconds <= target * 60)
        seconds = row["resolution_business_seconds"]
        if (
            finished
            and row["resolved_at"]
            and seconds is not None
            and (s := slice_of(row, row["resolved_at"]))
        ):
            s.resolved += 1
            s.resolution_seconds += seconds
            s.resolution_samples.append(seconds)
            target = row["resolution_target_minutes"]
            s.resolved_in_time += bool(target is not None and seconds <= target * 60)
            if row["reopen_count"]:
                s.resolved_reopened += 1
            else:
                s.resolved_first_time += 1
        if row["status"] == "closed" and row["closed_at"] and (s := slice_of(row, row["closed_at"])):
            s.closed += 1
            if row["rating"]:
                s.rated += 1
                s.rating_sum += row["rating"]
    return slices


def rows_touching(contract_id: int, day: datetime.date) -> Iterator[dict[str, Any]]:
    start, end = day_bounds(day)
    touches = Q()
    for name in EVENTS:
        touches |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return WorkOrder._base_manager.filter(touches, contract_id=contract_id).values(*FIELDS).iterator(BATCH)


@transaction.atomic
def rebuild_day(contract_id: int, day: datetime.date) -> int:
    slices = accumulate(rows_touching(contract_id, day), only=day)
    DailyRollup.objects.filter(contract_id=contract_id, day=day).delete()
    DailyRollup.objects.bulk_create([s.rollup(key) for key, s in slices.items()], batch_size=BATCH)
    return len(slices)


def refresh_dirty(limit: int = 500) -> int:
    """Rebuild the dirty days (oldest marks first); returns how many days were rebuilt."""
    done = 0
    for pk, contract_id, day, marked_at in DirtyDay.objects.order_by("marked_at").values_list(
        "pk", "contract_id", "day", "marked_at"
    )[:limit]:
        with transaction.atomic():
            claimed, _detail = DirtyDay.objects.filter(pk=pk, marked_at=marked_at).delete()
            if not claimed:
                continue  # another worker has it, or it was marked again: the next run takes it
            rebuild_day(contract_id, day)
            done += 1
    return done


@transaction.atomic
def rebuild(contract_ids: Iterable[int] | None = None) -> int:
    """Recompute the rollups of all (or these) contracts from their work orders; returns the number of rows."""
    rows = WorkOrder._base_manager.values(*FIELDS).order_by()
    rollups = DailyRollup.objects.all()
    dirty = DirtyDay.objects.all()
    if contract_ids is not None:
        ids = list(contract_ids)
        rows, rollups, dirty = (
            rows.filter(contract_id__in=ids),
            rollups.filter(contract_id__in=ids),
            dirty.filter(contract_id__in=ids),
        )
    slices = accumulate(rows.iterator(BATCH))
    rollups.delete()
    DailyRollup.objects.bulk_create([s.rollup(key) for key, s in slices.items()], batch_size=BATCH)
    dirty.delete()
    return len(slices)

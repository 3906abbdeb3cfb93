"""Many work orders at once, with their SLA clocks computed as arrays: what imports and the bulk API write.

:func:`upsert` takes columns (numpy arrays, one value per work order) already checked by the caller (references
exist, times are in order), matches them with the existing work orders of the same vendor and external id,
computes every clock field with the engine's array functions, and writes new and changed rows in a few
statements (``COPY`` on PostgreSQL). The clocks follow exactly the rules of :mod:`oqms.workorders.clock`; the
tests compare both on the same records. The rollups are told which days changed through
:data:`work_orders_changed`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from oqms.calendars.services import clock_calendar
from oqms.contracts.choices import ClockStop
from oqms.contracts.models import SLAPolicy
from oqms.core import bulkwrite
from oqms.core.models import Sequence
from oqms.org.models import Site
from oqms.workorders import clock
from oqms.workorders.choices import OPEN_STATUSES, Origin, SLAState, Status
from oqms.workorders.models import WorkOrder

# Sent inside the transaction after a bulk write: ``days`` maps a contract id to the (local) days whose figures
# changed. The rollups mark those days to be counted again.
work_orders_changed = Signal()

NAT = np.datetime64("NaT", "ns")
OPEN = np.array([str(s) for s in OPEN_STATUSES], dtype=object)
# Columns the caller gives, and those the work order keeps from before when it is updated.
INPUT = (
    "external_id",
    "contract_id",
    "vendor_id",
    "site_id",
    "service_type_id",
    "requester_id",
    "assignee_id",
    "priority",
    "status",
    "pause_reason",
    "title",
    "description",
    "resolution_note",
    "opened_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "paused_at",
    "rating",
)
TIMES = ("opened_at", "responded_at", "resolved_at", "closed_at", "paused_at")
CLOCK_COLUMNS = (
    "sla_policy_id",
    "calendar_id",
    "response_target_minutes",
    "resolution_target_minutes",
    "response_due_at",
    "resolution_due_at",
    "at_risk_at",
    "response_business_seconds",
    "resolution_business_seconds",
    "response_state",
    "sla_state",
    "sla_next_check_at",
)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # For each input row: "create", "update" or "same".
    actions: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))


def _ns(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("datetime64[ns]")


def existing(vendor_ids: np.ndarray, external_ids: np.ndarray) -> dict[str, np.ndarray]:
    """The stored work orders with these (vendor, external id) pairs, aligned with the input (id 0: none)."""
    size = len(external_ids)
    found = {
        "id": np.zeros(size, np.int64),
        "paused_business_seconds": np.zeros(size, np.float64),
        "sla_crossings": np.empty(size, dtype=object),
        "number": np.empty(size, dtype=object),
    }
    vendors = sorted(set(np.unique(vendor_ids).tolist()))
    rows = WorkOrder._base_manager.filter(vendor_id__in=vendors).exclude(external_id="")
    if size < 5000:
        rows = rows.filter(external_id__in=sorted(set(external_ids.tolist())))
    stored = {
        (vendor, external): (pk, paused, crossings, number)
        for pk, vendor, external, paused, crossings, number in rows.values_list(
            "pk", "vendor_id", "external_id", "paused_business_seconds", "sla_crossings", "number"
        ).iterator(chunk_size=20_000)
    }
    if not stored:
        return found
    for index, key in enumerate(zip(vendor_ids.tolist(), external_ids.tolist(), strict=True)):
        hit = stored.get(key)
        if hit is not None:
            found["id"][index], found["paused_business_seconds"][index] = hit[0], hit[1]
            found["sla_crossings"][index], found["number"][index] = hit[2], hit[3]
    return found


# --- the clocks, as arrays --------------------------------------------------------------------------


def _policies(contract_ids: np.ndarray, opened: np.ndarray) -> np.ndarray:
    """The SLA policy version in force when each work order was raised (``policy_at``, for arrays); 0: none."""
    result = np.zeros(len(contract_ids), np.int64)
    versions: dict[int, list[tuple[Any, int, int]]] = {}
    for pk, contract_id, effective_from, number in SLAPolicy.objects.filter(
        contract_id__in=np.unique(contract_ids).tolist()
    ).values_list("pk", "contract_id", "effective_from", "number"):
        versions.setdefault(contract_id, []).append((effective_from, number, pk))
    for contract_id, listed in versions.items():
        mask = contract_ids == contract_id
        first = min(listed, key=lambda v: v[1])[2]
        listed.sort(key=lambda v: (v[0], v[1]))
        starts = np.array([v[0].replace(tzinfo=None) for v in listed], dtype="datetime64[ns]")
        pks = np.array([v[2] for v in listed], np.int64)
        index = np.searchsorted(starts, opened[mask], side="right") - 1
        result[mask] = np.where(index >= 0, pks[np.clip(index, 0, None)], first)
    return result


def _state(used: np.ndarray, target: float, percent: int) -> np.ndarray:
    return np.where(
        used >= target,
        SLAState.BREACHED.value,
        np.where(used >= target * percent / 100, SLAState.AT_RISK.value, SLAState.ON_TRACK.value),
    ).astype(object)


def _later(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise max of two datetime arrays, NaT where ``a`` is NaT."""
    return np.where(np.isnat(a), a, np.maximum(a, b))


def clocks(
    columns: dict[str, np.ndarray], paused: np.ndarray, notified: np.ndarray, now: datetime.datetime
) -> dict[str, np.ndarray]:
    """Every stored clock field for each work order (as :func:`clock.refresh` would set it)."""
    size = len(columns["opened_at"])
    opened = _ns(columns["opened_at"])
    times = {name: _ns(columns[name]) for name in TIMES}
    status, priority = columns["status"], columns["priority"]
    now_ns = np.full(size, np.datetime64(now.astimezone(datetime.UTC).replace(tzinfo=None), "ns"))
    out: dict[str, np.ndarray] = {
        "sla_policy_id": _policies(columns["contract_id"], opened),
        "calendar_id": np.zeros(size, np.int64),
        "response_target_minutes": np.full(size, -1, np.int64),
        "resolution_target_minutes": np.full(size, -1, np.int64),
        "response_due_at": np.full(size, NAT),
        "resolution_due_at": np.full(size, NAT),
        "at_risk_at": np.full(size, NAT),
        "response_business_seconds": np.full(size, np.nan),
        "resolution_business_seconds": np.full(size, np.nan),
        "response_state": np.full(size, SLAState.NONE.value, dtype=object),
        "sla_state": np.full(size, SLAState.NONE.value, dtype=object),
        "sla_next_check_at": np.full(size, NAT),
    }
    policies = {p.pk: p for p in SLAPolicy.objects.filter(pk__in=np.unique(out["sla_policy_id"]).tolist())}
    sites = Site.objects.in_bulk(np.unique(columns["site_id"]).tolist())
    is_open = np.isin(status, OPEN)
    groups = np.unique(np.stack([out["sla_policy_id"], columns["site_id"]]), axis=1).T
    for policy_id, site_id in groups.tolist():
        in_group = (out["sla_policy_id"] == policy_id) & (columns["site_id"] == site_id)
        policy = policies.get(policy_id)
        calendar = clock.calendar_for(policy, sites[site_id])
        out["calendar_id"][in_group] = calendar.pk if calendar else 0
        engine = clock_calendar(calendar, site_id)
        for code in np.unique(priority[in_group]).tolist():
            rule = clock.rules_for(policy, code)
            if rule is None:
                continue
            rows = np.flatnonzero(in_group & (priority == code))
            _fill(
                out,
                rows,
                rule,
                engine,
                opened[rows],
                {k: v[rows] for k, v in times.items()},
                status[rows],
                columns["pause_reason"][rows],
                paused[rows],
                notified[rows],
                is_open[rows],
                now_ns[rows],
            )
    return out


def _fill(
    out: dict[str, np.ndarray],
    rows: np.ndarray,
    rule: clock.Rules,
    engine: Any,
    opened: np.ndarray,
    times: dict[str, np.ndarray],
    status: np.ndarray,
    pause_reason: np.ndarray,
    paused: np.ndarray,
    notified: np.ndarray,
    is_open: np.ndarray,
    now: np.ndarray,
) -> None:
    response_target = rule.response_minutes * 60.0
    resolution_target = rule.resolution_minutes * 60.0
    percent = rule.at_risk_percent
    out["response_target_minutes"][rows] = rule.response_minutes
    out["resolution_target_minutes"][rows] = rule.resolution_minutes

    responded = times["responded_at"]
    out["response_due_at"][rows] = engine.add_array(opened, np.full(len(rows), response_target))
    used = engine.business_seconds_array(opened, _later(responded, opened))
    has_response = ~np.isnat(responded)
    out["response_business_seconds"][rows] = np.where(has_response, used, np.nan)
    running_now = engine.business_seconds_array(opened, np.maximum(now, opened))
    out["response_state"][rows] = np.where(
        has_response,
        np.where(used <= response_target, SLAState.MET.value, SLAState.MISSED.value),
        np.where(is_open, _state(running_now, response_target, percent), SLAState.MISSED.value),
    )

    out["resolution_due_at"][rows] = engine.add_array(opened, resolution_target + paused)
    out["at_risk_at"][rows] = engine.add_array(opened, resolution_target * percent / 100 + paused)
    if rule.stops_at == ClockStop.CLOSED:
        stop = np.where(status == Status.CLOSED.value, times["closed_at"], NAT)
    else:
        finished = np.isin(status, [Status.RESOLVED.value, Status.CLOSED.value])
        stop = np.where(finished, times["resolved_at"], NAT)
    stopped = ~np.isnat(stop)
    used = engine.business_seconds_array(opened, _later(stop, opened)) - paused
    out["resolution_business_seconds"][rows] = np.where(stopped, used, np.nan)
    pausing = (
        (status == Status.PAUSED.value)
        & ~np.isnat(times["paused_at"])
        & np.isin(pause_reason, sorted(rule.pausing_reasons))
    )
    until = np.where(pausing, times["paused_at"], now)
    running_used = engine.business_seconds_array(opened, np.maximum(until, opened)) - paused
    out["sla_state"][rows] = np.where(
        stopped,
        np.where(used <= resolution_target, SLAState.MET.value, SLAState.MISSED.value),
        _state(running_used, resolution_target, percent),
    )

    # The next threshold of a running clock not yet notified: the SLA monitor's queue.
    response_runs = np.isnat(responded) & is_open
    resolution_runs = (status != Status.CLOSED.value) & ~stopped & ~pausing
    levels: list[tuple[str, float, np.ndarray, np.ndarray]] = []
    for name, clock_target, runs, extra in (
        ("response", response_target, response_runs, np.zeros(len(rows))),
        ("resolution", resolution_target, resolution_runs, paused),
    ):
        marks = [("at_risk", percent), ("breached", 100)]
        marks += [(f"{p}", p) for c, p, _audience in rule.escalations if c == name]
        for mark, mark_percent in dict.fromkeys(marks):
            key = f"{name}:{mark}"
            seen = (
                np.array([bool(n) and key in n for n in notified], bool) if _any_notified(notified) else None
            )
            pending = runs if seen is None else runs & ~seen
            levels.append((key, clock_target * mark_percent / 100, pending, extra))
    earliest = np.full(len(rows), NAT)
    for _key, budget, pending, extra in levels:
        if not pending.any():
            continue
        instants = engine.add_array(opened, budget + extra)
        instants = np.where(pending, instants, NAT)
        sooner = ~np.isnat(instants) & (np.isnat(earliest) | (instants < earliest))
        earliest = np.where(sooner, instants, earliest)
    out["sla_next_check_at"][rows] = earliest


def _any_notified(notified: np.ndarray) -> bool:
    return any(bool(n) for n in notified.tolist())


# --- writing ----------------------------------------------------------------------------------------

COMPARED = (
    "contract_id",
    "site_id",
    "service_type_id",
    "requester_id",
    "assignee_id",
    "priority",
    "status",
    "pause_reason",
    "title",
    "description",
    "resolution_note",
    "rating",
    *TIMES,
)


def _same(columns: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """Which of these existing work orders already hold exactly these values (nothing to update)."""
    same = np.zeros(len(ids), bool)
    stored: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 20_000):
        part = ids[start : start + 20_000].tolist()
        for row in WorkOrder._base_manager.filter(pk__in=part).values_list("pk", *COMPARED):
            stored[row[0]] = row[1:]
    for index, pk in enumerate(ids.tolist()):
        values = stored.get(pk)
        if values is None:
            continue
        mine = []
        for name in COMPARED:
            value = columns[name][index]
            if name in TIMES:
                value = (
                    None
                    if np.isnat(value)
                    else np.datetime64(value, "us").astype(datetime.datetime).replace(tzinfo=datetime.UTC)
                )
            elif name in {"assignee_id", "rating"}:
                value = int(value) or None
            elif name.endswith("_id"):
                value = int(value)
            mine.append(value)
        same[index] = tuple(mine) == tuple(values)
    return same


def _days(values: dict[str, np.ndarray], contract_ids: np.ndarray) -> dict[int, set[datetime.date]]:
    zone = timezone.get_default_timezone()
    offset = datetime.datetime(2025, 1, 1, tzinfo=zone).utcoffset() or datetime.timedelta(0)
    days: dict[int, set[datetime.date]] = {}
    for name in ("opened_at", "responded_at", "resolved_at", "closed_at"):
        times = _ns(values[name])
        present = ~np.isnat(times)
        local = (times[present] + np.timedelta64(int(offset.total_seconds()), "s")).astype("datetime64[D]")
        pairs = np.unique(np.stack([contract_ids[present], local.astype(np.int64)]), axis=1)
        for contract_id, day in pairs.T.tolist():
            days.setdefault(contract_id, set()).add(datetime.date(1970, 1, 1) + datetime.timedelta(days=day))
    return days


def upsert(
    columns: dict[str, np.ndarray],
    origin: str = Origin.IMPORT,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Create or update the work orders described by ``columns`` (see :data:`INPUT`), in one transaction."""
    now = now or timezone.now()
    found = existing(columns["vendor_id"], columns["external_id"])
    ids = found["id"]
    actions = np.where(ids > 0, "update", "create").astype(object)
    matched = np.flatnonzero(ids > 0)
    if len(matched):
        same = _same({k: v[matched] for k, v in columns.items()}, ids[matched])
        actions[matched[same]] = "same"
    outcome = Outcome(
        created=int((actions == "create").sum()),
        updated=int((actions == "update").sum()),
        unchanged=int((actions == "same").sum()),
        actions=actions,
        ids=ids.copy(),
    )
    if dry_run:
        return outcome
    computed = clocks(columns, found["paused_business_seconds"], found["sla_crossings"], now)
    stamp = np.datetime64(now.astimezone(datetime.UTC).replace(tzinfo=None), "us")
    with transaction.atomic():
        new = np.flatnonzero(actions == "create")
        changed = np.flatnonzero(actions == "update")
        done = 0

        def step(rows: int) -> None:
            if progress is not None:
                progress(done + rows, len(new) + len(changed))

        if len(new):
            first = Sequence.take("workorder", len(new))
            values = _row_values(columns, computed, new)
            values["number"] = np.array([f"WO{n:08d}" for n in range(first, first + len(new))], dtype=object)
            values.update(
                origin=origin,
                created_at=stamp,
                updated_at=stamp,
                paused_seconds=0,
                paused_business_seconds=0.0,
                rating_comment="",
                reopen_count=0,
                sla_crossings=bulkwrite.Constant([]),
                sla_checks=0,
                assigned_at=np.where(columns["assignee_id"][new] > 0, _ns(columns["opened_at"][new]), NAT),
            )
            bulkwrite.insert(WorkOrder, values, len(new), progress=step)
            done += len(new)
            created = _ids_by_number(values["number"])
            outcome.ids[new] = [created[n] for n in values["number"].tolist()]
        if len(changed):
            before = _old_days(ids[changed])
            values = _row_values(columns, computed, changed)
            values["updated_at"] = stamp
            values["sla_checks"] = 0
            bulkwrite.update(WorkOrder, ids[changed], values, progress=step)
        touched = np.concatenate([new, changed])
        days = _days({k: columns[k][touched] for k in TIMES}, columns["contract_id"][touched])
        if len(changed):
            for contract_id, old in before.items():
                days.setdefault(contract_id, set()).update(old)
        work_orders_changed.send(sender=WorkOrder, days=days)
    return outcome


def _ids_by_number(numbers: np.ndarray) -> dict[str, int]:
    first, last = numbers[0], numbers[-1]
    return dict(
        WorkOrder._base_manager.filter(number__gte=first, number__lte=last).values_list("number", "pk")
    )


def _old_days(ids: np.ndarray) -> dict[int, set[datetime.date]]:
    rows = list(
        WorkOrder._base_manager.filter(pk__in=ids.tolist()).values_list(
            "contract_id", "opened_at", "responded_at", "resolved_at", "closed_at"
        )
    )
    days: dict[int, set[datetime.date]] = {}
    for contract_id, *moments in rows:
        for moment in moments:
            if moment is not None:
                days.setdefault(contract_id, set()).add(timezone.localdate(moment))
    return days


def _row_values(
    columns: dict[str, np.ndarray], computed: dict[str, np.ndarray], rows: np.ndarray
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in INPUT:
        values[name] = columns[name][rows]
    for name in ("assignee_id", "rating"):
        array = values[name].astype(object)
        array[values[name] == 0] = None
        values[name] = array
    for name in CLOCK_COLUMNS:
        values[name] = computed[name][rows]
    for name in ("calendar_id", "sla_policy_id"):
        array = values[name].astype(object)
        array[values[name] == 0] = None
        values[name] = array
    for name in ("response_target_minutes", "resolution_target_minutes"):
        array = values[name].astype(object)
        array[values[name] < 0] = None
        values[name] = array
    return values

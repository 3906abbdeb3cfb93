"""KPI figures in bulk: the totals of many (contract, period, slice) groups at once, and the KPI results of every
scorecard of some periods for all contracts.

Totals are read from the monthly rollups for whole months and from the daily rollups for the days left over,
in one query each for all groups, and added up with numpy: counts and seconds with ``bincount`` over
(row, group) pairs, histograms by merging their sparse buckets the same way. :func:`totals` (one group, what
``measures.totals`` and so every KPI page uses) goes through the very same code, and rows are always added in
the same order (monthly rows by contract, month, service type, priority, site, then the daily ones by day), so
a figure computed in bulk is bit-for-bit the one computed alone — :func:`results` gives exactly what
``scorecards.compute`` would store for each contract.

On PostgreSQL the rows come back packed (one ``string_agg`` of fixed-width binary records, and the histograms
as they are stored), read with ``numpy.frombuffer``; elsewhere through the ORM.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q

from oqms.engine import formulas, histogram, scoring
from oqms.kpis import measures, rollups
from oqms.kpis.models import KPI, DailyRollup, MonthlyRollup

BUCKETS = rollups.BUCKETS
FILTERS = ("contract", "vendor", "service_type", "priority", "site")
Period = tuple[datetime.date, datetime.date]


# --- adding up -----------------------------------------------------------------------------------------

ANY = -1  # in a target: any service type, priority or site (a full slice), as opposed to 0, "all" (a level)
DIMENSIONS = ("service_type", "priority", "site")


@dataclass(frozen=True)
class Request:
    """One group to total: the days ``first``..``last`` of a contract or vendor (or everything), optionally one
    service type, priority or site (filters as for ``measures.totals``)."""

    first: datetime.date
    last: datetime.date
    contract: int | None = None
    vendor: int | None = None
    service_type: int | None = None
    priority: str | None = None
    site: int | None = None

    @classmethod
    def of(cls, first: datetime.date, last: datetime.date, filters: dict[str, Any]) -> Request:
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise ValueError(f"unknown filters: {sorted(unknown)}")
        plain = {key: getattr(value, "pk", value) for key, value in filters.items() if value is not None}
        return cls(first, last, **plain)

    def codes(self) -> tuple[int | None, int | None, int | None]:
        priority = None if self.priority is None else rollups.priority_code(self.priority)
        return self.service_type, priority, self.site

    def monthly_target(self) -> tuple[int, int, int]:
        """The monthly rows it reads: a level (one dimension at most: 0 for "all") or full slices."""
        codes = self.codes()
        if sum(code is not None for code in codes) <= 1:
            return tuple(0 if code is None else code for code in codes)  # type: ignore[return-value]
        return self.daily_target()

    def daily_target(self) -> tuple[int, int, int]:
        return tuple(ANY if code is None else code for code in self.codes())  # type: ignore[return-value]


def split(first: datetime.date, last: datetime.date) -> tuple[list[datetime.date], list[Period]]:
    """The whole months inside days ``first``..``last`` (their first days), and the day ranges left over."""
    if last < first:
        return [], []
    month = first if first.day == 1 else rollups.next_month(first)
    months = []
    while rollups.next_month(month) - datetime.timedelta(days=1) <= last:
        months.append(month)
        month = rollups.next_month(month)
    if not months:
        return [], [(first, last)]
    left = [(first, months[0] - datetime.timedelta(days=1))] if first < months[0] else []
    if month <= last:
        left.append((month, last))
    return months, left


def _target_q(target: tuple[int, int, int]) -> Q:
    """Rollup rows matching a target (see ``Request.monthly_target``)."""
    service_type, priority, site = target
    condition = Q()
    for name, code in (("service_type", service_type), ("site", site)):
        condition &= Q(**{f"{name}__isnull": code == 0}) if code in (0, ANY) else Q(**{f"{name}_id": code})
    if priority == 0:
        condition &= Q(priority="")
    elif priority == ANY:
        condition &= ~Q(priority="")
    else:
        condition &= Q(priority=rollups.priority_text(priority))
    return condition


def _targets_q(targets: Iterable[tuple[int, int, int]]) -> Q:
    """Rows matching any of the targets, in a few conditions: each level by its values, full slices (all of
    them: the exact ones are picked afterwards)."""
    targets = set(targets)
    if len(targets) == 1:
        return _target_q(next(iter(targets)))
    levels: list[set[int]] = [set(), set(), set()]
    condition = Q(pk__in=[])
    for target in targets:
        chosen = [k for k, code in enumerate(target) if code != 0]
        if ANY in target or len(chosen) > 1:
            condition |= _target_q((ANY, ANY, ANY))
        elif not chosen:
            condition |= _target_q((0, 0, 0))
        else:
            levels[chosen[0]].add(target[chosen[0]])
    if levels[0]:
        condition |= Q(service_type_id__in=sorted(levels[0]), priority="", site__isnull=True)
    if levels[1]:
        priorities = sorted(rollups.priority_text(code) for code in levels[1])
        condition |= Q(service_type__isnull=True, priority__in=priorities, site__isnull=True)
    if levels[2]:
        condition |= Q(service_type__isnull=True, priority="", site_id__in=sorted(levels[2]))
    return condition


def _reads(
    requests: Sequence[Request],
    splits: Sequence[tuple[list[datetime.date], list[Period]]],
    monthly_targets: Sequence[tuple[int, int, int]],
    daily_targets: Sequence[tuple[int, int, int]],
) -> tuple[rollups.Rows, rollups.Rows]:
    """The monthly and the daily rows the requests need, one query each."""
    months = sorted({month for months, _left in splits for month in months})
    spans = sorted({span for _months, left in splits for span in left})
    contracts = sorted({r.contract for r in requests if r.contract is not None})
    vendors = sorted({r.vendor for r in requests if r.contract is None and r.vendor is not None})
    keyed = all(r.contract is not None or r.vendor is not None for r in requests)
    who = Q(contract_id__in=contracts) | Q(vendor_id__in=vendors) if keyed else Q()
    if len(requests) == 1 and requests[0].contract is not None and requests[0].vendor is not None:
        who = Q(contract_id=requests[0].contract, vendor_id=requests[0].vendor)
    monthly = rollups.empty_rows()
    if months:
        rows = MonthlyRollup.objects.filter(who, _targets_q(monthly_targets))
        monthly = rollups.read_rows(MonthlyRollup, rows.filter(month__gte=months[0], month__lte=months[-1]))
    daily = rollups.empty_rows()
    if spans:
        merged: list[list[datetime.date]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + datetime.timedelta(days=1):
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        days = Q(pk__in=[])
        for first, last in merged:
            days |= Q(day__gte=first, day__lte=last)
        rows = DailyRollup.objects.filter(who, days, _targets_q(daily_targets))
        daily = rollups.read_rows(DailyRollup, rows)
    return monthly, daily


def _members(
    rows: rollups.Rows,
    requests: Sequence[Request],
    spans: Sequence[Sequence[Period]],
    targets: Sequence[tuple[int, int, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """(row, request) pairs: the rows of each request's periods and target, each request's rows in row order."""
    indexes, groups = [], []
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = rows.contract * (1 << 32) + (rows.period + (1 << 31))
    by_contract = [k for k, r in enumerate(requests) if r.contract is not None and spans[k]]
    rounds = max((len(spans[k]) for k in by_contract), default=0)
    for round_ in range(rounds):
        chosen = np.array([k for k in by_contract if round_ < len(spans[k])], dtype=np.int64)
        contract = np.array([requests[k].contract for k in chosen], dtype=np.int64)
        low = np.array([rollups.day_number(spans[k][round_][0]) for k in chosen], dtype=np.int64)
        high = np.array([rollups.day_number(spans[k][round_][1]) for k in chosen], dtype=np.int64)
        lo = np.searchsorted(key, contract * (1 << 32) + (low + (1 << 31)), side="left")
        hi = np.searchsorted(key, contract * (1 << 32) + (high + (1 << 31)), side="right")
        indexes.append(rollups.expand(lo, hi - lo))
        groups.append(np.repeat(chosen, hi - lo))
    for k, request in enumerate(requests):
        if request.contract is not None or not spans[k]:
            continue
        mask = np.zeros(len(rows), dtype=bool)
        for first, last in spans[k]:
            mask |= (rows.period >= rollups.day_number(first)) & (rows.period <= rollups.day_number(last))
        found = np.flatnonzero(mask)
        indexes.append(found)
        groups.append(np.full(len(found), k, dtype=np.int64))
    if not indexes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index, group = np.concatenate(indexes), np.concatenate(groups)
    wanted = np.array(targets, dtype=np.int64).reshape(-1, 3)[group]
    keep = np.ones(len(index), dtype=bool)
    for column, name in enumerate(DIMENSIONS):
        value = getattr(rows, name)[index]
        target = wanted[:, column]
        keep &= np.where(target == ANY, value != 0, value == target)
    vendor = np.array([-1 if r.vendor is None else r.vendor for r in requests], dtype=np.int64)[group]
    keep &= (vendor < 0) | (rows.vendor[index] == vendor)
    index, group = index[keep], group[keep]
    order = np.lexsort((index, group))  # by request, then in row order
    return index[order], group[order]


def totals_many(requests: Sequence[Request]) -> list[measures.Totals]:
    """The totals of each request, as ``measures.totals`` gives them: whole months from the monthly rollups (a
    level row where the filters allow, else full slices), other days from the daily ones, each request's rows
    added in key order, monthly ones first."""
    if not requests:
        return []
    periods: dict[
        tuple[datetime.date, datetime.date], tuple[list[datetime.date], list[Period], list[Period]]
    ] = {}
    targets: dict[tuple[Any, ...], tuple[tuple[int, int, int], tuple[int, int, int]]] = {}
    splits, month_spans, monthly_targets, daily_targets = [], [], [], []
    for request in requests:
        period = (request.first, request.last)
        if period not in periods:
            months, left = split(*period)
            spans = (
                [(months[0], rollups.next_month(months[-1]) - datetime.timedelta(days=1))] if months else []
            )
            periods[period] = (months, left, spans)
        months, left, spans = periods[period]
        splits.append((months, left))
        month_spans.append(spans)
        dimensions = (request.service_type, request.priority, request.site)
        if dimensions not in targets:
            targets[dimensions] = (request.monthly_target(), request.daily_target())
        monthly_target, daily_target = targets[dimensions]
        monthly_targets.append(monthly_target)
        daily_targets.append(daily_target)
    monthly, daily = _reads(requests, splits, monthly_targets, daily_targets)
    index_m, group_m = _members(monthly, requests, month_spans, monthly_targets)
    index_d, group_d = _members(daily, requests, [left for _m, left in splits], daily_targets)
    rows = rollups.concat_rows([monthly, daily])
    index = np.concatenate([index_m, index_d + len(monthly)])
    group = np.concatenate([group_m, group_d])
    order = np.argsort(group, kind="stable")  # a request's monthly rows first, then its daily rows
    return _totals(rows, index[order], group[order], len(requests))


def _totals(rows: rollups.Rows, index: np.ndarray, group: np.ndarray, count: int) -> list[measures.Totals]:
    sums = [
        (name, np.bincount(group, weights=rows.values[name][index], minlength=count))
        for name in rollups.COLUMNS
    ]
    matrices, present, p90 = {}, {}, {}
    for which, (start, bucket, counts) in rows.hist.items():
        lengths = start[index + 1] - start[index]
        gather = rollups.expand(start[index], lengths)
        flat = np.repeat(group, lengths) * BUCKETS + bucket[gather]
        weights = counts[gather]
        if len(flat) and (np.diff(flat) < 0).any():  # several rows to a group: put the buckets in order
            order = np.argsort(flat, kind="stable")
            flat, weights = flat[order], weights[order]
        matrix = np.zeros((count, BUCKETS), dtype=np.int64)
        np.add.at(matrix.reshape(-1), flat, weights)
        matrices[which] = matrix
        present[which], p90[which] = _percentiles(flat, weights, count, 90)
    response, resolution = matrices["response"], matrices["resolution"]
    names = [name for name, _column in sums]
    values = np.column_stack([column for _name, column in sums]).tolist() if count else []
    return [
        measures.Totals(
            dict(zip(names, row, strict=True)),
            response[k] if present["response"][k] else None,
            resolution[k] if present["resolution"][k] else None,
            {("response", 90): p90["response"][k], ("resolution", 90): p90["resolution"][k]},
        )
        for k, row in enumerate(values)
    ]


def _percentiles(
    flat: np.ndarray, weights: np.ndarray, count: int, q: float
) -> tuple[list[bool], list[float | None]]:
    """Which groups have data, and ``histogram.percentile`` of each group's histogram, all at once: the same
    rank, the same bucket, the same estimate. ``flat`` is group * BUCKETS + bucket of each count, in order."""
    cumulative = np.cumsum(weights)
    owner = flat // BUCKETS
    first = np.searchsorted(owner, np.arange(count), side="left")
    last = np.searchsorted(owner, np.arange(count), side="right")
    before = (
        np.where(first > 0, cumulative[np.maximum(first - 1, 0)], 0) if len(cumulative) else np.zeros(count)
    )
    total = (
        np.where(last > 0, cumulative[np.maximum(last - 1, 0)], 0) if len(cumulative) else before
    ) - before
    rank = np.maximum(np.ceil(total.astype(np.float64) * (float(q) / 100) - 1), 0)
    found = np.searchsorted(cumulative, before + rank, side="right")  # the first count past the rank
    buckets = (
        flat[np.minimum(found, max(len(flat) - 1, 0))] % BUCKETS if len(flat) else np.zeros(count, np.int64)
    )
    estimates = histogram.BUCKETS_V1.estimates[buckets].tolist()
    present = (total > 0).tolist()
    return present, [float(e) if has else None for has, e in zip(present, estimates, strict=True)]


def totals(first: datetime.date, last: datetime.date, **filters: Any) -> measures.Totals:
    """The totals of one slice over days ``first``..``last`` (see ``measures.totals``)."""
    return totals_many([Request.of(first, last, filters)])[0]


# --- KPI results ---------------------------------------------------------------------------------------


def kpis_in_force(
    kind: str, periods: Sequence[Period], contract_ids: Iterable[int] | None = None
) -> dict[tuple[int, datetime.date], list[KPI]]:
    """The KPIs each contract has in force in each period — the newest definition of each code, in
    ``scorecards.kpis_in_force`` order — keyed (contract, period start)."""
    if not periods:
        return {}
    low, high = min(first for first, _ in periods), max(last for _, last in periods)
    kpis = (
        KPI.objects.filter(period=kind, effective_from__lte=high)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=low))
        .order_by("contract_id", "code", "-effective_from")
    )
    if contract_ids is not None:
        kpis = kpis.filter(contract_id__in=sorted(set(contract_ids)))
    by_contract: dict[int, list[KPI]] = {}
    for kpi in kpis:
        by_contract.setdefault(kpi.contract_id, []).append(kpi)
    found: dict[tuple[int, datetime.date], list[KPI]] = {}
    for first, last in periods:
        for contract_id, defined in by_contract.items():
            chosen, seen = [], set()
            for kpi in defined:
                if kpi.effective_from > last or (kpi.effective_to is not None and kpi.effective_to < first):
                    continue
                if kpi.code in seen:  # an older definition of the same KPI: the newest in force wins
                    continue
                seen.add(kpi.code)
                chosen.append(kpi)
            if chosen:
                found[(contract_id, first)] = chosen
    return found


class _Plan:
    """How one KPI is evaluated from totals — ``evaluation.from_totals``, with what does not change from period
    to period worked out once. A plain measure goes the short way, the same steps: its measure, then its
    scoring rule with the same numbers; formulas and point-in-time measures go through ``from_totals``."""

    def __init__(self, kpi: KPI, parsed: dict[str, formulas.Formula]) -> None:
        from oqms.kpis import evaluation

        self.kpi = kpi
        self.filters = evaluation.filters_of(kpi)
        self.key = tuple(sorted(self.filters.items()))
        self.formula = None
        if not kpi.measure:
            if kpi.formula not in parsed:
                parsed[kpi.formula] = formulas.parse(kpi.formula, names=measures.MEASURES)
            self.formula = parsed[kpi.formula]
        plain = (
            kpi.measure
            and kpi.measure not in measures.POINT_IN_TIME
            and kpi.measure not in measures.SOURCE_OF
        )
        self.measure = measures.MEASURES[kpi.measure].compute if plain else None
        self.score: Any
        if kpi.scoring == "tiers":
            tiers = [(float(t), float(s)) for t, s in kpi.tiers]
            self.score = functools.partial(scoring.tiered, tiers=tiers, direction=kpi.direction)
        else:
            self.score = functools.partial(
                scoring.linear, target=float(kpi.target), minimum=float(kpi.minimum), direction=kpi.direction
            )

    def row(self, totals: measures.Totals, first: datetime.date, last: datetime.date) -> dict[str, Any]:
        """The KPI's result row (what ``scorecards.compute`` stores)."""
        if self.measure is not None:
            measured = self.measure(totals)
            value, numerator, denominator = measured.value, measured.numerator, measured.denominator
            inputs: dict[str, float | None] = {}
            score = self.score(value)
        else:
            from oqms.kpis import evaluation

            result = evaluation.from_totals(self.kpi, totals, last, self.filters, self.formula, first=first)
            value, numerator, denominator = result.value, result.numerator, result.denominator
            inputs, score = result.inputs, result.score
        return {
            "kpi": self.kpi,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "inputs": inputs,
            "score": score,
            "weight": self.kpi.weight,
        }


def results(
    kind: str, periods: Sequence[Period], contract_ids: Iterable[int] | None = None
) -> dict[tuple[int, datetime.date], list[dict[str, Any]]]:
    """The KPI results of every contract (or these) with KPIs of this period kind in force, for each period:
    the rows ``scorecards.compute`` stores, keyed (contract, period start), from totals added up all at once."""
    in_force = kpis_in_force(kind, periods, contract_ids)
    last_of = dict(periods)
    plans: dict[int, _Plan] = {}
    parsed: dict[str, formulas.Formula] = {}
    numbers: dict[tuple[Any, ...], int] = {}
    requests: list[Request] = []
    wanted: list[tuple[tuple[int, datetime.date], _Plan, int]] = []
    for key, kpis in in_force.items():
        first = key[1]
        for kpi in kpis:
            plan = plans.get(kpi.pk)
            if plan is None:
                plan = plans[kpi.pk] = _Plan(kpi, parsed)
            number = numbers.get((first, plan.key))
            if number is None:
                number = numbers[(first, plan.key)] = len(requests)
                requests.append(Request.of(first, last_of[first], plan.filters))
            wanted.append((key, plan, number))
    figures = totals_many(requests)
    found: dict[tuple[int, datetime.date], list[dict[str, Any]]] = {}
    for key, plan, number in wanted:
        found.setdefault(key, []).append(plan.row(figures[number], key[1], last_of[key[1]]))
    return found

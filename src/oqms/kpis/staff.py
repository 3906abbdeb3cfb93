"""The scorecard per staff member: each KPI computed over the work orders assigned to one person of the vendor
(every measure of the library is per person: who responded, resolved, was rated). Read straight from the work
orders — the rollups are not kept per person — in one pass: the contract's work orders with an event in the
period are read once and counted per person with the rollups' own arithmetic (``rollups.accumulate``), so a
person's figures are exactly what ``evaluation.evaluate_for_person`` computes. Stored with the scorecard when it
is published and approved, so that what the vendor was shown stays as it was."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Q

from oqms.accounts.models import User
from oqms.engine import histogram
from oqms.kpis import measures, rollups
from oqms.kpis.evaluation import filters_of, from_totals
from oqms.kpis.models import Scorecard, StaffResult
from oqms.kpis.rollups import day_bounds
from oqms.workorders.models import WorkOrder

EVENTS = ("opened_at", "responded_at", "resolved_at", "closed_at")


def _during(scorecard: Scorecard) -> Any:
    start, end = day_bounds(scorecard.period_start)[0], day_bounds(scorecard.period_end)[1]
    during = Q()
    for name in EVENTS:
        during |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return WorkOrder._base_manager.filter(during, contract_id=scorecard.contract_id, assignee__isnull=False)


def people(scorecard: Scorecard) -> list[Any]:
    """The people of the vendor with work orders of the contract that have an event in the period."""
    ids = _during(scorecard).values_list("assignee", flat=True).distinct()
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "username"))


def _totals(rows: rollups.Rows, first: int, last: int) -> measures.Totals:
    """Daily rows of days ``first``..``last`` (day numbers) added up, as :func:`measures.direct_totals` gives
    them."""
    inside = np.flatnonzero((rows.period >= first) & (rows.period <= last))
    rows = rollups.take_rows(rows, inside)
    values = {name: float(rows.values[name].sum()) for name in rollups.COLUMNS}
    hists = {}
    for which, counted in (("response", "responded"), ("resolution", "resolved")):
        _start, bucket, count = rows.hist[which]
        dense = np.bincount(bucket, weights=count, minlength=histogram.BUCKETS_V1.size)
        hists[which] = np.rint(dense).astype(np.int64) if values[counted] else None
    return measures.Totals(values, hists["response"], hists["resolution"])


def compute(scorecard: Scorecard) -> list[StaffResult]:
    """Each person's value, numerator, denominator, inputs and score of each KPI of the scorecard (unsaved)."""
    kpis = [
        result.kpi
        for result in scorecard.results.select_related("kpi", "kpi__contract").order_by("kpi__code")
    ]
    listed = _during(scorecard).order_by("pk")
    work = rollups.work_of(listed)
    assignees = np.array(list(listed.values_list("assignee_id", flat=True)), dtype=np.int64)
    first, last = rollups.day_number(scorecard.period_start), rollups.day_number(scorecard.period_end)
    rows = []
    for person in people(scorecard):
        mine = assignees == person.pk
        for kpi in kpis:
            chosen = mine.copy()
            if kpi.service_type_id:
                chosen &= work["service_type"] == kpi.service_type_id
            if kpi.site_id:
                chosen &= work["site"] == kpi.site_id
            if kpi.priority:
                chosen &= work["priority"] == rollups.priority_code(kpi.priority)
            totals = _totals(rollups.accumulate(work[chosen]), first, last)
            filters = filters_of(kpi) | {"assignee": person.pk}
            result = from_totals(kpi, totals, scorecard.period_end, filters, first=scorecard.period_start)
            rows.append(
                StaffResult(
                    scorecard=scorecard,
                    person=person,
                    kpi=kpi,
                    value=result.value,
                    numerator=result.numerator,
                    denominator=result.denominator,
                    inputs=result.inputs,
                    score=result.score,
                )
            )
    return rows


def store(scorecard: Scorecard) -> int:
    """Replace the stored per-person results of the scorecard (on publishing and on approval)."""
    rows = compute(scorecard)
    StaffResult.objects.filter(scorecard=scorecard).delete()
    StaffResult.objects.bulk_create(rows)
    return len(rows)


def table(scorecard: Scorecard, user: Any) -> dict[str, Any]:
    """Rows of (person, [result per KPI]) for the page: the stored results once published, computed for a draft
    (which only the enterprise sees)."""
    if scorecard.status == "draft":
        rows = compute(scorecard)
    else:
        rows = list(
            StaffResult.objects.visible_to(user)
            .filter(scorecard=scorecard)
            .select_related("person", "kpi")
            .order_by("person__display_name", "person__username", "kpi__code")
        )
    kpis: dict[int, Any] = {}
    by_person: dict[int, dict[str, Any]] = {}
    for row in rows:
        kpis.setdefault(row.kpi_id, row.kpi)
        entry = by_person.setdefault(row.person_id, {"person": row.person, "results": {}})
        entry["results"][row.kpi_id] = row
    ordered = list(kpis.values())
    return {
        "kpis": ordered,
        "rows": [
            {"person": entry["person"], "results": [entry["results"].get(kpi.pk) for kpi in ordered]}
            for entry in by_person.values()
        ],
    }

"""The scorecard per staff member: each KPI computed over the work orders assigned to one person of the vendor
(every measure of the library is per person: who responded, resolved, was rated). Read straight from the work
orders — the rollups are not kept per person — and stored with the scorecard when it is published and approved,
so that what the vendor was shown stays as it was."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from oqms.accounts.models import User
from oqms.kpis.evaluation import evaluate_for_person
from oqms.kpis.models import Scorecard, StaffResult
from oqms.kpis.rollups import day_bounds
from oqms.workorders.models import WorkOrder

EVENTS = ("opened_at", "responded_at", "resolved_at", "closed_at")


def people(scorecard: Scorecard) -> list[Any]:
    """The people of the vendor with work orders of the contract that have an event in the period."""
    start, end = day_bounds(scorecard.period_start)[0], day_bounds(scorecard.period_end)[1]
    during = Q()
    for name in EVENTS:
        during |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    ids = (
        WorkOrder._base_manager.filter(during, contract_id=scorecard.contract_id, assignee__isnull=False)
        .values_list("assignee", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "username"))


def compute(scorecard: Scorecard) -> list[StaffResult]:
    """Each person's value, numerator, denominator, inputs and score of each KPI of the scorecard (unsaved)."""
    kpis = [
        result.kpi
        for result in scorecard.results.select_related("kpi", "kpi__contract").order_by("kpi__code")
    ]
    rows = []
    for person in people(scorecard):
        for kpi in kpis:
            result = evaluate_for_person(kpi, scorecard.period_start, scorecard.period_end, person.pk)
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

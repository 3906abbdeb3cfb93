"""Computing scorecards: each contract's KPIs in force for a period, weighted into a score and a grade.

* A scorecard not yet approved is recomputed in place when data changes (late work orders, corrections).
* An approved or locked scorecard is never changed: when its results would differ, a **correction** is made — a
  new draft version that references it (``supersedes``) and goes through the workflow again.
* A KPI without data in the period has no score and is left out of the weighted score; a scorecard whose KPIs
  have no data at all has no score and no grade ("no data"), never 0 or 100.
* :func:`run_nightly` (a django-q2 schedule) computes the running period and the previous one for every active
  contract.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oqms.contracts.choices import ContractStatus
from oqms.contracts.models import Contract
from oqms.engine import scoring
from oqms.kpis.evaluation import evaluate
from oqms.kpis.models import FINAL_STATUSES, KPI, KPIResult, Period, Scorecard, default_grades
from oqms.kpis.signals import scorecard_computed


def period_bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month or quarter holding ``day``: its first and last day."""
    step = 3 if kind == Period.QUARTER else 1
    first = day.replace(day=1, month=day.month - (day.month - 1) % step)
    month, year = first.month + step, first.year
    if month > 12:
        month, year = month - 12, year + 1
    return first, datetime.date(year, month, 1) - datetime.timedelta(days=1)


def grade_of(score: Decimal | None, bands: list[list[Any]]) -> str:
    """The first band (best first) whose lower bound the score reaches; "" without a score."""
    if score is None:
        return ""
    for name, lower in sorted(bands, key=lambda band: -float(band[1])):
        if score >= Decimal(str(lower)):
            return str(name)
    return str(bands[-1][0]) if bands else ""


def kpis_in_force(contract: Contract, kind: str, first: datetime.date, last: datetime.date) -> list[KPI]:
    return list(
        KPI.objects.filter(contract=contract, period=kind, effective_from__lte=last)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=first))
        .select_related("contract")
        .order_by("code", "-effective_from")
    )


def _results(
    contract: Contract, kind: str, first: datetime.date, last: datetime.date
) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for kpi in kpis_in_force(contract, kind, first, last):
        if kpi.code in seen:  # an older definition of the same KPI: the newest in force wins
            continue
        seen.add(kpi.code)
        result = evaluate(kpi, first, last)
        rows.append(
            {
                "kpi": kpi,
                "value": result.value,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "inputs": result.inputs,
                "score": result.score,
                "weight": kpi.weight,
            }
        )
    return rows


def _score(rows: list[dict[str, Any]]) -> Decimal | None:
    total = scoring.weighted([(r["score"], float(r["weight"])) for r in rows])
    return None if total is None else Decimal(str(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _same(scorecard: Scorecard, rows: list[dict[str, Any]]) -> bool:
    stored = {r.kpi_id: (r.value, r.numerator, r.denominator, r.score) for r in scorecard.results.all()}
    fresh = {r["kpi"].pk: (r["value"], r["numerator"], r["denominator"], r["score"]) for r in rows}
    return stored == fresh


@transaction.atomic
def compute(contract: Contract, kind: str, day: datetime.date) -> Scorecard | None:
    """Compute (or recompute, or correct) the contract's scorecard of the period holding ``day``."""
    first, last = period_bounds(kind, day)
    rows = _results(contract, kind, first, last)
    if not rows:
        return None  # no KPI of this period kind: no scorecard
    Contract.objects.select_for_update().filter(
        pk=contract.pk
    ).first()  # one computation per contract at a time
    latest = (
        Scorecard.objects.filter(contract=contract, period=kind, period_start=first)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.status in FINAL_STATUSES:
        if _same(latest, rows):
            return latest
        scorecard = Scorecard(
            contract=contract,
            vendor_id=contract.vendor_id,
            period=kind,
            period_start=first,
            period_end=last,
            version=latest.version + 1,
            supersedes=latest,
            grade_bands=latest.grade_bands,
        )
    elif latest is not None:
        scorecard = latest
    else:
        scorecard = Scorecard(
            contract=contract,
            vendor_id=contract.vendor_id,
            period=kind,
            period_start=first,
            period_end=last,
        )
    if scorecard.supersedes_id is None:  # a correction keeps the bands the period was graded with
        scorecard.grade_bands = contract.grade_bands or default_grades()
    scorecard.score = _score(rows)
    scorecard.grade = grade_of(scorecard.score, scorecard.grade_bands)
    scorecard.computed_at = timezone.now()
    scorecard.save()
    scorecard.results.all().delete()
    KPIResult.objects.bulk_create([KPIResult(scorecard=scorecard, **row) for row in rows])
    scorecard_computed.send(Scorecard, scorecard=scorecard)
    return scorecard


def run_nightly(today: datetime.date | None = None) -> int:
    """Compute the running and the previous period of every active contract; returns the scorecards touched."""
    today = today or timezone.localdate()
    touched = 0
    for contract in Contract.objects.filter(status=ContractStatus.ACTIVE):
        for kind in (Period.MONTH, Period.QUARTER):
            first, _last = period_bounds(kind, today)
            for day in (today, first - datetime.timedelta(days=1)):
                touched += compute(contract, kind, day) is not None
    return touched

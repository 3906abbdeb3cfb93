"""Computing scorecards: each contract's KPIs in force for a period, weighted into a score and a grade.

* A scorecard not yet approved is recomputed in place when data changes (late work orders, corrections).
* An approved or locked scorecard is never changed: when its results would differ, a **correction** is made — a
  new draft version that references it (``supersedes``) and goes through the workflow again.
* A KPI without data in the period has no score and is left out of the weighted score; a scorecard whose KPIs
  have no data at all has no score and no grade ("no data"), never 0 or 100.
* :func:`run_nightly` (a django-q2 schedule) computes the running period and the previous one for every active
  contract, with :func:`compute_all`: the KPI figures of all contracts from one read of the rollups
  (``oqms.kpis.bulk``, bit-for-bit what :func:`compute` computes for one), then the same saving steps.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oqms.contracts.choices import ContractStatus
from oqms.contracts.models import Contract
from oqms.engine import scoring
from oqms.kpis import bulk
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
    """The results of the contract's KPIs in force (the newest definition of each code): what
    ``evaluation.evaluate`` gives for each, computed from one read of the rollups (``oqms.kpis.bulk``)."""
    return bulk.results(kind, [(first, last)], [contract.pk]).get((contract.pk, first), [])


def _score(rows: list[dict[str, Any]]) -> Decimal | None:
    total = scoring.weighted([(r["score"], float(r["weight"])) for r in rows])
    return None if total is None else Decimal(str(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _fresh(rows: list[dict[str, Any]]) -> dict[int, tuple[Any, ...]]:
    return {r["kpi"].pk: (r["value"], r["numerator"], r["denominator"], r["score"]) for r in rows}


@transaction.atomic
def compute(contract: Contract, kind: str, day: datetime.date) -> Scorecard | None:
    """Compute (or recompute, or correct) the contract's scorecard of the period holding ``day``."""
    first, last = period_bounds(kind, day)
    rows = _results(contract, kind, first, last)
    if not rows:
        return None  # no KPI of this period kind: no scorecard
    (scorecard,) = _store(kind, first, last, [(contract, rows)])
    return scorecard


def _store(
    kind: str,
    first: datetime.date,
    last: datetime.date,
    computed: list[tuple[Contract, list[dict[str, Any]]]],
) -> list[Scorecard]:
    """Save the computed results of some contracts' scorecards of a period (in the caller's transaction): a new
    scorecard, the draft recomputed in place, or — when an approved or locked one would change — a correction."""
    ids = sorted({contract.pk for contract, _rows in computed})
    # One computation per contract at a time.
    list(Contract.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    latest: dict[int, Scorecard] = {}
    for card in Scorecard.objects.filter(contract_id__in=ids, period=kind, period_start=first).order_by(
        "contract_id", "-version"
    ):
        latest.setdefault(card.contract_id, card)
    stored: dict[int, dict[int, tuple[Any, ...]]] = {
        card.pk: {} for card in latest.values() if card.status in FINAL_STATUSES
    }
    for result in KPIResult.objects.filter(scorecard_id__in=list(stored)):
        stored[result.scorecard_id][result.kpi_id] = (
            result.value,
            result.numerator,
            result.denominator,
            result.score,
        )
    cards: list[Scorecard] = []
    saved: list[tuple[Scorecard, list[dict[str, Any]]]] = []
    for contract, rows in computed:
        previous = latest.get(contract.pk)
        if previous is not None and previous.status in FINAL_STATUSES:
            if stored[previous.pk] == _fresh(rows):
                cards.append(previous)
                continue
            scorecard = Scorecard(
                contract=contract,
                vendor_id=contract.vendor_id,
                period=kind,
                period_start=first,
                period_end=last,
                version=previous.version + 1,
                supersedes=previous,
                grade_bands=previous.grade_bands,
            )
        elif previous is not None:
            scorecard = previous
            scorecard.contract = contract  # the same row: saves a query for its audit entry
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
        saved.append((scorecard, rows))
        cards.append(scorecard)
    if saved:
        KPIResult.objects.filter(scorecard_id__in=[card.pk for card, _rows in saved]).delete()
        KPIResult.objects.bulk_create(
            [KPIResult(scorecard=card, **row) for card, rows in saved for row in rows], batch_size=2000
        )
    for card, _rows in saved:
        scorecard_computed.send(Scorecard, scorecard=card)
    return cards


def figures(
    kind: str, days: Iterable[datetime.date], contract_ids: Iterable[int] | None = None
) -> dict[tuple[int, datetime.date], tuple[list[dict[str, Any]], Decimal | None]]:
    """What :func:`compute` would store for every contract (or these) with KPIs of this kind, for the periods
    holding ``days``, computed in bulk from the rollups and saving nothing: (results, score), keyed (contract,
    period start)."""
    periods = sorted({period_bounds(kind, day) for day in days})
    return {key: (rows, _score(rows)) for key, rows in bulk.results(kind, periods, contract_ids).items()}


def compute_all(
    kind: str, day: datetime.date, contracts: Iterable[Contract] | None = None
) -> list[Scorecard]:
    """Compute (or recompute, or correct) the scorecards of the period holding ``day`` of all contracts (or
    these) — exactly what :func:`compute` does for each, with the KPI figures computed in bulk."""
    first, last = period_bounds(kind, day)
    chosen = list(contracts) if contracts is not None else None
    results = bulk.results(kind, [(first, last)], None if chosen is None else [c.pk for c in chosen])
    if chosen is None:
        chosen = list(Contract.objects.filter(pk__in=sorted({c for c, _first in results})).order_by("pk"))
    computed = [
        (contract, results[(contract.pk, first)]) for contract in chosen if (contract.pk, first) in results
    ]
    if not computed:
        return []
    with transaction.atomic():
        return _store(kind, first, last, computed)


def run_nightly(today: datetime.date | None = None) -> int:
    """Compute the running and the previous period of every active contract; returns the scorecards touched."""
    today = today or timezone.localdate()
    contracts = list(Contract.objects.filter(status=ContractStatus.ACTIVE).order_by("pk"))
    touched = 0
    for kind in (Period.MONTH, Period.QUARTER):
        first, _last = period_bounds(kind, today)
        for day in (today, first - datetime.timedelta(days=1)):
            touched += len(compute_all(kind, day, contracts))
    return touched

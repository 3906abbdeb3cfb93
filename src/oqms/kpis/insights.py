"""Reading scorecards across periods and vendors: a contract's trend, its rank among the vendors of the same
service type, and the comparison of vendors per service type. Only the current version of each period counts
(a correction replaces the version it corrects), and every query goes through the reader's scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from oqms.kpis.models import FINAL_STATUSES, KPIResult, Scorecard, ScorecardStatus
from oqms.kpis.scorecards import period_bounds


def current_versions(queryset: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """Keep the newest version of each (contract, period kind, period start) among ``queryset`` — so a reader
    who may not see a draft correction keeps seeing the version it corrects."""
    newest = (
        queryset.filter(
            contract=OuterRef("contract"), period=OuterRef("period"), period_start=OuterRef("period_start")
        )
        .order_by("-version")
        .values("version")[:1]
    )
    return queryset.filter(version=Subquery(newest))


def final_versions(queryset: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """The newest approved or locked version of each period: what rewards and consequences go by."""
    return current_versions(queryset.filter(status__in=FINAL_STATUSES))


def periods_before(kind: str, start: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` periods up to and including the one starting at ``start``, oldest first."""
    starts = [start]
    while len(starts) < count:
        starts.append(period_bounds(kind, starts[-1] - datetime.timedelta(days=1))[0])
    return starts[::-1]


def trend(scorecard: Scorecard, user: Any, count: int = 12) -> dict[str, Any]:
    """The contract's score, grade and KPI values over the last ``count`` periods up to this scorecard's."""
    starts = periods_before(scorecard.period, scorecard.period_start, count)
    cards = {
        card.period_start: card
        for card in current_versions(
            Scorecard.objects.visible_to(user).filter(
                contract_id=scorecard.contract_id, period=scorecard.period, period_start__in=starts
            )
        )
    }
    cards[scorecard.period_start] = scorecard  # the version being read, even if a newer one exists
    results = KPIResult.objects.filter(scorecard__in=list(cards.values())).select_related("kpi")
    kpis: dict[str, dict[str, Any]] = {}
    by_card: dict[int, dict[str, float | None]] = {}
    for result in results:
        kpis.setdefault(
            result.kpi.code, {"code": result.kpi.code, "name": result.kpi.name, "unit": result.kpi.unit}
        )
        by_card.setdefault(result.scorecard_id, {})[result.kpi.code] = result.value
    rows = []
    for start in starts:
        card = cards.get(start)
        rows.append(
            {
                "start": start,
                "scorecard": card,
                "score": None if card is None or card.score is None else float(card.score),
                "grade": card.grade if card else "",
                "values": by_card.get(card.pk, {}) if card else {},
            }
        )
    previous = next((r for r in reversed(rows[:-1]) if r["score"] is not None), None)
    change = None
    if previous is not None and rows[-1]["score"] is not None:
        change = round(rows[-1]["score"] - previous["score"], 2)
    return {"rows": rows, "kpis": list(kpis.values()), "change": change, "previous": previous}


def _rank(scores: list[tuple[int, float]], contract_id: int) -> int | None:
    """Competition ranking (1, 2, 2, 4) of the contract by score, best first."""
    mine = next((score for pk, score in scores if pk == contract_id), None)
    if mine is None:
        return None
    return 1 + sum(1 for _pk, score in scores if score > mine)


def ranks(scorecard: Scorecard) -> list[dict[str, Any]]:
    """The scorecard's rank among the vendors' scorecards of the same period, per service type of its contract.

    Computed over all vendors' published (or later) scorecards — never a draft — with this scorecard's own score
    for its contract (a vendor reading its own scorecard learns its position and the number of vendors, never
    another vendor's name or score)."""
    if scorecard.score is None:
        return []
    result = []
    for service_type in scorecard.contract.service_types.all():
        peers = (
            current_versions(
                Scorecard.objects.exclude(status=ScorecardStatus.DRAFT).filter(
                    period=scorecard.period,
                    period_start=scorecard.period_start,
                    contract__service_types=service_type,
                )
            )
            .exclude(contract_id=scorecard.contract_id)
            .filter(score__isnull=False)
            .values_list("contract_id", "score")
        )
        scores = [(pk, float(score)) for pk, score in peers]
        scores.append((scorecard.contract_id, float(scorecard.score)))
        result.append(
            {"service_type": service_type, "rank": _rank(scores, scorecard.contract_id), "of": len(scores)}
        )
    return result


def comparison(
    user: Any, service_type: Any, kind: str, start: datetime.date, count: int = 12
) -> dict[str, Any]:
    """The vendors of one service type side by side: each contract's scorecard of the period starting at
    ``start`` (score, grade, rank, KPI values) and the scores of the ``count`` periods up to it."""
    starts = periods_before(kind, start, count)
    cards = list(
        current_versions(
            Scorecard.objects.visible_to(user).filter(
                period=kind, period_start__in=starts, contract__service_types=service_type
            )
        ).select_related("contract", "vendor")
    )
    now = [card for card in cards if card.period_start == start]
    scores = [(card.contract_id, float(card.score)) for card in now if card.score is not None]
    values: dict[int, dict[str, float | None]] = {}
    kpis: dict[str, str] = {}
    for result in KPIResult.objects.filter(scorecard__in=now).select_related("kpi"):
        kpis.setdefault(result.kpi.code, result.kpi.name)
        values.setdefault(result.scorecard_id, {})[result.kpi.code] = result.value
    rows = sorted(
        (
            {
                "scorecard": card,
                "rank": _rank(scores, card.contract_id) if card.score is not None else None,
                "values": [values.get(card.pk, {}).get(code) for code in kpis],
            }
            for card in now
        ),
        key=lambda row: (row["rank"] is None, row["rank"] or 0, str(row["scorecard"].vendor)),
    )
    series: dict[int, dict[str, Any]] = {}
    for card in cards:
        line = series.setdefault(
            card.contract_id, {"name": f"{card.vendor} ({card.contract.number})", "scores": {}}
        )
        line["scores"][card.period_start] = None if card.score is None else float(card.score)
    chart = {
        "periods": [s.isoformat()[: 7 if kind == "month" else 10] for s in starts],
        "series": [
            {"name": line["name"], "data": [line["scores"].get(s) for s in starts]}
            for line in series.values()
        ],
    }
    return {"rows": rows, "kpis": list(kpis.values()), "chart": chart, "starts": starts}

"""Scorecards: weighted score and grade, "no data", recomputation while unapproved, corrections once approved."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from oqms.core import audit
from oqms.kpis import rollups, scorecards
from oqms.kpis.models import KPI, Scorecard
from oqms.workorders import services


def define(cast: Any, code: str, measure: str, weight: str, **extra: Any) -> KPI:
    with audit.audit_context(actor=cast.qm):
        return KPI.objects.create(
            contract=cast.contract_a,
            code=code,
            name=code,
            measure=measure,
            direction=extra.pop("direction", "higher"),
            target=Decimal(extra.pop("target", "95")),
            minimum=Decimal(extra.pop("minimum", "90")),
            weight=Decimal(weight),
            effective_from=datetime.date(2020, 1, 1),
            **extra,
        )


def resolve(cast: Any, hours_ago: float, reopen: bool = False, rating: int | None = None) -> Any:
    opened = timezone.now() - datetime.timedelta(hours=hours_ago)
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="维修",
        priority="P3",
        opened_at=opened,
    )
    wo = services.assign(wo, cast.qm, cast.staff_a, at=opened)
    wo = services.start(wo, cast.staff_a, at=opened)
    wo = services.resolve(wo, cast.staff_a, "好了", at=opened + datetime.timedelta(minutes=30))
    if reopen:
        wo = services.reopen(wo, cast.requester, "又坏了", at=opened + datetime.timedelta(minutes=40))
        wo = services.start(wo, cast.staff_a, at=opened + datetime.timedelta(minutes=41))
        wo = services.resolve(wo, cast.staff_a, "再修", at=opened + datetime.timedelta(minutes=50))
    if rating:
        wo = services.close(wo, cast.requester, rating, at=opened + datetime.timedelta(minutes=55))
    return wo


@pytest.mark.parametrize(
    ("score", "grade"), [("95", "A"), ("90", "A"), ("89.99", "B"), ("70", "C"), ("12", "D"), (None, "")]
)
def test_grade_bands(score: str | None, grade: str) -> None:
    from oqms.kpis.models import default_grades

    assert scorecards.grade_of(None if score is None else Decimal(score), default_grades()) == grade


def test_period_bounds() -> None:
    assert scorecards.period_bounds("month", datetime.date(2026, 2, 14)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert scorecards.period_bounds("quarter", datetime.date(2026, 11, 22)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )


def test_weighted_score_grade_and_results(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "3")  # 2 of 3 first time: 66.7 % < 90 → 0 points
    define(cast, "rating", "rating_mean", "1", target="4", minimum="2")  # mean 5 → 100 points
    define(cast, "quarterly", "opened", "1", period="quarter")  # another period kind: not in the monthly card
    for reopen in (False, False, True):
        resolve(cast, 2, reopen=reopen, rating=5)
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    assert card is not None and card.status == "draft" and card.vendor == cast.vendor_a
    results = {r.kpi.code: r for r in card.results.select_related("kpi")}
    assert set(results) == {"fix", "rating"}
    assert (results["fix"].numerator, results["fix"].denominator, results["fix"].score) == (2, 3, 0.0)
    assert results["rating"].value == 5 and results["rating"].score == 100
    assert card.score == Decimal("25.00") and card.grade == "D"  # (0 × 3 + 100 × 1) / 4


def test_no_data_is_neither_zero_nor_a_hundred(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    card = scorecards.compute(cast.contract_a, "month", datetime.date(2021, 3, 15))
    assert card is not None and card.score is None and card.grade == ""
    (result,) = card.results.all()
    assert result.value is None and result.score is None


def test_late_data_recomputes_a_draft_and_corrects_an_approved_card(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 3)
    rollups.refresh_dirty()
    today = timezone.localdate()
    card = scorecards.compute(cast.contract_a, "month", today)
    assert card.score == Decimal("100.00")
    resolve(cast, 2, reopen=True)  # late data while still a draft: recomputed in place
    rollups.refresh_dirty()
    again = scorecards.compute(cast.contract_a, "month", today)
    assert again.pk == card.pk and again.score == Decimal("0.00")  # 50 % first time: below the minimum
    Scorecard.objects.filter(pk=card.pk).update(status="approved")
    assert scorecards.compute(cast.contract_a, "month", today).pk == card.pk  # nothing changed: no correction
    resolve(cast, 1)
    rollups.refresh_dirty()
    correction = scorecards.compute(cast.contract_a, "month", today)
    assert correction.pk != card.pk and correction.version == 2 and correction.supersedes_id == card.pk
    assert correction.status == "draft"
    card.refresh_from_db()
    assert card.status == "approved" and card.results.get().denominator == 2  # the approved card is untouched


def test_nightly_run_covers_the_running_and_previous_periods(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    assert scorecards.run_nightly(datetime.date(2026, 11, 22)) == 2
    starts = sorted(Scorecard.objects.values_list("period_start", flat=True))
    assert starts == [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
    assert scorecards.run_nightly(datetime.date(2026, 11, 22)) == 2
    assert Scorecard.objects.count() == 2  # recomputed, not duplicated


def test_scorecard_pages_and_vendor_scoping(cast: Any) -> None:
    from django.urls import reverse

    from tests.core.helpers import listed_pks, page_client, xlsx_text

    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    page = page_client(cast.qm).get(card.get_absolute_url())
    assert page.status_code == 200
    ((result, url),) = page.context["results"]
    assert result.denominator == 1 and "event=resolved" in url
    # A draft is the enterprise's: the vendor sees its scorecard once it is published.
    assert card.pk not in listed_pks(page_client(cast.manager_a).get(reverse("kpis:scorecard_list")))
    assert page_client(cast.manager_a).get(card.get_absolute_url()).status_code == 404
    Scorecard.objects.filter(pk=card.pk).update(status="published")
    assert card.pk in listed_pks(page_client(cast.manager_a).get(reverse("kpis:scorecard_list")))
    assert page_client(cast.manager_a).get(card.get_absolute_url()).status_code == 200
    for intruder in (cast.manager_b, cast.staff_b):
        client = page_client(intruder)
        assert client.get(card.get_absolute_url()).status_code in {403, 404}
        listing = client.get(reverse("kpis:scorecard_list"))
        assert listing.status_code == 403 or card.pk not in listed_pks(listing)
        export = client.get(reverse("kpis:scorecard_export"))
        assert export.status_code == 403 or cast.contract_a.number not in xlsx_text(export)

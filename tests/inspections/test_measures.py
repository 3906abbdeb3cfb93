"""Inspection measures for scorecards: pass rate, mean score, lots accepted — per contract, vendor, site, person
and period, the same through every path (one KPI, a scorecard, the bulk figures), "no data" when there is none."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from oqms.inspections import lots, services
from oqms.kpis import evaluation, scorecards
from tests.inspections.test_services import _answer_all, _inspection
from tests.kpis.test_scorecards import define


def _done(cast: Any, checklist: Any, contract: Any = None, **answers: Any) -> Any:
    inspection = _inspection(cast, checklist)
    if contract is not None:
        type(inspection).objects.filter(pk=inspection.pk).update(contract=contract, vendor=contract.vendor)
        inspection.refresh_from_db()
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection, **answers)
    return services.complete(inspection, cast.inspector)


def test_inspection_measures_count_the_latest_revision_of_inspections_completed_in_the_period(
    cast: Any, checklist: Any
) -> None:
    passed = _done(cast, checklist)  # 82.22
    _done(cast, checklist, 卫生间="脏")  # 71.11: below the pass mark
    failed = _done(cast, checklist, 消防通道畅通="fail")  # critical item failed
    _done(cast, checklist, contract=cast.contract_b)  # another vendor: not counted
    fixed = services.correct(failed, cast.qm, "消防通道复查通过")
    services.answer(fixed, cast.inspector, fixed.version.items.get(text="消防通道畅通"), "pass")
    services.complete(fixed, cast.inspector)  # the correction counts instead of the original
    pass_rate = define(cast, "insp", "inspection_pass_pct", "1", target="90", minimum="50")
    mean = define(cast, "score", "inspection_score_mean", "1", target="90", minimum="60")
    today = timezone.localdate()
    first, last = today.replace(day=1), today
    value = evaluation.evaluate(pass_rate, first, last)
    assert (value.numerator, value.denominator) == (2, 3) and round(value.value, 4) == round(200 / 3, 4)
    score = evaluation.evaluate(mean, first, last)
    assert (
        score.denominator == 3 and score.numerator == 235.55 and score.value == 235.55 / 3
    )  # 82.22 + 71.11 + 82.22
    assert passed.score == Decimal("82.22")
    # The scorecard (bulk path) gives the same figures.
    card = scorecards.compute(cast.contract_a, "month", today)
    results = {r.kpi.code: r for r in card.results.select_related("kpi")}
    assert (results["insp"].numerator, results["insp"].denominator) == (2, 3)
    assert results["score"].value == score.value
    assert evaluation.records_url(pass_rate, first, last).startswith("/inspections/inspections/?")
    # Narrowed: the vendor as a whole, a site without inspections, a priority (inspections have none).
    assert evaluation.evaluate(pass_rate, first, last, vendor_wide=True).denominator == 3
    from oqms.org.models import Site

    other = Site.objects.create(code="X-1", name="别处", org_unit=cast.org_unit, address="")
    pass_rate.site = other
    assert evaluation.evaluate(pass_rate, first, last).value is None  # no data, not 0
    pass_rate.site = None
    pass_rate.priority = "P1"
    assert evaluation.evaluate(pass_rate, first, last).value is None
    long_ago = datetime.date(2020, 1, 1)
    assert evaluation.evaluate(mean, long_ago, long_ago + datetime.timedelta(days=30)).value is None


def test_lots_accepted_and_a_formula_mixing_sources(cast: Any) -> None:
    def batch() -> Any:
        return lots.open_lot(
            user=cast.qm,
            contract=cast.contract_a,
            service_type=cast.service_type,
            aql=Decimal("1.0"),
            kind="batch",
            lot_size=1000,
        )

    lots.decide(batch(), cast.inspector, 0)
    lots.decide(batch(), cast.inspector, 1)
    lots.decide(batch(), cast.inspector, 3)
    batch()  # open: not decided, not counted
    accepted = define(cast, "lots", "lots_accepted_pct", "1", target="95", minimum="80")
    today = timezone.localdate()
    value = evaluation.evaluate(accepted, today.replace(day=1), today)
    assert (value.numerator, value.denominator) == (2, 3)
    mixed = define(cast, "mix", "", "1", formula="lots_accepted_pct / 2 + opened", target="50", minimum="10")
    result = evaluation.evaluate(mixed, today.replace(day=1), today)
    assert (
        result.inputs["lots_accepted_pct"] == value.value
        and result.value == value.value / 2 + result.inputs["opened"]
    )
    card = scorecards.compute(cast.contract_a, "month", today)
    rows = {r.kpi.code: r for r in card.results.select_related("kpi")}
    assert rows["lots"].value == value.value and rows["mix"].value == result.value

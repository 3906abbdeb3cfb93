"""Bulk KPI figures: every contract's scorecard computed from one read of the rollups is exactly what
``scorecards.compute`` gives for each contract alone, and the monthly rollups are the daily ones added up."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from oqms.contracts.models import ServiceType
from oqms.core import audit
from oqms.kpis import bulk, measures, rollups, scorecards
from oqms.kpis.models import KPI, DailyRollup, MonthlyRollup, Scorecard
from oqms.kpis.signals import scorecard_computed
from oqms.org.models import Site
from oqms.workorders import services

DAYS = 80  # about three months, so that whole months, quarters and partial months all occur


def _spread_work(cast: Any, seed: int, count: int = 160) -> None:
    """Work orders of both contracts over the last DAYS days, of two sites and two service types, in every
    state, through the real services."""
    rng = random.Random(seed)
    with audit.audit_context(actor=cast.qm, source="test"):
        site = Site.objects.create(
            code="SH-02", name="上海漕河泾", org_unit=cast.org_unit, address="上海市徐汇区"
        )
        kind = ServiceType.objects.create(
            code="network", name="网络", name_en="Network", category=cast.category
        )
        for contract in (cast.contract_a, cast.contract_b):
            contract.sites.add(site)
            contract.service_types.add(kind)
    now = timezone.now()
    with audit.audit_context(actor=cast.qm, source="test"):
        for _ in range(count):
            contract = rng.choice([cast.contract_a, cast.contract_a, cast.contract_b])
            staff = cast.staff_a if contract == cast.contract_a else cast.staff_b
            opened = now - datetime.timedelta(minutes=rng.randint(60, DAYS * 24 * 60))
            wo = services.create(
                requester=cast.requester,
                contract=contract,
                site=rng.choice([cast.site, site]),
                service_type=rng.choice([cast.service_type, kind]),
                title="随机",
                priority=rng.choice(["P1", "P2", "P3", "P4"]),
                opened_at=opened,
            )
            steps = rng.randint(0, 6)
            at = opened
            if steps >= 1:
                at += datetime.timedelta(minutes=rng.randint(1, 240))
                wo = services.assign(wo, cast.qm, staff, at=min(at, now))
            if steps >= 2:
                at += datetime.timedelta(minutes=rng.randint(1, 900))
                wo = services.start(wo, staff, at=min(at, now))
            if steps >= 4:
                at += datetime.timedelta(minutes=rng.randint(1, 5000))
                wo = services.resolve(wo, staff, "好了", at=min(at, now))
            if steps >= 5:
                at = min(at + datetime.timedelta(minutes=rng.randint(1, 2000)), now)
                wo = services.close(wo, cast.requester, rng.randint(1, 5), at=at)
            if steps >= 6 and rng.random() < 0.5:
                at = min(at + datetime.timedelta(minutes=rng.randint(1, 600)), now)
                wo = services.reopen(wo, cast.requester, "又坏了", at=at)
                if rng.random() < 0.5:
                    wo = services.start(wo, staff, at=min(at + datetime.timedelta(minutes=5), now))
                    wo = services.resolve(wo, staff, "再修", at=min(at + datetime.timedelta(minutes=60), now))


def _kpis(cast: Any) -> None:
    """A mixed set per contract: plain measures, filtered ones (one and two dimensions), a formula, tiers, a
    backlog, an older definition replaced by a newer one, one no longer in force, a quarterly one."""
    early = timezone.localdate() - datetime.timedelta(days=400)
    kind = ServiceType.objects.get(code="network")
    site = Site.objects.get(code="SH-02")
    with audit.audit_context(actor=cast.qm):
        for contract in (cast.contract_a, cast.contract_b):

            def kpi(
                code: str, target: str = "90", minimum: str = "70", contract: Any = contract, **extra: Any
            ) -> None:
                KPI.objects.create(
                    contract=contract,
                    code=code,
                    name=code,
                    target=Decimal(target),
                    minimum=Decimal(minimum),
                    weight=Decimal(extra.pop("weight", "1")),
                    effective_from=extra.pop("effective_from", early),
                    **extra,
                )

            kpi("response", measure="response_in_target_pct", weight="2")
            kpi("resolution", measure="resolution_in_target_pct", weight="1.5")
            kpi("p90", "600", "3000", measure="p90_resolution_minutes", direction="lower")
            kpi("p90-response", "60", "600", measure="p90_response_minutes", direction="lower")
            kpi("mean", "120", "900", measure="mean_response_minutes", direction="lower")
            kpi("ftf", "95", "80", measure="first_time_fix_pct")
            kpi("rating", "4.5", "3", measure="rating_mean")
            kpi("p1", measure="resolution_in_target_pct", priority="P1")
            kpi("network", measure="response_in_target_pct", service_type=kind)
            kpi("site", measure="completion_pct", site=site)
            kpi("network-p3", measure="resolution_in_target_pct", service_type=kind, priority="P3")
            kpi("here-network", measure="opened", target="1", minimum="0", service_type=kind, site=site)
            kpi("backlog", "0", "10", measure="backlog", direction="lower", backlog_days=2)
            kpi(
                "worst",
                "0",
                "0",
                formula="min(response_in_target_pct, resolution_in_target_pct)",
                scoring="tiers",
                tiers=[[95, 100], [90, 80], [80, 50]],
            )
            kpi("old", measure="reopen_pct", direction="lower", target="5", minimum="20")
            kpi(
                "old",
                measure="rating_response_pct",
                effective_from=timezone.localdate() - datetime.timedelta(days=45),
            )
            kpi("gone", measure="opened", effective_to=early + datetime.timedelta(days=10))
            kpi("quarterly", measure="resolved", target="10", minimum="0", period="quarter")


def _reference(contract: Any, kind: str, first: datetime.date, last: datetime.date) -> list[dict[str, Any]]:
    """The results the way a scorecard was computed before the bulk path: each KPI in force (the newest
    definition of each code) through ``evaluation.evaluate``, one query of the rollups at a time."""
    from oqms.kpis.evaluation import evaluate

    rows, seen = [], set()
    for kpi in scorecards.kpis_in_force(contract, kind, first, last):
        if kpi.code in seen:
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


def _fresh(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (r["kpi"].pk, r["value"], r["numerator"], r["denominator"], r["inputs"], r["score"], r["weight"])
        for r in rows
    ]


def _stored(card: Scorecard) -> list[tuple[Any, ...]]:
    return sorted(
        (r.kpi_id, r.value, r.numerator, r.denominator, r.inputs, r.score, r.weight)
        for r in card.results.all()
    )


def _months() -> list[datetime.date]:
    today = timezone.localdate()
    found, day = [], today
    while day >= today - datetime.timedelta(days=DAYS + 31):
        found.append(day)
        day = day.replace(day=1) - datetime.timedelta(days=1)
    return found


@pytest.mark.parametrize("seed", [3, 4])
def test_bulk_figures_equal_compute_for_every_contract(cast: Any, seed: int) -> None:
    _spread_work(cast, seed)
    _kpis(cast)
    rollups.refresh_dirty(limit=100_000)
    for kind in ("month", "quarter"):
        days = _months()
        figures = scorecards.figures(kind, days)
        assert figures
        for (contract_id, first), (rows, score) in figures.items():
            contract = type(cast.contract_a).objects.get(pk=contract_id)
            alone = _reference(contract, kind, first, scorecards.period_bounds(kind, first)[1])
            assert _fresh(rows) == _fresh(alone)  # same KPIs, same order, bit-for-bit the same numbers
            assert score == scorecards._score(alone)
            card = scorecards.compute(contract, kind, first)
            assert card is not None and card.score == score and _stored(card) == sorted(_fresh(rows))
        assert {(c, f) for c, f in figures} == {
            (c.pk, scorecards.period_bounds(kind, day)[0])
            for c in (cast.contract_a, cast.contract_b)
            for day in days
        }


def test_compute_all_does_what_compute_does(cast: Any) -> None:
    _spread_work(cast, 5, count=90)
    _kpis(cast)
    rollups.refresh_dirty(limit=100_000)
    sent: list[int] = []

    def received(sender: Any, scorecard: Scorecard, **kwargs: Any) -> None:
        sent.append(scorecard.pk)

    scorecard_computed.connect(received, dispatch_uid="test-bulk")
    try:
        today = timezone.localdate()
        cards = scorecards.compute_all("month", today)
        assert {c.contract_id for c in cards} == {cast.contract_a.pk, cast.contract_b.pk}
        assert sorted(sent) == sorted(c.pk for c in cards)
        stored = {c.pk: _stored(c) for c in cards}
        for card in cards:  # computing one alone changes nothing
            again = scorecards.compute(card.contract, "month", today)
            assert again.pk == card.pk and _stored(again) == stored[card.pk] and again.score == card.score
        # Approved and unchanged: no correction, no signal. Approved and changed: a correction.
        approved, draft = sorted(cards, key=lambda c: c.contract_id)
        Scorecard.objects.filter(pk=approved.pk).update(status="approved")
        sent.clear()
        again = scorecards.compute_all("month", today)
        assert approved.pk in {c.pk for c in again} and approved.pk not in sent and draft.pk in sent
        with audit.audit_context(actor=cast.qm):
            services.create(
                requester=cast.requester,
                contract=approved.contract,
                site=Site.objects.get(code="SH-02"),
                service_type=ServiceType.objects.get(code="network"),
                title="迟到的",
                priority="P1",
                opened_at=timezone.now() - datetime.timedelta(hours=1),
            )
        rollups.refresh_dirty()
        sent.clear()
        corrected = {c.contract_id: c for c in scorecards.compute_all("month", today)}[approved.contract_id]
        assert (
            corrected.pk != approved.pk and corrected.version == 2 and corrected.supersedes_id == approved.pk
        )
        assert (
            corrected.status == "draft"
            and corrected.grade_bands == approved.grade_bands
            and corrected.pk in sent
        )
        first, last = scorecards.period_bounds("month", today)
        rows = _reference(approved.contract, "month", first, last)
        assert _stored(corrected) == sorted(_fresh(rows))
        assert (
            _stored(Scorecard.objects.get(pk=approved.pk)) == stored[approved.pk]
        )  # the approved card stays
    finally:
        scorecard_computed.disconnect(dispatch_uid="test-bulk")


def test_nightly_run_equals_compute(cast: Any) -> None:
    _spread_work(cast, 6, count=60)
    _kpis(cast)
    rollups.refresh_dirty(limit=100_000)
    today = timezone.localdate()
    assert scorecards.run_nightly(today) == 8  # two contracts, month and quarter, running and previous
    for card in Scorecard.objects.all():
        rows = _reference(card.contract, card.period, card.period_start, card.period_end)
        assert _stored(card) == sorted(_fresh(rows)) and card.score == scorecards._score(rows)


def test_totals_of_any_days_and_filters_equal_a_direct_computation(cast: Any) -> None:
    _spread_work(cast, 7)
    rollups.refresh_dirty(limit=100_000)
    kind = ServiceType.objects.get(code="network")
    site = Site.objects.get(code="SH-02")
    today = timezone.localdate()
    month = today.replace(day=1)
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    ranges = [
        (previous, month - datetime.timedelta(days=1)),  # a whole month: a level row
        (previous - datetime.timedelta(days=9), today),  # days, a whole month, days
        (previous + datetime.timedelta(days=3), month + datetime.timedelta(days=2)),  # days only
        (today - datetime.timedelta(days=DAYS + 5), today),
    ]
    filters = [
        {"contract": cast.contract_a},
        {"vendor": cast.vendor_a},
        {"contract": cast.contract_a, "priority": "P2"},
        {"contract": cast.contract_b, "service_type": kind},
        {"contract": cast.contract_a, "site": site},
        {"contract": cast.contract_a, "service_type": kind, "priority": "P3"},
        {"vendor": cast.vendor_b, "site": cast.site, "service_type": cast.service_type},
        {"priority": "P4"},
        {},
    ]
    requests = []
    for first, last in ranges:
        for chosen in filters:
            from_rollups = measures.totals(first, last, **chosen)
            direct, _samples = measures.direct_totals(first, last, **chosen)
            for name in measures.COUNTS:
                assert from_rollups[name] == pytest.approx(direct[name], abs=1e-6), (
                    name,
                    chosen,
                    first,
                    last,
                )
            for which in ("response", "resolution"):
                got, want = getattr(from_rollups, f"{which}_histogram"), getattr(direct, f"{which}_histogram")
                assert (got is None) == (want is None)
                assert got is None or (got == want).all()
            requests.append((bulk.Request.of(first, last, chosen), from_rollups))
    # The same groups all at once: bit-for-bit the same.
    together = bulk.totals_many([request for request, _alone in requests])
    for (_request, alone), many in zip(requests, together, strict=True):
        assert many.values == alone.values
        for which in ("response_histogram", "resolution_histogram"):
            got, want = getattr(many, which), getattr(alone, which)
            assert (got is None and want is None) or (got == want).all()


def test_monthly_rollups_are_the_daily_ones_added_up(cast: Any) -> None:
    _spread_work(cast, 8)
    rollups.refresh_dirty(limit=100_000)
    daily = rollups.read_rows(DailyRollup, DailyRollup.objects.all())
    stored = rollups.read_rows(MonthlyRollup, MonthlyRollup.objects.all())
    expected = rollups.with_levels(rollups.monthly(daily))
    assert len(stored) == len(expected) > 0
    for key in rollups.KEYS:
        assert (getattr(stored, key) == getattr(expected, key)).all()
    for name in rollups.COLUMNS:
        assert (stored.values[name] == expected.values[name]).all()  # the seconds too, bit for bit
    for which in rollups.HISTOGRAMS:
        for got, want in zip(stored.hist[which], expected.hist[which], strict=True):
            assert np.array_equal(got, want)
    levels = MonthlyRollup.objects.filter(service_type__isnull=True, site__isnull=True, priority="")
    assert levels.count() == len(
        {(c, m) for c, m in MonthlyRollup.objects.values_list("contract_id", "month")}
    )


def test_results_per_person_in_one_pass_equal_each_computed_alone(cast: Any) -> None:
    from oqms.kpis import evaluation, staff
    from oqms.workorders.models import WorkOrder
    from tests.conftest import make_user

    _spread_work(cast, 9)
    _kpis(cast)
    other = make_user("staff_a2", "vendor_staff", cast.vendor_a)
    mine = WorkOrder.objects.filter(contract=cast.contract_a, assignee__isnull=False).order_by("pk")
    WorkOrder.objects.filter(pk__in=list(mine.values_list("pk", flat=True))[::2]).update(assignee=other)
    rollups.refresh_dirty(limit=100_000)
    today = timezone.localdate()
    previous = today.replace(day=1) - datetime.timedelta(days=1)
    seen: set[int] = set()
    for kind, day in (("month", today), ("month", previous), ("quarter", today)):
        card = scorecards.compute(cast.contract_a, kind, day)
        rows = staff.compute(card)
        people = {row.person_id for row in rows}
        assert people <= {cast.staff_a.pk, other.pk} and len(rows) == len(people) * card.results.count() > 0
        seen |= people
        for row in rows:
            alone = evaluation.evaluate_for_person(row.kpi, card.period_start, card.period_end, row.person_id)
            assert (row.value, row.numerator, row.denominator, row.inputs, row.score) == (
                alone.value,
                alone.numerator,
                alone.denominator,
                alone.inputs,
                alone.score,
            ), (kind, row.kpi.code)
    assert seen == {cast.staff_a.pk, other.pk}

"""KPI definitions: the seed's example, measures and formulas, validation with clear messages, "no data"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.kpis import rollups
from oqms.kpis.evaluation import evaluate
from oqms.kpis.models import KPI
from oqms.workorders import services
from tests.core.helpers import api_client, has_chinese, page_client


def kpi(cast: Any, **fields: Any) -> KPI:
    values = {
        "contract": cast.contract_a,
        "code": "k",
        "name": "指标",
        "direction": "higher",
        "target": Decimal("95"),
        "minimum": Decimal("90"),
        "effective_from": datetime.date(2026, 1, 1),
    } | fields
    item = KPI(**values)
    item.full_clean()
    with audit.audit_context(actor=cast.qm):
        item.save()
    return item


def test_the_seeds_example_is_expressible(cast: Any) -> None:
    """Equipment maintenance: response within 2 hours, fault fix rate at least 95 %."""
    response = kpi(
        cast,
        code="response",
        name="平均响应时间",
        measure="mean_response_minutes",
        service_type=cast.service_type,
        direction="lower",
        target=Decimal("120"),
        minimum=Decimal("180"),
        unit="min",
    )
    fix_rate = kpi(cast, code="fix-rate", name="故障一次修复率", measure="first_time_fix_pct", unit="%")
    now = timezone.now()
    for minutes, reopen in ((30, False), (90, False), (300, True)):
        wo = services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            title="设备故障",
            priority="P3",
            opened_at=now - datetime.timedelta(hours=8),
        )
        wo = services.assign(wo, cast.qm, cast.staff_a, at=wo.opened_at)
        wo = services.start(wo, cast.staff_a, at=wo.opened_at + datetime.timedelta(minutes=minutes))
        wo = services.resolve(wo, cast.staff_a, "修复", at=wo.opened_at + datetime.timedelta(hours=6))
        if reopen:
            wo = services.reopen(wo, cast.requester, "没修好", at=wo.opened_at + datetime.timedelta(hours=7))
            wo = services.start(wo, cast.staff_a, at=wo.opened_at + datetime.timedelta(hours=7, minutes=10))
            wo = services.resolve(
                wo, cast.staff_a, "再修", at=wo.opened_at + datetime.timedelta(hours=7, minutes=30)
            )
    rollups.refresh_dirty()
    today = timezone.localdate()
    first = today - datetime.timedelta(days=2)
    mean = evaluate(response, first, today)
    assert mean.value == pytest.approx((30 + 90 + 300) / 3) and mean.denominator == 3
    assert mean.score == pytest.approx(100 * 40 / 60)  # 140 minutes: two thirds of the way from 180 to 120
    fixed = evaluate(fix_rate, first, today)
    assert fixed.value == pytest.approx(200 / 3) and (fixed.numerator, fixed.denominator) == (2, 3)
    assert fixed.score == 0.0  # 66.7 % is below the minimum of 90 %


def test_formula_kpi_and_no_data(cast: Any) -> None:
    combined = kpi(
        cast, code="combined", name="综合", formula="min(resolution_in_target_pct, first_time_fix_pct)"
    )
    result = evaluate(combined, datetime.date(2001, 1, 1), datetime.date(2001, 1, 31))
    assert result.value is None and result.score is None  # no work: no data, not 0 and not 100
    assert set(result.inputs) == {"resolution_in_target_pct", "first_time_fix_pct"}


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({}, "measure", "one of the two"),
        ({"measure": "x", "formula": "1"}, "measure", "one of the two"),
        ({"measure": "nonsense"}, "measure", "not a measure"),
        ({"formula": "100 * (resolved"}, "formula", "character"),
        ({"formula": "resolved / unknown_thing"}, "formula", "character"),
        (
            {"measure": "opened", "direction": "higher", "target": Decimal(90), "minimum": Decimal(95)},
            "minimum",
            "cannot be above",
        ),
        ({"measure": "opened", "scoring": "tiers", "tiers": []}, "tiers", "at least one tier"),
        (
            {"measure": "opened", "effective_to": datetime.date(2025, 1, 1)},
            "effective_to",
            "before the start",
        ),
        ({"measure": "opened", "priority": "P9"}, "priority", "P1 to P4"),
    ],
)
def test_bad_definitions_name_the_problem(
    cast: Any, fields: dict[str, Any], field: str, fragment: str
) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        kpi(cast, **fields)
    assert fragment in " ".join(caught.value.message_dict[field])
    assert not KPI.objects.exists()


def test_kpi_pages_and_api(cast: Any) -> None:
    client = page_client(cast.qm)
    data = {
        "contract": cast.contract_a.pk,
        "code": "fix",
        "name": "一次修复率",
        "measure": "first_time_fix_pct",
        "formula": "",
        "unit": "%",
        "direction": "higher",
        "target": "95",
        "minimum": "90",
        "weight": "1",
        "scoring": "tiers",
        "tiers_text": "98, 100\n95, 80\n90, 60",
        "period": "month",
        "effective_from": "2026-01-01",
    }
    response = client.post(reverse("kpis:kpi_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = KPI.objects.get(code="fix")
    assert item.tiers == [[98.0, 100.0], [95.0, 80.0], [90.0, 60.0]]
    page = client.get(item.get_absolute_url())
    assert page.status_code == 200 and len(page.context["results"]) == 6
    bad = client.post(reverse("kpis:kpi_create"), data | {"code": "bad", "measure": "", "formula": "1 +"})
    assert bad.status_code == 400 and "formula" in bad.context["form"].errors
    zh = page_client(cast.qm, "zh-hans").post(
        reverse("kpis:kpi_create"), data | {"code": "bad", "tiers_text": "x"}
    )
    assert has_chinese(zh.context["form"].errors["tiers_text"][0])
    api = api_client(cast.qm)
    value = api.get(f"/api/kpis/{item.pk}/value/?from=2026-01-01&to=2026-01-31").json()
    assert value["value"] is None and value["score"] is None
    assert api.get(f"/api/kpis/{item.pk}/value/?from=2026-01-31&to=2026-01-01").status_code == 400
    vendor_wide = api.get(f"/api/kpis/{item.pk}/value/?from=2026-01-01&to=2026-01-31&scope=vendor").json()
    assert vendor_wide["scope"] == "vendor" and vendor_wide["value"] is None
    assert api.get(f"/api/kpis/{item.pk}/value/?from=2026-01-01&to=2026-01-31&scope=all").status_code == 400
    assert api_client(cast.manager_b).get(f"/api/kpis/{item.pk}/").status_code == 404
    assert api_client(cast.manager_a).get(f"/api/kpis/{item.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("formula", "position", "fragment"),
    [
        ("100 * (resolved", 7, "is not closed"),
        ("resolved / unknown_thing", 12, "not a measure"),
        ("resolved $ 2", 10, "cannot be used"),
        ("mn(opened, resolved)", 1, "not a function"),
    ],
)
def test_formula_errors_name_the_character_in_both_languages(
    cast: Any, formula: str, position: int, fragment: str
) -> None:
    from django.utils import translation

    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            kpi(cast, formula=formula)
        (message,) = caught.value.message_dict["formula"]
        assert str(position) in message
        if language == "en":
            assert fragment in message
        else:
            assert has_chinese(message)


@pytest.mark.parametrize("intruder", ["manager_b", "staff_b"])
def test_another_vendor_never_sees_the_kpis(cast: Any, intruder: str) -> None:
    from tests.core.helpers import listed_pks

    item = kpi(cast, code="mark-kpi", name="甲专属指标", measure="opened")
    client = page_client(getattr(cast, intruder))
    for page in ("detail", "update", "delete"):
        assert client.get(reverse(f"kpis:kpi_{page}", args=[item.pk])).status_code in {403, 404}
    assert client.post(reverse("kpis:kpi_delete", args=[item.pk])).status_code in {403, 404}
    listing = client.get(reverse("kpis:kpi_list"))
    assert listing.status_code == 403 or item.pk not in listed_pks(listing)
    api = api_client(getattr(cast, intruder))
    for method in ("get", "patch", "delete"):
        assert getattr(api, method)(f"/api/kpis/{item.pk}/").status_code in {403, 404}
    assert api.get(f"/api/kpis/{item.pk}/value/?from=2026-01-01&to=2026-01-31").status_code in {403, 404}
    assert KPI.objects.filter(pk=item.pk, name="甲专属指标").exists()
    # The owner's manager reads it (positive control) but cannot change it.
    owner = api_client(cast.manager_a)
    assert owner.get(f"/api/kpis/{item.pk}/").status_code == 200
    assert owner.patch(f"/api/kpis/{item.pk}/", {"name": "改"}, format="json").status_code == 403


def test_a_kpi_value_drills_down_to_its_work_orders(cast: Any) -> None:
    from oqms.kpis.evaluation import records_url

    fix_rate = kpi(cast, code="fix-rate", name="一次修复率", measure="first_time_fix_pct", unit="%")
    now = timezone.now()
    numbers = []
    for hours in (30, 20, 10):
        wo = services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            title="打印机",
            priority="P3",
            opened_at=now - datetime.timedelta(hours=hours),
        )
        wo = services.assign(wo, cast.qm, cast.staff_a, at=wo.opened_at)
        wo = services.start(wo, cast.staff_a, at=wo.opened_at)
        wo = services.resolve(wo, cast.staff_a, "好了", at=wo.opened_at + datetime.timedelta(hours=1))
        numbers.append(wo.number)
    rollups.refresh_dirty()
    first, last = timezone.localdate() - datetime.timedelta(days=2), timezone.localdate()
    result = evaluate(fix_rate, first, last)
    url = records_url(fix_rate, first, last)
    page = page_client(cast.qm).get(url)
    listed = {wo.number for wo in page.context["page"].object_list}
    assert result.denominator == len(listed) == 3 and listed == set(numbers)
    from oqms.kpis.ui import periods

    month = periods("month", timezone.localdate(), 1)[0]
    detail = page_client(cast.qm).get(fix_rate.get_absolute_url()).content.decode()
    assert records_url(fix_rate, *month).replace("&", "&amp;") in detail

"""Bad contract input on the page (form + SLA formset) and the API: clear field errors, 400, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from oqms.contracts.models import Contract, SLATarget
from oqms.core.models import AuditEntry
from tests.core.helpers import api_client, has_chinese, page_client


def _state() -> tuple[int, int, int]:
    return Contract.objects.count(), SLATarget.objects.count(), AuditEntry.objects.count()


def _page_data(cast: Any, sla: list[tuple[str, Any, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    sla = [("P1", 30, 240), ("P2", 60, 480)] if sla is None else sla
    data = {
        "number": "C-A-200",
        "vendor": cast.vendor_a.pk,
        "title": "门禁维保",
        "status": "active",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "monthly_fee": "5000.00",
        "org_units": [cast.org_unit.pk],
        "sites": [cast.site.pk],
        "service_types": [cast.service_type.pk],
        "description": "",
        "sla-TOTAL_FORMS": str(len(sla)),
        "sla-INITIAL_FORMS": "0",
        "sla-MIN_NUM_FORMS": "0",
        "sla-MAX_NUM_FORMS": "4",
        "sla_at_risk_percent": "75",
        "sla_stops_at": "resolved",
        "esc-TOTAL_FORMS": "0",
        "esc-INITIAL_FORMS": "0",
    }
    for index, (priority, response, resolution) in enumerate(sla):
        data |= {
            f"sla-{index}-priority": priority,
            f"sla-{index}-response_minutes": response,
            f"sla-{index}-resolution_minutes": resolution,
        }
    return data | overrides


def _api_body(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "number": "C-A-200",
        "vendor": cast.vendor_a.pk,
        "title": "门禁维保",
        "status": "active",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "monthly_fee": "5000.00",
        "org_units": [cast.org_unit.pk],
        "sites": [cast.site.pk],
        "service_types": [cast.service_type.pk],
        "sla_targets": [{"priority": "P1", "response_minutes": 30, "resolution_minutes": 240}],
    } | overrides


def _post_page(cast: Any, data: dict[str, Any], language: str = "en") -> Any:
    return page_client(cast.qm, language).post(reverse("contracts:contract_create"), data)


def test_the_valid_payloads_are_accepted(cast: Any) -> None:
    # The baseline of every refusal below: the same payloads, unchanged, are saved.
    response = _post_page(cast, _page_data(cast))
    assert response.status_code == 302
    contract = Contract.objects.get(number="C-A-200")
    assert {t.priority for t in contract.sla_targets.all()} == {"P1", "P2"}
    response = api_client(cast.qm).post("/api/contracts/", _api_body(cast, number="C-A-201"), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "2026-06-01", "end_date": "2026-05-31"}, "end_date"),
        ({"monthly_fee": "-0.01"}, "monthly_fee"),
        ({"monthly_fee": "五千"}, "monthly_fee"),
        ({"monthly_fee": "1e400"}, "monthly_fee"),
        ({"monthly_fee": "123456789012345.00"}, "monthly_fee"),  # more digits than the column holds
        ({"sites": [987654]}, "sites"),
        ({"vendor": 987654}, "vendor"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"number": "C-A-001"}, "number"),  # taken
        ({"status": "signed"}, "status"),
    ],
)
def test_contract_field_errors_on_page_and_api(cast: Any, overrides: dict[str, Any], field: str) -> None:
    before = _state()
    response = _post_page(cast, _page_data(cast, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    response = api_client(cast.qm).post("/api/contracts/", _api_body(cast, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert _state() == before


def test_end_before_start_message(cast: Any) -> None:
    body = _api_body(cast, start_date="2026-06-01", end_date="2026-05-31")
    response = api_client(cast.qm, "en").post("/api/contracts/", body, format="json")
    assert response.json()["end_date"] == ["The end date must not be before the start date."]
    response = api_client(cast.qm, "zh-hans").post("/api/contracts/", body, format="json")
    assert has_chinese(response.json()["end_date"][0])


def test_end_before_start_on_update_through_the_api(cast: Any) -> None:
    start = cast.contract_a.start_date
    response = api_client(cast.qm).patch(
        f"/api/contracts/{cast.contract_a.pk}/",
        {"end_date": (start.replace(year=start.year - 1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "end_date" in response.json()
    cast.contract_a.refresh_from_db()
    assert cast.contract_a.end_date > start


@pytest.mark.parametrize(
    ("sla", "field"),
    [
        ([("P1", 240, 30)], "resolution_minutes"),  # resolution before response
        ([("P1", 0, 30)], "response_minutes"),
        ([("P1", 30, 600000)], "resolution_minutes"),  # more than a year
        ([("P1", "half an hour", 30)], "response_minutes"),
        ([("P9", 30, 60)], "priority"),
        ([("P1", 30, 240), ("P1", 60, 480)], "priority"),  # the same priority twice
    ],
)
def test_sla_formset_errors(cast: Any, sla: list[tuple[str, Any, Any]], field: str) -> None:
    before = _state()
    response = _post_page(cast, _page_data(cast, sla=sla))
    assert response.status_code == 400
    formset = response.context["formsets"][0]
    errors = [form.errors for form in formset.forms]
    assert any(field in e for e in errors) or formset.non_form_errors(), errors
    assert _state() == before


def test_duplicate_priority_in_the_formset_names_the_rule(cast: Any) -> None:
    response = _post_page(cast, _page_data(cast, sla=[("P2", 30, 240), ("P2", 60, 480)]))
    formset = response.context["formsets"][0]
    messages = [str(m) for form in formset.forms for m in form.errors.get("priority", [])]
    messages += [str(m) for m in formset.non_form_errors()]
    assert any("priority" in m for m in messages), messages


def test_more_than_four_sla_targets_is_refused(cast: Any) -> None:
    before = _state()
    sla = [("P1", 1, 2), ("P2", 1, 2), ("P3", 1, 2), ("P4", 1, 2), ("P1", 5, 6)]
    response = _post_page(cast, _page_data(cast, sla=sla))
    assert response.status_code == 400
    assert _state() == before


@pytest.mark.parametrize(
    ("targets", "message_part"),
    [
        ([{"priority": "P1", "response_minutes": 240, "resolution_minutes": 30}], "Resolution"),
        (
            [
                {"priority": "P1", "response_minutes": 30, "resolution_minutes": 240},
                {"priority": "P1", "response_minutes": 60, "resolution_minutes": 480},
            ],
            "only one",
        ),
        ([{"priority": "P1", "response_minutes": 0, "resolution_minutes": 10}], ""),
        ([{"priority": "P7", "response_minutes": 1, "resolution_minutes": 10}], ""),
        ([{"priority": "P1"}], ""),
        ("P1", ""),
    ],
)
def test_sla_targets_errors_through_the_api(cast: Any, targets: Any, message_part: str) -> None:
    before = _state()
    response = api_client(cast.qm).post(
        "/api/contracts/", _api_body(cast, sla_targets=targets), format="json"
    )
    assert response.status_code == 400, response.content
    assert "sla_targets" in response.json()
    assert message_part in str(response.json()["sla_targets"])
    assert _state() == before


def test_sla_errors_on_update_keep_the_old_targets(cast: Any) -> None:
    before = sorted(
        SLATarget.objects.filter(contract=cast.contract_a).values_list(
            "priority", "response_minutes", "resolution_minutes"
        )
    )
    body = {
        "sla_targets": [
            {"priority": "P1", "response_minutes": 30, "resolution_minutes": 240},
            {"priority": "P2", "response_minutes": 500, "resolution_minutes": 400},
        ]
    }
    response = api_client(cast.qm).patch(f"/api/contracts/{cast.contract_a.pk}/", body, format="json")
    assert response.status_code == 400
    after = sorted(
        SLATarget.objects.filter(contract=cast.contract_a).values_list(
            "priority", "response_minutes", "resolution_minutes"
        )
    )
    assert after == before


def test_unknown_site_on_update_changes_nothing(cast: Any) -> None:
    entries = AuditEntry.objects.count()
    response = api_client(cast.qm).patch(
        f"/api/contracts/{cast.contract_a.pk}/",
        {"title": "新标题", "sites": [cast.site.pk, 987654]},
        format="json",
    )
    assert response.status_code == 400 and "sites" in response.json()
    cast.contract_a.refresh_from_db()
    assert cast.contract_a.title != "新标题"
    assert list(cast.contract_a.sites.values_list("pk", flat=True)) == [cast.site.pk]
    assert AuditEntry.objects.count() == entries

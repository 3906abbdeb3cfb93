"""Bad organisation input: time zones, duplicate codes, cycles — field errors, 400, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from oqms.core.models import AuditEntry
from oqms.org.models import OrgUnit, Site
from tests.core.helpers import api_client, has_chinese, page_client


def _site(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "code": "CD-01",
        "name": "成都园区",
        "org_unit": cast.org_unit.pk,
        "city": "成都",
        "address": "高新区",
        "time_zone": "Asia/Shanghai",
        "is_active": True,
    } | overrides


def _state() -> tuple[int, int, int]:
    return Site.objects.count(), OrgUnit.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize(
    "zone", ["Mars/Base", "UTC+8", "../../../etc/passwd", "Asia/Shanghai/..", "亚洲/上海"]
)
def test_time_zone_must_exist(cast: Any, zone: str) -> None:
    before = _state()
    response = page_client(cast.qm).post(reverse("org:site_create"), _site(cast, time_zone=zone))
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    response = api_client(cast.qm, "en").post("/api/sites/", _site(cast, time_zone=zone), format="json")
    assert response.status_code == 400
    assert response.json()["time_zone"] == [f"{zone} is not a time zone; use a name such as Asia/Shanghai."]
    assert _state() == before


def test_time_zone_message_is_chinese_for_chinese_users(cast: Any) -> None:
    response = api_client(cast.qm, "zh-hans").post(
        "/api/sites/", _site(cast, time_zone="Mars/Base"), format="json"
    )
    assert has_chinese(response.json()["time_zone"][0]) and "Mars/Base" in response.json()["time_zone"][0]


def test_time_zone_update_keeps_the_old_value(cast: Any) -> None:
    response = api_client(cast.qm).patch(
        f"/api/sites/{cast.site.pk}/", {"time_zone": "Mars/Base"}, format="json"
    )
    assert response.status_code == 400
    cast.site.refresh_from_db()
    assert cast.site.time_zone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "SH-01"}, "code"),
        ({"address": ""}, "address"),
        ({"org_unit": 987654}, "org_unit"),
        ({"name": ""}, "name"),
        ({"code": "x" * 33}, "code"),
    ],
)
def test_site_field_errors(cast: Any, overrides: dict[str, Any], field: str) -> None:
    before = _state()
    response = page_client(cast.qm).post(reverse("org:site_create"), _site(cast, **overrides))
    assert response.status_code == 400 and field in response.context["form"].errors
    response = api_client(cast.qm).post("/api/sites/", _site(cast, **overrides), format="json")
    assert response.status_code == 400 and field in response.json()
    assert _state() == before


def test_unit_cycles_are_refused_on_the_page(cast: Any) -> None:
    child = OrgUnit.objects.create(code="HQ-FIN", name="财务部", parent=cast.org_unit)
    grandchild = OrgUnit.objects.create(code="HQ-FIN-AP", name="应付组", parent=child)
    before = _state()
    for parent in (cast.org_unit, grandchild):  # itself, and its own descendant
        response = page_client(cast.qm).post(
            reverse("org:orgunit_update", args=[cast.org_unit.pk]),
            {"code": "HQ", "name": "总部", "parent": parent.pk, "description": ""},
        )
        assert response.status_code == 400 and "parent" in response.context["form"].errors
    assert _state() == before
    cast.org_unit.refresh_from_db()
    assert cast.org_unit.parent is None

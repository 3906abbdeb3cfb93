"""Every read-write endpoint of /api/: list (pagination), retrieve, create, update, partial update, delete;
protected deletes answer 409 with a message and delete nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oqms.core.models import AuditEntry
from oqms.engine.identifiers import uscc_check_character
from tests.core.helpers import api_client

NEW_CODE = "91440300MA5F00000" + uscc_check_character("91440300MA5F00000")

# endpoint, model label, payload to create, a full-update change, a partial-update change
CRUD: list[tuple[str, str, Callable[[Any], dict[str, Any]], dict[str, Any], dict[str, Any]]] = [
    (
        "org-units",
        "org.OrgUnit",
        lambda c: {"code": "RD", "name": "研发部", "parent": c.org_unit.pk, "description": ""},
        {"name": "研发中心"},
        {"description": "研发"},
    ),
    (
        "sites",
        "org.Site",
        lambda c: {
            "code": "SZ-01",
            "name": "深圳园区",
            "org_unit": c.org_unit.pk,
            "address": "深圳市南山区",
            "time_zone": "Asia/Shanghai",
            "city": "",
            "is_active": True,
        },
        {"city": "深圳"},
        {"is_active": False},
    ),
    (
        "service-categories",
        "vendors.ServiceCategory",
        lambda c: {"code": "cleaning", "name": "保洁", "name_en": "Cleaning"},
        {"name": "保洁服务"},
        {"name_en": "Office cleaning"},
    ),
    (
        "vendors",
        "vendors.Vendor",
        lambda c: {
            "name": "丙服务有限公司",
            "credit_code": NEW_CODE,
            "categories": [c.category.pk],
            "status": "prospect",
            "short_name": "",
            "address": "",
            "website": "",
            "description": "",
        },
        {"status": "qualified"},
        {"website": "https://c.example"},
    ),
    (
        "vendor-contacts",
        "vendors.VendorContact",
        lambda c: {
            "vendor": c.vendor_a.pk,
            "name": "张三",
            "title": "",
            "phone": "13800000000",
            "email": "z@a.example",
            "is_primary": False,
        },
        {"is_primary": True},
        {"title": "客户经理"},
    ),
    (
        "qualification-documents",
        "vendors.QualificationDocument",
        lambda c: {
            "vendor": c.vendor_a.pk,
            "doc_type": "iso27001",
            "number": "ISMS-1",
            "issuer": "BSI",
            "valid_from": "2025-01-01",
            "valid_to": "2027-01-01",
        },
        {"issuer": "TÜV"},
        {"valid_to": None},
    ),
    (
        "service-types",
        "contracts.ServiceType",
        lambda c: {
            "code": "hvac",
            "name": "空调维保",
            "name_en": "",
            "category": c.category.pk,
            "description": "",
        },
        {"name_en": "HVAC maintenance"},
        {"description": "季度保养"},
    ),
    (
        "contracts",
        "contracts.Contract",
        lambda c: {
            "number": "C-A-009",
            "vendor": c.vendor_a.pk,
            "title": "空调维保",
            "status": "draft",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "monthly_fee": "8000.00",
            "org_units": [c.org_unit.pk],
            "sites": [c.site.pk],
            "service_types": [c.service_type.pk],
            "description": "",
        },
        {"status": "active"},
        {"monthly_fee": "9000.00"},
    ),
]


@pytest.mark.parametrize(("endpoint", "label", "payload", "change", "patch"), CRUD, ids=[c[0] for c in CRUD])
def test_full_crud_cycle(
    cast: Any, endpoint: str, label: str, payload: Any, change: dict[str, Any], patch: dict[str, Any]
) -> None:
    from django.apps import apps

    model = apps.get_model(label)
    client = api_client(cast.qm)
    entries = AuditEntry.objects.count()
    body = payload(cast)

    response = client.post(f"/api/{endpoint}/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    pk = created["id"]
    for key, value in body.items():
        assert created[key] == value, key
    assert model.objects.filter(pk=pk).exists()

    response = client.get(f"/api/{endpoint}/{pk}/")
    assert response.status_code == 200 and response.json() == created

    response = client.put(f"/api/{endpoint}/{pk}/", body | change, format="json")
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in change} == change

    response = client.patch(f"/api/{endpoint}/{pk}/", patch, format="json")
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in patch} == patch
    assert {k: response.json()[k] for k in change} == change  # the earlier change is kept

    listed = client.get(f"/api/{endpoint}/", {"page_size": 500}).json()
    assert pk in {row["id"] for row in listed["results"]}

    response = client.delete(f"/api/{endpoint}/{pk}/")
    assert response.status_code == 204
    assert client.get(f"/api/{endpoint}/{pk}/").status_code == 404
    assert not model.objects.filter(pk=pk).exists()
    actions = list(AuditEntry.objects.filter(pk__gt=0).order_by("pk").values_list("action", flat=True))[
        entries:
    ]
    assert actions[0] == "create" and actions[-1] == "delete" and "update" in actions


LIST_ENDPOINTS = [
    "org-units",
    "sites",
    "service-categories",
    "vendors",
    "vendor-contacts",
    "qualification-documents",
    "service-types",
    "contracts",
    "contract-attachments",
    "work-orders",
    "work-order-photos",
    "users",
    "audit-entries",
]


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_lists_are_paginated(cast: Any, endpoint: str) -> None:
    body = api_client(cast.admin).get(f"/api/{endpoint}/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) and body["next"] is None and body["previous"] is None


def test_pagination_pages_and_page_size(cast: Any) -> None:
    client = api_client(cast.admin)
    total = client.get("/api/audit-entries/").json()["count"]
    assert total > 3
    first = client.get("/api/audit-entries/", {"page_size": 2}).json()
    assert first["count"] == total and len(first["results"]) == 2
    assert "page=2" in first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in first["results"]})
    assert client.get("/api/audit-entries/", {"page_size": 2, "page": 999}).status_code == 404
    huge = client.get("/api/audit-entries/", {"page_size": 100000}).json()
    assert len(huge["results"]) == total  # capped at 500, more than enough here


def test_api_root_lists_the_endpoints(cast: Any) -> None:
    body = api_client(cast.qm).get("/api/").json()
    assert set(LIST_ENDPOINTS) <= set(body)


@pytest.mark.parametrize(
    ("endpoint", "target", "blocker"),
    [
        ("vendors", lambda c: c.vendor_a, "contracts"),
        ("org-units", lambda c: c.org_unit, "sites"),
        ("sites", lambda c: c.site, "work orders"),
        ("service-categories", lambda c: c.category, "service types"),
        ("service-types", lambda c: c.service_type, "work orders"),
        ("contracts", lambda c: c.contract_a, "work orders"),
    ],
    ids=["vendor", "org_unit", "site", "category", "service_type", "contract"],
)
def test_deleting_a_record_still_in_use_is_409_and_deletes_nothing(
    cast: Any, endpoint: str, target: Any, blocker: str
) -> None:
    from oqms.contracts.models import Contract, SLATarget
    from oqms.vendors.models import VendorContact

    obj = target(cast)
    VendorContact.objects.create(vendor=cast.vendor_a, name="应保留的联系人")
    counts = (
        type(obj).objects.count(),
        VendorContact.objects.count(),
        SLATarget.objects.count(),
        Contract.objects.count(),
        AuditEntry.objects.count(),
    )
    response = api_client(cast.qm).delete(f"/api/{endpoint}/{obj.pk}/")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("This record cannot be deleted: it still has ") and blocker in detail
    assert (
        type(obj).objects.count(),
        VendorContact.objects.count(),
        SLATarget.objects.count(),
        Contract.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_delete_conflict_message_is_translated(cast: Any) -> None:
    from tests.core.helpers import has_chinese

    response = api_client(cast.qm, "zh-hans").delete(f"/api/vendors/{cast.vendor_a.pk}/")
    assert response.status_code == 409 and has_chinese(response.json()["detail"])


def test_deleting_on_the_page_when_in_use_explains_and_keeps_the_record(cast: Any) -> None:
    from django.urls import reverse

    from tests.core.helpers import page_client

    response = page_client(cast.qm).post(
        reverse("vendors:vendor_delete", args=[cast.vendor_a.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == cast.vendor_a.get_absolute_url()
    (message,) = [str(m) for m in response.context["messages"]]
    assert "cannot be deleted" in message and "contracts" in message
    assert type(cast.vendor_a).objects.filter(pk=cast.vendor_a.pk).exists()


@pytest.mark.parametrize(
    ("endpoint", "role", "status"),
    [
        ("vendors", "requester", 403),
        ("vendor-contacts", "inspector", 403),
        ("contracts", "manager_a", 403),
        ("org-units", "staff_a", 403),
        ("service-types", "assessor", 403),
    ],
)
def test_writes_need_the_add_permission(cast: Any, endpoint: str, role: str, status: int) -> None:
    response = api_client(getattr(cast, role)).post(f"/api/{endpoint}/", {"name": "x"}, format="json")
    assert response.status_code == status

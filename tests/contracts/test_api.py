"""Contracts API: nested SLA targets on create and update, filters, ordering, attachments."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from oqms.contracts.models import Contract, ContractAttachment, SLATarget
from tests.core.helpers import PDF, api_client, upload


def _body(cast: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "number": "C-A-100",
        "vendor": cast.vendor_a.pk,
        "title": "保洁服务",
        "status": "active",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "monthly_fee": "30000.00",
        "org_units": [cast.org_unit.pk],
        "sites": [cast.site.pk],
        "service_types": [cast.service_type.pk],
        "sla_targets": [
            {"priority": "P1", "response_minutes": 15, "resolution_minutes": 120},
            {"priority": "P3", "response_minutes": 60, "resolution_minutes": 960},
        ],
    } | overrides


def _targets(contract_id: int) -> dict[str, tuple[int, int]]:
    return {
        t.priority: (t.response_minutes, t.resolution_minutes)
        for t in SLATarget.objects.filter(contract_id=contract_id)
    }


def test_create_with_nested_sla_targets(cast: Any) -> None:
    response = api_client(cast.qm).post("/api/contracts/", _body(cast), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(body["sla_targets"], key=lambda t: t["priority"]) == [
        {"priority": "P1", "response_minutes": 15, "resolution_minutes": 120},
        {"priority": "P3", "response_minutes": 60, "resolution_minutes": 960},
    ]
    assert _targets(body["id"]) == {"P1": (15, 120), "P3": (60, 960)}
    assert body["monthly_fee"] == "30000.00"


def test_create_without_targets_is_allowed(cast: Any) -> None:
    body = _body(cast)
    del body["sla_targets"]
    response = api_client(cast.qm).post("/api/contracts/", body, format="json")
    assert response.status_code == 201
    assert response.json()["sla_targets"] == [] and _targets(response.json()["id"]) == {}


def test_update_replaces_the_targets(cast: Any) -> None:
    client = api_client(cast.qm)
    pk = client.post("/api/contracts/", _body(cast), format="json").json()["id"]
    p1 = SLATarget.objects.get(contract_id=pk, priority="P1").pk
    new = [
        {"priority": "P1", "response_minutes": 10, "resolution_minutes": 60},
        {"priority": "P2", "response_minutes": 30, "resolution_minutes": 240},
    ]
    response = client.put(f"/api/contracts/{pk}/", _body(cast, sla_targets=new), format="json")
    assert response.status_code == 200, response.content
    assert _targets(pk) == {"P1": (10, 60), "P2": (30, 240)}  # P3 removed, P2 added, P1 updated in place
    assert SLATarget.objects.get(contract_id=pk, priority="P1").pk == p1
    # A patch without sla_targets leaves them alone.
    response = client.patch(f"/api/contracts/{pk}/", {"title": "保洁服务（续）"}, format="json")
    assert response.status_code == 200 and _targets(pk) == {"P1": (10, 60), "P2": (30, 240)}
    # An empty list removes them all.
    response = client.patch(f"/api/contracts/{pk}/", {"sla_targets": []}, format="json")
    assert response.status_code == 200 and _targets(pk) == {}


def test_patch_with_complete_targets(cast: Any) -> None:
    client = api_client(cast.qm)
    response = client.patch(
        f"/api/contracts/{cast.contract_a.pk}/",
        {"sla_targets": [{"priority": "P1", "response_minutes": 20, "resolution_minutes": 200}]},
        format="json",
    )
    assert response.status_code == 200
    assert _targets(cast.contract_a.pk) == {"P1": (20, 200)}
    assert _targets(cast.contract_b.pk) == {
        "P1": (30, 240),
        "P2": (60, 480),
        "P3": (120, 1440),
        "P4": (240, 4320),
    }


def test_patch_with_an_incomplete_target_is_a_400(cast: Any) -> None:
    before = _targets(cast.contract_a.pk)
    response = api_client(cast.qm).patch(
        f"/api/contracts/{cast.contract_a.pk}/",
        {"sla_targets": [{"priority": "P1", "response_minutes": 10}]},
        format="json",
    )
    assert response.status_code == 400
    assert _targets(cast.contract_a.pk) == before


def test_filters(cast: Any) -> None:
    client = api_client(cast.qm)
    today = timezone.localdate()
    expired = Contract.objects.create(
        number="C-B-000",
        vendor=cast.vendor_b,
        title="旧合同",
        status="expired",
        start_date=today - datetime.timedelta(days=800),
        end_date=today - datetime.timedelta(days=435),
        monthly_fee=1,
    )

    def ids(**query: Any) -> set[int]:
        response = client.get("/api/contracts/", query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(vendor=cast.vendor_b.pk) == {cast.contract_b.pk, expired.pk}
    assert ids(status="expired") == {expired.pk}
    assert ids(status=["expired", "active"]) == {cast.contract_a.pk, cast.contract_b.pk, expired.pk}
    assert ids(active_on=today.isoformat()) == {cast.contract_a.pk, cast.contract_b.pk}
    assert ids(active_on=(today - datetime.timedelta(days=500)).isoformat()) == {expired.pk}
    assert ids(sites=cast.site.pk) == {cast.contract_a.pk, cast.contract_b.pk}
    assert ids(q="旧合同") == {expired.pk}
    assert ids(q="乙服务") == {cast.contract_b.pk, expired.pk}  # searches the vendor's names too
    assert client.get("/api/contracts/", {"status": "bogus"}).status_code == 400


def test_ordering(cast: Any) -> None:
    Contract.objects.filter(pk=cast.contract_b.pk).update(monthly_fee=5)
    client = api_client(cast.qm)
    numbers = [
        r["number"] for r in client.get("/api/contracts/", {"ordering": "monthly_fee"}).json()["results"]
    ]
    assert numbers == ["C-B-001", "C-A-001"]
    numbers = [r["number"] for r in client.get("/api/contracts/", {"ordering": "-number"}).json()["results"]]
    assert numbers == ["C-B-001", "C-A-001"]
    # An ordering on an undeclared field is ignored, not an error.
    assert client.get("/api/contracts/", {"ordering": "vendor__credit_code"}).status_code == 200


def test_vendor_users_read_their_contracts_but_cannot_write(cast: Any) -> None:
    client = api_client(cast.manager_a)
    assert [r["id"] for r in client.get("/api/contracts/").json()["results"]] == [cast.contract_a.pk]
    assert (
        client.patch(
            f"/api/contracts/{cast.contract_a.pk}/", {"monthly_fee": "1.00"}, format="json"
        ).status_code
        == 403
    )
    assert client.post("/api/contracts/", _body(cast), format="json").status_code == 403
    assert not Contract.objects.filter(number="C-A-100").exists()


def test_service_types_are_shared_reference_data(cast: Any) -> None:
    for name in ("manager_b", "staff_b", "assessor", "requester"):
        rows = api_client(getattr(cast, name)).get("/api/service-types/").json()["results"]
        assert [r["code"] for r in rows] == ["desktop"], name
    assert (
        api_client(cast.manager_b)
        .post("/api/service-types/", {"code": "x", "name": "x", "category": cast.category.pk}, format="json")
        .status_code
        == 403
    )


def test_contract_attachments_upload_and_filter(cast: Any) -> None:
    client = api_client(cast.qm)
    response = client.post(
        "/api/contract-attachments/",
        {
            "contract": cast.contract_a.pk,
            "title": "签字版",
            "file": upload("signed.pdf", PDF, "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "签字版" and "signed" in body["file"]
    attachment = ContractAttachment.objects.get()
    assert attachment.file.name.startswith("contracts/")
    assert [
        r["id"]
        for r in client.get("/api/contract-attachments/", {"contract": cast.contract_a.pk}).json()["results"]
    ] == [body["id"]]
    assert client.get("/api/contract-attachments/", {"contract": cast.contract_b.pk}).json()["count"] == 0
    assert client.get("/api/contract-attachments/", {"q": "签字"}).json()["count"] == 1
    # Vendor A's manager may read it, but not add one.
    manager = api_client(cast.manager_a)
    assert manager.get(f"/api/contract-attachments/{body['id']}/").status_code == 200
    response = manager.post(
        "/api/contract-attachments/",
        {"contract": cast.contract_a.pk, "title": "x", "file": upload("x.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 403

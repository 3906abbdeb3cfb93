"""Vendors API: filters, search, ordering, document expiry states, category reference data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from oqms.core import audit
from oqms.engine.identifiers import uscc_check_character
from oqms.vendors.models import QualificationDocument, ServiceCategory, Vendor, VendorContact
from tests.core.helpers import api_client

NEW_CODE = "91320000MA1MM0000" + uscc_check_character("91320000MA1MM0000")


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_vendor_filters_search_and_ordering(cast: Any) -> None:
    facilities = ServiceCategory.objects.create(code="facilities", name="设施", name_en="Facilities")
    with audit.audit_context(actor=cast.qm):  # outside a request the audit trail needs its own context
        exited = Vendor.objects.create(
            name="戊物业管理有限公司",
            short_name="戊物业",
            credit_code=NEW_CODE,
            status="exited",
            address="苏州市",
        )
        exited.categories.add(facilities)
    client = api_client(cast.qm)
    assert _ids(client.get("/api/vendors/", {"status": "exited"})) == {exited.pk}
    assert _ids(client.get("/api/vendors/", {"status": ["exited", "active"]})) == {
        cast.vendor_a.pk,
        cast.vendor_b.pk,
        exited.pk,
    }
    assert _ids(client.get("/api/vendors/", {"categories": facilities.pk})) == {exited.pk}
    assert _ids(client.get("/api/vendors/", {"q": "苏州"})) == {exited.pk}  # the address is searched
    assert _ids(client.get("/api/vendors/", {"q": cast.vendor_b.credit_code[:10]})) == {cast.vendor_b.pk}
    names = [r["name"] for r in client.get("/api/vendors/", {"ordering": "-name"}).json()["results"]]
    assert names == sorted(names, reverse=True)
    assert client.get("/api/vendors/", {"status": "bankrupt"}).status_code == 400


def test_vendor_retrieve_shape(cast: Any) -> None:
    body = api_client(cast.qm).get(f"/api/vendors/{cast.vendor_a.pk}/").json()
    assert body["credit_code"] == "91350100M000100Y43"
    assert body["status"] == "active" and body["categories"] == []
    assert {"created_at", "updated_at"} <= set(body)


def test_contacts_filter_by_vendor_and_primary(cast: Any) -> None:
    first = VendorContact.objects.create(vendor=cast.vendor_a, name="张三", is_primary=True)
    VendorContact.objects.create(vendor=cast.vendor_a, name="李四")
    other = VendorContact.objects.create(vendor=cast.vendor_b, name="王五", email="wang@b.example")
    client = api_client(cast.qm)
    assert len(_ids(client.get("/api/vendor-contacts/", {"vendor": cast.vendor_a.pk}))) == 2
    assert _ids(client.get("/api/vendor-contacts/", {"vendor": cast.vendor_a.pk, "is_primary": "true"})) == {
        first.pk
    }
    assert _ids(client.get("/api/vendor-contacts/", {"q": "b.example"})) == {other.pk}
    names = [r["name"] for r in client.get("/api/vendor-contacts/", {"ordering": "name"}).json()["results"]]
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("valid_to", "state"),
    [(None, "permanent"), (-1, "expired"), (0, "expiring"), (60, "expiring"), (61, "valid")],
)
def test_document_expiry_state_and_filter(cast: Any, valid_to: int | None, state: str) -> None:
    today = timezone.localdate()
    document = QualificationDocument.objects.create(
        vendor=cast.vendor_a,
        doc_type="business_licence",
        number="BL-1",
        issuer="市场监管局",
        valid_from=today - datetime.timedelta(days=400),
        valid_to=None if valid_to is None else today + datetime.timedelta(days=valid_to),
    )
    client = api_client(cast.qm)
    body = client.get(f"/api/qualification-documents/{document.pk}/").json()
    assert body["expiry_state"] == state
    assert body["days_to_expiry"] == valid_to
    assert _ids(client.get("/api/qualification-documents/", {"expiry": state})) == {document.pk}
    others = {"permanent", "expired", "expiring", "valid"} - {state}
    for other in others:
        assert _ids(client.get("/api/qualification-documents/", {"expiry": other})) == set()


def test_documents_ordering_by_expiry(cast: Any) -> None:
    today = timezone.localdate()
    for days in (30, 300, 3):
        QualificationDocument.objects.create(
            vendor=cast.vendor_a,
            doc_type="iso9001",
            number=f"N{days}",
            issuer="CQC",
            valid_from=today - datetime.timedelta(days=1),
            valid_to=today + datetime.timedelta(days=days),
        )
    rows = api_client(cast.manager_a).get("/api/qualification-documents/", {"ordering": "valid_to"}).json()
    assert [r["number"] for r in rows["results"]] == ["N3", "N30", "N300"]


def test_categories_are_shared_and_managed_by_quality(cast: Any) -> None:
    for name in ("manager_b", "requester", "inspector", "assessor"):
        assert _ids(api_client(getattr(cast, name)).get("/api/service-categories/")) == {cast.category.pk}
    assert api_client(cast.staff_a).get("/api/service-categories/").status_code == 403
    assert (
        api_client(cast.manager_a)
        .patch(f"/api/service-categories/{cast.category.pk}/", {"name": "x"}, format="json")
        .status_code
        == 403
    )


def test_api_normalises_a_lower_case_credit_code_like_the_page(cast: Any) -> None:
    response = api_client(cast.qm).post(
        "/api/vendors/",
        {"name": "己", "credit_code": NEW_CODE.lower(), "categories": [cast.category.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == NEW_CODE


def test_page_normalises_a_lower_case_credit_code(cast: Any) -> None:
    from django.urls import reverse

    from tests.core.helpers import page_client

    response = page_client(cast.qm).post(
        reverse("vendors:vendor_create"),
        {
            "name": "己服务",
            "credit_code": f"  {NEW_CODE.lower()} ",
            "categories": [cast.category.pk],
            "status": "prospect",
        },
    )
    assert response.status_code == 302
    assert Vendor.objects.get(name="己服务").credit_code == NEW_CODE

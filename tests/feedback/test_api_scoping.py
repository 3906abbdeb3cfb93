"""The feedback endpoint for other systems, and vendor scoping of every feedback page, export and endpoint."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from oqms.core import audit
from oqms.feedback import workflow
from oqms.feedback.models import Complaint, ComplaintCategory, ContactReveal, FeedbackPoint
from tests.core.helpers import api_client, listed_pks, page_client, xlsx_text


def _ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()


def test_other_systems_send_feedback_in(cast: Any) -> None:
    with audit.audit_context(actor=cast.qm, source="test"):
        category = ComplaintCategory.objects.create(code="it", name="IT", service_type=cast.service_type)
    cast.contract_b.service_types.clear()
    api = api_client(cast.admin)
    body = {
        "site": cast.site.pk,
        "category": category.pk,
        "description": "邮件系统无法登录",
        "phone": "13600000000",
    }
    created = api.post("/api/complaints/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["channel"] == "api" and data["status"] == "assigned" and data["phone"] == "136****0000"
    assert "13600000000" not in created.content.decode()
    again = api.post("/api/complaints/", body, format="json")
    assert again.status_code == 200 and again.json()["merged"] is True and Complaint.objects.count() == 1
    for bad in (
        {"site": cast.site.pk},
        {"site": 99999, "description": "x"},
        {**body, "phone": "abc"},
        {**body, "description": "x" * 2001},
        {**body, "kind": "threat"},
    ):
        response = api.post("/api/complaints/", bad, format="json")
        assert response.status_code in {400, 404}, (bad, response.status_code)
    assert Complaint.objects.count() == 1
    pk = data["id"]
    vendor = api_client(cast.manager_a)
    assert vendor.post(f"/api/complaints/{pk}/resolve/", {"note": ""}, format="json").status_code == 400
    resolved = vendor.post(f"/api/complaints/{pk}/resolve/", {"note": "已重置密码"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert api_client(cast.manager_a).post("/api/complaints/", body, format="json").status_code == 403


def test_vendors_see_only_the_feedback_routed_to_them(cast: Any) -> None:
    with audit.audit_context(actor=cast.qm, source="test"):
        category = ComplaintCategory.objects.create(code="it", name="IT", service_type=cast.service_type)
        point = FeedbackPoint.objects.create(site=cast.site, name="前台", token="tok-front")
    from oqms.feedback import services

    cast.contract_b.service_types.clear()
    mine, _t, _m = services.submit(
        channel="qr",
        site=cast.site,
        point=point,
        category=category,
        description="A 的投诉",
        phone="13811112222",
        source="10.0.0.1",
    )
    waiting, _t, _m = services.submit(
        channel="qr", site=cast.site, point=point, description="还没分派", source="10.0.0.2"
    )
    assert mine.vendor == cast.vendor_a and waiting.vendor is None
    services.reveal_phone(mine, cast.qm, "回访")
    for intruder in (cast.manager_b, cast.staff_b, cast.staff_a, cast.requester):
        client, api = page_client(intruder), api_client(intruder)
        listing = client.get(reverse("feedback:complaint_list"))
        assert listing.status_code == 403 or not ({mine.pk, waiting.pk} & listed_pks(listing)), intruder
        export = client.get(reverse("feedback:complaint_export"))
        assert export.status_code == 403 or "A 的投诉" not in xlsx_text(export), intruder
        assert client.get(mine.get_absolute_url()).status_code in {403, 404}, intruder
        assert not ({mine.pk, waiting.pk} & _ids(api.get("/api/complaints/"))), intruder
        assert api.get(f"/api/complaints/{mine.pk}/").status_code in {403, 404}, intruder
        assert client.get(reverse("feedback:feedbackpoint_list")).status_code == 403, intruder
        assert client.post(
            reverse("feedback:complaint_reveal", args=[mine.pk]), {"reason": "x"}
        ).status_code in {302, 403, 404}
    assert ContactReveal.objects.count() == 1
    owner = page_client(cast.manager_a)
    assert listed_pks(owner.get(reverse("feedback:complaint_list"))) == {mine.pk}  # not the unassigned one
    assert _ids(api_client(cast.manager_a).get("/api/complaints/")) == {mine.pk}
    page = owner.get(mine.get_absolute_url()).content.decode()
    assert "138****2222" in page and "13811112222" not in page and 'id="reveal-phone"' not in page
    assert "13811112222" not in xlsx_text(owner.get(reverse("feedback:complaint_export")))
    workflow.resolve(mine, cast.manager_a, "处理了")
    assert Complaint.objects.get(pk=mine.pk).status == "resolved"


def test_the_vendor_never_reads_the_complainants_name(cast: Any) -> None:
    from oqms.feedback import services

    with audit.audit_context(actor=cast.qm, source="test"):
        category = ComplaintCategory.objects.create(code="it", name="IT", service_type=cast.service_type)
    cast.contract_b.service_types.clear()
    complaint, _t, _m = services.submit(
        channel="hotline",
        site=cast.site,
        category=category,
        description="网络慢",
        name="张三丰",
        phone="13900000000",
        logged_by=cast.qm,
    )
    assert complaint.vendor == cast.vendor_a
    vendor_page = page_client(cast.manager_a).get(complaint.get_absolute_url()).content.decode()
    assert "张三丰" not in vendor_page and "139****0000" in vendor_page
    assert "张三丰" in page_client(cast.qm).get(complaint.get_absolute_url()).content.decode()

"""The complaint workflow: routed to the vendor of the covering contract with a response deadline on its
business calendar, answered, resolved, confirmed or reopened by the complainant through their link, escalated
once when overdue; praise recorded and passed on."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.feedback import services, workflow
from oqms.feedback.models import Complaint, ComplaintCategory, FeedbackPoint
from oqms.notify.models import Notification
from tests.core.helpers import page_client
from tests.feedback.test_intake import _phone_client, _post


@pytest.fixture
def routed(cast: Any) -> dict[str, Any]:
    with audit.audit_context(actor=cast.qm, source="test"):
        category = ComplaintCategory.objects.create(code="it", name="IT 服务", service_type=cast.service_type)
        point = FeedbackPoint.objects.create(site=cast.site, name="服务台", token="tok-desk")
    return {"category": category, "point": point}


def _complain(cast: Any, routed: dict[str, Any], **fields: Any) -> tuple[Complaint, str]:
    response = _post(_phone_client(), routed["point"], category=str(routed["category"].pk), **fields)
    token = response.url.split("/")[-2]
    return Complaint.objects.order_by("-pk").first(), token


def test_a_complaint_is_routed_answered_resolved_and_confirmed_by_the_complainant(
    cast: Any, routed: dict[str, Any]
) -> None:
    # Two contracts cover the site; only contract A covers this service type? Both do in the cast: narrow B.
    cast.contract_b.service_types.clear()
    complaint, token = _complain(cast, routed, description="打印机一直卡纸")
    assert (
        complaint.status == "assigned"
        and complaint.vendor == cast.vendor_a
        and complaint.contract == cast.contract_a
    )
    assert complaint.response_due_at is not None and complaint.response_due_at > complaint.received_at
    assert Notification.objects.filter(recipient=cast.manager_a, kind="complaint_assigned").exists()
    vendor = page_client(cast.manager_a)
    assert complaint.pk in {
        c.pk for c in vendor.get(reverse("feedback:complaint_list")).context["page"].object_list
    }
    assert page_client(cast.manager_b).get(complaint.get_absolute_url()).status_code == 404
    vendor.post(
        reverse("feedback:complaint_step", args=[complaint.pk, "respond"]), {"note": "已安排工程师下午到场"}
    )
    vendor.post(reverse("feedback:complaint_step", args=[complaint.pk, "resolve"]), {"note": "更换了搓纸轮"})
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.responded_at and complaint.resolved_at
    follow = _phone_client().get(f"/f/c/{token}/").content.decode()
    assert "已安排工程师下午到场" in follow and "更换了搓纸轮" in follow and 'id="confirm-resolved"' in follow
    _phone_client().post(f"/f/c/{token}/", {"step": "confirm"})
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.closed_at is not None
    again = _phone_client().post(f"/f/c/{token}/", {"step": "confirm"})
    assert again.status_code == 400


def test_the_complainant_reopens_and_the_vendor_gets_a_new_deadline(
    cast: Any, routed: dict[str, Any]
) -> None:
    cast.contract_b.service_types.clear()
    complaint, token = _complain(cast, routed, description="网络很慢")
    workflow.resolve(complaint, cast.manager_a, "重启了交换机")
    refused = _phone_client().post(f"/f/c/{token}/", {"step": "reopen", "reason": ""})
    assert refused.status_code == 400 and Complaint.objects.get(pk=complaint.pk).status == "resolved"
    _phone_client().post(f"/f/c/{token}/", {"step": "reopen", "reason": "还是很慢"})
    complaint.refresh_from_db()
    assert complaint.status == "assigned" and complaint.reopen_count == 1 and complaint.resolved_at is None
    assert Notification.objects.filter(recipient=cast.manager_a, kind="complaint_assigned").count() == 2


def test_unrouted_feedback_is_classified_and_assigned_by_a_quality_manager(
    cast: Any, routed: dict[str, Any]
) -> None:
    response = _post(_phone_client(), routed["point"], description="不知道找谁")  # no category: not routed
    complaint = Complaint.objects.get()
    assert complaint.status == "received" and complaint.vendor is None
    assert complaint.pk not in {
        c.pk
        for c in page_client(cast.manager_a)
        .get(reverse("feedback:complaint_list"))
        .context["page"]
        .object_list
    }
    with pytest.raises(DomainError):
        workflow.classify(complaint, cast.manager_a, routed["category"], "high")
    # Both cast contracts cover the site and the service type: no single contract, so it waits classified.
    workflow.classify(complaint, cast.qm, routed["category"], "high")
    complaint.refresh_from_db()
    assert complaint.status == "classified" and complaint.severity == "high" and complaint.vendor is None
    workflow.assign(complaint, cast.qm, cast.contract_b)
    complaint.refresh_from_db()
    assert complaint.status == "assigned" and complaint.vendor == cast.vendor_b
    with pytest.raises(DomainError):
        workflow.respond(complaint, cast.manager_a, "不是我们的")
    assert response.status_code == 302


def test_overdue_complaints_are_escalated_once(cast: Any, routed: dict[str, Any]) -> None:
    cast.contract_b.service_types.clear()
    complaint, _token = _complain(cast, routed, description="空调漏水")
    later = complaint.response_due_at + datetime.timedelta(minutes=1)
    assert workflow.escalate_overdue(later) == 1
    for _ in range(3):
        assert workflow.escalate_overdue(later + datetime.timedelta(hours=1)) == 0
    assert Notification.objects.filter(kind="complaint_overdue", recipient=cast.qm).count() == 1
    assert Notification.objects.filter(kind="complaint_overdue", recipient=cast.manager_a).count() == 1
    assert complaint.events.filter(action="escalated").count() == 1


def test_praise_is_recorded_passed_on_and_closed(cast: Any, routed: dict[str, Any]) -> None:
    cast.contract_b.service_types.clear()
    praise, _token = _complain(cast, routed, kind="praise", description="工程师很耐心")
    assert praise.kind == "praise" and praise.status == "closed" and praise.vendor == cast.vendor_a
    assert praise.pk in {
        c.pk
        for c in page_client(cast.manager_a)
        .get(reverse("feedback:complaint_list"))
        .context["page"]
        .object_list
    }
    assert not Notification.objects.filter(kind="complaint_assigned").exists()


def test_resolutions_not_confirmed_are_closed_after_a_week(cast: Any, routed: dict[str, Any]) -> None:
    cast.contract_b.service_types.clear()
    complaint, _token = _complain(cast, routed, description="门禁坏了")
    workflow.resolve(complaint, cast.manager_a, "修好了")
    assert workflow.close_unconfirmed(timezone.now() + datetime.timedelta(days=3)) == 0
    assert workflow.close_unconfirmed(timezone.now() + datetime.timedelta(days=8)) == 1
    assert Complaint.objects.get(pk=complaint.pk).status == "closed"


def test_a_work_order_is_linked_and_the_steps_are_refused_when_not_possible(
    cast: Any, routed: dict[str, Any]
) -> None:
    cast.contract_b.service_types.clear()
    complaint, _token = _complain(cast, routed, description="电脑开不了机")
    client = page_client(cast.qm)
    client.post(
        reverse("feedback:complaint_step", args=[complaint.pk, "link"]), {"work_order": cast.wo_b.number}
    )
    assert Complaint.objects.get(pk=complaint.pk).work_order is None  # another contract's work order
    client.post(
        reverse("feedback:complaint_step", args=[complaint.pk, "link"]), {"work_order": cast.wo_a.number}
    )
    assert Complaint.objects.get(pk=complaint.pk).work_order == cast.wo_a
    assert client.post(reverse("feedback:complaint_step", args=[complaint.pk, "bogus"])).status_code == 302
    vendor_b = page_client(cast.manager_b)
    assert (
        vendor_b.post(
            reverse("feedback:complaint_step", args=[complaint.pk, "resolve"]), {"note": "x"}
        ).status_code
        == 404
    )
    assert services.by_token("x" * 65) is None

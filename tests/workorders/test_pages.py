"""The work order pages: raising, the buttons each role gets, and the workflow driven by page posts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from oqms.workorders.models import WorkOrder, WorkOrderAttachment
from tests.core.helpers import PNG, page_client, upload


def _post(user: Any, wo: Any, action: str, data: dict[str, Any] | None = None) -> Any:
    response = page_client(user).post(
        reverse("workorders:workorder_transition", args=[wo.pk, action]), data or {}, follow=True
    )
    assert response.status_code == 200
    return response


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_the_whole_workflow_on_the_pages(cast: Any) -> None:
    wo = cast.wo_a
    steps = [
        (cast.manager_a, "assign", {"assignee": cast.staff_a.pk}, "assigned"),
        (cast.staff_a, "start", {}, "in_progress"),
        (cast.staff_a, "pause", {"reason": "awaiting_requester", "note": "用户不在"}, "paused"),
        (cast.staff_a, "resume", {}, "in_progress"),
        (cast.staff_a, "resolve", {"note": "清理卡纸"}, "resolved"),
        (cast.requester, "close", {"rating": "5", "note": "快"}, "closed"),
        (cast.requester, "reopen", {"note": "又坏了"}, "assigned"),
    ]
    for user, action, data, status in steps:
        response = _post(user, wo, action, data)
        assert [level for level, _text in _messages(response)] == ["success"], (action, _messages(response))
        assert response.redirect_chain[-1][0] == wo.get_absolute_url()
        assert WorkOrder.objects.get(pk=wo.pk).status == status, action
    wo.refresh_from_db()
    assert (wo.rating, wo.reopen_count) == (None, 1)
    assert [e.actor for e in wo.events.order_by("pk")][1:] == [s[0] for s in steps]


@pytest.mark.parametrize(
    ("user", "actions"),
    [
        ("qm", {"assign"}),
        ("admin", {"assign"}),
        ("manager_a", {"assign"}),
        ("requester", set()),
        ("inspector", set()),
        ("assessor", set()),
    ],
)
def test_detail_page_offers_the_allowed_steps_only(cast: Any, user: str, actions: set[str]) -> None:
    response = page_client(getattr(cast, user)).get(cast.wo_a.get_absolute_url())
    assert response.status_code == 200
    offered = {a["action"] for a in response.context["actions"]}
    assert offered == actions
    for action in offered:
        assert (
            reverse("workorders:workorder_transition", args=[cast.wo_a.pk, action])
            in response.content.decode()
        )


def test_a_step_not_allowed_now_is_refused_with_a_message(cast: Any) -> None:
    response = _post(cast.qm, cast.wo_a, "close", {"rating": "5"})
    assert [level for level, _text in _messages(response)] == ["error"]
    assert WorkOrder.objects.get(pk=cast.wo_a.pk).status == "new"


def test_staff_page_is_404_for_unassigned_work(cast: Any) -> None:
    client = page_client(cast.staff_a)
    assert client.get(cast.wo_a.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("workorders:workorder_transition", args=[cast.wo_a.pk, "start"])).status_code
        == 404
    )


def test_requester_raises_and_edits_a_work_order(cast: Any) -> None:
    client = page_client(cast.requester)
    assert client.get(reverse("workorders:workorder_create")).status_code == 200
    response = client.post(
        reverse("workorders:workorder_create"),
        {
            "site": cast.site.pk,
            "service_type": cast.service_type.pk,
            "contract": cast.contract_b.pk,
            "priority": "P1",
            "title": "会议室投屏失败",
            "description": "A301",
        },
    )
    assert response.status_code == 302
    wo = WorkOrder.objects.latest("pk")
    assert (wo.vendor, wo.priority, wo.requester) == (cast.vendor_b, "P1", cast.requester)
    response = client.post(
        reverse("workorders:workorder_update", args=[wo.pk]),
        {
            "site": cast.site.pk,
            "service_type": cast.service_type.pk,
            "contract": cast.contract_a.pk,
            "priority": "P1",
            "title": "会议室投屏失败（A301）",
            "description": "A301",
        },
    )
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.title == "会议室投屏失败（A301）"
    assert wo.contract == cast.contract_b  # the contract cannot be changed after raising (disabled field)


@pytest.mark.parametrize("user", ["manager_a", "staff_a", "inspector", "assessor"])
def test_only_requesters_and_quality_raise_work_orders(cast: Any, user: str) -> None:
    assert page_client(getattr(cast, user)).get(reverse("workorders:workorder_create")).status_code == 403


def test_photo_upload_on_the_page(cast: Any) -> None:
    from oqms.workorders import services

    services.assign(cast.wo_a, cast.qm, cast.staff_a)
    response = page_client(cast.staff_a).post(
        reverse("workorders:workorder_photo", args=[cast.wo_a.pk]),
        {"photo": upload("after.png", PNG, "image/png"), "kind": "after", "caption": "修好了"},
        follow=True,
    )
    assert [level for level, _text in _messages(response)] == ["success"]
    photo = WorkOrderAttachment.objects.get()
    assert (photo.uploaded_by, photo.kind, photo.caption) == (cast.staff_a, "after", "修好了")
    # The inspector may look but not add.
    response = page_client(cast.inspector).post(
        reverse("workorders:workorder_photo", args=[cast.wo_a.pk]),
        {"photo": upload("x.png", PNG), "kind": "after"},
    )
    assert response.status_code == 404
    assert WorkOrderAttachment.objects.count() == 1


def test_a_closed_work_order_offers_no_edit(cast: Any) -> None:
    from tests.workorders.test_services import bring_to

    wo = bring_to(cast, "closed")
    client = page_client(cast.qm)
    response = client.get(wo.get_absolute_url())
    assert response.context["can_change"] is False
    assert 'id="edit-record"' not in response.content.decode()
    response = client.get(reverse("workorders:workorder_update", args=[wo.pk]), follow=True)
    assert response.redirect_chain[-1][0] == wo.get_absolute_url()
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    # An open one does offer it.
    assert page_client(cast.qm).get(cast.wo_b.get_absolute_url()).context["can_change"] is True


def test_changing_the_priority_on_the_page_moves_the_due_time(cast: Any) -> None:
    wo = cast.wo_a
    target = cast.contract_a.sla_targets.get(priority="P1")
    response = page_client(cast.manager_a).post(
        reverse("workorders:workorder_update", args=[wo.pk]),
        {"priority": "P1", "title": wo.title, "description": wo.description},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wo.refresh_from_db()
    assert wo.priority == "P1"
    assert wo.resolution_due_at == wo.opened_at + datetime.timedelta(minutes=target.resolution_minutes)

"""Work order API: creation with or without a contract, the full workflow, allowed actions, refusals."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from oqms.core import audit
from oqms.workorders.models import WorkOrder, WorkOrderAttachment
from tests.core.helpers import PNG, api_client, has_chinese, upload


@pytest.fixture
def site_a_only(cast: Any) -> Any:
    """A site only vendor A's contract covers (the cast's shared site is covered by both contracts)."""
    from oqms.org.models import Site

    site = Site.objects.create(
        code="SH-02", name="上海漕河泾", org_unit=cast.org_unit, address="上海市徐汇区"
    )
    with audit.audit_context(actor=cast.qm):
        cast.contract_a.sites.add(site)
    return site


def _new(cast: Any, site: Any, **extra: Any) -> dict[str, Any]:
    return {
        "site": site.pk,
        "service_type": cast.service_type.pk,
        "priority": "P1",
        "title": "服务器宕机",
        "description": "机房 3 号柜",
    } | extra


def test_create_without_a_contract_finds_it(cast: Any, site_a_only: Any) -> None:
    before = timezone.now()
    response = api_client(cast.requester).post("/api/work-orders/", _new(cast, site_a_only), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contract"], body["vendor"], body["requester"]) == (
        cast.contract_a.pk,
        cast.vendor_a.pk,
        cast.requester.pk,
    )
    assert body["status"] == "new" and body["number"].startswith("WO") and body["assignee"] is None
    wo = WorkOrder.objects.get(pk=body["id"])
    assert before <= wo.opened_at <= timezone.now()
    assert wo.resolution_due_at == wo.opened_at + datetime.timedelta(minutes=240)
    assert body["allowed_actions"] == []  # nothing for the requester until it is resolved
    assert body["sla_state"] == "on_track"


def test_create_ignores_read_only_fields(cast: Any, site_a_only: Any) -> None:
    body = _new(
        cast,
        site_a_only,
        status="closed",
        assignee=cast.staff_a.pk,
        vendor=cast.vendor_b.pk,
        number="WO99999999",
        rating=5,
    )
    response = api_client(cast.requester).post("/api/work-orders/", body, format="json")
    assert response.status_code == 201
    wo = WorkOrder.objects.get(pk=response.json()["id"])
    assert (wo.status, wo.requester, wo.assignee, wo.vendor, wo.rating) == (
        "new",
        cast.requester,
        None,
        cast.vendor_a,
        None,
    )
    assert wo.number != "WO99999999"


def test_quality_manager_raises_a_work_order_for_a_requester(cast: Any, site_a_only: Any) -> None:
    response = api_client(cast.qm).post(
        "/api/work-orders/", _new(cast, site_a_only, requester=cast.requester.pk), format="json"
    )
    assert response.status_code == 201, response.content
    wo = WorkOrder.objects.get(pk=response.json()["id"])
    assert wo.requester == cast.requester
    created = wo.events.get()
    assert created.actor == cast.qm and str(cast.requester) in created.note
    # The requester now sees it and is the one who confirms it.
    assert api_client(cast.requester).get(f"/api/work-orders/{wo.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["requester", "qm"])
def test_requester_of_another_person_or_a_vendor_is_refused(cast: Any, site_a_only: Any, who: str) -> None:
    """A requester can raise only in their own name; nobody can name a vendor's person as the requester."""
    count = WorkOrder.objects.count()
    target = cast.admin if who == "requester" else cast.staff_a
    response = api_client(getattr(cast, who), "zh-hans").post(
        "/api/work-orders/", _new(cast, site_a_only, requester=target.pk), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["requester"], response.json()
    assert WorkOrder.objects.count() == count


def test_requester_cannot_be_changed_after_raising(cast: Any) -> None:
    response = api_client(cast.qm).patch(
        f"/api/work-orders/{cast.wo_a.pk}/", {"requester": cast.admin.pk}, format="json"
    )
    assert response.status_code == 400
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.requester == cast.requester


def test_create_on_a_site_of_two_contracts_asks_to_choose(cast: Any) -> None:
    count = WorkOrder.objects.count()
    response = api_client(cast.requester).post("/api/work-orders/", _new(cast, cast.site), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "ambiguous_contract"
    response = api_client(cast.requester).post(
        "/api/work-orders/", _new(cast, cast.site, contract=cast.contract_b.pk), format="json"
    )
    assert response.status_code == 201 and response.json()["vendor"] == cast.vendor_b.pk
    assert WorkOrder.objects.count() == count + 1


def test_vendor_users_cannot_raise_work_orders(cast: Any, site_a_only: Any) -> None:
    for name in ("manager_a", "staff_a", "inspector", "assessor"):
        response = api_client(getattr(cast, name)).post(
            "/api/work-orders/", _new(cast, site_a_only), format="json"
        )
        assert response.status_code == 403, name


def _step(client: Any, wo_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/work-orders/{wo_id}/{action}/", body or {}, format="json")


def test_full_workflow_through_the_api(cast: Any) -> None:
    qm, requester = api_client(cast.qm), api_client(cast.requester)
    wo = cast.wo_a.pk
    assert set(qm.get(f"/api/work-orders/{wo}/").json()["allowed_actions"]) == {"assign"}

    response = _step(qm, wo, "assign", {"assignee": cast.staff_a.pk, "note": "张工负责"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assignee"]) == ("assigned", cast.staff_a.pk)
    assert set(response.json()["allowed_actions"]) == {"assign", "start"}

    body = _step(qm, wo, "start").json()
    assert body["status"] == "in_progress" and body["responded_at"]
    assert set(body["allowed_actions"]) == {"pause", "resolve"}

    body = _step(qm, wo, "pause", {"reason": "awaiting_parts", "note": "等配件"}).json()
    assert (body["status"], body["pause_reason"]) == ("paused", "awaiting_parts")
    assert body["allowed_actions"] == ["resume"]

    body = _step(qm, wo, "resume").json()
    assert body["status"] == "in_progress" and body["pause_reason"] == ""

    body = _step(qm, wo, "resolve", {"note": "更换硒鼓"}).json()
    assert (body["status"], body["resolution_note"]) == ("resolved", "更换硒鼓")
    assert set(requester.get(f"/api/work-orders/{wo}/").json()["allowed_actions"]) == {"close", "reopen"}

    response = _step(requester, wo, "close", {"rating": 4, "note": "还行"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rating"], body["rating_comment"]) == ("closed", 4, "还行")
    assert body["sla_state"] == "met"
    assert body["allowed_actions"] == ["reopen"]

    events = qm.get(f"/api/work-orders/{wo}/events/").json()
    assert [e["action"] for e in events] == [
        "create",
        "assign",
        "start",
        "pause",
        "resume",
        "resolve",
        "close",
    ]
    assert [e["actor"] for e in events][-1] == cast.requester.pk
    assert events[3]["note"] == "等配件"


def test_vendor_people_work_their_orders_through_the_api(cast: Any) -> None:
    wo = cast.wo_a.pk
    assert _step(api_client(cast.manager_a), wo, "assign", {"assignee": cast.staff_a.pk}).status_code == 200
    staff = api_client(cast.staff_a)
    assert _step(staff, wo, "start").status_code == 200
    assert _step(staff, wo, "pause", {"reason": "access"}).status_code == 200
    assert _step(staff, wo, "resume").status_code == 200
    assert _step(staff, wo, "resolve", {"note": "好了"}).status_code == 200


@pytest.mark.parametrize(
    ("state_steps", "action", "body"),
    [
        ([], "start", {}),
        ([], "resolve", {"note": "x"}),
        ([], "close", {"rating": 5}),
        ([], "reopen", {"note": "x"}),
        (["assign"], "pause", {"reason": "access"}),
        (["assign"], "resume", {}),
        (["assign", "start"], "close", {"rating": 5}),
        (["assign", "start"], "assign", {}),
    ],
)
def test_invalid_transitions_are_409_and_change_nothing(
    cast: Any, state_steps: list[str], action: str, body: dict[str, Any]
) -> None:
    qm = api_client(cast.qm)
    for step in state_steps:
        assert _step(qm, cast.wo_a.pk, step, {"assignee": cast.staff_a.pk}).status_code == 200
    if action == "assign":
        body = {"assignee": cast.staff_a.pk}
    before = WorkOrder.objects.filter(pk=cast.wo_a.pk).values().get()
    response = _step(qm, cast.wo_a.pk, action, body)
    if action == "assign":  # assigning again is allowed until work starts; after that it is not
        assert response.status_code == 409
    else:
        assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["detail"].endswith(".")
    assert WorkOrder.objects.filter(pk=cast.wo_a.pk).values().get() == before


def test_transition_refusal_is_translated(cast: Any) -> None:
    response = _step(api_client(cast.qm, "zh-hans"), cast.wo_a.pk, "start")
    assert response.status_code == 409
    assert has_chinese(response.json()["detail"])
    english = _step(api_client(cast.qm, "en"), cast.wo_a.pk, "start").json()["detail"]
    assert "not possible" in english and not has_chinese(english)


@pytest.mark.parametrize("rating", [0, 6, "five", None, ""])
def test_bad_rating_is_400(cast: Any, rating: Any) -> None:
    qm = api_client(cast.qm)
    for step, body in (("assign", {"assignee": cast.staff_a.pk}), ("start", {}), ("resolve", {"note": "ok"})):
        assert _step(qm, cast.wo_a.pk, step, body).status_code == 200
    response = _step(api_client(cast.requester), cast.wo_a.pk, "close", {"rating": rating})
    assert response.status_code == 400
    assert "rating" in response.json()
    cast.wo_a.refresh_from_db()
    assert (cast.wo_a.status, cast.wo_a.rating) == ("resolved", None)


@pytest.mark.parametrize(
    ("action", "body", "key"),
    [
        ("pause", {}, "reason"),
        ("pause", {"reason": "lunch"}, "reason"),
        ("assign", {}, "assignee"),
        ("assign", {"assignee": 987654}, "assignee"),
    ],
)
def test_step_payload_errors_are_400_with_the_field(
    cast: Any, action: str, body: dict[str, Any], key: str
) -> None:
    qm = api_client(cast.qm)
    if action == "pause":
        _step(qm, cast.wo_a.pk, "assign", {"assignee": cast.staff_a.pk})
        _step(qm, cast.wo_a.pk, "start")
    status = WorkOrder.objects.get(pk=cast.wo_a.pk).status
    response = _step(qm, cast.wo_a.pk, action, body)
    assert response.status_code == 400 and key in response.json()
    assert WorkOrder.objects.get(pk=cast.wo_a.pk).status == status


@pytest.mark.parametrize(("body", "code"), [({"note": ""}, "resolution_note"), ({}, "resolution_note")])
def test_business_rule_errors_are_400_with_a_code(cast: Any, body: dict[str, Any], code: str) -> None:
    qm = api_client(cast.qm)
    _step(qm, cast.wo_a.pk, "assign", {"assignee": cast.staff_a.pk})
    _step(qm, cast.wo_a.pk, "start")
    response = _step(qm, cast.wo_a.pk, "resolve", body)
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["detail"]


def test_pause_other_needs_a_note(cast: Any) -> None:
    qm = api_client(cast.qm)
    _step(qm, cast.wo_a.pk, "assign", {"assignee": cast.staff_a.pk})
    _step(qm, cast.wo_a.pk, "start")
    response = _step(qm, cast.wo_a.pk, "pause", {"reason": "other"})
    assert response.status_code == 400 and response.json()["code"] == "pause_note"
    assert _step(qm, cast.wo_a.pk, "pause", {"reason": "other", "note": "客户出差"}).status_code == 200


def test_edit_rules(cast: Any) -> None:
    requester = api_client(cast.requester)
    url = f"/api/work-orders/{cast.wo_a.pk}/"
    response = requester.patch(url, {"title": "打印机卡纸（三楼东）", "status": "closed"}, format="json")
    assert response.status_code == 200
    cast.wo_a.refresh_from_db()
    assert (cast.wo_a.title, cast.wo_a.status) == ("打印机卡纸（三楼东）", "new")
    for field, value in (("contract", cast.contract_b.pk), ("service_type", 987654)):
        response = requester.patch(url, {field: value}, format="json")
        assert response.status_code == 400 and field in response.json()
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.contract == cast.contract_a


def test_closed_work_orders_cannot_be_edited(cast: Any) -> None:
    qm = api_client(cast.qm)
    for step, body in (
        ("assign", {"assignee": cast.staff_a.pk}),
        ("start", {}),
        ("resolve", {"note": "ok"}),
        ("close", {"rating": 5}),
    ):
        assert _step(qm, cast.wo_a.pk, step, body).status_code == 200
    response = qm.patch(f"/api/work-orders/{cast.wo_a.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 400
    cast.wo_a.refresh_from_db()
    assert cast.wo_a.title == "打印机卡纸"


def test_work_orders_are_never_deleted(cast: Any) -> None:
    assert api_client(cast.admin).delete(f"/api/work-orders/{cast.wo_a.pk}/").status_code == 405
    assert api_client(cast.qm).delete(f"/api/work-orders/{cast.wo_a.pk}/").status_code == 403
    assert WorkOrder.objects.filter(pk=cast.wo_a.pk).exists()


def test_filters_search_and_ordering(cast: Any) -> None:
    from oqms.workorders import services

    services.assign(cast.wo_a, cast.qm, cast.staff_a)
    old = services.create(
        requester=cast.requester,
        contract=cast.contract_b,
        site=cast.site,
        service_type=cast.service_type,
        title="空调漏水",
        priority="P1",
        opened_at=timezone.now() - datetime.timedelta(days=10),
    )
    client = api_client(cast.qm)

    def ids(**query: Any) -> list[int]:
        response = client.get("/api/work-orders/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    a, b = cast.wo_a.pk, cast.wo_b.pk
    assert set(ids(status="assigned")) == {a}
    assert set(ids(status=["assigned", "new"])) == {a, b, old.pk}
    assert set(ids(vendor=cast.vendor_b.pk)) == {b, old.pk}
    assert set(ids(priority="P1")) == {old.pk}
    assert set(ids(q="空调")) == {old.pk}
    assert set(ids(q=cast.wo_a.number)) == {a}
    assert set(ids(assignee=cast.staff_a.pk)) == {a}
    assert set(ids(open="true")) == {a, b, old.pk} and ids(open="false") == []
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert set(ids(opened_after=since)) == {a, b}
    assert ids(ordering="opened_at")[0] == old.pk
    assert ids(ordering="number") == sorted([a, b, old.pk])
    assert ids(ordering="-number") == sorted([a, b, old.pk], reverse=True)
    assert client.get("/api/work-orders/", {"status": "lost"}).status_code == 400


def test_photos_upload_list_and_filter(cast: Any) -> None:
    client = api_client(cast.requester)
    response = client.post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "kind": "before", "caption": "卡纸位置", "photo": upload("p.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["uploaded_by"], body["kind"], body["caption"]) == (cast.requester.pk, "before", "卡纸位置")
    assert WorkOrderAttachment.objects.get().photo.name.startswith("workorders/")
    rows = client.get("/api/work-order-photos/", {"work_order": cast.wo_a.pk}).json()["results"]
    assert [r["id"] for r in rows] == [body["id"]]
    assert client.get("/api/work-order-photos/", {"kind": "after"}).json()["count"] == 0
    # Photos cannot be changed or removed through the API.
    assert client.delete(f"/api/work-order-photos/{body['id']}/").status_code in {403, 405}
    assert WorkOrderAttachment.objects.count() == 1


def test_photo_for_someone_elses_work_order_is_refused(cast: Any) -> None:
    from tests.conftest import make_user

    other = make_user("requester2", "requester")
    response = api_client(other).post(
        "/api/work-order-photos/",
        {"work_order": cast.wo_a.pk, "photo": upload("p.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 400 and "work_order" in response.json()
    assert not WorkOrderAttachment.objects.exists()

"""The integration API: upsert by external id, bulk with per-record answers, workflow events, idempotency keys,
and what each role may do."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.workorders.models import WorkOrder, WorkOrderEvent
from tests.core.helpers import api_client

UPSERT = reverse("api:integration_work_order")
BULK = reverse("api:integration_work_orders_bulk")
EVENTS = reverse("api:integration_work_order_event")


def record(cast: Any, external_id: str = "SN-1", **extra: Any) -> dict[str, Any]:
    opened = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    return {
        "external_id": external_id,
        "contract": cast.contract_a.number,
        "site": cast.site.code,
        "service_type": cast.service_type.code,
        "opened_at": opened,
        "title": "打印机卡纸",
        "priority": "2 - High",
        **extra,
    }


def test_create_then_update_by_external_id(cast: Any) -> None:
    client = api_client(cast.qm)
    created = client.post(UPSERT, record(cast), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["result"] == "created" and body["number"].startswith("WO")
    wo = WorkOrder.objects.get(pk=body["id"])
    assert (wo.origin, wo.priority, wo.vendor, wo.requester) == ("api", "P2", cast.vendor_a, cast.qm)
    assert wo.response_due_at is not None and wo.sla_state in {"on_track", "at_risk", "breached"}
    same = client.post(UPSERT, record(cast, opened_at=wo.opened_at.isoformat()), format="json")
    assert same.status_code == 200 and same.json()["result"] == "unchanged"
    resolved_at = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    changed = client.post(
        UPSERT,
        record(cast, opened_at=wo.opened_at.isoformat(), status="resolved", resolved_at=resolved_at),
        format="json",
    )
    assert changed.status_code == 200 and changed.json() | {"id": wo.pk} == changed.json()
    wo.refresh_from_db()
    assert wo.status == "resolved" and wo.sla_state in {"met", "missed"} and wo.number == body["number"]


def test_bad_records_are_refused_with_field_errors_and_nothing_written(cast: Any) -> None:
    client = api_client(cast.qm)
    before = WorkOrder.objects.count()
    response = client.post(
        UPSERT, record(cast, opened_at="yesterday", priority="P9", colour="red"), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"opened_at", "priority", "non_field_errors"}
    response = client.post(UPSERT, [record(cast)], format="json")
    assert response.status_code == 400
    response = client.post(UPSERT, {"external_id": "x"}, format="json")
    assert response.status_code == 400 and "contract" in response.json()["errors"]
    assert WorkOrder.objects.count() == before


def test_idempotency_key_replays_and_refuses_another_body(cast: Any) -> None:
    client = api_client(cast.qm)
    first = client.post(UPSERT, record(cast), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(
        UPSERT,
        record(cast) | {"opened_at": first.json() and record(cast)["opened_at"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert first.status_code == 201
    # The opened_at of record() moves with the clock: a different body under the same key is refused...
    assert again.status_code == 422 and again.json()["code"] == "idempotency_conflict"
    body = dict(record(cast, external_id="SN-2"))
    one = client.post(UPSERT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    two = client.post(UPSERT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    # ...and the same body under the same key gets the same answer, written once.
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert two["Idempotent-Replayed"] == "true"
    assert WorkOrder.objects.filter(external_id="SN-2").count() == 1
    # Keys are per user: another user's k-2 is another request.
    other = api_client(cast.admin).post(
        UPSERT, record(cast, external_id="SN-3"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 201


def test_bulk_answers_every_record(cast: Any) -> None:
    client = api_client(cast.qm)
    records = [record(cast, external_id=f"B-{i}") for i in range(5)]
    records[2]["opened_at"] = "not a time"
    records[4] = record(cast, external_id="B-0")  # the same ticket twice in one call
    response = client.post(BULK, {"records": records}, format="json")
    assert response.status_code == 200, response.json()
    answers = response.json()["records"]
    assert [a["result"] for a in answers] == ["invalid", "created", "invalid", "created", "invalid"]
    assert "opened_at" in answers[2]["errors"] and "external_id" in answers[0]["errors"]
    assert response.json()["counts"] == {"invalid": 3, "created": 2}
    assert set(WorkOrder.objects.filter(origin="api").values_list("external_id", flat=True)) == {"B-1", "B-3"}


def test_bulk_takes_at_most_1000_records(cast: Any) -> None:
    client = api_client(cast.qm)
    response = client.post(
        BULK, {"records": [record(cast, external_id=f"M-{i}") for i in range(1001)]}, format="json"
    )
    assert response.status_code == 400 and "1000" in str(response.json())
    assert client.post(BULK, {"records": []}, format="json").status_code == 400
    response = client.post(
        BULK, {"records": [record(cast, external_id=f"M-{i}") for i in range(1000)]}, format="json"
    )
    assert response.status_code == 200 and response.json()["counts"] == {"created": 1000}


def test_events_follow_the_workflow_and_the_clocks(cast: Any) -> None:
    client = api_client(cast.qm)
    opened = timezone.now() - datetime.timedelta(hours=5)
    client.post(UPSERT, record(cast, external_id="EV-1", opened_at=opened.isoformat()), format="json")
    wo = WorkOrder.objects.get(external_id="EV-1")
    at = opened + datetime.timedelta(minutes=20)
    refused = client.post(
        EVENTS, {"external_id": "EV-1", "event": "responded", "at": at.isoformat()}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "assignee"
    responded = client.post(
        EVENTS,
        {"external_id": "EV-1", "event": "responded", "at": at.isoformat(), "assignee": "staff_a"},
        format="json",
    )
    assert responded.status_code == 200 and responded.json()["status"] == "in_progress"
    wo.refresh_from_db()
    assert wo.responded_at == at and wo.response_state == "met" and wo.assignee == cast.staff_a
    paused = client.post(
        EVENTS,
        {
            "external_id": "EV-1",
            "event": "paused",
            "reason": "awaiting_parts",
            "at": (at + datetime.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert (
        client.post(
            EVENTS, {"external_id": "EV-1", "event": "paused", "reason": "awaiting_parts"}, format="json"
        ).status_code
        == 409
    )  # already paused
    resumed = client.post(
        EVENTS,
        {"external_id": "EV-1", "event": "resumed", "at": (at + datetime.timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert resumed.status_code == 200
    resolved = client.post(EVENTS, {"external_id": "EV-1", "event": "resolved"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    steps = list(WorkOrderEvent.objects.filter(work_order=wo).values_list("action", flat=True))
    assert steps == ["assign", "start", "pause", "resume", "resolve"]
    assert client.post(EVENTS, {"external_id": "nope", "event": "resolved"}, format="json").status_code == 404
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert (
        client.post(
            EVENTS, {"external_id": "EV-1", "event": "resumed", "at": future}, format="json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize("who", ["requester", "inspector", "assessor", "staff_a"])
def test_roles_that_do_not_write_work_orders_are_refused(cast: Any, who: str) -> None:
    client = api_client(getattr(cast, who))
    for url, body in (
        (UPSERT, record(cast)),
        (BULK, {"records": [record(cast)]}),
        (EVENTS, {"external_id": "x", "event": "resolved"}),
    ):
        assert client.post(url, body, format="json").status_code == 403, (who, url)
    assert api_client(None).post(UPSERT, record(cast), format="json").status_code in {401, 403}


def test_a_vendor_reaches_only_its_own_work_orders(cast: Any) -> None:
    qm = api_client(cast.qm)
    qm.post(UPSERT, record(cast, external_id="V-A"), format="json")
    qm.post(UPSERT, record(cast, external_id="V-B", contract=cast.contract_b.number), format="json")
    # Vendor B's manager cannot create or change records (work orders are raised by the enterprise)...
    manager_b = api_client(cast.manager_b)
    body = record(cast, external_id="V-B", contract=cast.contract_b.number, title="改了")
    assert manager_b.post(UPSERT, body, format="json").status_code == 403
    assert manager_b.post(BULK, {"records": [body]}, format="json").status_code == 403
    # ...does not see vendor A's ticket, and reports the steps of its own.
    assert (
        manager_b.post(EVENTS, {"external_id": "V-A", "event": "resolved"}, format="json").status_code == 404
    )
    answer = manager_b.post(
        EVENTS, {"external_id": "V-B", "event": "responded", "assignee": "staff_b"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert (
        manager_b.post(
            EVENTS, {"external_id": "V-B", "event": "responded", "assignee": "staff_a"}, format="json"
        ).status_code
        == 409
    )
    assert WorkOrder.objects.get(external_id="V-A").status == "new"

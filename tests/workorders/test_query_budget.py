"""Query budgets: the work order list page and /api/work-orders/ cost a bounded number of queries, whatever the
number of rows (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.core.helpers import api_client, page_client

PAGE_BUDGET = 25
API_BUDGET = 20
USERS = ["qm", "manager_a", "staff_a", "requester", "assessor"]
API_USERS = USERS


def _fill(cast: Any, count: int) -> None:
    """Add work orders of vendor A (in mixed states, assigned to staff A, raised by the requester) until vendor A
    has ``count``. Written in bulk: only the cost of reading them is measured."""
    from django.utils import timezone

    from oqms.workorders.models import WorkOrder

    existing = WorkOrder.objects.filter(vendor=cast.vendor_a).count()
    WorkOrder.objects.filter(pk=cast.wo_a.pk).update(assignee=cast.staff_a, status="assigned")
    now = timezone.now()
    states = ["assigned", "in_progress", "paused", "resolved", "closed", "new"]
    WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                number=f"WO9{index:07d}",
                contract=cast.contract_a,
                vendor=cast.vendor_a,
                site=cast.site,
                service_type=cast.service_type,
                priority=["P1", "P2", "P3", "P4"][index % 4],
                title=f"批量工单 {index}",
                requester=cast.requester,
                assignee=None if states[index % 6] == "new" else cast.staff_a,
                status=states[index % 6],
                opened_at=now,
                resolution_due_at=now,
            )
            for index in range(existing, count)
        ]
    )


def _count(call: Any) -> int:
    call()  # warm up the per-user permission cache, so both measures are of a steady state
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("user", USERS)
def test_list_page_within_budget(cast: Any, user: str, django_assert_max_num_queries: Any) -> None:
    _fill(cast, 30)
    client = page_client(getattr(cast, user))
    with django_assert_max_num_queries(PAGE_BUDGET):
        response = client.get(reverse("workorders:workorder_list"))
    assert len(response.context["page"].object_list) >= 20


@pytest.mark.parametrize("user", API_USERS)
def test_api_list_within_budget(cast: Any, user: str, django_assert_max_num_queries: Any) -> None:
    _fill(cast, 30)
    client = api_client(getattr(cast, user))
    with django_assert_max_num_queries(API_BUDGET):
        response = client.get("/api/work-orders/")
    assert response.json()["count"] >= 20


@pytest.mark.parametrize("user", USERS)
def test_list_page_cost_does_not_grow_with_rows(cast: Any, user: str) -> None:
    client = page_client(getattr(cast, user))
    url = reverse("workorders:workorder_list")
    _fill(cast, 10)
    ten = _count(lambda: client.get(url, {"page_size": 50}))
    _fill(cast, 21)  # now 30 of vendor A (+ wo_b), all on one page of 25 for vendor A's readers
    thirty = _count(lambda: client.get(url))
    assert thirty == ten


def test_export_cost_does_not_grow_with_rows(cast: Any) -> None:
    client = page_client(cast.qm)
    url = reverse("workorders:workorder_export")
    _fill(cast, 10)
    ten = _count(lambda: client.get(url))
    _fill(cast, 21)
    assert _count(lambda: client.get(url)) == ten


@pytest.mark.parametrize("user", API_USERS)
def test_api_list_cost_does_not_grow_with_rows(cast: Any, user: str) -> None:
    client = api_client(getattr(cast, user))
    _fill(cast, 10)
    ten = _count(lambda: client.get("/api/work-orders/"))
    _fill(cast, 21)
    thirty = _count(lambda: client.get("/api/work-orders/"))
    assert thirty == ten, f"{ten} queries for 10 rows, {thirty} for 30"

"""The demo data set: ``oqms demo`` builds a consistent, believable world, once, inside one transaction."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.contracts.models import Contract
from oqms.demo import data
from oqms.engine.identifiers import uscc_problem
from oqms.org.models import OrgUnit, Site
from oqms.vendors.models import QualificationDocument, Vendor
from oqms.workorders.choices import Status
from oqms.workorders.models import WorkOrder, WorkOrderEvent

WORK_ORDERS = 2000
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo_output(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Load the demo once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        out = io.StringIO()
        call_command("demo", work_orders=WORK_ORDERS, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_reference_data(demo_output: str) -> None:
    assert OrgUnit.objects.count() == 2
    assert Site.objects.count() == 10
    assert set(Site.objects.values_list("time_zone", flat=True)) == {"Asia/Shanghai"}
    assert Vendor.objects.count() == 8
    # One vendor is on probation in the data set; the consequence rules put the others there on approval.
    from oqms.settlements.models import Consequence

    by_rule = set(
        Consequence.objects.filter(action="probation")
        .exclude(previous_status="probation")
        .values_list("vendor_id", flat=True)
    )
    assert Vendor.objects.filter(status="probation").count() == 1 + len(by_rule)
    for vendor in Vendor.objects.all():
        assert uscc_problem(vendor.credit_code) is None, vendor.credit_code
        assert vendor.credit_code.startswith("91")
        assert 1 <= vendor.contacts.count() <= 3
        assert 2 <= vendor.documents.count() <= 3
        contracts = Contract.objects.filter(vendor=vendor, status="active")
        assert contracts.count() == 1
        contract = contracts.get()
        assert sorted(contract.sla_targets.values_list("priority", flat=True)) == ["P1", "P2", "P3", "P4"]
        assert contract.sites.exists() and contract.service_types.exists() and contract.org_units.exists()
    states = Counter(d.expiry_state() for d in QualificationDocument.objects.all())
    assert states["expired"] >= 1 and states["expiring"] >= 1 and states["permanent"] >= 8


def test_one_contract_covers_each_site_and_service_type(demo_output: str) -> None:
    # Requesters raising work in the app rely on it (services.find_contract refuses ambiguity).
    pairs = Counter(
        (site, service_type)
        for contract in Contract.objects.prefetch_related("sites", "service_types")
        for site in contract.sites.all()
        for service_type in contract.service_types.all()
    )
    assert pairs and max(pairs.values()) == 1


def test_every_role_has_a_login(demo_output: str) -> None:
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="vendor_manager").role == Role.VENDOR_MANAGER
    manager = User.objects.get(username="vendor_manager")
    assert User.objects.get(username="vendor_staff").vendor == manager.vendor
    assessor = User.objects.get(username="assessor")
    assert assessor.scope_vendors.count() == 2 and assessor.access_expires_at is not None
    for vendor in Vendor.objects.all():
        assert vendor.users.filter(role=Role.VENDOR_MANAGER).count() == 1
        assert vendor.users.filter(role=Role.VENDOR_STAFF).count() == 3
    assert all(user.groups.count() == 1 for user in User.objects.all())


def test_demo_users_sign_in_with_the_printed_password(demo_output: str) -> None:
    assert data.PASSWORD in demo_output
    for username in ("qm", "requester", "admin", "inspector", "assessor", "vendor_manager", "vendor_staff"):
        assert username in demo_output
        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            assert authenticate(username=username, password=data.PASSWORD) is not None, username
            assert authenticate(username=username, password="wrong-password") is None


def test_work_orders_are_consistent(demo_output: str) -> None:
    assert WorkOrder.objects.count() == WORK_ORDERS
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(WorkOrder.objects.values_list("priority", flat=True)) == {"P1", "P2", "P3", "P4"}
    staff = dict(User.objects.filter(role=Role.VENDOR_STAFF).values_list("pk", "vendor_id"))
    for order in WorkOrder.objects.select_related("contract", "requester"):
        assert order.vendor_id == order.contract.vendor_id
        assert order.requester.role == Role.REQUESTER
        assert order.assignee_id is None or staff[order.assignee_id] == order.vendor_id
        times = [
            t
            for t in (
                order.opened_at,
                order.assigned_at,
                order.responded_at,
                order.resolved_at,
                order.closed_at,
            )
            if t is not None
        ]
        assert times == sorted(times), order.number
        assert order.response_due_at > order.opened_at
        assert order.resolution_due_at >= order.response_due_at
        assert (order.rating is not None) == (order.status == Status.CLOSED)
        assert bool(order.pause_reason) == (order.status == Status.PAUSED) == (order.paused_at is not None)


def test_events_match_the_work_orders(demo_output: str) -> None:
    orders = {o.pk: o for o in WorkOrder.objects.all()}
    timelines: dict[int, list[Any]] = {}
    for event in WorkOrderEvent.objects.order_by("at", "pk"):
        timelines.setdefault(event.work_order_id, []).append(event)
    assert set(timelines) == set(orders)
    actions = Counter(e.action for events in timelines.values() for e in events)
    assert actions["create"] == len(orders)
    assert actions["assign"] == sum(o.assigned_at is not None for o in orders.values())
    assert actions["close"] == sum(o.status == Status.CLOSED for o in orders.values())
    assert actions["reopen"] == sum(o.reopen_count for o in orders.values())
    assert actions["pause"] >= actions["resume"] > 0
    for pk, events in timelines.items():
        order = orders[pk]
        assert events[0].action == "create" and events[0].at == order.opened_at
        assert events[-1].to_status == order.status, order.number
        assert all(a.to_status == b.from_status for a, b in zip(events, events[1:], strict=False))
        if order.closed_at:
            assert events[-1].at == order.closed_at
        paused = sum(
            int((b.at - a.at).total_seconds())
            for a, b in zip(events, events[1:], strict=False)
            if a.action == "pause" and b.action == "resume"
        )
        assert paused == order.paused_seconds, order.number


def test_vendors_differ_in_quality(demo_output: str) -> None:
    from django.db.models import Avg, Count, F, Q

    rows = (
        WorkOrder.objects.order_by()
        .values("vendor_id")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(resolved_at__gt=F("resolution_due_at"))),
            rating=Avg("rating"),
        )
    )
    late_share = [row["late"] / row["n"] for row in rows]
    ratings = [row["rating"] for row in rows]
    assert max(late_share) - min(late_share) > 0.2
    assert max(ratings) - min(ratings) > 1


def test_if_empty_leaves_a_loaded_database_alone(demo_output: str) -> None:
    before = (Vendor.objects.count(), WorkOrder.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("demo", if_empty=True, work_orders=10, stdout=out)
    assert (Vendor.objects.count(), WorkOrder.objects.count(), User.objects.count()) == before
    assert "not loaded" in out.getvalue() and data.PASSWORD in out.getvalue()
    with pytest.raises(CommandError):
        call_command("demo", work_orders=10, stdout=io.StringIO())


def test_sla_clocks_are_what_the_clock_service_computes(demo_output: str) -> None:
    """The demo computes every work order's clocks at once with the engine's arrays; each must equal what
    ``clock.refresh`` stores for it one by one (same now), and the monitor must have no backlog to announce."""
    from django.utils import timezone

    from oqms.calendars.models import Calendar
    from oqms.workorders import clock

    assert Calendar.objects.get(is_default=True).code == "cn-office"
    orders = list(WorkOrder.objects.select_related("sla_policy", "calendar").order_by("pk")[::20])
    assert {o.calendar.code for o in orders} == {"cn-office", "24x7"}
    assert all(o.sla_policy is not None and o.sla_policy.contract_id == o.contract_id for o in orders)
    now = timezone.now()
    fields = ("response_due_at", "resolution_due_at", "at_risk_at", "response_state", "sla_state")
    for order in orders:
        stored = [getattr(order, f) for f in fields] + [round(order.paused_business_seconds)]
        clock.refresh(order, now)
        assert stored == [getattr(order, f) for f in fields] + [round(order.paused_business_seconds)], (
            order.number
        )
    states = Counter(WorkOrder.objects.values_list("sla_state", flat=True))
    assert states["met"] > states["missed"] > 0
    assert not WorkOrder.objects.filter(sla_next_check_at__lte=now).exists()

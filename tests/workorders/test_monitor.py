"""The SLA monitor: thresholds crossed are stored and notified once, to the right people, by any number of runs
and workers."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from oqms.contracts import sla
from oqms.contracts.models import EscalationLevel
from oqms.core import audit
from oqms.notify.models import Notification
from oqms.workorders import monitor, services
from oqms.workorders.models import WorkOrder


@pytest.fixture
def escalating(cast: Any) -> Any:
    """Contract A: P1 respond in 30 min, resolve in 240 min; 150 % → department head, 200 % → quality managers."""
    with (
        audit.audit_context(actor=cast.qm),
        sla.publisher.deferred(at=timezone.now() - datetime.timedelta(days=1)),
    ):
        cast.contract_a.owner = cast.admin
        cast.contract_a.save()
        EscalationLevel.objects.create(contract=cast.contract_a, percent=150, audience="department_head")
        EscalationLevel.objects.create(contract=cast.contract_a, percent=200, audience="quality_managers")
        cast.org_unit.head = cast.inspector
        cast.org_unit.save()
    return cast


def raise_p1(cast: Any, minutes_ago: int) -> WorkOrder:
    opened = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="服务器宕机",
        priority="P1",
        opened_at=opened,
    )
    return services.assign(wo, cast.qm, cast.staff_a, at=opened)


def notified(wo: WorkOrder) -> set[tuple[str, str, str]]:
    return {
        (n.recipient.username, n.kind, n.key.split(":", 2)[2])
        for n in Notification.objects.filter(key__startswith=f"wo:{wo.pk}:").select_related("recipient")
    }


def test_thresholds_notify_the_right_people_once(escalating: Any) -> None:
    cast = escalating
    wo = raise_p1(cast, minutes_ago=0)
    start = wo.opened_at
    assert wo.sla_next_check_at == start + datetime.timedelta(
        minutes=22.5
    )  # response at risk: 75 % of 30 min
    assert monitor.run(start + datetime.timedelta(minutes=10)) == 0
    monitor.run(start + datetime.timedelta(minutes=23))
    assert notified(wo) == {("staff_a", "sla_at_risk", "response:at_risk")}
    monitor.run(start + datetime.timedelta(minutes=31))
    assert ("manager_a", "sla_breached", "response:breached") in notified(wo)
    assert ("admin", "sla_breached", "response:breached") in notified(wo)  # the contract owner
    wo.refresh_from_db()
    assert wo.response_state == "breached"
    services.start(wo, cast.staff_a, at=start + datetime.timedelta(minutes=32))
    # Resolution: at risk at 180 min, breached at 240, 150 % at 360 → department head, 200 % at 480 → quality.
    for minutes in (181, 241, 361, 481, 481, 600):
        monitor.run(start + datetime.timedelta(minutes=minutes))
    got = notified(wo)
    assert ("staff_a", "sla_at_risk", "resolution:at_risk") in got
    assert ("manager_a", "sla_breached", "resolution:breached") in got
    assert ("inspector", "sla_escalation", "resolution:150:department_head") in got
    assert ("qm", "sla_escalation", "resolution:200:quality_managers") in got
    assert Notification.objects.filter(key__startswith=f"wo:{wo.pk}:").count() == len(got)
    wo.refresh_from_db()
    assert wo.sla_state == "breached" and wo.sla_next_check_at is None  # nothing left to cross


def test_a_paused_clock_has_no_thresholds_and_resumes_them(escalating: Any) -> None:
    cast = escalating
    wo = raise_p1(cast, minutes_ago=0)
    start = wo.opened_at
    wo = services.start(wo, cast.staff_a, at=start + datetime.timedelta(minutes=5))
    wo = services.pause(wo, cast.staff_a, "awaiting_requester", at=start + datetime.timedelta(minutes=60))
    assert wo.sla_next_check_at is None
    assert monitor.run(start + datetime.timedelta(days=2)) == 0
    wo = services.resume(wo, cast.staff_a, at=start + datetime.timedelta(minutes=600))
    # 60 minutes used before the pause, 540 paused: at risk (180 min used) comes 120 minutes after the resume.
    assert wo.paused_business_seconds == 540 * 60
    assert wo.sla_next_check_at == start + datetime.timedelta(minutes=720)


def test_old_crossings_are_recorded_without_notifying(escalating: Any) -> None:
    wo = raise_p1(escalating, minutes_ago=3 * 24 * 60)
    assert monitor.run() == 0
    wo.refresh_from_db()
    assert wo.sla_state == "breached" and "resolution:breached" in wo.sla_crossings
    assert not Notification.objects.exists()


def test_a_stale_read_cannot_claim_the_work_order(escalating: Any, monkeypatch: Any) -> None:
    """If another worker (or a workflow step) writes the row between this worker's read and its write, this worker
    writes nothing and notifies no one; the next run sees the new row."""
    from oqms.workorders import clock

    wo = raise_p1(escalating, minutes_ago=25)
    real_refresh = clock.refresh

    def refresh_while_another_worker_writes(work_order: Any, now: Any = None) -> None:
        real_refresh(work_order, now)
        WorkOrder.objects.filter(pk=work_order.pk).update(sla_checks=work_order.sla_checks + 1)

    monkeypatch.setattr(clock, "refresh", refresh_while_another_worker_writes)
    assert monitor.check(wo.pk, timezone.now()) == 0
    assert not Notification.objects.exists()
    monkeypatch.setattr(clock, "refresh", real_refresh)
    assert monitor.check(wo.pk, timezone.now()) == 1  # the assignee: response at risk
    assert monitor.check(wo.pk, timezone.now()) == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL (CI runs it)"
)
def test_two_concurrent_workers_send_each_notification_once(transactional_db: Any) -> None:
    from tests.conftest import build_cast

    cast = build_cast()
    work_orders = [raise_p1(cast, minutes_ago=25) for _ in range(30)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connections

        try:
            barrier.wait()
            monitor.run()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys)) == len(work_orders)  # the assignee, at risk of the response, once each
    assert all(wo.sla_checks + 1 == WorkOrder.objects.get(pk=wo.pk).sla_checks for wo in work_orders)


def test_a_threshold_already_passed_by_a_later_one_is_not_announced(escalating: Any) -> None:
    """Found past both at once (the monitor was busy), the response clock announces its breach, not its risk."""
    wo = raise_p1(escalating, minutes_ago=35)
    monitor.run()
    got = notified(wo)
    assert ("manager_a", "sla_breached", "response:breached") in got
    assert not any(key == "response:at_risk" for _user, _kind, key in got)
    wo.refresh_from_db()
    assert {"response:at_risk", "response:breached"} <= set(wo.sla_crossings)

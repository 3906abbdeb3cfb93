"""The SLA monitor: a django-q2 schedule runs :func:`run` every minute.

It takes the work orders whose next threshold (at risk, breach, escalation level) is due, stores their new clock
state and notifies the right people — once per threshold, however often it runs and however many workers run it:
each work order is claimed with a conditional UPDATE on its ``sla_checks`` counter (which every workflow step also
increments), so of two workers that read the same row only one writes it, and only the writer notifies. On
PostgreSQL the rows are also read with ``FOR UPDATE SKIP LOCKED`` so that workers share the queue instead of
waiting on each other.

Thresholds crossed long ago (the monitor was stopped, or after an upgrade) are recorded without notifying:
people are told about what is happening now, not flooded with history (``STALE_AFTER``).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.notify import services as notify
from oqms.notify.audiences import Audience
from oqms.notify.kinds import Kind
from oqms.workorders import clock
from oqms.workorders.models import WorkOrder

log = logging.getLogger(__name__)
BATCH = 500
STALE_AFTER = datetime.timedelta(hours=24)


def run(now: datetime.datetime | None = None, batch: int = BATCH) -> int:
    """Process the work orders whose next SLA threshold is due; returns the number of notifications sent."""
    now = now or timezone.now()
    queue = WorkOrder.objects.filter(sla_next_check_at__lte=now).order_by("sla_next_check_at")
    sent = 0
    for pk in list(queue.values_list("pk", flat=True)[:batch]):
        sent += check(pk, now)
    return sent


@transaction.atomic
def check(pk: int, now: datetime.datetime) -> int:
    rows = WorkOrder.objects.select_related(
        "contract", "vendor", "site", "sla_policy", "calendar", "assignee"
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    work_order = rows.filter(pk=pk, sla_next_check_at__lte=now).first()
    if work_order is None:
        return 0  # another worker has it, or a workflow step moved it on
    checks = work_order.sla_checks
    rule = clock.rules(work_order)
    notified = list(work_order.sla_crossings or [])
    crossed: list[tuple[str, datetime.datetime]] = []
    if rule is not None:
        calendar = clock.calendar_of(work_order)
        crossed = [
            (key, at)
            for key, at in clock.crossings(work_order, rule, calendar)
            if at <= now and key not in notified
        ]
    work_order.sla_crossings = notified + [key for key, _at in crossed]
    clock.refresh(work_order, now)
    claimed = WorkOrder.objects.filter(pk=pk, sla_checks=checks).update(
        sla_checks=checks + 1,
        sla_crossings=work_order.sla_crossings,
        sla_next_check_at=work_order.sla_next_check_at,
        sla_state=work_order.sla_state,
        response_state=work_order.response_state,
    )
    if not claimed:
        return 0
    sent = 0
    for key, at in crossed:
        clock_name = key.split(":", 1)[0]
        if key.endswith(":at_risk") and any(
            k.startswith(f"{clock_name}:") and k != key for k, _at in crossed
        ):
            continue  # already past it: the breach (or an escalation) says more
        if now - at > STALE_AFTER:
            continue
        sent += len(_notify(work_order, rule, key, at))
    return sent


def _notify(work_order: WorkOrder, rule: Any, key: str, at: datetime.datetime) -> list[Any]:
    clock_name, level = key.split(":", 1)
    due = work_order.response_due_at if clock_name == "response" else work_order.resolution_due_at
    params = {
        "number": work_order.number,
        "clock": clock_name,
        "vendor": str(work_order.vendor),
        "site": str(work_order.site),
        "due": due.isoformat() if due else "",
    }
    url = work_order.get_absolute_url()
    unique = f"wo:{work_order.pk}:{key}"
    sent: list[Any] = []
    if level == "at_risk":
        params["percent"] = rule.at_risk_percent
        people = [work_order.assignee] if work_order.assignee else _vendor_managers(work_order)
        sent += notify.send(people, Kind.SLA_AT_RISK, unique, params, url)
    elif level == "breached":
        params["percent"] = 100
        people = [*_vendor_managers(work_order), work_order.assignee, work_order.contract.owner]
        sent += notify.send(people, Kind.SLA_BREACHED, unique, params, url)
    # Escalation levels at 100 % go out with the breach; the others have their own thresholds.
    percent = {"breached": 100, "at_risk": None}.get(level, int(level) if level.isdigit() else None)
    for level_clock, level_percent, audience in rule.escalations:
        if level_clock != clock_name or level_percent != percent:
            continue
        people = audience_members(work_order, audience)
        sent += notify.send(
            people,
            Kind.SLA_ESCALATION,
            f"{unique}:{audience}",
            {**params, "percent": level_percent, "audience": audience},
            url,
        )
    return sent


def _vendor_managers(work_order: WorkOrder) -> list[Any]:
    return list(User.objects.filter(vendor_id=work_order.vendor_id, role=Role.VENDOR_MANAGER, is_active=True))


def audience_members(work_order: WorkOrder, audience: str) -> list[Any]:
    """The people an escalation level names, for this work order."""
    if audience == Audience.CONTRACT_OWNER:
        return [work_order.contract.owner] if work_order.contract.owner else []
    if audience == Audience.DEPARTMENT_HEAD:
        head = work_order.site.org_unit.head
        return [head] if head else []
    if audience == Audience.VENDOR_MANAGER:
        return _vendor_managers(work_order)
    if audience == Audience.QUALITY_MANAGERS:
        return list(User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True))
    if audience == Audience.ASSIGNEE:
        return [work_order.assignee] if work_order.assignee else []
    if audience == Audience.REQUESTER:
        return [work_order.requester]
    return []

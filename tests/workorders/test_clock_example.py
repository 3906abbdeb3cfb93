"""The README's example of an SLA on a business calendar, computed by the real clocks."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from oqms.calendars import services as calendars
from oqms.calendars.models import Calendar
from oqms.contracts import sla
from oqms.core import audit
from oqms.workorders import services

SH = ZoneInfo("Asia/Shanghai")


def t(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, hour, minute, tzinfo=SH)


def test_readme_example(cast: Any) -> None:
    type(cast.contract_a).objects.filter(pk=cast.contract_a.pk).update(start_date=datetime.date(2024, 1, 1))
    cast.contract_a.refresh_from_db()
    with audit.audit_context(actor=cast.qm):
        with calendars.publisher.deferred(at=datetime.datetime(2020, 1, 1, tzinfo=SH)):
            office = Calendar.objects.create(code="cn-office", name="中国工作日", is_default=True)
            calendars.import_statutory_year(office, 2025)
        with sla.publisher.deferred(at=datetime.datetime(2024, 1, 1, tzinfo=SH)):
            target = cast.contract_a.sla_targets.get(priority="P2")
            target.response_minutes, target.resolution_minutes = 30, 480
            target.save()
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="例子",
        priority="P2",
        opened_at=t(24, 17, 30),
    )
    assert wo.calendar == office
    assert wo.response_due_at == t(24, 18)
    assert wo.resolution_due_at == t(26, 17, 30)
    assert wo.at_risk_at == t(26, 15, 30)
    wo = services.assign(wo, cast.qm, cast.staff_a, at=t(24, 17, 40))
    wo = services.start(wo, cast.staff_a, at=t(24, 17, 50))
    assert wo.response_state == "met" and wo.response_business_seconds == 20 * 60
    paused = services.pause(wo, cast.staff_a, "awaiting_requester", at=t(26, 10))
    resumed = services.resume(paused, cast.staff_a, at=t(26, 11, 30))
    assert resumed.paused_business_seconds == 90 * 60
    assert resumed.resolution_due_at == t(27, 10)
    # Paused for spare parts instead: not a listed reason, the clock runs on.
    other = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="例子二",
        priority="P2",
        opened_at=t(24, 17, 30),
    )
    other = services.start(
        services.assign(other, cast.qm, cast.staff_a, at=t(24, 17, 40)), cast.staff_a, at=t(24, 17, 50)
    )
    other = services.pause(other, cast.staff_a, "awaiting_parts", at=t(26, 10))
    other = services.resume(other, cast.staff_a, at=t(26, 11, 30))
    assert other.resolution_due_at == t(26, 17, 30)

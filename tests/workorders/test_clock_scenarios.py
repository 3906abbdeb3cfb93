"""Clock scenarios on a business calendar: reopen, priority change while paused, stop at closing, no calendar."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from oqms.calendars import services as calendars
from oqms.calendars.models import Calendar
from oqms.contracts import sla
from oqms.contracts.models import SLAPolicy
from oqms.core import audit
from oqms.workorders import clock, services

SH = ZoneInfo("Asia/Shanghai")


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def office(cast: Any) -> Any:
    """The default calendar: China office hours with 2025's holidays; contract A in force since 2024."""
    type(cast.contract_a).objects.filter(pk=cast.contract_a.pk).update(start_date=datetime.date(2024, 1, 1))
    cast.contract_a.refresh_from_db()
    since = datetime.datetime(2020, 1, 1, tzinfo=SH)
    with audit.audit_context(actor=cast.qm), calendars.publisher.deferred(at=since):
        calendar = Calendar.objects.create(code="cn-office", name="中国工作日", is_default=True)
        calendars.import_statutory_year(calendar, 2025)
    SLAPolicy.objects.filter(contract=cast.contract_a).update(
        effective_from=datetime.datetime(2024, 1, 1, tzinfo=SH)
    )
    return cast


def raise_p3(cast: Any, opened: datetime.datetime) -> Any:
    """P3 of contract A: respond in 120, resolve in 1440 business minutes (three working days)."""
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="场景",
        priority="P3",
        opened_at=opened,
    )
    wo = services.assign(wo, cast.qm, cast.staff_a, at=opened)
    return services.start(wo, cast.staff_a, at=opened)


def test_reopen_continues_the_clock_without_the_time_it_stood_resolved(office: Any) -> None:
    wo = raise_p3(office, t(3, 3, 9))  # Monday
    assert wo.resolution_due_at == t(3, 5, 18)  # Wednesday evening: three working days
    wo = services.resolve(wo, office.staff_a, "已处理", at=t(3, 3, 17))  # 7 business hours used
    assert wo.sla_state == "met" and wo.resolution_business_seconds == 7 * 3600
    wo = services.close(wo, office.requester, 2, at=t(3, 4, 9))
    wo = services.reopen(wo, office.requester, "又坏了", at=t(3, 6, 9))  # Thursday: 2 working days later
    # Stood resolved from Monday 17:00 to Thursday 09:00: 17 business hours that do not count.
    assert wo.paused_business_seconds == 17 * 3600
    assert wo.resolution_due_at == t(3, 10, 10)  # 17 working hours later than Wednesday 18:00: Monday 10:00
    assert wo.sla_state == "on_track" and wo.resolution_business_seconds is None
    wo = services.start(wo, office.staff_a, at=t(3, 6, 10))
    wo = services.resolve(wo, office.staff_a, "再次处理", at=t(3, 10, 11))
    assert wo.sla_state == "missed"
    # Monday 09:00 to the next Monday 11:00 is 42 working hours, 17 of them standing resolved.
    assert wo.resolution_business_seconds == pytest.approx(25 * 3600, abs=1)


def test_priority_change_while_paused_keeps_the_time_used(office: Any) -> None:
    wo = raise_p3(office, t(3, 3, 9))
    wo = services.pause(wo, office.staff_a, "awaiting_requester", at=t(3, 3, 11))  # 2 h used
    wo = services.edit(wo, office.qm, priority="P1")  # 240 business minutes to resolve
    assert wo.resolution_target_minutes == 240
    assert wo.sla_state == "on_track" and wo.sla_next_check_at is None  # the clock stands still
    wo = services.resume(wo, office.staff_a, at=t(3, 4, 11))  # a working day later: paused time not counted
    assert wo.resolution_due_at == t(3, 4, 14)  # 2 h more: 11:00-12:00 and 13:00-14:00


def test_clock_may_stop_only_when_the_requester_confirms(office: Any) -> None:
    with (
        audit.audit_context(actor=office.qm),
        sla.publisher.deferred(at=datetime.datetime(2024, 6, 1, tzinfo=SH)),
    ):
        office.contract_a.sla_stops_at = "closed"
        office.contract_a.save()
    wo = raise_p3(office, t(3, 3, 9))
    wo = services.resolve(wo, office.staff_a, "已处理", at=t(3, 3, 10))
    assert wo.sla_state == "on_track" and wo.resolution_business_seconds is None  # still running
    wo = services.close(wo, office.requester, 5, at=t(3, 7, 9))  # Friday 09:00: 4 working days in
    assert wo.sla_state == "missed" and wo.resolution_business_seconds == 32 * 3600


def test_an_amendment_applies_to_work_orders_raised_after_it(office: Any) -> None:
    before = raise_p3(office, t(3, 3, 9))
    with audit.audit_context(actor=office.qm), sla.publisher.deferred(at=t(3, 4, 0)):
        target = office.contract_a.sla_targets.get(priority="P3")
        target.resolution_minutes = 480
        target.save()
    after = raise_p3(office, t(3, 4, 9))
    assert before.sla_policy.number == 1 and after.sla_policy.number == 2
    assert (before.resolution_target_minutes, after.resolution_target_minutes) == (1440, 480)
    clock.refresh(before)
    assert before.resolution_target_minutes == 1440  # its clocks never change


def test_work_order_page_shows_both_clocks_in_business_hours(office: Any) -> None:
    from django.utils import translation

    from oqms.core.values import format_duration
    from tests.core.helpers import page_client

    wo = raise_p3(office, t(3, 3, 9))
    wo = services.resolve(wo, office.staff_a, "已处理", at=t(3, 4, 10, 30))  # 8 h + 1 h 30 min of office time
    response = page_client(office.qm, "en").get(wo.get_absolute_url())
    html = response.content.decode()
    assert 'id="sla-clocks"' in html and "9 h 30 min" in html and "24 h 00 min" in html
    assert response.context["sla"]["used"]["resolution"] == 9.5 * 3600
    with translation.override("en"):
        assert [format_duration(s) for s in (None, 59, 60 * 45, 3600 * 27.5)] == [
            "—",
            "1 min",
            "45 min",
            "27 h 30 min",
        ]


def test_an_amendment_can_be_dated_ahead_but_not_back(cast: Any) -> None:
    from django.utils import timezone

    from tests.core.helpers import api_client

    client = api_client(cast.qm)
    url = f"/api/contracts/{cast.contract_a.pk}/"
    targets = [
        {"priority": p, "response_minutes": 60, "resolution_minutes": 600} for p in ("P1", "P2", "P3", "P4")
    ]
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = client.patch(url, {"sla_targets": targets, "sla_effective_from": past}, format="json")
    assert response.status_code == 400 and "sla_effective_from" in response.json()
    assert cast.contract_a.sla_policies.count() == 1
    ahead = timezone.now() + datetime.timedelta(days=7)
    response = client.patch(
        url, {"sla_targets": targets, "sla_effective_from": ahead.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["sla_policy"]["number"] == 1  # still the one in force now
    latest = cast.contract_a.sla_policies.order_by("-number").first()
    assert latest.number == 2 and abs((latest.effective_from - ahead).total_seconds()) < 1
    now_raised = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="现在",
        priority="P1",
    )
    assert now_raised.sla_policy.number == 1 and now_raised.resolution_target_minutes == 240


def test_work_order_page_warns_when_its_clock_runs_beyond_the_holiday_data(office: Any) -> None:
    from tests.core.helpers import page_client

    december = services.create(
        requester=office.requester,
        contract=office.contract_a,
        site=office.site,
        service_type=office.service_type,
        title="年底",
        priority="P4",
        opened_at=datetime.datetime(2025, 12, 29, 17, tzinfo=SH),
    )  # due in 2026
    assert clock.uncovered_years(december) == [2026]
    html = page_client(office.qm, "en").get(december.get_absolute_url()).content.decode()
    assert 'id="clock-coverage"' in html and "2026" in html
    march = raise_p3(office, t(3, 3, 9))
    assert clock.uncovered_years(march) == []
    assert 'id="clock-coverage"' not in page_client(office.qm).get(march.get_absolute_url()).content.decode()

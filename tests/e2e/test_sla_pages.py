"""In the browser: a calendar's hours and statutory import, a work order's SLA clocks with a live countdown, and the
notification inbox — screenshots in test-artifacts/e2e/3x-*.png."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]


def test_calendar_clock_and_inbox(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    from oqms.calendars.models import Calendar
    from oqms.contracts import sla
    from oqms.core import audit
    from oqms.workorders import monitor, services
    from tests.conftest import build_cast

    cast = build_cast()
    base = live_server.url
    this_year = timezone.localdate().year

    # 1. The quality manager creates a calendar with the weekly-hours editor and imports this year's holidays.
    qm = new_context().new_page()
    sign_in(qm, base, "qm")
    qm.goto(f"{base}/calendars/calendars/new/")
    qm.locator("#id_code").fill("cn-office")
    qm.locator("#id_name").fill("中国工作日（9:00–18:00）")
    qm.locator("#id_is_default").check()
    for day in range(5):
        qm.locator(f"#id_hours_{day}").fill("09:00-12:00, 13:00-18:00")
    qm.locator("#id_hours_5").fill("09:00-12:00")
    shot(qm, "30-calendar-form")
    qm.locator("#save").click()
    expect(qm).to_have_url(re.compile(r"/calendars/calendars/\d+/$"))
    expect(qm.locator("#coverage-warning")).to_be_visible()  # no holidays for this year yet
    qm.locator("#import-year input[name=year]").fill(str(this_year))
    qm.locator("#import-year button").click()
    expect(qm.locator(".alert-success")).to_be_visible()
    expect(qm.locator("#calendar-days tbody tr")).not_to_have_count(1)
    shot(qm, "31-calendar-imported")
    calendar = Calendar.objects.get(code="cn-office")
    assert this_year in calendar.holiday_years and calendar.versions.count() == 2
    assert calendar.weekly_hours["5"] == [["09:00", "12:00"]]

    # 2. A work order raised now runs on it: its page shows both clocks and a live countdown.
    with audit.audit_context(actor=cast.qm):
        wo = services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            title="空调不制冷",
            priority="P2",
            opened_at=timezone.now() - datetime.timedelta(days=3),
        )
        wo = services.assign(wo, cast.qm, cast.staff_a)
    assert wo.calendar == calendar
    manager = new_context().new_page()
    sign_in(manager, base, "manager_a")
    manager.goto(f"{base}{wo.get_absolute_url()}")
    expect(manager.locator("#sla-clocks")).to_be_visible()
    expect(manager.locator("#clock-resolution .countdown")).to_have_text(re.compile(r"\d"))
    shot(manager, "32-work-order-sla-clocks")

    # 3. On a round-the-clock contract a P1 unanswered for 35 minutes has breached its 30-minute response: the
    # monitor tells the vendor manager; the bell shows it, the inbox lists it.
    with audit.audit_context(actor=cast.qm):
        always = Calendar.objects.create(
            code="24x7",
            name="全天候",
            region="",
            weekly_hours={str(d): [["00:00", "24:00"]] for d in range(7)},
        )
        with sla.publisher.deferred(at=timezone.now() - datetime.timedelta(days=30)):
            cast.contract_b.sla_calendar = always
            cast.contract_b.save()
        wo = services.create(
            requester=cast.requester,
            contract=cast.contract_b,
            site=cast.site,
            service_type=cast.service_type,
            title="机房门禁失灵",
            priority="P1",
            opened_at=timezone.now() - datetime.timedelta(minutes=35),
        )
    assert wo.calendar == always
    assert monitor.run() >= 1
    manager = new_context().new_page()
    sign_in(manager, base, "manager_b")
    manager.goto(f"{base}/")
    expect(manager.locator("#unread-badge")).to_be_visible()
    manager.locator("#inbox-link").click()
    expect(manager.locator("#notifications .list-group-item").first).to_contain_text(wo.number)
    shot(manager, "33-inbox")
    manager.locator("#read-all").click()
    expect(manager.locator("#unread-badge")).to_have_count(0)
    assert [r for r in failed_responses if not r.endswith("/favicon.ico")] == []

"""In the browser: a quality manager defines a KPI with tiers and reads its recent periods, down to the work
orders behind a value — screenshots test-artifacts/e2e/4x-*.png."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]


def test_define_a_kpi_and_drill_down(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    from oqms.core import audit
    from oqms.kpis import rollups
    from oqms.kpis.models import KPI
    from oqms.workorders import services
    from tests.conftest import build_cast

    cast = build_cast()
    now = timezone.now()
    with audit.audit_context(actor=cast.qm):
        for hours, reopen in ((30, False), (20, False), (10, True)):
            wo = services.create(
                requester=cast.requester,
                contract=cast.contract_a,
                site=cast.site,
                service_type=cast.service_type,
                title="投影仪故障",
                priority="P3",
                opened_at=now - datetime.timedelta(hours=hours),
            )
            wo = services.assign(wo, cast.qm, cast.staff_a, at=wo.opened_at)
            wo = services.start(wo, cast.staff_a, at=wo.opened_at)
            wo = services.resolve(wo, cast.staff_a, "好了", at=wo.opened_at + datetime.timedelta(hours=1))
            if reopen:
                wo = services.reopen(
                    wo, cast.requester, "又坏了", at=wo.opened_at + datetime.timedelta(hours=2)
                )
                wo = services.start(wo, cast.staff_a, at=wo.opened_at + datetime.timedelta(hours=2))
                wo = services.resolve(wo, cast.staff_a, "再修", at=wo.opened_at + datetime.timedelta(hours=3))
    rollups.refresh_dirty()

    base = live_server.url
    qm = new_context().new_page()
    sign_in(qm, base, "qm")
    qm.goto(f"{base}/kpis/kpis/new/")
    qm.locator("#id_contract").select_option(str(cast.contract_a.pk))
    qm.locator("#id_code").fill("first-fix")
    qm.locator("#id_name").fill("一次修复率")
    qm.locator("#id_measure").select_option("first_time_fix_pct")
    qm.locator("#id_unit").fill("%")
    qm.locator("#id_target").fill("95")
    qm.locator("#id_minimum").fill("90")
    qm.locator("#id_scoring").select_option("tiers")
    qm.locator("#id_tiers_text").fill("98, 100\n95, 80\n60, 40")
    qm.locator("#id_effective_from").fill("2026-01-01")
    shot(qm, "40-kpi-form")
    qm.locator("#save").click()
    expect(qm).to_have_url(re.compile(r"/kpis/kpis/\d+/$"))
    rows = qm.locator("#kpi-results tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("66.67")  # 2 of 3 resolved without a reopen; tier 60 → 40 points
    expect(rows.first).to_contain_text("40.0")
    shot(qm, "41-kpi-detail")
    rows.first.get_by_role("link").click()
    expect(qm.locator("table tbody tr")).to_have_count(3)
    shot(qm, "42-kpi-drill-down")
    assert KPI.objects.get(code="first-fix").tiers == [[98.0, 100.0], [95.0, 80.0], [60.0, 40.0]]
    assert [r for r in failed_responses if not r.endswith("/favicon.ico")] == []

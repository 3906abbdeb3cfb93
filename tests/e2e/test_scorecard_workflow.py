"""In the browser: the quality manager publishes a scorecard, the vendor's manager appeals one KPI, the quality
manager answers and approves it, and the settlement approved with it is exported to PDF and Excel — screenshots
test-artifacts/e2e/5x-*.png."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]


def test_publish_appeal_approve_and_export(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    from oqms.core import audit
    from oqms.kpis import rollups, scorecards
    from oqms.kpis.models import KPI, Scorecard
    from oqms.settlements.models import PayRule, Settlement
    from oqms.workorders import services
    from tests.conftest import build_cast

    cast = build_cast()
    now = timezone.now()
    with audit.audit_context(actor=cast.qm):
        KPI.objects.create(
            contract=cast.contract_a,
            code="first-fix",
            name="一次修复率",
            measure="first_time_fix_pct",
            unit="%",
            target=Decimal("95"),
            minimum=Decimal("90"),
            weight=Decimal("1"),
            effective_from=datetime.date(2020, 1, 1),
        )
        PayRule.objects.create(
            contract=cast.contract_a,
            name="一次修复率未达标扣款",
            kind="kpi_shortfall",
            kpi_code="first-fix",
            percent_of_fee=Decimal("0.1"),
        )
        for hours, reopen in ((30, False), (20, False), (10, True)):
            wo = services.create(
                requester=cast.requester,
                contract=cast.contract_a,
                site=cast.site,
                service_type=cast.service_type,
                title="空调不制冷",
                priority="P3",
                opened_at=now - datetime.timedelta(hours=hours),
            )
            wo = services.assign(wo, cast.qm, cast.staff_a, at=wo.opened_at)
            wo = services.start(wo, cast.staff_a, at=wo.opened_at)
            wo = services.resolve(wo, cast.staff_a, "已修复", at=wo.opened_at + datetime.timedelta(hours=1))
            if reopen:
                wo = services.reopen(
                    wo, cast.requester, "又坏了", at=wo.opened_at + datetime.timedelta(hours=2)
                )
                wo = services.start(wo, cast.staff_a, at=wo.opened_at + datetime.timedelta(hours=2))
                wo = services.resolve(
                    wo, cast.staff_a, "更换压缩机", at=wo.opened_at + datetime.timedelta(hours=3)
                )
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    base = live_server.url
    url = f"{base}{card.get_absolute_url()}"

    qm = new_context().new_page()
    sign_in(qm, base, "qm")
    qm.goto(url)
    expect(qm.locator("#scorecard-status")).to_have_text("草稿")
    shot(qm, "50-qm-scorecard-draft")
    qm.locator("#step-publish button").click()
    expect(qm.locator("#scorecard-status")).to_have_text("已发布给服务商")

    vendor = new_context().new_page()
    sign_in(vendor, base, "manager_a")
    vendor.goto(f"{base}/kpis/scorecards/")
    vendor.get_by_role("link", name=card.contract.number).first.click()
    expect(vendor.locator("#scorecard-results")).to_contain_text("一次修复率")
    expect(vendor.locator("#step-appeal")).to_be_visible()
    vendor.locator("#step-appeal textarea").fill("第三张工单的返修是用户误操作导致，申请不计入返修。")
    vendor.locator("#step-appeal select").select_option(label="一次修复率")
    shot(vendor, "51-vendor-appeals")
    vendor.locator("#step-appeal button").click()
    expect(vendor.locator("#scorecard-status")).to_have_text("服务商已申诉")
    expect(vendor.locator("#scorecard-comments")).to_contain_text("用户误操作")

    qm.goto(url)
    expect(qm.locator("#scorecard-comments")).to_contain_text("用户误操作")
    qm.locator("#step-answer textarea").fill("经核查，返修原因为压缩机老化，维持原结果。")
    qm.locator("#step-answer button").click()
    expect(qm.locator("#scorecard-status")).to_have_text("已发布给服务商")
    qm.locator("#step-approve button").click()
    expect(qm.locator("#scorecard-status")).to_have_text("已批准")
    shot(qm, "52-qm-scorecard-approved")

    qm.locator("#settlement-link").click()
    expect(qm.locator("#settlement-net")).to_be_visible()
    expect(qm.locator("#settlement-lines")).to_contain_text("一次修复率")
    shot(qm, "53-settlement")
    with qm.expect_download() as pdf_download:
        qm.locator("#export-pdf").click()
    content = open(pdf_download.value.path(), "rb").read()  # noqa: SIM115
    assert content.startswith(b"%PDF")
    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(content))
    text = document[0].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    assert "结算单" in text and "甲服务有限公司" in text
    with qm.expect_download() as xlsx_download:
        qm.locator("#export-xlsx").click()
    from openpyxl import load_workbook

    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read())).active  # noqa: SIM115
    assert "结算单" in str(sheet["A1"].value)

    settlement = Settlement.objects.get(scorecard=card)
    assert Scorecard.objects.get(pk=card.pk).status == "approved" and settlement.status == "approved"
    assert settlement.deductions > 0

    intruder = new_context().new_page()
    sign_in(intruder, base, "manager_b")
    response = intruder.goto(url)
    assert response is not None and response.status == 404
    expected = {f"404 {card.get_absolute_url()}"}
    assert {r for r in failed_responses if not r.endswith("/favicon.ico")} <= expected

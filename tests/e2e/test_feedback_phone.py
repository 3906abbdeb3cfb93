"""In the browser, at phone size, without signing in: a complaint sent from a QR code's link (with an XSS payload
that stays text), followed on the complainant's private link, resolved by the vendor, confirmed and so closed
by the complainant; then too many submissions from one phone get a clear message — screenshots
test-artifacts/e2e/7x-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e]


def test_a_complaint_from_a_qr_code_is_confirmed_and_closed_by_the_complainant(
    live_server: Any,
    transactional_db: Any,
    new_context: Any,
    shot: Any,
    failed_responses: list[str],
    settings: Any,
) -> None:
    from oqms.core import audit
    from oqms.feedback import workflow
    from oqms.feedback.models import Complaint, ComplaintCategory, FeedbackPoint
    from tests.conftest import build_cast

    cast = build_cast()
    cast.contract_b.service_types.clear()
    with audit.audit_context(actor=cast.qm):
        ComplaintCategory.objects.create(code="it", name="IT 服务", service_type=cast.service_type)
        point = FeedbackPoint.objects.create(site=cast.site, name="2楼服务台", token="e2e-desk-token")
    base = live_server.url
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{base}/f/{point.token}/")
    expect(phone.locator("#point-name")).to_contain_text("2楼服务台")
    shot(phone, "70-feedback-form-phone")
    phone.locator("#id_category").select_option(label="IT 服务")
    phone.locator("#id_description").fill("<img src=x onerror=alert(1)>打印机卡纸三天了")
    phone.locator("#id_phone").fill("138 0013 8000")
    phone.locator("#send-feedback").click()
    expect(phone.locator("#follow-status")).to_contain_text("已转服务商")
    expect(phone.locator("#follow-description")).to_contain_text(
        "<img src=x onerror=alert(1)>"
    )  # shown as text
    assert phone.locator("#follow-description img").count() == 0
    shot(phone, "71-feedback-followed-phone")
    follow_url = phone.url

    complaint = Complaint.objects.get()
    assert complaint.vendor == cast.vendor_a and complaint.phone_masked == "138****8000"
    workflow.respond(complaint, cast.manager_a, "工程师今天下午到场")
    workflow.resolve(complaint, cast.manager_a, "已更换搓纸轮，测试正常")
    phone.goto(follow_url)
    expect(phone.locator("#follow-steps")).to_contain_text("已更换搓纸轮")
    shot(phone, "72-feedback-resolved-phone")
    phone.locator("#confirm-resolved").click()
    expect(phone.locator("#follow-status")).to_contain_text("已关闭")
    shot(phone, "73-feedback-closed-phone")
    assert Complaint.objects.get().status == "closed"

    settings.OQMS_FEEDBACK_PER_ADDRESS = 2
    for text in ("第二条反馈", "第三条反馈"):
        phone.goto(f"{base}/f/{point.token}/")
        phone.locator("#id_description").fill(text)
        phone.locator("#send-feedback").click()
    expect(phone.locator("#form-error")).to_contain_text("分钟后再试")
    shot(phone, "74-feedback-rate-limited-phone")
    assert Complaint.objects.count() == 2
    assert [r for r in failed_responses if not r.startswith(("429 ", "404 /favicon"))] == []

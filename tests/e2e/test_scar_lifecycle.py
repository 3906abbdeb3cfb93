"""In the browser: the quality manager raises a nonconformance and requests corrective action; the vendor's
manager acknowledges it, gives the 5 whys and an action plan, and reports it implemented; the quality manager
finds it not effective once, the vendor revises the plan, and the quality manager verifies it effective —
screenshots test-artifacts/e2e/7x-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]


def open_step(page: Any, action: str) -> None:
    panel = page.locator(f"#step-{action}")
    if "show" not in (panel.get_attribute("class") or ""):
        page.locator(f"#open-{action}").click()
    expect(panel).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#steps-accordion .collapsing")).to_have_count(0)


def add_item(page: Any, kind: str, text: str, owner: str, due: str) -> None:
    open_step(page, "add_item")
    form = page.locator("#step-add_item")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("textarea[name=description]").fill(text)
    form.locator("input[name=owner_name]").fill(owner)
    form.locator("input[name=due_date]").fill(due)
    page.locator("#do-add_item").click()
    expect(page.locator("#action-plan")).to_contain_text(text)


def complete_items(page: Any) -> None:
    while page.locator("form.complete-item").count():
        form = page.locator("form.complete-item").first
        form.locator("input[name=note]").fill("已按计划执行，记录见附件")
        form.locator("button").click()
        expect(page.locator(".alert-success")).to_be_visible()


def test_a_corrective_action_from_request_to_verified(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    import datetime

    from django.utils import timezone

    from oqms.capa.models import CorrectiveAction, Nonconformance
    from tests.capa.conftest import make_category
    from tests.conftest import build_cast

    cast = build_cast()
    make_category()
    base = live_server.url
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()

    qm = new_context().new_page()
    sign_in(qm, base, "qm")
    qm.goto(f"{base}/capa/nonconformances/new/")
    qm.locator("input[name=title]").fill("三楼卫生间未按时清洁")
    qm.locator("textarea[name=description]").fill("14:00 巡检发现未清洁，地面有积水，有滑倒风险。")
    qm.locator("select[name=vendor]").select_option(label=str(cast.vendor_a))
    qm.locator("select[name=contract]").select_option(label=str(cast.contract_a))
    qm.locator("select[name=category]").select_option(label="清洁不到位")
    qm.locator("select[name=severity]").select_option("major")
    qm.locator("textarea[name=containment]").fill("立即清理积水并放置警示牌")
    qm.locator("form button[type=submit]").last.click()
    expect(qm.locator("#nc-badges")).to_contain_text("严重")
    nc = Nonconformance.objects.get()
    open_step(qm, "issue")
    qm.locator("#step-issue textarea[name=requirements]").fill("请在 2 天内确认，10 天内给出根因和整改计划。")
    qm.locator("#step-issue input[name=verify_after_days]").fill("0")
    shot(qm, "70-qm-requests-corrective-action")
    qm.locator("#do-issue").click()
    expect(qm.locator(".scar-stages [aria-current=step]")).to_have_text("已发出")
    scar = CorrectiveAction.objects.get()
    url = f"{base}{scar.get_absolute_url()}"

    vendor = new_context().new_page()
    sign_in(vendor, base, "manager_a")
    vendor.goto(f"{base}/capa/correctiveactions/")
    vendor.get_by_role("link", name=scar.number).click()
    vendor.locator("#do-acknowledge").click()
    expect(vendor.locator(".scar-stages [aria-current=step]")).to_have_text("已确认")
    open_step(vendor, "analyse")
    form = vendor.locator("#step-analyse")
    form.locator("input[name=why_1]").fill("为什么没有清洁？当班保洁员被临时调去会议室")
    form.locator("input[name=why_2]").fill("为什么会被调走？会议保障没有单独排人")
    form.locator("input[name=why_3]").fill("为什么没有单独排人？排班表没有机动人员")
    form.locator("select[name=category]").select_option("manpower")
    form.locator("textarea[name=root_cause]").fill("排班没有机动人员，临时任务挤占楼层保洁")
    vendor.locator("#do-analyse").click()
    expect(vendor.locator("#root-cause")).to_contain_text("排班表没有机动人员")
    add_item(vendor, "corrective", "重新排班：每层保留 1 名机动保洁员", "李主管", due)
    add_item(vendor, "preventive", "会议保障由行政另行派人，不占用楼层保洁", "王经理", due)
    open_step(vendor, "submit_plan")
    shot(vendor, "71-vendor-root-cause-and-plan")
    vendor.locator("#do-submit_plan").click()
    expect(vendor.locator(".scar-stages [aria-current=step]")).to_have_text("措施计划")
    complete_items(vendor)
    open_step(vendor, "implement")
    vendor.locator("#step-implement textarea").fill("新排班表自本周一起执行，附排班表与签到记录。")
    vendor.locator("#do-implement").click()
    expect(vendor.locator(".scar-stages [aria-current=step]")).to_have_text("已实施")

    qm.goto(url)
    open_step(qm, "verify")
    qm.locator("#step-verify input[value=no]").check()
    qm.locator("#step-verify textarea").fill("复查三次，仍有一次 14:00 漏扫。")
    shot(qm, "72-qm-finds-it-not-effective")
    qm.locator("#do-verify").click()
    expect(qm.locator(".scar-stages [aria-current=step]")).to_have_text("根本原因")
    expect(qm.locator("#scar-events")).to_contain_text("仍有一次 14:00 漏扫")

    vendor.goto(url)
    expect(vendor.locator("#scar-events")).to_contain_text("仍有一次 14:00 漏扫")
    vendor.locator("#scar-comments textarea").fill("漏扫那次是替班人员不熟悉区域，已增加巡查打卡。")
    vendor.locator("#add-comment").click()
    expect(vendor.locator("#scar-comments")).to_contain_text("增加巡查打卡")
    add_item(vendor, "corrective", "14:00 增加巡查打卡，主管每日核对", "李主管", due)
    open_step(vendor, "submit_plan")
    vendor.locator("#do-submit_plan").click()
    complete_items(vendor)
    open_step(vendor, "implement")
    vendor.locator("#step-implement textarea").fill("巡查打卡已执行两周，附打卡记录。")
    vendor.locator("#do-implement").click()
    expect(vendor.locator(".scar-stages [aria-current=step]")).to_have_text("已实施")

    qm.goto(url)
    open_step(qm, "verify")
    qm.locator("#step-verify input[value=yes]").check()
    qm.locator("#step-verify textarea").fill("连续两周抽查无漏扫，有效。")
    qm.locator("#do-verify").click()
    expect(qm.locator(".scar-stages [aria-current=step]")).to_have_text("已验证")
    shot(qm, "73-qm-verified-and-closed")
    qm.goto(f"{base}{nc.get_absolute_url()}")
    expect(qm.locator("#nc-badges")).to_contain_text("已关闭")
    shot(qm, "74-nonconformance-closed")

    scar.refresh_from_db()
    assert scar.status == "closed" and scar.round == 2 and scar.items.count() == 3

    intruder = new_context().new_page()
    sign_in(intruder, base, "manager_b")
    response = intruder.goto(url)
    assert response is not None and response.status == 404
    expected = {f"404 {scar.get_absolute_url()}"}
    assert {r for r in failed_responses if not r.endswith("/favicon.ico")} <= expected

"""End to end in a real browser: a vendor and its contract are set up, a work order is raised, worked on a phone,
resolved and closed with a rating — every step through the real pages, screenshots in test-artifacts/e2e/.

Only the reference data (org unit, site, service category and type) and the users are created through the ORM;
the vendor's people are created once the quality manager has created the vendor in the browser. The quality manager
raises the work order for the requester (as a service desk does for a caller), so the requester is the one who
confirms and rates it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e]

HAN = re.compile(r"[\u4e00-\u9fff]")
VENDOR_NAME = "闽江智维信息技术有限公司"
CREDIT_CODE = "91350100M000100Y43"
WORK_TITLE = "三楼会议室投影仪无法显示"
IGNORED_FAILURES = ("/favicon.ico",)  # the browser asks for it; the app has none
# (priority, response, resolution minutes): the form's P1..P4 defaults, P2 changed for this contract.
SLA = [("P1", 30, 240), ("P2", 45, 360), ("P3", 120, 1440), ("P4", 240, 4320)]


def translated(text: str) -> bool:
    """Whether the Chinese catalogue translates this message yet (it is being written at the same time)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text) != text


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("#sign-in")).to_be_visible()
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#sign-in").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("#user-menu")).to_be_attached()


def open_step(page: Any, action: str) -> None:
    """Unfold one step of the workflow accordion and wait until Bootstrap's animation is over."""
    page.locator(f"button[data-bs-target='#act-{action}']").click()
    expect(page.locator(f"#act-{action}")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#actions-accordion .collapsing")).to_have_count(0)


def no_horizontal_scroll(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


@pytest.fixture
def reference_data(transactional_db: Any) -> dict[str, Any]:
    from oqms.contracts.models import ServiceType
    from oqms.core import audit
    from oqms.org.models import OrgUnit, Site
    from oqms.vendors.models import ServiceCategory

    with audit.audit_context(source="test"):
        org_unit = OrgUnit.objects.create(code="FIN", name="财务共享中心")
        site = Site.objects.create(
            code="FZ-01", name="福州软件园", org_unit=org_unit, address="福州市鼓楼区软件大道"
        )
        category = ServiceCategory.objects.create(code="it", name="IT 支持", name_en="IT support")
        service_type = ServiceType.objects.create(
            code="av", name="会议室音视频", name_en="Meeting room AV", category=category
        )
        return {
            "org_unit": org_unit,
            "site": site,
            "category": category,
            "service_type": service_type,
            "qm": make_user("qm", "quality_manager"),
            "requester": make_user("requester", "requester", org_unit=org_unit),
        }


def test_work_order_journey(
    live_server: Any, reference_data: dict[str, Any], new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    from oqms.contracts.models import Contract
    from oqms.core import audit
    from oqms.core.models import AuditEntry
    from oqms.vendors.models import Vendor
    from oqms.workorders.models import WorkOrder

    base = live_server.url
    ref = reference_data
    today = timezone.localdate()

    # 1. The quality manager sets up the vendor and its contract (desktop, default language 简体中文).
    qm = new_context().new_page()
    sign_in(qm, base, "qm")
    expect(qm.locator("html")).to_have_attribute("lang", "zh-hans")
    if translated("Open work orders by vendor"):
        expect(qm.locator("main h1")).to_have_text(HAN)
    expect(qm.locator("#by-vendor")).to_be_visible()
    shot(qm, "01-qm-home")

    qm.goto(f"{base}/vendors/vendors/")
    qm.locator("#add-record").click()
    expect(qm).to_have_url(f"{base}/vendors/vendors/new/")
    qm.locator("#id_name").fill(VENDOR_NAME)
    qm.locator("#id_short_name").fill("闽江智维")
    qm.locator("#id_credit_code").fill(CREDIT_CODE)
    qm.locator(f"input[name=categories][value='{ref['category'].pk}']").check()
    qm.locator("#id_status").select_option("active")
    qm.locator("#id_address").fill("福州市鼓楼区软件大道 89 号")
    shot(qm, "02-qm-vendor-form")
    qm.locator("#save").click()
    expect(qm).to_have_url(re.compile(r"/vendors/vendors/\d+/$"))
    expect(qm.locator(".alert-success")).to_be_visible()
    shot(qm, "03-qm-vendor-created")

    vendor = Vendor.objects.get(name=VENDOR_NAME)
    assert vendor.credit_code == CREDIT_CODE
    assert list(vendor.categories.all()) == [ref["category"]]
    with audit.audit_context(source="test"):
        manager = make_user("vm_zhang", "vendor_manager", vendor)
        staff = make_user("vs_li", "vendor_staff", vendor)
        for user, display_name in ((manager, "张经理"), (staff, "李工程师")):
            user.display_name = display_name
            user.save(update_fields=["display_name"])

    qm.locator(f"a[href='/contracts/contracts/new/?vendor={vendor.pk}']").click()
    expect(qm.locator("#id_vendor")).to_have_value(str(vendor.pk))
    qm.locator("#id_number").fill("HT-2026-0415")
    qm.locator("#id_title").fill("福州软件园 IT 桌面与会议室运维")
    qm.locator("#id_status").select_option("active")
    qm.locator("#id_start_date").fill((today - datetime.timedelta(days=30)).isoformat())
    qm.locator("#id_end_date").fill((today + datetime.timedelta(days=335)).isoformat())
    qm.locator("#id_monthly_fee").fill("86000.00")
    qm.locator("#id_org_units").select_option(str(ref["org_unit"].pk))
    qm.locator("#id_sites").select_option(str(ref["site"].pk))
    qm.locator("#id_service_types").select_option(str(ref["service_type"].pk))
    expect(qm.locator("#id_sla-TOTAL_FORMS")).to_have_value("4")
    for row, priority in enumerate(("P1", "P2", "P3", "P4")):
        expect(qm.locator(f"#id_sla-{row}-priority")).to_have_value(priority)
    expect(qm.locator("#id_sla-1-resolution_minutes")).to_have_value("480")
    # P2 is tighter in this contract; the other rows keep their prefilled defaults (and must be saved too).
    qm.locator("#id_sla-1-response_minutes").fill("45")
    qm.locator("#id_sla-1-resolution_minutes").fill("360")
    shot(qm, "04-qm-contract-form")
    qm.locator("#save").click()
    expect(qm).to_have_url(re.compile(r"/contracts/contracts/\d+/$"))
    expect(qm.locator(".alert-success")).to_be_visible()
    shot(qm, "05-qm-contract-created")
    contract = Contract.objects.get(number="HT-2026-0415")
    assert contract.vendor == vendor and contract.status == "active"
    targets = contract.sla_targets.order_by("priority")
    assert list(targets.values_list("priority", "response_minutes", "resolution_minutes")) == SLA

    # The quality manager raises the work order on the requester's behalf.
    qm.goto(f"{base}/")
    qm.locator("#raise-work-order").click()
    expect(qm).to_have_url(f"{base}/work/workorders/new/")
    qm.locator("#id_requester").select_option(str(ref["requester"].pk))
    qm.locator("#id_site").select_option(str(ref["site"].pk))
    qm.locator("#id_service_type").select_option(str(ref["service_type"].pk))
    expect(qm.locator("#id_contract")).to_have_value("")  # found from the site and service type
    qm.locator("#id_priority").select_option("P2")
    qm.locator("#id_title").fill(WORK_TITLE)
    qm.locator("#id_description").fill("下午两点有客户来访，投影仪接 HDMI 后无信号。")
    shot(qm, "06-qm-work-order-form")
    qm.locator("#save").click()
    expect(qm).to_have_url(re.compile(r"/work/workorders/\d+/$"))
    expect(qm.locator(".alert-success")).to_be_visible()
    expect(qm.locator("#timeline li")).to_have_count(1)
    shot(qm, "07-qm-work-order-raised")
    work_order = WorkOrder.objects.get(title=WORK_TITLE)
    assert work_order.contract == contract and work_order.vendor == vendor
    number = work_order.number

    # 2. The vendor manager works it on a phone.
    phone = new_context(**PHONE).new_page()
    sign_in(phone, base, "vm_zhang")
    expect(phone.locator(".navbar-toggler")).to_be_visible()
    link = phone.get_by_role("link", name=number)
    expect(link).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, "08-phone-vendor-manager-home")
    phone.locator(".navbar-toggler").click()
    expect(phone.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened, animation over
    expect(phone.locator("#user-menu")).to_be_visible()
    shot(phone, "09-phone-menu-open")
    phone.locator(".navbar-toggler").click()
    expect(phone.locator("#mainnav")).to_be_hidden()

    link.click()
    expect(phone).to_have_url(f"{base}/work/workorders/{work_order.pk}/")
    assign = phone.locator("form[data-action=assign]")
    expect(assign).to_be_visible()
    assign.locator("select[name=assignee]").select_option(str(staff.pk))
    no_horizontal_scroll(phone)
    shot(phone, "10-phone-assign")
    phone.locator("#do-assign").click()
    expect(phone.locator(".alert-success")).to_be_visible()
    expect(phone.locator("#timeline li")).to_have_count(2)

    open_step(phone, "start")
    phone.locator("form[data-action=start] textarea[name=note]").fill("已到现场，正在检查线缆。")
    shot(phone, "11-phone-start")
    phone.locator("#do-start").click()
    expect(phone.locator("#timeline li")).to_have_count(3)

    open_step(phone, "resolve")
    resolve = phone.locator("form[data-action=resolve]")
    resolve.locator("textarea[name=note]").fill("更换了损坏的 HDMI 线缆，投影仪显示正常。")
    no_horizontal_scroll(phone)
    shot(phone, "12-phone-resolve")
    phone.locator("#do-resolve").click()
    expect(phone.locator("#timeline li")).to_have_count(4)
    expect(phone.locator("#workflow-actions")).to_have_count(0)  # closing is the requester's step
    no_horizontal_scroll(phone)
    shot(phone, "13-phone-resolved")

    # 3. The requester confirms and rates it.
    req = new_context().new_page()
    sign_in(req, base, "requester")
    to_confirm = req.locator(".card.border-success").get_by_role("link", name=number)
    expect(to_confirm).to_be_visible()
    shot(req, "14-requester-home-to-confirm")
    to_confirm.click()
    close = req.locator("form[data-action=close]")
    expect(close).to_be_visible()
    close.locator("input[name=rating][value='4']").check()
    close.locator("textarea[name=note]").fill("响应及时，处理专业。")
    shot(req, "15-requester-close")
    req.locator("#do-close").click()
    expect(req.locator(".alert-success")).to_be_visible()
    expect(req.locator("#timeline li")).to_have_count(5)
    expect(req.locator("form[data-action=reopen]")).to_be_attached()
    shot(req, "16-requester-closed")
    req.goto(f"{base}/")
    expect(req.locator(".card.border-success").get_by_role("link", name=number)).to_have_count(0)
    expect(req.get_by_role("link", name=number)).to_be_visible()  # under "recently closed"
    shot(req, "17-requester-home-after-close")

    # 4. What the pages did, as stored.
    requester, qm_user = ref["requester"], ref["qm"]
    work_order.refresh_from_db()
    assert work_order.status == "closed"
    assert work_order.rating == 4 and work_order.rating_comment == "响应及时，处理专业。"
    assert work_order.assignee == staff and work_order.priority == "P2"
    assert work_order.resolution_note == "更换了损坏的 HDMI 线缆，投影仪显示正常。"
    assert work_order.resolution_due_at == work_order.opened_at + datetime.timedelta(minutes=360)
    events = [(e.action, e.actor) for e in work_order.events.order_by("at", "pk")]
    assert events == [
        ("create", qm_user),
        ("assign", manager),
        ("start", manager),
        ("resolve", manager),
        ("close", requester),
    ]

    def trail(obj: Any) -> list[tuple[str, Any]]:
        entries = AuditEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
        return [(e.action, e.actor) for e in entries.order_by("at", "pk")]

    assert trail(vendor) == [("create", qm_user)]
    assert trail(contract) == [("create", qm_user)]
    assert trail(work_order) == [
        ("create", qm_user),
        ("update", manager),
        ("update", manager),
        ("update", manager),
        ("update", requester),
    ]
    assert set(
        AuditEntry.objects.filter(actor__in=[qm_user, manager, requester]).values_list("source", flat=True)
    ) == {"web"}
    # No page or asset (stylesheets, scripts, fonts) failed on the way.
    assert [r for r in failed_responses if not r.endswith(IGNORED_FAILURES)] == []


def test_language_switch_on_login_page(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any
) -> None:
    page = new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    language = page.locator("#language-form select[name=language]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(language).to_have_value("zh-hans")
    chinese = translated("Sign in")
    if chinese:
        expect(page.locator("#sign-in")).to_have_text(HAN)
    shot(page, "20-login-zh-hans")

    language.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator("#sign-in")).to_have_text("Sign in")
    expect(page.locator("label[for=id_username]")).to_contain_text("Username")
    shot(page, "21-login-english")

    page.locator("#language-form select[name=language]").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    if chinese:
        expect(page.locator("#sign-in")).to_have_text(HAN)
    shot(page, "22-login-back-to-zh-hans")

"""In the browser, at phone size: an inspector starts an inspection on site (with the phone's position), answers
every item with taps, takes a photo, has the vendor's representative acknowledge it and completes it; then the
vendor's manager sees the result — screenshots test-artifacts/e2e/6x-*.png."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.e2e.test_work_order_journey import sign_in

pytestmark = [pytest.mark.e2e]


def _saved(page: Any, item: Any) -> None:
    expect(page.locator(f"#item-{item.pk} .item-state")).to_contain_text("已保存")


def test_an_inspector_completes_an_inspection_with_a_photo_on_a_phone(
    live_server: Any,
    transactional_db: Any,
    new_context: Any,
    shot: Any,
    failed_responses: list[str],
    tmp_path: Path,
) -> None:
    from PIL import Image

    from oqms.core import audit, files
    from oqms.inspections import services
    from oqms.inspections.models import Inspection
    from tests.conftest import build_cast
    from tests.inspections.conftest import build_checklist

    cast = build_cast()
    checklist = build_checklist(cast)
    with audit.audit_context(actor=cast.qm):
        inspection = services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=timezone.now(),
            inspector=cast.inspector,
        )
    items = {item.text: item for item in inspection.version.ordered_items()}
    picture = tmp_path / "现场.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (90, 140, 200)).save(buffer, format="JPEG", quality=92)
    picture.write_bytes(buffer.getvalue())

    base = live_server.url
    phone = new_context(
        **PHONE, geolocation={"latitude": 31.2304, "longitude": 121.4737}, permissions=["geolocation"]
    ).new_page()
    sign_in(phone, base, "inspector")
    phone.goto(f"{base}{inspection.get_absolute_url()}")
    expect(phone.locator("#start-inspection")).to_contain_text("开始现场检查")
    shot(phone, "60-inspection-scheduled-phone")
    phone.locator("#start-inspection").click()
    expect(phone).to_have_url(f"{base}/inspections/inspections/{inspection.pk}/perform/")
    expect(phone.locator("#progress")).to_contain_text("已答 0 / 7")

    phone.locator(f"label[for='v{items['地面无垃圾'].pk}-pass']").click()
    _saved(phone, items["地面无垃圾"])
    phone.locator(f"label[for='v{items['整洁程度'].pk}-4']").click()
    _saved(phone, items["整洁程度"])
    temperature = phone.locator(f"#item-{items['室温'].pk} input[name=value]")
    temperature.fill("三十")  # not a number: refused, nothing saved
    temperature.press("Tab")
    expect(phone.locator(f"#item-{items['室温'].pk} .alert-danger")).to_be_visible()
    phone.locator(f"#item-{items['室温'].pk} input[name=value]").fill("23.5")
    phone.locator(f"#item-{items['室温'].pk} input[name=value]").press("Tab")
    _saved(phone, items["室温"])
    phone.locator(f"#item-{items['卫生间'].pk} label", has_text="一般").click()
    _saved(phone, items["卫生间"])
    phone.locator(f"label[for='v{items['消防通道畅通'].pk}-pass']").click()
    _saved(phone, items["消防通道畅通"])
    remark = phone.locator(f"#item-{items['备注'].pk} textarea[name=value]")
    remark.fill("电梯厅地面有少量水渍，已当场处理")
    remark.press("Tab")
    _saved(phone, items["备注"])
    phone.locator(f"#item-{items['现场照片'].pk} input[type=file]").set_input_files(str(picture))
    expect(phone.locator(f"#item-{items['现场照片'].pk} img.item-photo")).to_have_count(1)
    expect(phone.locator("#progress")).to_contain_text("已答 7 / 7")
    phone.locator("#id_acknowledged_by").fill("周晓明")
    phone.locator("#id_acknowledgement").fill("认可检查结果")
    phone.locator(f"#item-{items['整洁程度'].pk}").scroll_into_view_if_needed()
    shot(phone, "61-inspection-answered-phone")
    phone.locator("#complete-inspection").click()
    expect(phone.locator("#result")).to_contain_text("合格")
    shot(phone, "62-inspection-completed-phone")

    done = Inspection.objects.get(pk=inspection.pk)
    assert done.status == "completed" and done.passed is True and done.acknowledged_by == "周晓明"
    assert done.latitude is not None and abs(float(done.latitude) - 31.2304) < 1e-4
    photo = done.photos.get()
    with Image.open(photo.photo.path) as stored:
        assert max(stored.size) == files.PHOTO_SIDE  # compressed on the way in

    vendor = new_context().new_page()
    sign_in(vendor, base, "manager_a")
    vendor.goto(f"{base}{inspection.get_absolute_url()}")
    expect(vendor.locator("#result")).to_contain_text("合格")
    expect(vendor.locator("#answers")).to_contain_text("电梯厅地面有少量水渍")
    expect(vendor.locator("#start-inspection")).to_have_count(0)
    shot(vendor, "63-inspection-seen-by-vendor")
    assert [r for r in failed_responses if not r.startswith("400 ")] == []

"""Excel export of list pages: translated headers, neutralised formulas, the page's filters and the vendor scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from oqms.core import audit
from oqms.core.export import safe_cell
from tests.core.helpers import CJK, has_chinese, page_client, xlsx_rows


def _open(response: Any) -> Any:
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_export_is_an_xlsx_download_with_a_dated_name(cast: Any) -> None:
    response = page_client(cast.qm).get(reverse("vendors:vendor_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''") and disposition.endswith(".xlsx")


def test_headers_follow_the_request_language_in_english(cast: Any) -> None:
    from oqms.vendors.ui import VendorUI

    rows = xlsx_rows(page_client(cast.qm, "en").get(reverse("vendors:vendor_export")))
    with translation.override("en"):
        expected = [str(c.header(VendorUI.model)) for c in VendorUI.columns]
    assert rows[0] == expected
    assert rows[0][:3] == ["name", "short name", "unified social credit code"]


def test_headers_are_chinese_for_chinese_users(cast: Any) -> None:
    client = page_client(cast.qm, "zh-hans")
    rows = xlsx_rows(client.get(reverse("vendors:vendor_export")))
    assert all(has_chinese(h) for h in rows[0]), rows[0]
    assert rows[0][0] == "名称"
    # The language cookie wins over the browser's Accept-Language.
    english_browser = page_client(cast.qm, "en")
    english_browser.cookies["oqms_language"] = "zh-hans"
    rows = xlsx_rows(english_browser.get(reverse("workorders:workorder_export")))
    assert all(has_chinese(h) or h == "SLA" for h in rows[0]), rows[0]


def test_rows_contain_display_values(cast: Any) -> None:
    with audit.audit_context(actor=cast.qm):
        cast.vendor_a.categories.add(cast.category)
    rows = xlsx_rows(page_client(cast.qm, "en").get(reverse("vendors:vendor_export")))
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"甲服务有限公司", "乙服务有限公司"}
    row = by_name["甲服务有限公司"]
    assert row[1:5] == ["甲服务", cast.vendor_a.credit_code, "IT support", "Active"]


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]
)
def test_formula_like_cells_are_neutralised(cast: Any, dangerous: str) -> None:
    cast.vendor_a.short_name = dangerous
    cast.vendor_a.save()
    sheet = _open(page_client(cast.qm).get(reverse("vendors:vendor_export")))
    cells = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "甲服务有限公司"]
    (cell,) = cells
    assert cell.data_type == "s"  # a string, never a formula
    assert cell.value == "'" + dangerous
    assert not str(cell.value).startswith(("=", "+", "-", "@", "\t"))


def test_safe_cell_rules() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("plain") == "plain"
    assert safe_cell("a\x00b\x07c") == "abc"  # control characters Excel refuses are dropped
    assert safe_cell(42) == 42 and safe_cell(None) is None


def test_control_characters_do_not_break_the_workbook(cast: Any) -> None:
    cast.vendor_a.short_name = "甲\x01服\x1f务"
    cast.vendor_a.save()
    rows = xlsx_rows(page_client(cast.qm).get(reverse("vendors:vendor_export")))
    assert rows[1 + [r[0] for r in rows[1:]].index("甲服务有限公司")][:2] == ["甲服务有限公司", "甲服务"]


def test_rows_respect_the_filters_and_sort_of_the_page(cast: Any) -> None:
    cast.vendor_b.status = "suspended"
    cast.vendor_b.save()
    client = page_client(cast.qm, "en")
    url = reverse("vendors:vendor_export")
    assert [r[0] for r in xlsx_rows(client.get(url, {"status": "suspended"}))[1:]] == ["乙服务有限公司"]
    assert [r[0] for r in xlsx_rows(client.get(url, {"q": "甲服务"}))[1:]] == ["甲服务有限公司"]
    assert xlsx_rows(client.get(url, {"q": "nobody"}))[1:] == []
    ordered = [r[0] for r in xlsx_rows(client.get(url, {"sort": "-name"}))[1:]]
    assert ordered == sorted(ordered, reverse=True) and len(ordered) == 2


def test_work_order_export_respects_scope_and_filters(cast: Any) -> None:
    from oqms.workorders import services

    services.assign(cast.wo_a, cast.qm, cast.staff_a)
    url = reverse("workorders:workorder_export")
    numbers = lambda response: [row[0] for row in xlsx_rows(response)[1:]]  # noqa: E731
    assert sorted(numbers(page_client(cast.qm).get(url))) == sorted([cast.wo_a.number, cast.wo_b.number])
    assert numbers(page_client(cast.manager_a).get(url)) == [cast.wo_a.number]
    assert numbers(page_client(cast.manager_b).get(url)) == [cast.wo_b.number]
    assert numbers(page_client(cast.staff_a).get(url)) == [cast.wo_a.number]
    assert numbers(page_client(cast.staff_b).get(url)) == []
    assert numbers(page_client(cast.assessor).get(url)) == [cast.wo_a.number]
    assert numbers(page_client(cast.qm).get(url, {"status": "assigned"})) == [cast.wo_a.number]
    assert numbers(page_client(cast.qm).get(url, {"vendor": cast.vendor_b.pk})) == [cast.wo_b.number]
    # A vendor user naming the other vendor in the filter never gets the other's rows.
    assert cast.wo_b.number not in numbers(page_client(cast.manager_a).get(url, {"vendor": cast.vendor_b.pk}))


def test_masked_columns_stay_masked_in_the_export(cast: Any) -> None:
    from oqms.vendors.models import VendorContact

    VendorContact.objects.create(vendor=cast.vendor_a, name="张三", phone="13812345678")
    rows = xlsx_rows(page_client(cast.qm).get(reverse("vendors:vendorcontact_export")))
    text = str(rows)
    assert "13812345678" not in text
    assert "138****5678" in text


def test_export_needs_the_view_permission(cast: Any) -> None:
    assert page_client(cast.requester).get(reverse("vendors:vendorcontact_export")).status_code == 403
    assert page_client(None).get(reverse("vendors:vendor_export")).status_code == 302


def test_sheet_title_is_the_translated_list_title(cast: Any) -> None:
    sheet = _open(page_client(cast.qm, "en").get(reverse("core:auditentry_export")))
    assert sheet.title == "audit trail"
    assert not CJK.search(sheet.title)

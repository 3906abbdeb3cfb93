"""PDF documents: Chinese text is embedded as real glyphs mapped to Unicode (never tofu), tables break across
pages with their header row repeated, and a missing font is a clear error. The first page is kept as
test-artifacts/pdf/statement-page1.png for a person to look at."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import translation

from oqms.core import pdf as pdf_module
from oqms.core.pdf import Document, PdfFontMissing

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"
DPI = 100
TITLE = "服务费用结算单"
LONG_ITEM = "设备维护：中央空调机组季度保养，包括清洗过滤网、检查冷媒压力、更换磨损皮带及电气安全检测"
HEADERS = ["序号", "项目", "单位", "数量", "金额"]


def _statement() -> Document:
    doc = Document(
        TITLE,
        subtitle="2026年5月 · 北京朝阳园区",
        meta=[
            ("供应商", "北京洁净物业服务有限公司"),
            ("合同编号", "HT-2026-0012"),
            ("结算期间", "2026-05-01 至 2026-05-31"),
        ],
        generated_at=datetime.datetime(2026, 5, 31, 10, 0, tzinfo=datetime.UTC),
    )
    doc.heading("一、费用明细")
    rows = [
        [str(n), LONG_ITEM if n % 3 == 0 else "保洁服务", "次", str(n), f"¥{n * 123:,}.00"]
        for n in range(1, 61)
    ]
    align, widths = ["C", "L", "C", "R", "R"], [1, 6, 1, 1.2, 2]
    doc.table(HEADERS, rows, align=align, widths=widths, total_row=["合计", "¥225,090.00"])
    doc.heading("二、说明")
    doc.paragraph(
        "本结算单依据合同约定的服务水平协议（SLA）考核结果计算。如有异议，请于五个工作日内书面提出。"
    )
    doc.signatures(["甲方（签章）", "乙方（签章）"])
    return doc


@pytest.fixture(scope="module")
def statement() -> tuple[bytes, list[str]]:
    """The rendered statement and the warnings fpdf2 logged while writing it (missing glyphs among them)."""
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("fpdf").addHandler(handler)
    try:
        with translation.override("en"):
            content = _statement().render()
    finally:
        logging.getLogger("fpdf").removeHandler(handler)
    return content, warnings


def _pages(content: bytes) -> list[str]:
    document = pdfium.PdfDocument(content)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def test_long_table_spans_pages_with_the_header_row_repeated(statement: tuple[bytes, list[str]]) -> None:
    pages = _pages(statement[0])
    assert len(pages) >= 2
    for page in pages:
        assert " ".join(HEADERS) in page
    assert "¥225,090.00" in pages[-1]
    assert [f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, 1)] == [True] * len(pages)
    assert "Generated 2026-05-31 18:00" in pages[0]  # in the Asia/Shanghai time zone


def test_chinese_text_is_extracted_exactly(statement: tuple[bytes, list[str]]) -> None:
    content, warnings = statement
    first = _pages(content)[0]
    assert TITLE in first and "北京洁净物业服务有限公司" in first and "保洁服务" in first
    # The long cell wraps inside its column: split over lines, whole once the line breaks are removed.
    assert LONG_ITEM not in first and LONG_ITEM in first.replace("\r", "").replace("\n", "")
    assert not [w for w in warnings if "missing" in w]  # every character had a glyph in the font


def test_font_is_embedded_and_the_title_is_in_the_metadata(statement: tuple[bytes, list[str]]) -> None:
    content = statement[0]
    assert b"/FontFile2" in content or b"/FontFile3" in content
    assert len(content) < 300_000  # subset, not the whole 8 MB font
    document = pdfium.PdfDocument(content)
    try:
        assert document.get_metadata_dict()["Title"] == TITLE
    finally:
        document.close()


def test_first_page_renders_the_title_in_ink(statement: tuple[bytes, list[str]]) -> None:
    document = pdfium.PdfDocument(statement[0])
    try:
        page = document[0]
        scale = DPI / 72
        image = page.render(scale=scale).to_pil().convert("L")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        image.save(ARTIFACTS / "statement-page1.png")
        text = page.get_textpage()
        start = text.get_text_range().index(TITLE)
        boxes = [text.get_charbox(i) for i in range(start, start + len(TITLE))]
        height = page.get_height()
    finally:
        document.close()
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
    region = image.crop(
        (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
    )
    dark = sum(region.histogram()[:100])  # pixels darker than 100 of 255
    assert dark > 0.15 * region.width * region.height  # bold 16 pt glyphs, not an empty or pale box
    assert region.width > 100  # seven characters at 16 pt: about 155 px at 100 dpi


def test_footer_and_captions_follow_the_language() -> None:
    with translation.override("zh-hans"):
        doc = Document(TITLE)
        doc.signatures(["甲方（签章）"])
        doc.key_values([])
        first = _pages(doc.render())[0]
    assert "第 1 页，共 1 页" in first and "日期" in first


def test_configured_font_is_used_with_its_bold_sibling(monkeypatch: Any) -> None:
    regular = pdf_module.font_candidates()[0].path
    monkeypatch.setenv("OQMS_PDF_FONT", str(regular))
    font, bold = pdf_module.resolve_font()
    assert font.path == regular and bold.path == regular.with_name("NotoSansHans-Bold.otf")


def test_configured_font_that_does_not_exist_is_a_clear_error(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("OQMS_PDF_FONT", str(tmp_path / "missing.ttf"))
    monkeypatch.setattr(pdf_module, "font_candidates", lambda: [])
    with translation.override("en"), pytest.raises(PdfFontMissing) as raised:
        Document(TITLE)
    assert "missing.ttf" in str(raised.value.message) and "OQMS_PDF_FONT" in str(raised.value.message)
    assert raised.value.code == "pdf_font_missing"


def test_no_font_anywhere_is_a_clear_error(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv("OQMS_PDF_FONT", raising=False)
    monkeypatch.setattr(pdf_module, "font_candidates", lambda: [pdf_module.FontFile(tmp_path / "none.otf")])
    with translation.override("en"), pytest.raises(PdfFontMissing) as raised:
        Document(TITLE)
    assert "No Chinese font" in str(raised.value.message) and "npm ci" in str(raised.value.message)


def test_table_rejects_rows_that_do_not_match_the_headers() -> None:
    doc = Document(TITLE)
    with pytest.raises(ValueError):
        doc.table(["项目", "金额"], [["保洁服务"]])
    with pytest.raises(ValueError):
        doc.table(["项目", "金额"], [], align=["L"])

"""PDF documents (settlement statements, reports) built with fpdf2, with an embedded Chinese font.

A4 portrait; every page has a footer with the generation time and "Page x of y". The font is subset and
embedded, so the file shows the same everywhere. It is found in this order: ``OQMS_PDF_FONT`` (a TTF/OTF
path), the npm package ``@embedpdf/fonts-sc`` (Noto Sans CJK SC, installed by ``npm ci``), then common
system fonts. Without one, :class:`PdfFontMissing` is raised: never a document of empty boxes.

    doc = Document("结算单", subtitle="2026年5月", meta=[("供应商", "甲公司"), ("合同", "HT-001")])
    doc.heading("费用明细")
    doc.table(["项目", "金额"], [["保洁服务", "¥1,200.00"]], align=["L", "R"], total_row=["合计", "¥1,200.00"])
    doc.signatures(["甲方（签章）", "乙方（签章）"])
    content = doc.render()

Callers pass text already formatted (money, dates, numbers) and translated.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import get_language, gettext
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode

import oqms
from oqms.core.errors import DomainError
from oqms.env import env_str

_REPO = Path(oqms.__file__).resolve().parent.parent.parent
FAMILY = "oqms-cjk"
MARGIN = 15.0  # mm, left, right and top
Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)
MUTED: Color = (100, 100, 100)
RULE = (180, 180, 180)
HEADER_FILL = (232, 236, 241)
TOTAL_FILL = (245, 245, 245)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")

# fontTools logs every subsetting step at INFO (the root level here): keep it to warnings unless configured.
if logging.getLogger("fontTools.subset").level == logging.NOTSET:
    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class PdfFontMissing(DomainError):
    """No usable Chinese font: a deployment problem, not the user's."""

    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, code="pdf_font_missing")


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # the face inside a .ttc/.otc collection

    def bold(self) -> FontFile:
        """The bold weight of the same family beside it (``…Regular…`` → ``…Bold…``), else this font itself."""
        sibling = self.path.with_name(self.path.name.replace("Regular", "Bold"))
        return FontFile(sibling, self.index) if sibling != self.path and sibling.is_file() else self


def node_modules_dir() -> Path:
    """Where ``npm ci`` installs packages: as in settings, ``OQMS_NODE_MODULES`` or ``<repo>/node_modules``."""
    return Path(env_str("OQMS_NODE_MODULES", str(_REPO / "node_modules")))


def font_candidates() -> list[FontFile]:
    """Regular fonts tried after ``OQMS_PDF_FONT``, in order (Debian: fonts-noto-cjk, fonts-wqy-*, fonts-droid)."""
    return [
        FontFile(node_modules_dir() / "@embedpdf" / "fonts-sc" / "fonts" / "NotoSansHans-Regular.otf"),
        FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), index=2),  # 2 = the SC face
        FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
        FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),
        FontFile(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")),
    ]


def resolve_font() -> tuple[FontFile, FontFile]:
    """The (regular, bold) fonts to embed; bold is the regular one when the family has no bold file."""
    configured = env_str("OQMS_PDF_FONT").strip()
    if configured:
        font = FontFile(Path(configured))
        if not font.path.is_file():  # a configured font that is missing is an error, not a silent fallback
            message = gettext("The PDF font %(path)s named by OQMS_PDF_FONT does not exist.")
            raise PdfFontMissing(message % {"path": configured})
        return font, font.bold()
    for font in font_candidates():
        if font.path.is_file():
            return font, font.bold()
    raise PdfFontMissing(
        gettext(
            "No Chinese font for PDF documents was found: run “npm ci” to install it, "
            "or set OQMS_PDF_FONT to the path of a TTF or OTF font."
        )
    )


def _wrapmode(texts: Sequence[str]) -> WrapMode:
    # Chinese breaks between any two characters; text without it breaks between words.
    return WrapMode.CHAR if any(_CJK.search(text) for text in texts) else WrapMode.WORD


class _Pdf(FPDF):
    def __init__(self, generated: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.generated = generated

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(self.epw / 2, 5, self.generated)
        # The msgid of the list pages' pager; fpdf2 replaces {nb} with the page count when writing the file.
        pages = gettext("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"}
        self.cell(self.epw / 2, 5, pages, align="R")


class Document:
    """A PDF built top to bottom: each method appends to the current page, breaking pages as needed."""

    def __init__(
        self,
        title: str,
        subtitle: str = "",
        meta: Sequence[tuple[str, str]] = (),
        *,
        generated_at: datetime.datetime | None = None,
    ) -> None:
        regular, bold = resolve_font()
        generated = timezone.localtime(generated_at)
        self._pdf = pdf = _Pdf(gettext("Generated %(time)s") % {"time": generated.strftime("%Y-%m-%d %H:%M")})
        self._content: bytes | None = None
        pdf.add_font(FAMILY, "", regular.path, collection_font_number=regular.index)
        pdf.add_font(FAMILY, "B", bold.path, collection_font_number=bold.index)
        pdf.set_title(title)
        pdf.set_creator("OQMS")
        pdf.set_lang(get_language() or "zh-hans")
        pdf.set_creation_date(generated)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=20)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.add_page()
        self._text(title, 16, "B", align="C")
        if subtitle:
            self._text(subtitle, 10, align="C", color=MUTED)
        pdf.ln(4)
        if meta:
            self.key_values(meta)

    def heading(self, text: str) -> None:
        """A section heading, moved to the next page when it would end up alone at the bottom."""
        if self._pdf.will_page_break(25):
            self._pdf.add_page()
        self._pdf.ln(2)
        self._text(text, 12, "B")
        self._pdf.ln(1)

    def paragraph(self, text: str) -> None:
        self._text(text, 10)
        self._pdf.ln(2)

    def key_values(self, rows: Sequence[tuple[str, str]], columns: int = 2) -> None:
        """Label/value pairs without borders, ``columns`` pairs to a line (labels muted)."""
        if not rows:
            return
        pdf = self._pdf
        pdf.set_font(FAMILY, size=9.5)
        texts = [text for row in rows for text in row]
        label_style = FontFace(color=MUTED)
        with pdf.table(
            borders_layout="NONE",
            col_widths=(1, 2) * columns,
            first_row_as_headings=False,
            text_align="LEFT",
            line_height=5.5,
            padding=(0.6, 1),
            wrapmode=_wrapmode(texts),
        ) as table:
            for start in range(0, len(rows), columns):
                row = table.row()
                for label, value in rows[start : start + columns]:
                    row.cell(label, style=label_style)
                    row.cell(value)
                for _ in range(columns - len(rows[start : start + columns])):
                    row.cell("", colspan=2)
        pdf.ln(3)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        align: Sequence[str] | None = None,
        widths: Sequence[float] | None = None,
        total_row: Sequence[str] | None = None,
    ) -> None:
        """A bordered table; rows are never split, and the header row is repeated on every page.

        ``align``: ``"L"``, ``"C"`` or ``"R"`` per column (default left); ``widths``: relative column widths
        (default equal). ``total_row`` is printed in bold; when shorter than ``headers`` its first cell spans
        the missing columns (``["合计", "¥3,600.00"]``).
        """
        columns = len(headers)
        aligns = tuple(a.upper() for a in align) if align else ("L",) * columns
        if any(len(entries) != columns for entries in (aligns, widths or headers, *rows)):
            raise ValueError("align, widths and every row need one entry per header")
        if total_row is not None and not 1 <= len(total_row) <= columns:
            raise ValueError("total_row needs between 1 and len(headers) cells")
        pdf = self._pdf
        pdf.set_font(FAMILY, size=9)
        texts = [*headers, *(cell for row in rows for cell in row), *(total_row or ())]
        with pdf.table(
            col_widths=tuple(widths) if widths else None,
            text_align=aligns,
            line_height=5,
            padding=(1.2, 1.5),
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
            wrapmode=_wrapmode(texts),
            repeat_headings=1,
        ) as table:
            table.row(list(headers))
            for cells in rows:
                table.row(list(cells))
            if total_row is not None:
                style = FontFace(emphasis="BOLD", fill_color=TOTAL_FILL)
                span = columns - len(total_row) + 1
                row = table.row()
                row.cell(total_row[0], colspan=span, style=style, align=aligns[0])
                for offset, text in enumerate(total_row[1:]):
                    row.cell(text, style=style, align=aligns[span + offset])
        pdf.ln(4)

    def signatures(self, labels: Sequence[str]) -> None:
        """A block per party, up to three to a line: its label, then a signature line and a date line."""
        pdf, per_line, height = self._pdf, 3, 28
        captions = (gettext("Signature"), gettext("Date"))
        for start in range(0, len(labels), per_line):
            chunk = labels[start : start + per_line]
            if pdf.will_page_break(height):
                pdf.add_page()
            top, width = pdf.get_y() + 4, pdf.epw / len(chunk)
            for i, label in enumerate(chunk):
                x, right = pdf.l_margin + i * width, pdf.l_margin + (i + 1) * width - 8
                pdf.set_xy(x, top)
                pdf.set_font(FAMILY, "B", 10)
                pdf.set_text_color(0)
                pdf.cell(right - x, 6, label)
                pdf.set_font(FAMILY, size=9)
                pdf.set_text_color(*MUTED)
                caption_width = max(pdf.get_string_width(c) for c in captions) + 2
                for j, caption in enumerate(captions):
                    y = top + 9 + j * 8
                    pdf.set_xy(x, y)
                    pdf.cell(caption_width, 6, caption)
                    pdf.line(x + caption_width, y + 5.5, right, y + 5.5)
            pdf.set_text_color(0)
            pdf.set_xy(pdf.l_margin, top + height - 4)

    def render(self) -> bytes:
        """The finished PDF; the document takes no more content afterwards."""
        if self._content is None:
            self._content = bytes(self._pdf.output())
        return self._content

    def _text(self, text: str, size: float, style: str = "", align: str = "L", color: Color = BLACK) -> None:
        """Wrapped text across the page, ``size`` in points, lines 1.55 × the size apart."""
        pdf = self._pdf
        pdf.set_font(FAMILY, style, size)
        pdf.set_text_color(*color)
        line_height = size * 1.55 * 25.4 / 72  # mm
        pdf.multi_cell(
            0, line_height, text, align=align, wrapmode=_wrapmode([text]), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_text_color(0)

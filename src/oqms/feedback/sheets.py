"""Printable QR sheets for feedback points: A4 (a poster) or A6 (a table card), with the site's name in Chinese.

The QR code (segno, error correction level M) holds the point's public link as an absolute URL; the sheet also
prints the link in text, for people whose phone cannot read the code."""

from __future__ import annotations

import io

import segno
from django.utils.translation import gettext as _
from fpdf import FPDF

from oqms.core.pdf import FAMILY, resolve_font
from oqms.feedback.models import FeedbackPoint

SIZES = {"a4": (210.0, 297.0), "a6": (105.0, 148.0)}


def sheet(points: list[FeedbackPoint], url_of: dict[int, str], size: str = "a4") -> bytes:
    """One page per point."""
    if size not in SIZES:
        raise ValueError("size is a4 or a6")
    width, height = SIZES[size]
    regular, bold = resolve_font()
    pdf = FPDF(orientation="P", unit="mm", format=(width, height))
    pdf.add_font(FAMILY, "", regular.path, collection_font_number=regular.index)
    pdf.add_font(FAMILY, "B", bold.path, collection_font_number=bold.index)
    pdf.set_auto_page_break(False)
    pdf.set_creator("OQMS")
    pdf.set_title(_("Feedback QR codes"))
    scale = width / 210.0
    margin = 14 * scale
    for point in points:
        pdf.add_page()
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FAMILY, "B", size=30 * scale)
        pdf.set_xy(margin, margin)
        pdf.multi_cell(width - 2 * margin, 13 * scale, _("Tell us about the service here"), align="C")
        pdf.set_font(FAMILY, "", size=17 * scale)
        pdf.set_x(margin)
        pdf.multi_cell(
            width - 2 * margin, 9 * scale, _("Scan to complain or praise — no sign-in needed"), align="C"
        )
        side = width - 2 * margin - 30 * scale
        code = segno.make(url_of[point.pk], error="m")
        image = io.BytesIO()
        code.save(image, kind="png", scale=10, border=2)
        image.seek(0)
        top = pdf.get_y() + 8 * scale
        pdf.image(image, x=(width - side) / 2, y=top, w=side, h=side)
        pdf.set_xy(margin, top + side + 6 * scale)
        pdf.set_font(FAMILY, "B", size=24 * scale)
        pdf.multi_cell(width - 2 * margin, 11 * scale, point.site.name, align="C")
        if point.name:
            pdf.set_x(margin)
            pdf.set_font(FAMILY, "", size=19 * scale)
            pdf.multi_cell(width - 2 * margin, 9 * scale, point.name, align="C")
        pdf.set_xy(margin, height - margin - 10 * scale)
        pdf.set_font(FAMILY, "", size=9 * scale)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(width - 2 * margin, 5 * scale, url_of[point.pk], align="C")
    return bytes(pdf.output())

"""The settlement statement as a document: the same title, header, lines and totals on the page, in Excel and
in PDF, in the reader's language."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from oqms.settlements.models import Effect, Settlement
from oqms.settlements.rules import format_cny


@dataclass
class Statement:
    title: str
    meta: list[tuple[str, str]]
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)  # [item, reason, deduction, bonus] (Decimal or None)
    totals: list[tuple[str, Decimal]] = field(default_factory=list)
    filename: str = ""


def build(settlement: Settlement) -> Statement:
    scorecard = settlement.scorecard
    contract = settlement.contract
    title = _("Settlement statement %(contract)s %(period)s") % {
        "contract": contract.number,
        "period": scorecard.period_label(),
    }
    if scorecard.version > 1:
        title += " " + _("(correction, version %(version)s)") % {"version": scorecard.version}
    meta = [
        (_("Vendor"), settlement.vendor.name),  # the legal name on a statement
        (_("Contract"), f"{contract.number} {contract.title}"),
        (
            _("Period"),
            f"{date_format(settlement.period_start, 'SHORT_DATE_FORMAT')} – "
            f"{date_format(settlement.period_end, 'SHORT_DATE_FORMAT')}",
        ),
        (
            _("Scorecard"),
            _("score %(score)s, grade %(grade)s")
            % {
                "score": "—" if scorecard.score is None else f"{scorecard.score:.2f}",
                "grade": scorecard.grade or "—",
            },
        ),
        (_("Status"), f"{settlement.get_status_display()} / {scorecard.get_status_display()}"),
    ]
    if settlement.approved_at:
        meta.append(
            (
                _("Approved at"),
                date_format(timezone.localtime(settlement.approved_at), "SHORT_DATETIME_FORMAT"),
            )
        )
    statement = Statement(
        title=title,
        meta=meta,
        headers=[_("Item"), _("Reason"), _("Deduction (CNY)"), _("Bonus (CNY)")],
        filename=f"{contract.number}-{scorecard.period_label()}"
        + (f"-v{scorecard.version}" if scorecard.version > 1 else ""),
    )
    for line in settlement.lines.all():
        amount = line.counted()
        statement.rows.append(
            [
                line.label(),
                line.reason_text(),
                amount if line.effect == Effect.DEDUCTION else None,
                amount if line.effect == Effect.BONUS else None,
            ]
        )
    statement.totals = [
        (_("Fee of the period"), settlement.fee),
        (_("Deductions"), -settlement.deductions),
        (_("Bonuses"), settlement.bonuses),
        (_("Net amount"), settlement.net),
    ]
    return statement


def _attachment(handle: Any, filename: str, content_type: str) -> HttpResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx(settlement: Settlement) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from oqms.core.export import safe_cell

    statement = build(settlement)
    money_format = '"¥"#,##0.00;-"¥"#,##0.00'
    font = "Microsoft YaHei"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", statement.filename)[:31]
    sheet.append([safe_cell(statement.title)])
    sheet["A1"].font = Font(bold=True, size=14, name=font)
    sheet.append([])
    for label, value in statement.meta:
        sheet.append([label, safe_cell(value)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, name=font)
    sheet.append([])
    sheet.append(statement.headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True, name=font)
    for item, reason, deduction, bonus in statement.rows:
        sheet.append([safe_cell(item), safe_cell(reason), deduction, bonus])
        row = sheet.max_row
        sheet.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        for column in (3, 4):
            sheet.cell(row, column).number_format = money_format
    if not statement.rows:
        sheet.append([_("No deductions or bonuses in this period.")])
    sheet.append([])
    for label, amount in statement.totals:
        sheet.append([label, None, None, amount])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, name=font)
        sheet.cell(sheet.max_row, 4).number_format = money_format
    sheet.cell(sheet.max_row, 4).font = Font(bold=True, name=font)
    for column, width in zip("ABCD", (28, 70, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    workbook.save(handle)
    handle.seek(0)
    return _attachment(
        handle,
        f"{statement.filename}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def money_text(value: Decimal | None) -> str:
    return "" if value is None else format_cny(value)


def pdf(settlement: Settlement) -> HttpResponse:
    from oqms.core.pdf import Document

    statement = build(settlement)
    document = Document(statement.title, subtitle=str(settlement.contract.title), meta=statement.meta)
    document.heading(_("Deductions and bonuses"))
    if statement.rows:
        document.table(
            statement.headers,
            [
                [item, reason, money_text(deduction), money_text(bonus)]
                for item, reason, deduction, bonus in statement.rows
            ],
            align=["L", "L", "R", "R"],
            widths=[18, 52, 15, 15],
        )
    else:
        document.paragraph(_("No deductions or bonuses in this period."))
    document.heading(_("Amounts"))
    document.table(
        [_("Item"), _("Amount (CNY)")],
        [[label, format_cny(amount)] for label, amount in statement.totals[:-1]],
        align=["L", "R"],
        widths=[70, 30],
        total_row=[statement.totals[-1][0], format_cny(statement.totals[-1][1])],
    )
    document.signatures([_("The enterprise"), _("The vendor")])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    handle.write(document.render())
    handle.seek(0)
    return _attachment(handle, f"{statement.filename}.pdf", "application/pdf")

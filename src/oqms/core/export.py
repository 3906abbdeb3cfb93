"""Exports of list pages: Excel (openpyxl's write-only mode, constant memory) and CSV (streamed as it is written,
UTF-8 with a BOM so that Excel reads the Chinese in it). Cells that a spreadsheet would run as a formula are
neutralised in both."""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# Excel treats a cell starting with one of these as a formula: prefix it so exported data is never executed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def export_text(value: Any) -> Any:
    """A value as an export writes it: times as local ``YYYY-MM-DD HH:MM:SS`` (what imports read back)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _filename(title: str, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{title}-{stamp}.{extension}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(title: str, headers: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """A CSV download written while it is sent: memory stays flat however many rows there are."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[bytes]:
        yield ("\ufeff" + writer.writerow([safe_cell(h) for h in headers])).encode("utf-8")
        batch: list[str] = []
        for row in rows:
            batch.append(writer.writerow([safe_cell("" if v is None else str(v)) for v in row]))
            if len(batch) >= 500:
                yield "".join(batch).encode("utf-8")
                batch = []
        if batch:
            yield "".join(batch).encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_filename(title, 'csv'))}"
    return response


def xlsx_response(title: str, headers: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1")
    bold = Font(bold=True, name="Microsoft YaHei")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(str(v) if not isinstance(v, int | float) else v) for v in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    workbook.save(handle)
    handle.seek(0)
    filename = _filename(title, "xlsx")
    response = FileResponse(
        handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response

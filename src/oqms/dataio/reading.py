"""Reading an uploaded table: CSV (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030) or XLSX, into columns of text.

Everything is read as text; the mapping decides what a column means. A file that is not a table, is empty, or is
in an encoding we cannot tell gets a :class:`FileProblem` with a message for the user, before anything is written.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from oqms.core.errors import DomainError

ENCODINGS = ("utf-8", "gb18030", "utf-16")
# First bytes of files people upload by mistake: none of them is a table.
_NOT_TABLES = {
    b"%PDF-": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\xd0\xcf\x11\xe0": "Excel 97-2003 (.xls) / Word 97-2003",
    b"\x7fELF": "ELF",
    b"MZ": "EXE",
    b"\x1f\x8b": "gzip",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7-Zip",
}


class FileProblem(DomainError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass
class Table:
    """The columns of a file as text, by header, with the file's own row numbers (the header is row 1)."""

    headers: list[str]
    columns: dict[str, np.ndarray]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    notes: list[str] = field(default_factory=list)

    def column(self, header: str) -> np.ndarray:
        return self.columns[header]

    def row_numbers(self) -> np.ndarray:
        return np.arange(2, self.rows + 2)

    def sample(self, count: int = 10) -> list[list[str]]:
        return [[str(self.columns[h][i]) for h in self.headers] for i in range(min(count, self.rows))]


def _head(source: Path | bytes) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:4096])
    with open(source, "rb") as handle:
        return handle.read(4096)


def _data(source: Path | bytes) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    return Path(source).read_bytes()


def detect_encoding(data: bytes) -> str:
    """UTF-16 by its byte order mark; UTF-8 (with or without BOM) when every byte decodes; else GB18030 (which
    reads GBK and GB2312, what Excel in China writes); FileProblem when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    line = data[: utf8_error.start].count(b"\n") + 1
    raise FileProblem(
        _(
            "The file is neither UTF-8 nor GBK/GB18030 (the first unreadable byte is on line %(line)d). "
            "Save it from Excel as “CSV UTF-8” and upload it again."
        )
        % {"line": line},
        code="encoding",
    )


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding in (None, "", "auto"):
        encoding = detect_encoding(data)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise FileProblem(
            _("The file cannot be read as %(encoding)s: %(reason)s.")
            % {"encoding": encoding, "reason": getattr(error, "reason", str(error))},
            code="encoding",
        ) from error


def _refuse_binary(head: bytes, name: str) -> None:
    for magic, kind in _NOT_TABLES.items():
        if head.startswith(magic):
            if kind.startswith("Excel 97"):
                raise FileProblem(
                    _(
                        "%(name)s is an old Excel 97-2003 (.xls) file: save it as .xlsx or CSV and upload again."
                    )
                    % {"name": name},
                    code="not_a_table",
                )
            raise FileProblem(
                _("%(name)s is a %(kind)s file, not a spreadsheet: upload a CSV or an Excel .xlsx file.")
                % {"name": name, "kind": kind},
                code="not_a_table",
            )


def _unique_headers(raw: list[Any]) -> list[str]:
    headers: list[str] = []
    for index, value in enumerate(raw, start=1):
        text = "" if value is None else str(value).strip().lstrip("\ufeff")
        if not text:
            text = _("Column %(n)d") % {"n": index}
        base, n = text, 2
        while text in headers:
            text, n = f"{base} ({n})", n + 1
        headers.append(text)
    return headers


def _empty(name: str) -> FileProblem:
    return FileProblem(_("%(name)s is empty: it has no header row.") % {"name": name}, code="empty")


def _read_csv(data: bytes, name: str, encoding: str | None, delimiter: str | None) -> Table:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            _("%(name)s is not a text file (it holds binary data): upload a CSV or an Excel .xlsx file.")
            % {"name": name},
            code="not_a_table",
        )
    text, used = _decode(data, encoding)
    if not text.strip():
        raise _empty(name)
    if not delimiter:
        first = text.lstrip("\ufeff")
        first = first[: first.find("\n")] if "\n" in first else first
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    del text  # pandas decodes the bytes itself, faster than from a Python string
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-16" if used == "utf-16" else used,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            header=None,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise FileProblem(
            _("%(name)s is not a well-formed CSV file: %(reason)s.") % {"name": name, "reason": error},
            code="malformed",
        ) from error
    except pd.errors.EmptyDataError as error:
        raise _empty(name) from error
    if frame.shape[0] == 0:
        raise _empty(name)
    headers = _unique_headers(list(frame.iloc[0]))
    body = frame.iloc[1:]
    columns = {h: body.iloc[:, i].to_numpy(dtype=object) for i, h in enumerate(headers)}
    return Table(headers, columns, "csv", used, delimiter, len(body))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(source: Path | bytes, name: str) -> Table:
    from openpyxl import load_workbook

    handle: Any = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileProblem(
            _("%(name)s is not an Excel .xlsx workbook that can be opened.") % {"name": name},
            code="not_a_table",
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(v is None or str(v).strip() == "" for v in header):
            raise _empty(name)
        headers = _unique_headers(list(header))
        width = len(headers)
        body = []
        for row in rows:
            cells = [_cell_text(v) for v in row[:width]]
            if not any(cells):
                continue
            cells += [""] * (width - len(cells))
            body.append(cells)
    finally:
        workbook.close()
    matrix = np.array(body, dtype=object).reshape(len(body), width)
    columns = {h: matrix[:, i] for i, h in enumerate(headers)}
    return Table(headers, columns, "xlsx", "", "", len(body))


def read_table(
    source: Path | bytes, name: str = "", encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """The file as a :class:`Table`; its kind is told by its content, not its name."""
    name = name or (Path(source).name if isinstance(source, Path | str) else _("the file"))
    head = _head(source)
    if not head:
        raise _empty(name)
    if head.startswith(b"PK\x03\x04"):
        table = _read_xlsx(source, name)
    else:
        _refuse_binary(head, name)
        table = _read_csv(_data(source), name, encoding, delimiter)
    if table.rows == 0:
        raise FileProblem(_("%(name)s has a header row but no data rows.") % {"name": name}, code="empty")
    return table

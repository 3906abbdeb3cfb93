"""Reading tables: encodings, delimiters, XLSX, and the files that are not tables at all."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import Workbook

from oqms.dataio import dates
from oqms.dataio.reading import FileProblem, detect_encoding, read_table

TEXT = "工单号,标题,创建时间\nWO-1,打印机卡纸,2025/1/3 8:05\nWO-2,空调不制冷,2025/1/4 9:30\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.replace(",", "\t").encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_detected_and_chinese_survives(data: bytes, encoding: str) -> None:
    table = read_table(data, "tickets.csv")
    assert table.encoding == encoding
    assert table.headers == ["工单号", "标题", "创建时间"]
    assert table.rows == 2 and list(table.column("标题")) == ["打印机卡纸", "空调不制冷"]


def test_semicolons_and_tabs_are_sniffed() -> None:
    assert read_table(TEXT.replace(",", ";").encode(), "x.csv").delimiter == ";"
    assert read_table(TEXT.replace(",", "\t").encode(), "x.txt").rows == 2


def test_wrong_encoding_is_refused_with_the_line() -> None:
    with pytest.raises(FileProblem) as error:
        detect_encoding("name,city\nok,Paris\nCaf\xe9,Lyon\n".encode("latin-1"))
    assert error.value.code == "encoding" and "3" in str(error.value.message)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"number,title\n", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3", "not_a_table"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not_a_table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "not_a_table"),
        (b"ab\x00\x01\x02cd\x00" * 20, "not_a_table"),
        (b"PK\x03\x04 not really a zip", "not_a_table"),
        (b'a,b\n"unclosed,1\n2,3,4,5\n', "malformed"),
    ],
)
def test_files_that_are_not_tables_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(FileProblem) as error:
        read_table(data, "upload.csv")
    assert error.value.code == code
    assert str(error.value.message)


def test_xlsx_is_read_by_its_content_with_dates_as_text() -> None:
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编号", "标题", "创建时间", "评分"])
    sheet.append(["A-1", "门禁故障", datetime.datetime(2025, 1, 3, 8, 5), 4])
    sheet.append([None, None, None, None])
    sheet.append(["A-2", "=cmd", 45660.5, 5.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "named-wrongly.csv")
    assert table.kind == "xlsx" and table.rows == 2
    assert list(table.column("创建时间")) == ["2025-01-03 08:05:00", "45660.5"]
    assert list(table.column("评分")) == ["4", "5"]


def test_date_formats() -> None:
    values = np.array(
        [
            "2025/1/3 8:05",
            "03-01-2025 08:05",
            "2025-01-03T08:05:00+08:00",
            "2025-01-03T00:05:00Z",
            "45660.3368055556",
            "2025年1月3日 8:05",
            "",
            "?",
            "soon",
            "31-02-2025 10:00",
        ],
        dtype=object,
    )
    parsed = dates.parse(values, dates.DAY_FIRST, "Asia/Shanghai")
    expected = np.datetime64("2025-01-03T00:05:00", "ns")  # 08:05 in Shanghai
    assert all(parsed.values[i] == expected for i in range(6)), parsed.values
    assert np.isnat(parsed.values[6]) and np.isnat(parsed.values[7])
    assert list(parsed.bad) == [False] * 8 + [True, True]


def test_day_first_or_month_first_is_the_users_choice() -> None:
    values = np.array(["03-01-2025 08:05", "04/01/2025 8:05 PM"], dtype=object)
    day_first = dates.parse(values, dates.DAY_FIRST, "UTC").values
    month_first = dates.parse(values, dates.MONTH_FIRST, "UTC").values
    assert str(day_first[0]).startswith("2025-01-03T08:05") and str(day_first[1]).startswith(
        "2025-01-04T20:05"
    )
    assert str(month_first[0]).startswith("2025-03-01T08:05") and str(month_first[1]).startswith(
        "2025-04-01T20:05"
    )


def test_jira_dates() -> None:
    parsed = dates.parse(np.array(["03/Jan/25 8:05 AM", "15/Feb/25 11:40 PM"], dtype=object), "dmy", "UTC")
    assert not parsed.bad.any()
    assert str(parsed.values[1]).startswith("2025-02-15T23:40")

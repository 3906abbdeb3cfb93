"""Turning columns of date-and-time text into UTC instants, fast and strictly.

Accepted: ``2025/1/3 8:05``, ``2025-01-03 08:05:00``, ``03-01-2025 08:05`` and ``03/01/2025 8:05 AM`` (day first or
month first, as the user says), ISO 8601 with a ``T``, fractions and an offset (``2025-01-03T08:05:00+08:00``,
``...Z``), and Excel serial numbers (``45660.336``, days since 1899-12-30). Text without an offset is local time
in the zone the user chose. The format of a column is found on a sample, then applied to the whole column at once;
values it does not fit are tried against the other formats one by one, and what still fails is reported per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
_TIMES = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "")
_YEAR_FIRST = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
_DAY_FIRST = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
_MONTH_FIRST = ("%m-%d-%Y", "%m/%d/%Y", "%m.%d.%Y")
# Month names are never ambiguous (Jira writes 03/Jan/25 8:05 AM).
_NAMED = ("%d/%b/%y", "%d/%b/%Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y")
_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")
_CHINESE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(.*)$")
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_SAMPLE = 200


def formats(order: str) -> list[str]:
    days = _YEAR_FIRST + (_DAY_FIRST if order == DAY_FIRST else _MONTH_FIRST) + _NAMED
    return [f"{d} {t}".strip() for d in days for t in _TIMES]


@dataclass
class Parsed:
    """Instants as datetime64[ns] UTC (NaT where empty or bad) and the mask of bad (non-empty, unreadable)."""

    values: np.ndarray
    bad: np.ndarray


def _localise(parsed: pd.Series, zone: str) -> pd.Series:
    if getattr(parsed.dt, "tz", None) is not None:
        return parsed.dt.tz_convert("UTC")
    return parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")


def _try(text: pd.Series, fmt: str, zone: str) -> pd.Series:
    if fmt == "serial":
        numbers = pd.to_numeric(text.where(text.str.fullmatch(_SERIAL.pattern)), errors="coerce")
        offsets = pd.to_timedelta(numbers * 86400.0, unit="s").dt.round("s")
        local = pd.Series(_EXCEL_EPOCH, index=text.index) + offsets
        return _localise(local, zone)
    if fmt == "iso":
        try:
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        except ValueError:  # mixed offsets, or some with an offset and some without
            return _iso_each(text, zone)
        if parsed.dtype == object:
            return _iso_each(text, zone)
        return _localise(parsed, zone)
    return _localise(pd.to_datetime(text, format=fmt, errors="coerce"), zone)


def _iso_each(text: pd.Series, zone: str) -> pd.Series:
    out = []
    for value in text:
        try:
            stamp = pd.to_datetime(value, format="ISO8601", errors="coerce")
        except ValueError:
            stamp = pd.NaT
        if stamp is pd.NaT:
            out.append(pd.NaT)
        elif stamp.tzinfo is None:
            out.append(
                stamp.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
            )
        else:
            out.append(stamp.tz_convert("UTC"))
    return pd.Series(
        pd.DatetimeIndex(out, tz="UTC") if out else [], index=text.index, dtype="datetime64[ns, UTC]"
    )


def _candidates(order: str) -> list[str]:
    return ["iso", *formats(order), "serial"]


def _normalise(text: pd.Series) -> pd.Series:
    text = text.str.strip()
    chinese = text.str.contains("年", regex=False)
    if chinese.any():
        text = text.where(
            ~chinese, text.str.replace(_CHINESE.pattern, r"\1-\2-\3 \4", regex=True).str.strip()
        )
    return text.str.replace("上午", "AM", regex=False).str.replace("下午", "PM", regex=False)


def parse(values: np.ndarray, order: str = DAY_FIRST, zone: str = "Asia/Shanghai") -> Parsed:
    """Parse a column; empty cells (and the ``?``, ``NULL``, ``-`` of exports) are missing, not bad."""
    text = pd.Series(values, dtype=object).fillna("").astype(str)
    text = _normalise(text)
    empty = text.isin(["", "?", "NULL", "null", "None", "-", "N/A", "n/a", "NaT"])
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    todo = ~empty
    if todo.any():
        sample = text[todo].head(_SAMPLE)
        tried: list[str] = []
        ordered = _candidates(order)
        # The format that reads the whole sample comes first; the others catch the odd value.
        for fmt in ordered:
            if _try(sample, fmt, zone).notna().all():
                ordered.remove(fmt)
                ordered.insert(0, fmt)
                break
        for fmt in ordered:
            if not todo.any():
                break
            if (
                fmt not in ordered[:1]
                and todo.sum() > 2000
                and not _try(text[todo].head(50), fmt, zone).notna().any()
            ):
                continue  # quick refusal: it reads none of the first leftovers
            attempt = _try(text[todo], fmt, zone)
            hit = attempt.notna()
            if hit.any():
                result[attempt.index[hit]] = attempt[hit]
                todo = todo & result.isna()
            tried.append(fmt)
    bad = (~empty & result.isna()).to_numpy()
    return Parsed(result.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]"), bad)

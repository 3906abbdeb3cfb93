"""Row errors: where (row, column), what value, why. Collected as the columns are checked, written as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from oqms.core.export import safe_cell


@dataclass
class Problems:
    rows: int
    bad: np.ndarray = field(init=False)
    items: list[tuple[int, str, str, str]] = field(default_factory=list)  # (index, column, value, message)

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.rows, bool)

    def add(self, mask: np.ndarray, column: str, values: np.ndarray | None, message: Any) -> None:
        """Every row in ``mask`` has this problem (``message`` may hold ``%(value)s``)."""
        indexes = np.flatnonzero(mask)
        if not len(indexes):
            return
        self.bad[indexes] = True
        text = str(message)
        for index in indexes.tolist():
            value = "" if values is None else str(values[index])
            self.items.append(
                (index, column, value, text % {"value": value} if "%(value)s" in text else text)
            )

    def one(self, index: int, column: str, value: str, message: Any) -> None:
        self.bad[index] = True
        self.items.append((index, column, value, str(message)))

    def drop(self, mask: np.ndarray) -> None:
        """Forget the problems of these rows (rows that are not imported by design, such as superseded ones)."""
        self.items = [item for item in self.items if not mask[item[0]]]
        self.bad &= ~mask

    @property
    def count(self) -> int:
        return len(self.items)

    def listed(self, limit: int | None = None) -> list[dict[str, Any]]:
        items = sorted(self.items, key=lambda item: item[0])
        if limit is not None:
            items = items[:limit]
        return [{"row": i + 2, "column": c, "value": v[:200], "message": m} for i, c, v, m in items]

    def csv_bytes(self) -> bytes:
        """The errors as CSV with a BOM (so Excel opens the Chinese in it correctly)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Row"), _("Column"), _("Value"), _("Problem")])
        for item in self.listed():
            writer.writerow(
                [item["row"], safe_cell(item["column"]), safe_cell(item["value"]), item["message"]]
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

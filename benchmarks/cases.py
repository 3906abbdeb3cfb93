"""The benchmark cases. Each figure comes with a baseline measured in the same process, and their ratio.

Imported after ``django.setup()`` (see ``__main__``).
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from oqms.accounts.models import User
from oqms.demo.management.commands import demo as demo_command
from oqms.workorders.models import WorkOrder, WorkOrderEvent
from oqms.workorders.ui import WorkOrderUI

# Templates use {% static %}: without collectstatic there is no manifest, so serve static files plainly.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WARM_UP = 3
PAGES = (("page: quality manager home", "/"), ("page: work order list, first page", "/work/workorders/"))


@dataclass
class Result:
    name: str
    value: float  # seconds
    baseline_name: str
    baseline: float  # seconds
    throughput: float | None = None  # items per second, where it means something
    throughput_unit: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


def run_all(scratch: Path, work_orders: int, repeat: int) -> list[Result]:
    from benchmarks.calendar_bench import calendar_cases

    with override_settings(STORAGES=PLAIN_STATIC, MEDIA_ROOT=str(scratch / "media")):
        call_command("migrate", verbosity=0)
        results = demo_generation(scratch, work_orders)
        results += pages(repeat)
        results += excel_export(scratch)
    results += calendar_cases()
    return results


# --- (a) demo generation --------------------------------------------------------------------------

def demo_generation(scratch: Path, work_orders: int) -> list[Result]:
    phases: dict[str, float] = {}
    original = demo_command.generate

    def timed_generate(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args)
        finally:
            phases["generate"] = time.perf_counter() - started

    demo_command.generate = timed_generate  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        call_command("demo", work_orders=work_orders, stdout=io.StringIO())
        total = time.perf_counter() - started
    finally:
        demo_command.generate = original  # type: ignore[assignment]
    events = WorkOrderEvent.objects.count()
    floor_orders = executemany_floor(scratch / "floor.sqlite3", work_orders, width(WorkOrder))
    floor_events = executemany_floor(scratch / "floor.sqlite3", events, width(WorkOrderEvent))
    generate = phases["generate"]
    return [
        Result("demo: generate work orders (+ events)", generate, f"executemany {work_orders} rows",
               floor_orders, work_orders / generate, "work orders/s",
               {"work_orders": work_orders, "events": events, "columns": width(WorkOrder)}),
        Result("demo: generate, against a floor incl. events", generate,
               f"executemany {work_orders} + {events} rows", floor_orders + floor_events,
               work_orders / generate, "work orders/s"),
        Result("demo: whole command (reference data, logins)", total, f"executemany {work_orders} rows",
               floor_orders, work_orders / total, "work orders/s"),
    ]


def width(model: Any) -> int:
    return len([f for f in model._meta.concrete_fields if not f.primary_key])


def executemany_floor(path: Path, rows: int, columns: int) -> float:
    """Seconds to insert `rows` rows of `columns` columns: one plain executemany, one transaction."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        table = f"floor_{columns}"
        db.execute(f"DROP TABLE IF EXISTS {table}")
        kinds = ["TEXT", "INTEGER", "TEXT"]
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, "
                   + ", ".join(f"c{k} {kinds[k % 3]}" for k in range(columns)) + ")")
        samples = ["2026-05-24 17:13:25", 1, "显示器无信号，北京中关村办公区仓库"]
        data = [tuple(samples[k % 3] if k % 3 != 1 else n + k for k in range(columns)) for n in range(rows)]
        names = ", ".join(f"c{k}" for k in range(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * columns)})"
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(sql, data)
        db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


# --- (b) pages ------------------------------------------------------------------------------------

def pages(repeat: int) -> list[Result]:
    client = Client()
    client.force_login(User.objects.get(username="qm"))
    healthz = median_seconds(lambda: client.get("/healthz"), repeat)
    results = []
    for name, url in PAGES:
        seconds = median_seconds(lambda url=url: client.get(url), repeat)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        results.append(Result(name, seconds, "GET /healthz (SELECT 1)", healthz,
                              extra={"sql_queries": len(queries.captured_queries),
                                     "bytes": len(response.content)}))
    return results


def median_seconds(request: Callable[[], Any], repeat: int) -> float:
    for _ in range(WARM_UP):
        check(request())
    times = []
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        check(request())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def check(response: Any) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}")


# --- (c) Excel export -----------------------------------------------------------------------------

def excel_export(scratch: Path) -> list[Result]:
    client = Client()
    client.force_login(User.objects.get(username="qm"))
    rows = WorkOrder.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get("/work/workorders/export.xlsx")
        check(response)
        size = sum(len(chunk) for chunk in response.streaming_content)
        seconds = time.perf_counter() - started
    floor = openpyxl_floor(scratch / "floor.xlsx", rows, len(WorkOrderUI.columns))
    return [Result("export: work orders to Excel", seconds, f"openpyxl write-only {rows} plain rows", floor,
                   rows / seconds, "rows/s", {"rows": rows, "bytes": size,
                                              "sql_queries": len(queries.captured_queries)})]


def openpyxl_floor(path: Path, rows: int, columns: int) -> float:
    """Seconds for openpyxl's write-only mode to write the same number of cells of constant short strings."""
    row = ["WO00012345", "显示器无信号", "华信智联", "北京中关村办公区", "P3", "已关闭", "李伟",
           "2026-05-24 17:13", "2026-05-25 17:13", "已达成"][:columns]
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("floor")
    for _ in range(rows):
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
    return time.perf_counter() - started

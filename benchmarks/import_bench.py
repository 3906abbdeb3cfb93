"""Importing work orders from CSV, SLA clocks included, against a raw ``COPY`` of the same file.

``python -m benchmarks.import_bench [--rows N] [--database postgres|sqlite|both]`` (default 1,000,000 rows, both):

1. writes a CSV of N ServiceNow-style incidents (number, opened/resolved/closed as ``dd-mm-yyyy HH:MM``, priority
   ``3 - Moderate``, state, category, subcategory) over 2025, 90 % of them closed, to a temporary directory;
2. in a child process per database (settings are fixed when Django starts), builds an empty database with one
   vendor, contract (SLA targets P1-P4), site, service type and the China office calendar with 2025's holidays,
   then times the product's import of the file — reading and decoding, the checks and date parsing of every
   column (:func:`oqms.dataio.work.prepare`), the clocks and the write (:func:`oqms.workorders.bulk.upsert`) —
   and checks that every row arrived with its clocks;
3. on PostgreSQL, times in the same process ``COPY ... FROM STDIN (FORMAT csv)`` of the same bytes into a bare
   table of text columns (no constraints, no indexes): the floor. The import's rate over COPY's is ``ratio``.

Results go to ``benchmarks/results/import.json``. PostgreSQL is ``postgres://postgres@127.0.0.1:5432/
oqms_bench_import`` (dropped and created; skipped when it is not reachable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "import.json"
PG_URL = "postgres://postgres@127.0.0.1:5432/oqms_bench_import"
PRIORITIES = np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"], dtype=object)
SHARES = (0.05, 0.15, 0.5, 0.3)


def write_csv(path: Path, rows: int, seed: int = 2025) -> None:
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-02T00:00", "m")
    minutes = rng.integers(0, 360 * 24 * 60, rows)
    opened = start + minutes.astype("timedelta64[m]")
    resolved = opened + rng.integers(10, 5 * 24 * 60, rows).astype("timedelta64[m]")
    closed = resolved + rng.integers(60, 3 * 24 * 60, rows).astype("timedelta64[m]")
    state = rng.choice(
        np.array(["Closed", "Resolved", "Active", "New"], dtype=object), rows, p=(0.9, 0.05, 0.04, 0.01)
    )
    limit = np.datetime64("2025-12-30T00:00", "m")
    resolved = np.minimum(resolved, limit)
    closed = np.minimum(closed, limit)

    def text(values: np.ndarray, keep: np.ndarray) -> Any:
        series = pd.Series(values).dt.strftime("%d-%m-%Y %H:%M")
        return series.where(keep, "")

    frame = pd.DataFrame(
        {
            "number": [f"INC{n:07d}" for n in range(rows)],
            "opened_at": text(opened, np.ones(rows, bool)),
            "priority": rng.choice(PRIORITIES, rows, p=SHARES),
            "incident_state": state,
            "category": rng.choice(
                np.array(["Category 26", "Category 53", "Category 42"], dtype=object), rows
            ),
            "subcategory": rng.choice(np.array(["Subcategory 174", "Subcategory 9"], dtype=object), rows),
            "resolved_at": text(resolved, np.isin(state, ["Closed", "Resolved"])),
            "closed_at": text(closed, state == "Closed"),
        }
    )
    frame.to_csv(path, index=False)


# --- the child: one database ------------------------------------------------------------------------


def build_world() -> Any:
    from decimal import Decimal

    from oqms.accounts.models import User
    from oqms.accounts.services import save_user
    from oqms.calendars import services as calendars
    from oqms.calendars.models import Calendar
    from oqms.contracts import sla
    from oqms.contracts.models import Contract, ServiceType, SLATarget
    from oqms.core import audit
    from oqms.org.models import OrgUnit, Site
    from oqms.vendors.models import ServiceCategory, Vendor

    since = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with (
        audit.audit_context(source="benchmark"),
        sla.publisher.deferred(at=since),
        calendars.publisher.deferred(at=since),
    ):
        calendar = Calendar.objects.create(code="cn-office", name="中国工作日", is_default=True)
        calendars.import_statutory_year(calendar, 2025)
        unit = OrgUnit.objects.create(code="HQ", name="总部")
        site = Site.objects.create(code="SH-01", name="上海园区", org_unit=unit, address="上海")
        category = ServiceCategory.objects.create(code="it", name="IT 支持")
        service = ServiceType.objects.create(code="desktop", name="桌面支持", category=category)
        vendor = Vendor.objects.create(
            name="甲服务有限公司", credit_code="91350100M000100Y43", status="active"
        )
        contract = Contract.objects.create(
            number="HT-2025-IT",
            vendor=vendor,
            title="IT 运维",
            status="active",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2026, 12, 31),
            monthly_fee=Decimal("100000"),
        )
        contract.sites.add(site)
        contract.service_types.add(service)
        for priority, response, resolution in (
            ("P1", 30, 240),
            ("P2", 60, 480),
            ("P3", 120, 1440),
            ("P4", 240, 4320),
        ):
            SLATarget.objects.create(
                contract=contract, priority=priority, response_minutes=response, resolution_minutes=resolution
            )
        user = save_user(
            User(username="qm", role="quality_manager", display_name="质量经理"), "bench-Pass-2026!"
        )
    return user


def copy_floor(path: Path) -> dict[str, float]:
    """COPY of the file into a bare table of text columns: no constraints, no indexes."""
    from django.db import connection

    header = path.open(encoding="utf-8").readline().strip().split(",")
    data = path.read_bytes()
    figures: dict[str, float] = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute("CREATE TABLE bench_raw (" + ", ".join(f'"{h}" text' for h in header) + ")")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        figures["copy_raw_s"] = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_raw")
        figures["copy_raw_rows"] = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_raw")
    return figures


def shaped_floor() -> dict[str, float]:
    """The database's own cost of storing the imported rows: the same rows copied, inside PostgreSQL, into a
    table with the work order table's columns, indexes and constraints (foreign keys included), committed."""
    from django.db import connection, transaction

    from oqms.workorders.models import WorkOrder

    table = WorkOrder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"CREATE TABLE bench_shaped (LIKE {table} INCLUDING ALL)")
        for definition in foreign_keys:
            cursor.execute(f"ALTER TABLE bench_shaped ADD {definition}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bench_shaped SELECT * FROM {table}")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_shaped")
    return {"shaped_insert_s": seconds}


def child(path: Path, database: str, output: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oqms.dataio import work
    from oqms.dataio.reading import read_table
    from oqms.workorders import bulk
    from oqms.workorders.models import WorkOrder

    call_command("migrate", verbosity=0)
    user = build_world()
    figures: dict[str, Any] = {"database": database, "rows": 0}
    if database == "postgres":
        figures.update(copy_floor(path))
    mapping = {
        "columns": {
            "external_id": ["number"],
            "title": ["category", "subcategory"],
            "priority": ["priority"],
            "status": ["incident_state"],
            "opened_at": ["opened_at"],
            "resolved_at": ["resolved_at"],
            "closed_at": ["closed_at"],
        },
        "values": {"status": {"Active": "in_progress"}},
        "defaults": {"contract": "HT-2025-IT", "site": "SH-01", "service_type": "desktop"},
        "date_order": "dmy",
        "time_zone": "Asia/Shanghai",
    }
    now = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    started = time.perf_counter()
    table = read_table(path)
    read_s = time.perf_counter() - started
    prepared = work.prepare(table, mapping, user, now)
    prepare_s = time.perf_counter() - started - read_s
    timings: dict[str, float] = {}
    original_clocks = bulk.clocks

    def timed_clocks(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        result = original_clocks(*args, **kwargs)
        timings["clocks_s"] = time.perf_counter() - begun
        return result

    bulk.clocks = timed_clocks  # type: ignore[assignment]
    if os.environ.get("OQMS_BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        outcome = profiler.runcall(bulk.upsert, prepared.columns, now=now)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        outcome = bulk.upsert(prepared.columns, now=now)
    total_s = time.perf_counter() - started
    bulk.clocks = original_clocks  # type: ignore[assignment]
    stored = WorkOrder._base_manager.count()
    with_clocks = WorkOrder._base_manager.exclude(sla_state="none").exclude(resolution_due_at=None).count()
    figures.update(
        rows=table.rows,
        problems=prepared.problems.count,
        created=outcome.created,
        stored=stored,
        stored_with_clocks=with_clocks,
        read_s=read_s,
        check_s=prepare_s,
        clocks_s=timings.get("clocks_s", 0.0),
        write_s=total_s - read_s - prepare_s - timings.get("clocks_s", 0.0),
        import_s=total_s,
        rows_per_s=table.rows / total_s,
        states=dict(
            WorkOrder._base_manager.values_list("sla_state")
            .annotate(n=__import__("django").db.models.Count("pk"))
            .values_list("sla_state", "n")
        ),
        vendor=connection.vendor,
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    if database == "postgres":
        figures.update(shaped_floor())
    if "copy_raw_s" in figures:
        figures["copy_rows_per_s"] = figures["copy_raw_rows"] / figures["copy_raw_s"]
        figures["ratio_to_copy"] = figures["rows_per_s"] / figures["copy_rows_per_s"]
    output.write_text(json.dumps(figures, default=str), encoding="utf-8")


def recreate_pg() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=5
        ) as c:
            c.execute('DROP DATABASE IF EXISTS "oqms_bench_import" WITH (FORCE)')
            c.execute('CREATE DATABASE "oqms_bench_import"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error).strip()[:120]}")
        return False
    return True


def drop_pg() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute('DROP DATABASE IF EXISTS "oqms_bench_import" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if options.child:
        child(Path(options.child[0]), options.child[1], Path(options.child[2]))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="oqms-import-bench-"))
    results: dict[str, Any] = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": options.rows,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    try:
        path = scratch / "incidents.csv"
        begun = time.perf_counter()
        write_csv(path, options.rows)
        results["file_mb"] = round(path.stat().st_size / 1048576, 1)
        print(
            f"{options.rows:,} rows, {results['file_mb']} MB written in {time.perf_counter() - begun:.1f} s"
        )
        for database in ["postgres", "sqlite"] if options.database == "both" else [options.database]:
            if database == "postgres" and not recreate_pg():
                continue
            env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
            env.update(
                DJANGO_SETTINGS_MODULE="oqms.settings",
                OQMS_VAR_DIR=str(scratch / database),
                LOG_LEVEL="WARNING",
            )
            (scratch / database / "static").mkdir(parents=True)
            if database == "postgres":
                env["DATABASE_URL"] = PG_URL
            out = scratch / f"{database}.json"
            try:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.import_bench",
                        "--child",
                        str(path),
                        database,
                        str(out),
                    ],
                    env=env,
                    check=True,
                )
            finally:
                if database == "postgres":
                    drop_pg()
            figures = json.loads(out.read_text(encoding="utf-8"))
            results[database] = figures
            line = (
                f"{database}: {figures['rows']:,} rows imported in {figures['import_s']:.1f} s "
                f"({figures['rows_per_s']:,.0f}/s; read {figures['read_s']:.1f}, check {figures['check_s']:.1f}, "
                f"clocks {figures['clocks_s']:.1f}, write {figures['write_s']:.1f})"
            )
            if "shaped_insert_s" in figures:
                line += (
                    f"; the rows alone into an indexed copy of the table {figures['shaped_insert_s']:.1f} s"
                )
            if "ratio_to_copy" in figures:
                line += (
                    f"; raw COPY {figures['copy_raw_s']:.2f} s ({figures['copy_rows_per_s']:,.0f}/s), "
                    f"ratio {figures['ratio_to_copy']:.3f}"
                )
            print(line)
        pg = results.get("postgres")
        if pg:
            results["goals"] = {
                "under_60_s": pg["import_s"] < 60,
                "at_least_0.3_of_copy": pg["ratio_to_copy"] >= 0.3,
            }
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"written to {options.output}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""KPI rollups at scale on PostgreSQL, checked and timed against DuckDB over the raw table.

``python -m benchmarks.kpi_bench [--work-orders N] [--database-url URL]`` (default 10,000,000 work orders, 200
vendors, 24 months, database ``postgres://postgres@127.0.0.1:5432/oqms_bench``, which it drops and creates):

1. builds the reference data (200 vendors with one contract each: 1-3 service types, 1-5 sites, SLA targets for
   P1-P4, 9 monthly KPIs each) through the models, and loads N synthetic work orders over 24 months with
   PostgreSQL ``COPY`` (binary, generated with numpy a few weeks at a time, the table's secondary indexes built
   afterwards);
2. times the product's code paths: ``rollups.rebuild()``; every monthly scorecard (200 contracts x 24 months)
   computed in bulk (``scorecards.figures``: the KPI results and scores, nothing saved) and computed and saved
   (``scorecards.compute_all`` per month); one vendor-month alone (``scorecards.compute``); then, after 10,000
   new or changed work orders (their changes recorded as the save signals record them), ``rollups.refresh_dirty()``
   until nothing waits, and the nightly job;
3. loads the same work orders into DuckDB (outside the timed section) and times DuckDB computing the same
   per-vendor-month figures straight from the raw rows — counts, in-target %, means, exact P90s — and checks
   that both agree: counts exactly, ratios and means to 1e-9, P90s within the histogram's error bound.

Ratios are against DuckDB in the same run (``ratio`` <= 1: the rollups are no slower). Peak memory is the
benchmark process's own (``ru_maxrss``); PostgreSQL's and DuckDB's server-side memory are separate processes or
not counted. Results go to ``benchmarks/results/kpis.json``. Without a reachable PostgreSQL it says so and
exits 0 (``make bench`` runs it small; ``make bench-kpis`` runs the full size). DuckDB is optional (``pip install
-e '.[bench]'``): without it the comparison is skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "kpis.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oqms_bench"
FORBIDDEN = {"oqms_ci", "oqms_local", "postgres", "template0", "template1"}
SHANGHAI_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai: UTC+8 all year since 1991
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_SHARES = (0.05, 0.15, 0.50, 0.30)
RESPONSE_MINUTES = (15, 30, 120, 240)
RESOLUTION_MINUTES = (240, 480, 1440, 2880)
TITLES = ("打印机卡纸", "空调不制冷", "网络中断", "门禁读卡器故障", "会议室投影仪无信号", "水管漏水")
CHUNK_ROWS = 250_000
RECENT = dt.timedelta(days=30)  # the changed work orders are open ones raised in the last 30 days


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.kpi_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--work-orders", type=int, default=10_000_000, help="work orders (default 10000000)")
    parser.add_argument("--vendors", type=int, default=200, help="vendors, one contract each (default 200)")
    parser.add_argument("--months", type=int, default=24, help="months of work orders (default 24)")
    parser.add_argument(
        "--changes", type=int, default=10_000, help="new or changed work orders (default 10000)"
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"dropped and created (default {DEFAULT_URL})"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each bulk timing; the median counts")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the work orders of a database kept with --keep instead of generating them (then keep it)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    return parser.parse_args(argv)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message} (peak {peak_mb():,.0f} MB)", flush=True)


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.started


def timed(function: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    times, result = [], None
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, times


# --- the database ----------------------------------------------------------------------------------


def maintenance_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in FORBIDDEN or not name.startswith("oqms_bench"):
        raise SystemExit(f"refusing to drop and create {name!r}: use a database named oqms_bench...")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate(url: str) -> bool:
    """Drop and create the benchmark database; False when PostgreSQL cannot be reached."""
    import psycopg

    admin, name = maintenance_url(url)
    try:
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"kpi_bench skipped: PostgreSQL is not reachable at {admin} ({str(exc).strip()[:120]})")
        return False
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return True


def drop(url: str) -> None:
    import psycopg

    admin, name = maintenance_url(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def raw_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


# --- reference data ----------------------------------------------------------------------------------


def build_world(vendors: int, first_day: dt.date, rng: np.random.Generator) -> dict[str, Any]:
    """Vendors, contracts, SLA targets, sites, service types, users and KPIs, through the models."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from oqms.accounts.models import User
    from oqms.contracts import sla
    from oqms.contracts.models import Contract, ServiceType, SLATarget
    from oqms.core import audit
    from oqms.engine.identifiers import uscc_check_character
    from oqms.kpis.models import KPI
    from oqms.org.models import OrgUnit, Site
    from oqms.vendors.models import ServiceCategory, Vendor

    unusable = make_password(None)
    with audit.audit_context(source="benchmark"):
        org_unit = OrgUnit.objects.create(code="HQ", name="总部")
        sites = [
            Site.objects.create(code=f"S{k:03d}", name=f"园区 {k}", org_unit=org_unit, address="上海市")
            for k in range(max(5, vendors // 2))
        ]
        category = ServiceCategory.objects.create(code="fm", name="设施服务", name_en="Facilities")
        types = [
            ServiceType.objects.create(
                code=f"t{k:02d}", name=f"服务 {k}", name_en=f"Service {k}", category=category
            )
            for k in range(max(3, min(30, vendors)))
        ]
        requester = User.objects.create(username="requester", role="requester", password=unusable)
        sizes = rng.lognormal(0.0, 0.6, vendors)
        teams = []
        for k in range(vendors):
            body = f"91310000{k:09d}"
            code = body + uscc_check_character(body)
            vendor = Vendor.objects.create(
                name=f"服务商 {k:03d} 有限公司",
                short_name=f"服务商{k:03d}",
                credit_code=code,
                status="active",
            )
            staff = User.objects.create(
                username=f"staff{k:03d}", role="vendor_staff", vendor=vendor, password=unusable
            )
            chosen_types = rng.choice(
                len(types), size=int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2])), replace=False
            )
            chosen_sites = rng.choice(len(sites), size=int(rng.integers(1, 6)), replace=False)
            scale = float(rng.choice([0.5, 1.0, 2.0], p=[0.25, 0.5, 0.25]))
            start = timezone.now() - dt.timedelta(days=800)
            with sla.publisher.deferred(at=start):
                contract = Contract.objects.create(
                    number=f"B-{k:04d}",
                    vendor=vendor,
                    title=f"{vendor.short_name} 设施运维",
                    status="active",
                    start_date=first_day - dt.timedelta(days=30),
                    end_date=first_day + dt.timedelta(days=3 * 365),
                    monthly_fee=Decimal("100000.00"),
                )
                contract.org_units.add(org_unit)
                contract.sites.add(*[sites[s] for s in chosen_sites])
                contract.service_types.add(*[types[t] for t in chosen_types])
                targets = []
                for priority, response, resolution in zip(
                    PRIORITIES, RESPONSE_MINUTES, RESOLUTION_MINUTES, strict=True
                ):
                    targets.append((round(response * scale), round(resolution * scale)))
                    SLATarget.objects.create(
                        contract=contract,
                        priority=priority,
                        response_minutes=round(response * scale),
                        resolution_minutes=round(resolution * scale),
                    )
            teams.append(
                {
                    "vendor": vendor.pk,
                    "contract": contract.pk,
                    "staff": staff.pk,
                    "types": [types[t].pk for t in chosen_types],
                    "sites": [sites[s].pk for s in chosen_sites],
                    "type_shares": rng.dirichlet(np.full(len(chosen_types), 2.0)),
                    "site_shares": rng.dirichlet(np.full(len(chosen_sites), 1.5)),
                    "targets": targets,
                    "quality": float(rng.lognormal(0.0, 0.3)),
                    "size": float(sizes[k]),
                }
            )
            KPI.objects.bulk_create(kpis_of(contract, types[chosen_types[0]].pk, first_day))
    return {"teams": teams, "requester": requester.pk}


def kpis_of(contract: Any, service_type: int, first_day: dt.date) -> list[Any]:
    """Nine monthly KPIs: ratios, a mean, a P90, a rating, one per priority, one per service type, a formula."""
    from decimal import Decimal

    from oqms.kpis.models import KPI

    def kpi(code: str, target: str, minimum: str, **extra: Any) -> Any:
        return KPI(
            contract=contract,
            code=code,
            name=code,
            target=Decimal(target),
            minimum=Decimal(minimum),
            weight=Decimal(extra.pop("weight", "1")),
            effective_from=first_day,
            period="month",
            **extra,
        )

    return [
        kpi("response", "95", "80", measure="response_in_target_pct", weight="2"),
        kpi("resolution", "90", "70", measure="resolution_in_target_pct", weight="3"),
        kpi("p90", "1440", "4320", measure="p90_resolution_minutes", direction="lower"),
        kpi("mean-response", "60", "240", measure="mean_response_minutes", direction="lower"),
        kpi("ftf", "95", "85", measure="first_time_fix_pct"),
        kpi("rating", "4.5", "3.5", measure="rating_mean"),
        kpi("p1", "95", "80", measure="resolution_in_target_pct", priority="P1", weight="2"),
        kpi("type", "90", "70", measure="response_in_target_pct", service_type_id=service_type),
        kpi(
            "worst",
            "0",
            "0",
            formula="min(response_in_target_pct, resolution_in_target_pct)",
            scoring="tiers",
            tiers=[[95, 100], [90, 80], [80, 50]],
        ),
    ]


# --- synthetic work orders ---------------------------------------------------------------------------


def day_counts(total: int, first_day: dt.date, days: int, rng: np.random.Generator) -> np.ndarray:
    """Work orders raised each day: fewer at weekends, growing 30 % over the period, some daily noise."""
    weekday = (np.arange(days) + first_day.weekday()) % 7
    weights = np.where(weekday == 5, 0.45, np.where(weekday == 6, 0.35, 1.0))
    weights = weights * (1 + 0.3 * np.arange(days) / days) * rng.lognormal(0, 0.1, days)
    return rng.multinomial(total, weights / weights.sum())


def generate(
    world: dict[str, Any], first_id: int, days: np.ndarray, now: np.datetime64, rng: np.random.Generator
) -> dict[str, Any]:
    """The columns of work orders raised on these local days (one entry per work order), as of ``now`` (UTC)."""
    teams = world["teams"]
    count = len(days)
    sizes = np.array([t["size"] for t in teams])
    team = rng.choice(len(teams), size=count, p=sizes / sizes.sum())
    office = rng.random(count) < 0.8
    seconds = np.where(office, rng.uniform(8 * 3600, 19 * 3600, count), rng.uniform(0, 86_400, count))
    local = days.astype("datetime64[us]") + (seconds * 1e6).astype("timedelta64[us]")
    opened = local - SHANGHAI_OFFSET
    day_start = days.astype("datetime64[us]") - SHANGHAI_OFFSET
    future = opened >= now  # raised today: spread over the hours so far
    opened[future] = day_start[future] + (
        (now - day_start[future]).astype(np.int64) * rng.random(future.sum())
    ).astype(np.int64) * np.timedelta64(1, "us")

    def pick(shares_key: str, ids_key: str) -> np.ndarray:
        width = max(len(t[ids_key]) for t in teams)
        cumulative = np.ones((len(teams), width))
        ids = np.zeros((len(teams), width), dtype=np.int64)
        for k, t in enumerate(teams):
            cumulative[k, : len(t[ids_key])] = np.cumsum(t[shares_key])
            ids[k, : len(t[ids_key])] = t[ids_key]
            ids[k, len(t[ids_key]) :] = t[ids_key][-1]
        index = (rng.random(count)[:, None] > cumulative[team]).sum(axis=1)
        return ids[team, np.minimum(index, width - 1)]

    service_type = pick("type_shares", "types")
    site = pick("site_shares", "sites")
    priority = rng.choice(4, size=count, p=PRIORITY_SHARES)
    targets = np.array([t["targets"] for t in teams])  # (teams, 4, 2) minutes
    response_target = targets[team, priority, 0]
    resolution_target = targets[team, priority, 1]
    quality = np.array([t["quality"] for t in teams])[team]
    response = response_target * 60.0 * np.exp(rng.normal(np.log(0.45 * quality), 0.8))
    response[rng.random(count) < 0.04] = 0.0  # answered before business hours began
    resolution = response + resolution_target * 60.0 * np.exp(rng.normal(np.log(0.5 * quality), 0.9))
    us = np.timedelta64(1, "us")

    def later(start: np.ndarray, business: np.ndarray, low: float, high: float) -> np.ndarray:
        wall = business * rng.uniform(low, high, count) + rng.uniform(30, 600, count)
        return start + (wall * 1e6).astype(np.int64) * us

    assigned = opened + (rng.uniform(60, 1800, count) * 1e6).astype(np.int64) * us
    responded = np.maximum(later(opened, response, 1.0, 2.0), assigned)
    resolved = np.maximum(later(opened, resolution, 1.2, 3.0), responded + np.timedelta64(60, "s"))
    closes = rng.random(count) < 0.88
    closed = resolved + (np.exp(rng.normal(np.log(20 * 3600), 1.0, count)) * 1e6).astype(np.int64) * us
    reopen_count = rng.choice(3, size=count, p=[0.94, 0.05, 0.01])
    rated = rng.random(count) < 0.7
    rating = rng.choice(np.arange(1, 6), size=count, p=[0.03, 0.05, 0.12, 0.35, 0.45])

    is_assigned = assigned <= now
    is_responded = responded <= now
    is_resolved = resolved <= now
    is_closed = closes & (closed <= now)
    paused = is_responded & ~is_resolved & (rng.random(count) < 0.05)
    status = np.where(
        is_closed,
        "closed",
        np.where(
            is_resolved,
            "resolved",
            np.where(
                paused,
                "paused",
                np.where(is_responded, "in_progress", np.where(is_assigned, "assigned", "new")),
            ),
        ),
    )
    met_response = response <= response_target * 60
    met_resolution = resolution <= resolution_target * 60
    response_state = np.where(is_responded, np.where(met_response, "met", "missed"), "on_track")
    sla_state = np.where(is_resolved, np.where(met_resolution, "met", "missed"), "on_track")
    last = np.where(
        is_closed, closed, np.where(is_resolved, resolved, np.where(is_responded, responded, opened))
    )
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    digits = (ids[:, None] // 10 ** np.arange(10, -1, -1)) % 10 + 48
    number = np.concatenate([np.full((count, 1), ord("B")), digits], axis=1).astype(np.uint8)
    return {
        "id": ids,
        "created_at": opened,
        "updated_at": last,
        "number": number.view("S12").ravel(),
        "priority": np.array(PRIORITIES)[priority].astype("S2"),
        "title": np.char.encode(np.array(TITLES)[rng.integers(0, len(TITLES), count)], "utf-8"),
        "status": np.char.encode(status, "ascii"),
        "opened_at": opened,
        "assigned_at": (assigned, ~is_assigned),
        "responded_at": (responded, ~is_responded),
        "paused_at": (responded + np.timedelta64(600, "s"), ~paused),
        "resolved_at": (resolved, ~is_resolved),
        "closed_at": (closed, ~is_closed),
        "response_due_at": opened + (response_target * 60_000_000).astype(np.int64) * us,
        "resolution_due_at": opened + (resolution_target * 60_000_000).astype(np.int64) * us,
        "resolution_note": np.where(is_resolved, "已处理", "").astype("U3"),
        "rating": (rating.astype(np.int16), ~(is_closed & rated)),
        "reopen_count": np.where(is_resolved, reopen_count, 0).astype(np.int16),
        "pause_reason": np.where(paused, "awaiting_parts", ""),
        "assignee_id": (np.array([t["staff"] for t in teams])[team], ~is_assigned),
        "contract_id": np.array([t["contract"] for t in teams])[team],
        "vendor_id": np.array([t["vendor"] for t in teams])[team],
        "requester_id": np.full(count, world["requester"], dtype=np.int64),
        "service_type_id": service_type,
        "site_id": site,
        "response_target_minutes": response_target.astype(np.int32),
        "resolution_target_minutes": resolution_target.astype(np.int32),
        "response_business_seconds": (response, ~is_responded),
        "resolution_business_seconds": (resolution, ~is_resolved),
        "response_state": np.char.encode(response_state, "ascii"),
        "sla_state": np.char.encode(sla_state, "ascii"),
        "sla_crossings": "[]",
    }


# --- binary COPY ---------------------------------------------------------------------------------------

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = b"\xff\xff"
FIXED = {
    "bigint": ">i8",
    "integer": ">i4",
    "smallint": ">i2",
    "double precision": ">f8",
    "boolean": "?",
    "timestamp with time zone": ">i8",
    "date": ">i4",
}
TEXT = {"character varying", "text", "jsonb"}


def table_columns(raw: Any, table: str) -> list[tuple[str, str, bool]]:
    rows = raw.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [(name, kind, nullable) for name, kind, nullable in rows]


def encode(columns: list[tuple[str, str, bool]], data: dict[str, Any], count: int) -> bytes:
    """Rows in PostgreSQL's binary COPY format, without header and trailer. ``data`` maps a column to an array
    (or an (array, null mask) pair, or one value for every row); a column not given is NULL, or a zero value."""
    values: list[np.ndarray] = []
    nulls: list[np.ndarray] = []
    for name, kind, nullable in columns:
        given = data.get(name)
        null = np.zeros(count, dtype=bool)
        if isinstance(given, tuple):
            given, null = given
        if given is None:
            if nullable:
                given, null = np.zeros(count, dtype=np.int64), np.ones(count, dtype=bool)
            else:
                given = {"jsonb": "null", "boolean": False}.get(kind, "" if kind in TEXT else 0)
        if not isinstance(given, np.ndarray):
            given = np.full(count, given)
        if kind in TEXT:
            if given.dtype.kind == "U":
                given = np.char.encode(given, "utf-8")
            if kind == "jsonb":
                given = np.char.add(b"\x01", given)
        elif kind == "timestamp with time zone":
            given = given.astype("datetime64[us]").astype(np.int64) - PG_EPOCH_US
        elif kind not in FIXED:
            raise SystemExit(f"kpi_bench cannot fill column {name} of type {kind}")
        values.append(given)
        nulls.append(np.asarray(null, dtype=bool))
    lengths = np.zeros((count, len(columns)), dtype=np.int64)
    for k, (_name, kind, _nullable) in enumerate(columns):
        size = np.char.str_len(values[k]) if kind in TEXT else np.full(count, np.dtype(FIXED[kind]).itemsize)
        lengths[:, k] = np.where(nulls[k], -1, size)
    shapes, group = np.unique(lengths, axis=0, return_inverse=True)
    parts = []
    for shape_number, shape in enumerate(shapes):
        rows = np.flatnonzero(group.ravel() == shape_number)
        fields: list[tuple[str, Any]] = [("n", ">i2")]
        for k, (_name, kind, _nullable) in enumerate(columns):
            fields.append((f"l{k}", ">i4"))
            if shape[k] >= 0:
                fields.append((f"v{k}", f"S{shape[k]}" if kind in TEXT else FIXED[kind]))
        block = np.empty(len(rows), dtype=np.dtype(fields))
        block["n"] = len(columns)
        for k in range(len(columns)):
            block[f"l{k}"] = shape[k]
            if shape[k] > 0 or (shape[k] == 0 and columns[k][1] not in TEXT):
                block[f"v{k}"] = values[k][rows]
        parts.append(block.tobytes())
    return b"".join(parts)


def load_work_orders(
    url: str, world: dict[str, Any], total: int, first_day: dt.date, days: int, now: np.datetime64, seed: int
) -> dict[str, float]:
    """COPY the synthetic work orders in (FK checks off, secondary indexes dropped and rebuilt afterwards)."""
    rng = np.random.default_rng(seed)
    per_day = day_counts(total, first_day, days, rng)
    raw = raw_connection(url)
    table = "workorders_workorder"
    columns = table_columns(raw, table)
    names = ", ".join(name for name, _kind, _nullable in columns)
    indexes = raw.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    ).fetchall()
    timings: dict[str, float] = {}
    with Timer() as copying:
        for name, _definition in indexes:
            raw.execute(f'DROP INDEX "{name}"')
        raw.execute("SET session_replication_role = replica")  # the generator keeps the foreign keys right
        next_id, day = 1, 0
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy,
        ):
            copy.write(HEADER)
            while day < days:
                end = day
                rows = 0
                while end < days and (rows == 0 or rows + per_day[end] <= CHUNK_ROWS):
                    rows += int(per_day[end])
                    end += 1
                local_days = np.repeat(
                    np.datetime64(first_day) + np.arange(day, end).astype("timedelta64[D]"), per_day[day:end]
                )
                data = generate(world, next_id, local_days, now, rng)
                copy.write(encode(columns, data, len(local_days)))
                next_id += len(local_days)
                day = end
            copy.write(TRAILER)
        raw.execute("SET session_replication_role = DEFAULT")
    timings["copy_seconds"] = copying.seconds
    with Timer() as indexing:
        raw.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            raw.execute(definition)
        raw.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM workorders_workorder))",
            (table,),
        )
    timings["index_seconds"] = indexing.seconds
    with Timer() as vacuum:
        raw.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_seconds"] = vacuum.seconds
    size = raw.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0]
    timings["table_mb"] = size / 2**20
    raw.close()
    return timings


# --- the incremental update ---------------------------------------------------------------------------


def change_work_orders(
    url: str, world: dict[str, Any], changes: int, now: np.datetime64, seed: int
) -> dict[str, int]:
    """Half new work orders raised in the last hours, half open ones raised in the last 30 days moved on
    (responded, resolved, closed and rated): a day or so of activity, written with SQL. What they change in the
    rollups is recorded as the save signals record it (``rollups.record`` of the rows before and after)."""
    from oqms.kpis import rollups

    rng = np.random.default_rng(seed + 1)
    raw = raw_connection(url)
    table = "workorders_workorder"
    columns = table_columns(raw, table)
    names = ", ".join(name for name, _kind, _nullable in columns)
    added = changes // 2
    first_id = raw.execute(f"SELECT max(id) + 1 FROM {table}").fetchone()[0]
    stamp = now.astype("datetime64[us]")
    local_now = (stamp + SHANGHAI_OFFSET).astype("datetime64[D]")
    data = generate(world, first_id, np.repeat(local_now, added), stamp + np.timedelta64(1, "h"), rng)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy:
        copy.write(HEADER + encode(columns, data, added) + TRAILER)
    raw.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", (table,))
    moved = changes - added
    rows = raw.execute(
        f"SELECT id, contract_id, status, opened_at, responded_at, resolved_at, closed_at, "
        f"response_target_minutes, resolution_target_minutes FROM {table} "
        f"WHERE status IN ('new', 'assigned', 'in_progress', 'paused', 'resolved') AND id < %s "
        f"AND opened_at >= %s ORDER BY random() LIMIT %s",
        (first_id, dt.datetime.fromisoformat(str(stamp)).replace(tzinfo=dt.UTC) - RECENT, moved),
    ).fetchall()
    moment = dt.datetime.fromisoformat(str(stamp)).replace(tzinfo=dt.UTC)
    before = rollups.work_orders(row[0] for row in rows)
    updates = []
    for pk, _contract_id, status, opened, responded, resolved, _closed, _rt, _st in rows:
        seconds = max((moment - opened).total_seconds() / 3, 0.0)
        if status in ("new", "assigned"):
            updates.append((pk, "in_progress", moment, seconds, None, None, None, None))
        elif status in ("in_progress", "paused"):
            updates.append((pk, "resolved", responded or moment, None, moment, seconds * 2, None, None))
        else:
            rating = int(rng.choice([3, 4, 5]))
            updates.append((pk, "closed", responded, None, resolved, None, moment, rating))
    with raw.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, responded_at = COALESCE(%s, responded_at), "
            f"response_business_seconds = COALESCE(%s, response_business_seconds), "
            f"resolved_at = COALESCE(%s, resolved_at), "
            f"resolution_business_seconds = COALESCE(%s, resolution_business_seconds), "
            f"closed_at = COALESCE(%s, closed_at), rating = COALESCE(%s, rating), updated_at = %s WHERE id = %s",
            [(s, r, rs, v, vs, c, g, moment, pk) for pk, s, r, rs, v, vs, c, g in updates],
        )
    raw.close()
    after = rollups.work_orders([*range(first_id, first_id + added), *(row[0] for row in rows)])
    recorded = rollups.record(before, after)
    return {"new": added, "changed": len(updates), "change_rows": recorded}


# --- DuckDB ----------------------------------------------------------------------------------------------

DUCK_COLUMNS = {
    "contract_id": "BIGINT",
    "status": "VARCHAR",
    "reopen_count": "INTEGER",
    "rating": "INTEGER",
    "response_target_minutes": "INTEGER",
    "resolution_target_minutes": "INTEGER",
    "response_business_seconds": "DOUBLE",
    "resolution_business_seconds": "DOUBLE",
    "opened": "TIMESTAMP",
    "responded": "TIMESTAMP",
    "resolved": "TIMESTAMP",
    "closed": "TIMESTAMP",
}
DUCK_FIGURES = """
WITH o AS (
    SELECT contract_id, date_trunc('month', opened) AS month, count(*) AS opened,
           count(*) FILTER (WHERE status IN ('resolved', 'closed')) AS opened_completed
    FROM wo GROUP BY ALL),
r AS (
    SELECT contract_id, date_trunc('month', responded) AS month, count(*) AS responded,
           count(*) FILTER (WHERE response_target_minutes IS NOT NULL
                            AND response_business_seconds <= response_target_minutes * 60) AS responded_in_time,
           sum(round_even(response_business_seconds * 1024, 0) / 1024) AS response_seconds,
           quantile_disc(response_business_seconds, 0.9) AS p90_response
    FROM wo WHERE responded IS NOT NULL AND response_business_seconds IS NOT NULL GROUP BY ALL),
s AS (
    SELECT contract_id, date_trunc('month', resolved) AS month, count(*) AS resolved,
           count(*) FILTER (WHERE resolution_target_minutes IS NOT NULL
                            AND resolution_business_seconds <= resolution_target_minutes * 60) AS resolved_in_time,
           count(*) FILTER (WHERE reopen_count = 0) AS resolved_first_time,
           count(*) FILTER (WHERE reopen_count > 0) AS resolved_reopened,
           sum(round_even(resolution_business_seconds * 1024, 0) / 1024) AS resolution_seconds,
           quantile_disc(resolution_business_seconds, 0.9) AS p90_resolution
    FROM wo WHERE status IN ('resolved', 'closed') AND resolved IS NOT NULL
              AND resolution_business_seconds IS NOT NULL GROUP BY ALL),
c AS (
    SELECT contract_id, date_trunc('month', closed) AS month, count(*) AS closed,
           count(*) FILTER (WHERE rating > 0) AS rated, coalesce(sum(rating), 0) AS rating_sum
    FROM wo WHERE status = 'closed' AND closed IS NOT NULL GROUP BY ALL)
SELECT contract_id, month,
       coalesce(opened, 0) AS opened, coalesce(opened_completed, 0) AS opened_completed,
       coalesce(responded, 0) AS responded, coalesce(responded_in_time, 0) AS responded_in_time,
       coalesce(response_seconds, 0) AS response_seconds,
       coalesce(resolved, 0) AS resolved, coalesce(resolved_in_time, 0) AS resolved_in_time,
       coalesce(resolved_first_time, 0) AS resolved_first_time,
       coalesce(resolved_reopened, 0) AS resolved_reopened,
       coalesce(resolution_seconds, 0) AS resolution_seconds,
       coalesce(closed, 0) AS closed, coalesce(rated, 0) AS rated, coalesce(rating_sum, 0) AS rating_sum,
       100.0 * responded_in_time / nullif(responded, 0) AS response_in_target_pct,
       100.0 * resolved_in_time / nullif(resolved, 0) AS resolution_in_target_pct,
       response_seconds / 60 / nullif(responded, 0) AS mean_response_minutes,
       resolution_seconds / 60 / nullif(resolved, 0) AS mean_resolution_minutes,
       p90_response / 60 AS p90_response_minutes, p90_resolution / 60 AS p90_resolution_minutes,
       100.0 * opened_completed / nullif(opened, 0) AS completion_pct,
       100.0 * resolved_first_time / nullif(resolved, 0) AS first_time_fix_pct,
       100.0 * resolved_reopened / nullif(resolved, 0) AS reopen_pct,
       1.0 * rating_sum / nullif(rated, 0) AS rating_mean,
       100.0 * rated / nullif(closed, 0) AS rating_response_pct
FROM o FULL JOIN r USING (contract_id, month) FULL JOIN s USING (contract_id, month)
       FULL JOIN c USING (contract_id, month)
WHERE month >= ? AND month < ?
"""
COUNT_FIGURES = (
    "opened",
    "opened_completed",
    "responded",
    "responded_in_time",
    "resolved",
    "resolved_in_time",
    "resolved_first_time",
    "resolved_reopened",
    "closed",
    "rated",
    "rating_sum",
)
RATIO_FIGURES = (
    "response_seconds",
    "resolution_seconds",
    "response_in_target_pct",
    "resolution_in_target_pct",
    "mean_response_minutes",
    "mean_resolution_minutes",
    "completion_pct",
    "first_time_fix_pct",
    "reopen_pct",
    "rating_mean",
    "rating_response_pct",
)
PERCENTILES = ("p90_response_minutes", "p90_resolution_minutes")


def load_duckdb(url: str, scratch: Path, zone: str) -> tuple[Any, dict[str, float]]:
    import duckdb

    path = scratch / "workorders.csv"
    raw = raw_connection(url)
    with Timer() as export:
        select = (
            "SELECT contract_id, status, reopen_count, rating, response_target_minutes, resolution_target_minutes, "
            "response_business_seconds, resolution_business_seconds, "
            + ", ".join(
                f"{name}_at AT TIME ZONE %(zone)s" for name in ("opened", "responded", "resolved", "closed")
            )
            + " FROM workorders_workorder"
        )
        statement = f"COPY ({select}) TO STDOUT (FORMAT csv)"
        with (
            path.open("wb") as handle,
            raw.cursor() as cursor,
            cursor.copy(statement, {"zone": zone}) as copy,
        ):
            for block in copy:
                handle.write(block)
    raw.close()
    duck = duckdb.connect()
    with Timer() as loading:
        duck.execute(
            "CREATE TABLE wo AS SELECT * FROM read_csv(?, header = false, columns = "
            + "{"
            + ", ".join(f"'{k}': '{v}'" for k, v in DUCK_COLUMNS.items())
            + "})",
            [str(path)],
        )
    path.unlink()
    return duck, {"export_seconds": export.seconds, "load_seconds": loading.seconds}


def duck_figures(
    duck: Any, first: dt.date, end: dt.date, p90: bool = True
) -> dict[tuple[int, dt.date], dict[str, Any]]:
    query = DUCK_FIGURES
    if not p90:  # the same without the exact percentiles, for comparison
        for name in ("response_business_seconds", "resolution_business_seconds"):
            query = query.replace(f"quantile_disc({name}, 0.9)", "NULL::DOUBLE")
    cursor = duck.execute(query, [first, end])
    names = [d[0] for d in cursor.description]
    found = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        month = record["month"]
        found[(int(record["contract_id"]), month.date() if hasattr(month, "date") else month)] = record
    return found


def compare(
    ours: dict[tuple[int, dt.date], Any], theirs: dict[tuple[int, dt.date], dict[str, Any]]
) -> dict[str, Any]:
    """Counts exactly, ratios and means to 1e-9, P90 within the histogram bound (2.5 %, or 30 s below 60 s)."""
    from oqms.engine import histogram
    from oqms.kpis import measures

    problems: list[str] = []
    worst_p90 = 0.0
    keys = set(ours) | {
        k for k, v in theirs.items() if v["opened"] or v["responded"] or v["resolved"] or v["closed"]
    }
    for key in sorted(keys):
        totals = ours.get(key)
        if totals is None:
            problems.append(f"{key}: only in DuckDB")
            continue
        record = theirs.get(key) or dict.fromkeys([*COUNT_FIGURES, *RATIO_FIGURES, *PERCENTILES])
        if key not in theirs:  # no work order event in that month: zero counts, no ratios
            record.update(dict.fromkeys(COUNT_FIGURES, 0), response_seconds=0.0, resolution_seconds=0.0)
        values = measures.compute(totals)
        for name in COUNT_FIGURES:
            if int(totals[name]) != int(record[name]):
                problems.append(f"{key} {name}: {totals[name]} != {record[name]}")
        for name in RATIO_FIGURES:
            mine = totals[name] if name.endswith("_seconds") else values[name].value
            other = record[name]
            if (mine is None) != (other is None) or (
                mine is not None and abs(mine - float(other)) > 1e-9 * max(1.0, abs(float(other)))
            ):
                problems.append(f"{key} {name}: {mine} != {other}")
        for name in PERCENTILES:
            mine, other = values[name].value, record[name]
            if (mine is None) != (other is None):
                problems.append(f"{key} {name}: {mine} != {other}")
                continue
            if mine is None:
                continue
            exact = float(other)
            allowed = (
                0.0
                if exact == 0
                else histogram.ABSOLUTE_ERROR / 60
                if exact * 60 < histogram.FIRST_BUCKET_SECONDS
                else histogram.RELATIVE_ERROR * exact
            )
            error = abs(mine - exact)
            if exact * 60 >= histogram.FIRST_BUCKET_SECONDS:
                worst_p90 = max(worst_p90, error / exact)
            if error > allowed + 1e-12:
                problems.append(f"{key} {name}: {mine} vs exact {exact}")
    return {
        "vendor_months": len(keys),
        "mismatches": len(problems),
        "examples": problems[:10],
        "worst_p90_relative_error": worst_p90,
    }


# --- the run ---------------------------------------------------------------------------------------------


def stored_world() -> dict[str, Any]:
    """The reference data of a kept database, as ``build_world`` describes it (even shares, average quality)."""
    from oqms.accounts.models import User
    from oqms.contracts.models import Contract, SLATarget

    teams = []
    for contract in Contract.objects.order_by("pk").prefetch_related("service_types", "sites"):
        types = [t.pk for t in contract.service_types.all()]
        sites = [s.pk for s in contract.sites.all()]
        targets = dict(
            (t.priority, (t.response_minutes, t.resolution_minutes))
            for t in SLATarget.objects.filter(contract=contract)
        )
        staff = User.objects.filter(vendor_id=contract.vendor_id).values_list("pk", flat=True).first()
        teams.append(
            {
                "vendor": contract.vendor_id,
                "contract": contract.pk,
                "staff": staff,
                "types": types,
                "sites": sites,
                "type_shares": np.full(len(types), 1 / len(types)),
                "site_shares": np.full(len(sites), 1 / len(sites)),
                "targets": [targets[p] for p in PRIORITIES],
                "quality": 1.0,
                "size": 1.0,
            }
        )
    return {"teams": teams, "requester": User.objects.get(username="requester").pk}


def months_of(first_day: dt.date, months: int) -> list[dt.date]:
    found, day = [], first_day
    for _ in range(months):
        found.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return found


def run(options: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from oqms.contracts.models import Contract
    from oqms.kpis import bulk, measures, rollups, scorecards
    from oqms.kpis.models import DailyRollup, KPIResult, MonthlyRollup, RollupChange, Scorecard
    from oqms.kpis.signals import scorecard_computed
    from oqms.workorders.models import WorkOrder

    figures: dict[str, Any] = {
        "work_orders": options.work_orders,
        "vendors": options.vendors,
        "months": options.months,
    }
    rng = np.random.default_rng(options.seed)
    call_command("migrate", verbosity=0, skip_checks=True)
    today = timezone.localdate()
    months = months_of(
        dt.date(
            today.year + (today.month - options.months) // 12, (today.month - options.months) % 12 + 1, 1
        ),
        options.months,
    )
    first_day, end_day = months[0], (months[-1] + dt.timedelta(days=32)).replace(day=1)
    now = np.datetime64(timezone.now().replace(tzinfo=None), "us")
    if options.reuse:
        world = stored_world()
        figures["work_orders"] = WorkOrder.objects.count()
        figures["vendors"] = len(world["teams"])
        figures["load"] = None
        log(f"reusing {figures['work_orders']:,} work orders of {figures['vendors']} vendors")
    else:
        log(f"reference data: {options.vendors} vendors, {months[0]}..{months[-1]}")
        world = build_world(options.vendors, first_day, rng)
        days = (today - first_day).days + 1
        log(f"loading {options.work_orders:,} work orders over {days} days")
        figures["load"] = load_work_orders(
            options.database_url, world, options.work_orders, first_day, days, now, options.seed
        )
        log(f"loaded: {figures['load']}")

    connection.close()
    with Timer() as building:
        daily_rows = rollups.rebuild()
    figures["rebuild"] = {
        "seconds": building.seconds,
        "daily_rollups": daily_rows,
        "monthly_rollups": MonthlyRollup.objects.count(),
    }
    log(f"rebuild: {figures['rebuild']}")

    # Every monthly scorecard, in bulk (figures only), then computed and saved.
    contract_ids = sorted(Contract.objects.values_list("pk", flat=True))
    computed, times = timed(lambda: scorecards.figures("month", months), options.repeat)
    figures["figures_all"] = {"seconds": statistics.median(times), "runs": times, "scorecards": len(computed)}
    log(f"figures of all vendor-months: {figures['figures_all']}")
    requests = [
        bulk.Request(m, (m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1), contract=c)
        for c in contract_ids
        for m in months
    ]
    codes = [code for code in measures.MEASURES if code not in measures.POINT_IN_TIME]

    def same_figures() -> list[Any]:  # what DuckDB computes: the totals and every measure of them
        found = bulk.totals_many(requests)
        for each in found:
            measures.compute(each, codes)
        return found

    totals, times = timed(same_figures, options.repeat)
    ours = {(r.contract, r.first): t for r, t in zip(requests, totals, strict=True)}
    figures["totals_all"] = {"seconds": statistics.median(times), "runs": times, "groups": len(requests)}
    with Timer() as saving:
        cards = 0
        for month in months:
            cards += len(scorecards.compute_all("month", month))
    figures["compute_all"] = {
        "seconds": saving.seconds,
        "scorecards": cards,
        "kpi_results": KPIResult.objects.count(),
    }
    log(f"computed and saved: {figures['compute_all']}")
    sample = [
        (contract_ids[int(k)], months[int(m)])
        for k, m in zip(rng.integers(0, len(contract_ids), 50), rng.integers(0, len(months), 50), strict=True)
    ]
    single, same = [], 0
    for contract_id, month in sample:
        contract = Contract.objects.get(pk=contract_id)
        started = time.perf_counter()
        card = scorecards.compute(contract, "month", month)
        single.append(time.perf_counter() - started)
        stored = sorted((r.kpi_id, r.value, r.numerator, r.denominator, r.score) for r in card.results.all())
        rows, score = computed[(contract_id, month)]
        fresh = sorted((r["kpi"].pk, r["value"], r["numerator"], r["denominator"], r["score"]) for r in rows)
        same += stored == fresh and card.score == score
    alone = []
    for contract_id, month in sample:
        started = time.perf_counter()
        scorecards.figures("month", [month], [contract_id])
        alone.append(time.perf_counter() - started)
    quiet = []  # the same, without what other apps do when a scorecard is computed (settlements, workflow)
    with mock.patch.object(scorecard_computed, "send", return_value=[]):
        for contract_id, month in sample:
            contract = Contract.objects.get(pk=contract_id)
            started = time.perf_counter()
            scorecards.compute(contract, "month", month)
            quiet.append(time.perf_counter() - started)
    figures["compute_one_without_receivers"] = {
        "median_seconds": statistics.median(quiet),
        "p95_seconds": float(np.percentile(quiet, 95)),
        "samples": len(quiet),
    }
    figures["figures_one"] = {
        "median_seconds": statistics.median(alone),
        "p95_seconds": float(np.percentile(alone, 95)),
        "samples": len(alone),
    }
    figures["compute_one"] = {
        "median_seconds": statistics.median(single),
        "p95_seconds": float(np.percentile(single, 95)),
        "max_seconds": max(single),
        "samples": len(single),
        "equal_to_bulk": same,
    }
    log(f"one vendor-month: {figures['compute_one']}")

    # DuckDB over the raw table.
    try:
        import duckdb  # noqa: F401
    except ImportError:
        figures["duckdb"] = None
        log("DuckDB is not installed (pip install -e '.[bench]'): comparison skipped")
    else:
        duck, loading = load_duckdb(options.database_url, scratch, settings.TIME_ZONE)
        log(f"DuckDB loaded: {loading}")
        theirs, times = timed(lambda: duck_figures(duck, first_day, end_day), options.repeat)
        agreement = compare(ours, theirs)
        _plain, plain_times = timed(lambda: duck_figures(duck, first_day, end_day, p90=False), options.repeat)
        figures["duckdb"] = {
            "seconds": statistics.median(times),
            "runs": times,
            **loading,
            "threads": duck.execute("SELECT current_setting('threads')").fetchall()[0][0],
            "version": duckdb.__version__,
            "seconds_without_p90": statistics.median(plain_times),
            "agreement": agreement,
        }
        duck.close()
        del duck
        log(f"DuckDB: {figures['duckdb']}")

    # The incremental update.
    figures["changes"] = change_work_orders(options.database_url, world, options.changes, now, options.seed)
    waiting = RollupChange.objects.count()
    connection.close()
    with Timer() as refreshing:
        done = 0
        while step := rollups.refresh_dirty(limit=100_000):
            done += step
    figures["refresh"] = {"seconds": refreshing.seconds, "change_rows": waiting, "done": done}
    log(f"incremental update: {figures['refresh']}")
    with Timer() as nightly:
        touched = scorecards.run_nightly()
    figures["nightly"] = {"seconds": nightly.seconds, "scorecards": touched}
    log(f"nightly run after the update: {figures['nightly']}")
    # The refreshed rollups of a few contracts against a rebuild of them.
    check = sorted(rng.choice(contract_ids, size=min(5, len(contract_ids)), replace=False).tolist())

    def stored(model: Any) -> list[tuple[Any, ...]]:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model.objects.filter(contract_id__in=check).values_list(*fields)
        return sorted(
            tuple(-1 if v is None else bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in rows
        )

    before, daily_before = stored(MonthlyRollup), stored(DailyRollup)
    with transaction.atomic():
        rollups.rebuild(check)
    after, daily_after = stored(MonthlyRollup), stored(DailyRollup)
    figures["refresh_equals_rebuild"] = {
        "contracts": check,
        "monthly_equal": before == after,
        "daily_equal": daily_before == daily_after,
    }
    log(f"refresh == rebuild: {figures['refresh_equals_rebuild']}")
    figures["scorecards_saved"] = Scorecard.objects.count()
    return figures


def goals(figures: dict[str, Any]) -> dict[str, Any]:
    duck = figures.get("duckdb")
    found = {
        "one_vendor_month_under_50ms": figures["compute_one"]["p95_seconds"] < 0.050,
        "incremental_update_under_2s": figures["refresh"]["seconds"] < 2.0,
        "peak_memory_under_4GB": figures["peak_memory_mb"] < 4096,
    }
    if duck:
        figures["ratio_figures_vs_duckdb"] = figures["figures_all"]["seconds"] / duck["seconds"]
        figures["ratio_totals_vs_duckdb"] = figures["totals_all"]["seconds"] / duck["seconds"]
        found["same_figures_no_slower_than_duckdb"] = figures["ratio_totals_vs_duckdb"] <= 1.0
        found["all_scorecards_no_slower_than_duckdb"] = figures["ratio_figures_vs_duckdb"] <= 1.0
        found["figures_agree_with_duckdb"] = duck["agreement"]["mismatches"] == 0
    return found


def print_summary(figures: dict[str, Any]) -> None:
    duck = figures.get("duckdb") or {}
    lines = [
        (
            "work orders",
            f"{figures['work_orders']:,} ({figures['vendors']} vendors, {figures['months']} months)",
        ),
        (
            "load (COPY + indexes + VACUUM)",
            "reused (--reuse)"
            if not figures["load"]
            else f"{figures['load']['copy_seconds']:.0f} s + {figures['load']['index_seconds']:.0f} s"
            f" + {figures['load']['vacuum_seconds']:.0f} s, table {figures['load']['table_mb']:,.0f} MB",
        ),
        (
            "rebuild the rollups",
            f"{figures['rebuild']['seconds']:.1f} s: {figures['rebuild']['daily_rollups']:,}"
            f" daily, {figures['rebuild']['monthly_rollups']:,} monthly rows",
        ),
        (
            "all vendor-month scorecards, bulk",
            f"{figures['figures_all']['seconds'] * 1000:.0f} ms"
            f" ({figures['figures_all']['scorecards']:,} scorecards)",
        ),
        ("same figures as DuckDB, from rollups", f"{figures['totals_all']['seconds'] * 1000:.0f} ms"),
        (
            "DuckDB, same figures from raw rows",
            f"{duck.get('seconds', float('nan')) * 1000:.0f} ms"
            f" (load {duck.get('load_seconds', float('nan')):.1f} s, not timed;"
            f" {duck.get('seconds_without_p90', float('nan')) * 1000:.0f} ms without the P90s)",
        ),
        ("ratio scorecards / DuckDB", f"{figures.get('ratio_figures_vs_duckdb', float('nan')):.2f}"),
        ("ratio totals / DuckDB", f"{figures.get('ratio_totals_vs_duckdb', float('nan')):.2f}"),
        (
            "agreement with DuckDB",
            str((duck.get("agreement") or {}).get("mismatches", "n/a")) + " mismatches",
        ),
        ("compute and save all scorecards", f"{figures['compute_all']['seconds']:.1f} s"),
        (
            "one vendor-month, figures only",
            f"median {figures['figures_one']['median_seconds'] * 1000:.1f} ms, p95 "
            f"{figures['figures_one']['p95_seconds'] * 1000:.1f} ms",
        ),
        (
            "one vendor-month, compute without receivers",
            f"median {figures['compute_one_without_receivers']['median_seconds'] * 1000:.1f} ms, p95 "
            f"{figures['compute_one_without_receivers']['p95_seconds'] * 1000:.1f} ms",
        ),
        (
            "one vendor-month (compute)",
            f"median {figures['compute_one']['median_seconds'] * 1000:.1f} ms, p95 "
            f"{figures['compute_one']['p95_seconds'] * 1000:.1f} ms",
        ),
        (
            "incremental update",
            f"{figures['refresh']['seconds']:.2f} s ({figures['refresh']['change_rows']:,}"
            f" change rows after {figures['changes']['new']:,} new + {figures['changes']['changed']:,} changed)",
        ),
        ("nightly run after it", f"{figures['nightly']['seconds']:.2f} s"),
        ("peak memory (this process)", f"{figures['peak_memory_mb']:,.0f} MB"),
    ]
    width = max(len(name) for name, _value in lines)
    print()
    for name, value in lines:
        print(f"{name:<{width}}  {value}")
    print("goals:", json.dumps(figures["goals"]))


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    if options.reuse:
        options.keep = True
    elif not recreate(options.database_url):
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="oqms-kpi-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "oqms.settings"
    os.environ["OQMS_VAR_DIR"] = str(scratch)
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    (scratch / "static").mkdir()
    started = time.perf_counter()
    try:
        import django

        django.setup()
        figures = run(options, scratch)
        figures["peak_memory_mb"] = peak_mb()
        figures["goals"] = goals(figures)
        document = {
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "elapsed_seconds": round(time.perf_counter() - started, 1),
            "environment": {
                "python": platform.python_version(),
                "django": django.get_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            **figures,
        }
        options.output.parent.mkdir(parents=True, exist_ok=True)
        temporary = options.output.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        temporary.replace(options.output)
        print_summary(figures)
        print(f"\nTotal {document['elapsed_seconds']:.0f} s; written to {options.output}")
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
        if not options.keep:
            drop(options.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

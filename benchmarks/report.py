"""Print the results as a table and write them as JSON (atomically: a .tmp file, then a rename)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sqlite3
import sys
from pathlib import Path
from typing import Any

import django
import numpy

from benchmarks.cases import Result


def write(results: list[Result], output: Path, elapsed: float) -> None:
    document = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "elapsed_seconds": round(elapsed, 1),
        "environment": {
            "python": platform.python_version(), "django": django.get_version(), "numpy": numpy.__version__,
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(), "cpus": os.cpu_count(),
        },
        "results": [as_dict(r) for r in results],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_suffix(output.suffix + ".tmp")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(output)
    print_table(results, sys.stdout)
    print(f"\nTotal {elapsed:.1f} s; written to {output}")


def as_dict(result: Result) -> dict[str, Any]:
    return {
        "name": result.name, "seconds": round(result.value, 6), "baseline": result.baseline_name,
        "baseline_seconds": round(result.baseline, 6), "ratio": round(result.ratio, 2),
        "throughput": None if result.throughput is None else round(result.throughput, 1),
        "throughput_unit": result.throughput_unit, **result.extra,
    }


def seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def print_table(results: list[Result], out: Any) -> None:
    rows = [("benchmark", "time", "baseline", "ratio", "throughput", "notes")]
    for r in results:
        throughput = f"{r.throughput:,.0f} {r.throughput_unit}" if r.throughput is not None else ""
        notes = ", ".join(f"{k}={v}" for k, v in r.extra.items())
        baseline = f"{seconds(r.baseline)} ({r.baseline_name})"
        rows.append((r.name, seconds(r.value), baseline, f"{r.ratio:.1f}x", throughput, notes))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]) - 1)]
    for index, row in enumerate(rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")
        if index == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")

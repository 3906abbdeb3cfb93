"""Run the benchmarks on a throwaway SQLite database and write ``benchmarks/results/latest.json``.

The environment is set before Django starts: settings module, a temporary ``OQMS_VAR_DIR`` (so the database,
secret key and media live in a temp dir) and no ``DATABASE_URL``/``REDIS_URL`` (always the local SQLite file).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--work-orders", type=int, default=20_000,
                        help="size of the data set (default 20000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    scratch = tempfile.mkdtemp(prefix="oqms-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "oqms.settings"
    os.environ["OQMS_VAR_DIR"] = scratch
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    (Path(scratch) / "static").mkdir()  # STATIC_ROOT: whitenoise warns when it is missing
    started = time.perf_counter()
    try:
        import django

        django.setup()
        from benchmarks import cases, report

        results = cases.run_all(Path(scratch), options.work_orders, options.repeat)
        report.write(results, options.output, time.perf_counter() - started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

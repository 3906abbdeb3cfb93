from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oqms.kpis import rollups


class Command(BaseCommand):
    help = "Recompute the daily KPI rollups from the work orders (all contracts, or the ones named)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--contract", type=int, action="append", help="a contract id (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options.get("contract")
        if ids is not None and any(i <= 0 for i in ids):
            raise CommandError("Contract ids are positive numbers.")
        started = time.perf_counter()
        count = rollups.rebuild(ids)
        self.stdout.write(f"{count} daily rollups rebuilt in {time.perf_counter() - started:.1f} s.")

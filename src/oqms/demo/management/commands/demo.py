"""``oqms demo``: load a believable data set (org, vendors, contracts, logins, six months of work orders)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from oqms.accounts.models import User
from oqms.core import audit
from oqms.core.models import Sequence
from oqms.demo import data, evaluation, feedback, improvement, inspections
from oqms.demo.builders import build_world
from oqms.demo.workload import generate
from oqms.kpis import rollups
from oqms.vendors.models import Vendor

DEFAULT_WORK_ORDERS = 20_000
DEFAULT_SEED = 2026


class Command(BaseCommand):
    help = "Load the demo data set into an empty database and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when the database already has vendors",
        )
        parser.add_argument(
            "--work-orders",
            type=int,
            default=DEFAULT_WORK_ORDERS,
            help=f"how many work orders to generate (default {DEFAULT_WORK_ORDERS})",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["work_orders"] < 0:
            raise CommandError("--work-orders cannot be negative.")
        if Vendor.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data: the demo was not loaded.")
                self.print_logins()
                return
            raise CommandError(
                "The database already has vendors: the demo loads into an empty database only "
                "(use --if-empty to skip quietly)."
            )
        with audit.audit_context(source="demo"), transaction.atomic():
            orders, events = self.load(options["work_orders"], options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {len(data.VENDORS)} vendors, {orders} work orders, {events} work order events."
            )
        )
        self.print_logins()
        self.stdout.write(f"Elapsed: {time.perf_counter() - started:.1f} s")

    def load(self, work_orders: int, seed: int) -> tuple[int, int]:
        rng = np.random.default_rng(seed)
        now = int(timezone.now().timestamp())
        world = build_world(rng)
        for team in world.teams:
            evaluation.build_kpis(team.contract, team.spec.categories[0], team.contract.start_date)
            evaluation.build_rules(team.contract, team.spec.categories[0])
        evaluation.build_consequence_rules()
        before = Sequence.objects.filter(name="workorder").values_list("value", flat=True).first() or 0
        orders, events = generate(world, work_orders, rng, now)
        rollups.rebuild()  # bulk-inserted work orders sent no signals: compute the KPI rollups in one pass
        inspections.build(world, rng)
        feedback.build(world, rng)
        self.compute_scorecards(world)
        improvement.build(world, rng)
        sequence = Sequence.objects.filter(name="workorder").first()
        if sequence is not None and orders:
            # The rows went in with bulk_create (no entry per row): one entry records the whole load.
            audit.log(
                sequence,
                "update",
                {"value": [before, sequence.value]},
                note=f"演示数据：批量生成 {orders} 个工单、{events} 条工单事件（seed={seed}）",
            )
        return orders, events

    def compute_scorecards(self, world: Any) -> None:
        """Six months of monthly scorecards, taken through the workflow as far as their age suggests."""
        quality_manager = User.objects.filter(role="quality_manager", is_active=True).order_by("pk").first()
        if quality_manager is None:
            return
        evaluation.run_workflow(quality_manager, {team.vendor.pk: team.manager for team in world.teams})

    def print_logins(self) -> None:
        order = demo_usernames()
        users = sorted(
            User.objects.select_related("vendor").filter(username__in=order),
            key=lambda u: order.index(u.username),
        )
        rows = [
            (u.username, u.role, str(u.vendor or ""))
            for u in users
            if u.vendor_id is None or u.username.startswith("vendor_")
        ]
        if not rows:
            return
        width = max(len(r[0]) for r in rows) + 2
        self.stdout.write("\nDemo logins:")
        self.stdout.write(f"  {'username':<{width}}{'role':<18}vendor")
        for username, role, vendor in rows:
            self.stdout.write(f"  {username:<{width}}{role:<18}{vendor}")
        self.stdout.write(
            "  Every other vendor: <code>_manager and <code>_staff1..3, codes "
            + ", ".join(s.code for s in data.VENDORS[1:])
        )
        self.stdout.write(self.style.WARNING(f"Password for all demo logins: {data.PASSWORD}"))


def demo_usernames() -> list[str]:
    names = [u[0] for u in data.INTERNAL_USERS] + ["vendor_manager", "vendor_staff"]
    for spec in data.VENDORS:
        names += [f"{spec.code}_manager"] + [f"{spec.code}_staff{k}" for k in range(1, len(spec.staff) + 1)]
    return names

"""Bulk upsert of work orders: the clocks computed as arrays equal what ``clock.refresh`` gives each record."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

from oqms.kpis.models import DirtyDay
from oqms.workorders import bulk, clock
from oqms.workorders.models import WorkOrder
from tests.workorders.test_clock_scenarios import office as office_fixture
from tests.workorders.test_clock_scenarios import t

office = office_fixture  # the same fixture, under its name

NOW = t(3, 12, 10)
STATUSES = ["new", "assigned", "in_progress", "paused", "resolved", "closed"]


def columns(cast: Any, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    def times(name: str) -> np.ndarray:
        return np.array(
            [
                np.datetime64(r[name].astimezone(datetime.UTC).replace(tzinfo=None), "ns")
                if r.get(name)
                else np.datetime64("NaT", "ns")
                for r in rows
            ]
        )

    size = len(rows)
    return {
        "external_id": np.array([r["external_id"] for r in rows], dtype=object),
        "contract_id": np.full(size, cast.contract_a.pk, np.int64),
        "vendor_id": np.full(size, cast.vendor_a.pk, np.int64),
        "site_id": np.full(size, cast.site.pk, np.int64),
        "service_type_id": np.full(size, cast.service_type.pk, np.int64),
        "requester_id": np.full(size, cast.requester.pk, np.int64),
        "assignee_id": np.array([cast.staff_a.pk if r.get("assigned") else 0 for r in rows], np.int64),
        "priority": np.array([r["priority"] for r in rows], dtype=object),
        "status": np.array([r["status"] for r in rows], dtype=object),
        "pause_reason": np.array([r.get("pause_reason", "") for r in rows], dtype=object),
        "title": np.array([f"导入 {r['external_id']}" for r in rows], dtype=object),
        "description": np.array(["" for _r in rows], dtype=object),
        "resolution_note": np.array(["" for _r in rows], dtype=object),
        "opened_at": times("opened_at"),
        "responded_at": times("responded_at"),
        "resolved_at": times("resolved_at"),
        "closed_at": times("closed_at"),
        "paused_at": times("paused_at"),
        "rating": np.array([r.get("rating", 0) for r in rows], np.int64),
    }


def scenarios(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(count):
        opened = t(3, 3, 8) + datetime.timedelta(minutes=int(rng.integers(0, 60 * 24 * 8)))
        status = STATUSES[index % len(STATUSES)]
        row: dict[str, Any] = {
            "external_id": f"INC{index:05d}",
            "priority": f"P{1 + index % 4}",
            "status": status,
            "opened_at": opened,
            "assigned": status != "new",
        }
        later = opened
        if status in {"in_progress", "paused", "resolved", "closed"} and rng.random() < 0.85:
            later = later + datetime.timedelta(minutes=int(rng.integers(1, 600)))
            row["responded_at"] = later
        if status == "paused":
            row["paused_at"] = later + datetime.timedelta(minutes=int(rng.integers(1, 300)))
            row["pause_reason"] = ["awaiting_requester", "awaiting_parts", "other"][index % 3]
        if status in {"resolved", "closed"}:
            later = later + datetime.timedelta(minutes=int(rng.integers(1, 60 * 24 * 4)))
            row["resolved_at"] = later
        if status == "closed":
            row["closed_at"] = later + datetime.timedelta(hours=int(rng.integers(1, 48)))
            row["rating"] = int(rng.integers(1, 6))
        rows.append(row)
    return [r for r in rows if max(v for k, v in r.items() if k.endswith("_at")) < NOW]


FIELDS = [
    "sla_policy_id",
    "calendar_id",
    "response_target_minutes",
    "resolution_target_minutes",
    "response_due_at",
    "resolution_due_at",
    "at_risk_at",
    "response_business_seconds",
    "resolution_business_seconds",
    "response_state",
    "sla_state",
    "sla_next_check_at",
]


def clock_fields(wo: WorkOrder) -> dict[str, Any]:
    values = {name: getattr(wo, name) for name in FIELDS}
    for name in ("response_business_seconds", "resolution_business_seconds"):
        if values[name] is not None:
            values[name] = round(values[name], 3)
    return values


@pytest.mark.parametrize("stops_at", ["resolved", "closed"])
def test_array_clocks_equal_the_clock_of_each_record(office: Any, stops_at: str) -> None:
    contract = office.contract_a
    contract.sla_pausing_reasons = ["awaiting_requester", "awaiting_parts"]
    contract.sla_stops_at = stops_at
    contract.save()
    rows = scenarios(240)
    outcome = bulk.upsert(columns(office, rows), now=NOW)
    assert outcome.created == len(rows) and outcome.updated == 0
    stored = WorkOrder.objects.filter(pk__in=outcome.ids.tolist()).select_related("sla_policy", "site")
    assert stored.count() == len(rows)
    states = set()
    for wo in stored:
        assert wo.origin == "import" and wo.number.startswith("WO")
        expected = WorkOrder.objects.get(pk=wo.pk)
        clock.refresh(expected, NOW)
        assert clock_fields(wo) == clock_fields(expected), wo.external_id
        states.add((wo.response_state, wo.sla_state))
    # The scenarios reach every state the clocks know.
    assert {s for pair in states for s in pair} >= {"met", "missed", "on_track", "at_risk", "breached"}
    assert DirtyDay.objects.filter(contract=contract).exists()


def test_second_upsert_updates_changed_rows_and_leaves_the_same_ones(office: Any) -> None:
    rows = scenarios(30)
    first = bulk.upsert(columns(office, rows), now=NOW)
    numbers = dict(WorkOrder.objects.values_list("external_id", "number"))
    rows[0]["status"], rows[0]["resolved_at"] = "resolved", rows[0]["opened_at"] + datetime.timedelta(hours=1)
    rows[0]["responded_at"] = rows[0]["opened_at"] + datetime.timedelta(minutes=5)
    rows[0]["assigned"] = True
    second = bulk.upsert(columns(office, rows), now=NOW)
    assert (second.created, second.updated, second.unchanged) == (0, 1, len(rows) - 1)
    assert list(second.ids) == list(first.ids)
    assert dict(WorkOrder.objects.values_list("external_id", "number")) == numbers  # numbers are kept
    changed = WorkOrder.objects.get(external_id=rows[0]["external_id"])
    assert changed.status == "resolved" and changed.sla_state == "met"


def test_dry_run_writes_nothing(office: Any) -> None:
    before = WorkOrder.objects.count()
    outcome = bulk.upsert(columns(office, scenarios(12)), now=NOW, dry_run=True)
    assert outcome.created > 0 and WorkOrder.objects.count() == before

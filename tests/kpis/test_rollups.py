"""Daily and monthly rollups: maintained incrementally from the changes saves record, repaired from marked days,
rebuilt in one pass, and always equal to a direct computation from the work orders and to a rebuild."""

from __future__ import annotations

import datetime
import importlib
import io
import random
import threading
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from oqms.core import audit
from oqms.kpis import measures, rollups
from oqms.kpis.models import DailyRollup, DirtyDay, MonthlyRollup, RollupChange
from oqms.workorders import services

DAYS = 12


def _random_work(cast: Any, seed: int, count: int = 120) -> list[Any]:
    """Work orders of both vendors over the last DAYS days, in every state, through the real services."""
    rng = random.Random(seed)
    now = timezone.now()
    made = []
    with audit.audit_context(actor=cast.qm, source="test"):
        for _ in range(count):
            contract = rng.choice([cast.contract_a, cast.contract_b])
            staff = cast.staff_a if contract == cast.contract_a else cast.staff_b
            opened = now - datetime.timedelta(minutes=rng.randint(60, DAYS * 24 * 60))
            wo = services.create(
                requester=cast.requester,
                contract=contract,
                site=cast.site,
                service_type=cast.service_type,
                title="随机",
                priority=rng.choice(["P1", "P2", "P3", "P4"]),
                opened_at=opened,
            )
            steps = rng.randint(0, 6)
            at = opened
            if steps >= 1:
                at += datetime.timedelta(minutes=rng.randint(1, 120))
                wo = services.assign(wo, cast.qm, staff, at=at)
            if steps >= 2:
                at += datetime.timedelta(minutes=rng.randint(1, 600))
                wo = services.start(wo, staff, at=at)
            if steps >= 3 and rng.random() < 0.3:
                at += datetime.timedelta(minutes=rng.randint(1, 300))
                wo = services.pause(wo, staff, rng.choice(["awaiting_requester", "awaiting_parts"]), at=at)
                at += datetime.timedelta(minutes=rng.randint(1, 900))
                wo = services.resume(wo, staff, at=at)
            if steps >= 4:
                at += datetime.timedelta(minutes=rng.randint(1, 3000))
                wo = services.resolve(wo, staff, "好了", at=min(at, now))
            if steps >= 5:
                at = min(at + datetime.timedelta(minutes=rng.randint(1, 600)), now)
                wo = services.close(wo, cast.requester, rng.randint(1, 5), at=at)
            if steps >= 6 and rng.random() < 0.5:
                at = min(at + datetime.timedelta(minutes=rng.randint(1, 600)), now)
                wo = services.reopen(wo, cast.requester, "又坏了", at=at)
                if rng.random() < 0.5:
                    wo = services.start(wo, staff, at=min(at + datetime.timedelta(minutes=5), now))
                    wo = services.resolve(wo, staff, "再修", at=min(at + datetime.timedelta(minutes=60), now))
            made.append(wo)
    return made


def _assert_same(first: datetime.date, last: datetime.date, **filters: Any) -> None:
    from_rollups = measures.totals(first, last, **filters)
    direct, samples = measures.direct_totals(first, last, **filters)
    for name in measures.COUNTS:
        assert from_rollups[name] == pytest.approx(direct[name], abs=1e-6), (name, filters, first, last)
    for which in ("response", "resolution"):
        got = getattr(from_rollups, f"{which}_histogram")
        want = getattr(direct, f"{which}_histogram")
        assert (got is None) == (want is None)
        if got is not None:
            assert (got == want).all()
    rolled, straight = measures.compute(from_rollups), measures.compute(direct)
    assert rolled == straight
    for which in ("response", "resolution"):  # the histogram percentile against the exact one
        sample = samples[which]
        value = rolled[f"p90_{which}_minutes"].value
        if len(sample) == 0:
            assert value is None
        else:
            exact = float(np.percentile(sample, 90, method="inverted_cdf")) / 60
            assert value == pytest.approx(exact, rel=0.026, abs=1.0)


def _periods() -> list[tuple[datetime.date, datetime.date]]:
    today = timezone.localdate()
    return [
        (today - datetime.timedelta(days=DAYS + 1), today),
        (today - datetime.timedelta(days=5), today),
        (today - datetime.timedelta(days=9), today - datetime.timedelta(days=3)),
        (today, today),
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_equal_a_direct_computation(cast: Any, seed: int) -> None:
    _random_work(cast, seed)
    assert RollupChange.objects.exists() and not DirtyDay.objects.exists()
    rollups.refresh_dirty(limit=10_000)
    assert not RollupChange.objects.exists()
    for first, last in _periods():
        _assert_same(first, last, contract=cast.contract_a)
        _assert_same(first, last, vendor=cast.vendor_b)
        for priority in ("P1", "P3"):
            _assert_same(first, last, contract=cast.contract_a, priority=priority)
        _assert_same(first, last, site=cast.site, service_type=cast.service_type)
    incremental = _stored()
    rollups.rebuild()
    assert _stored() == incremental  # every column of every daily and monthly row, bit for bit


def _stored() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every column of the daily and the monthly rollups (histograms as bytes), sorted."""

    def rows(model: Any) -> list[tuple[Any, ...]]:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(
            tuple(-1 if v is None else bytes(v) if isinstance(v, memoryview | bytes) else v for v in row)
            for row in model.objects.values_list(*names)
        )

    return rows(DailyRollup), rows(MonthlyRollup)


def test_refreshing_in_small_batches_equals_one_batch_and_a_rebuild(cast: Any) -> None:
    _random_work(cast, 1)
    changes = RollupChange.objects.count()
    assert changes > 50
    rounds = 0
    while rollups.refresh_dirty(
        limit=7
    ):  # a few changes at a time, each day and month touched again and again
        rounds += 1
    assert rounds >= changes // 7 and not RollupChange.objects.exists()
    batched = _stored()
    assert batched[1]  # monthly rows: full slices and levels
    rollups.rebuild()
    assert _stored() == batched


def test_a_save_the_rollups_do_not_see_records_nothing(cast: Any) -> None:
    rollups.refresh_dirty()
    wo = cast.wo_a
    before = wo.priority
    assert before != "P1"
    wo.title = "打印机卡纸（三楼）"
    wo.save()
    wo.priority = "P1"  # changed in memory only: saving the title alone does not save it
    wo.title = "打印机卡纸（四楼）"
    wo.save(update_fields=["title"])
    assert not RollupChange.objects.exists()
    wo.save(update_fields=["priority"])
    assert sorted(RollupChange.objects.values_list("sign", "priority")) == [(-1, before), (1, "P1")]
    rollups.refresh_dirty()
    assert (
        measures.totals(timezone.localdate(), timezone.localdate(), contract=cast.contract_a, priority="P1")[
            "opened"
        ]
        == 1
    )
    incremental = _stored()
    rollups.rebuild()
    assert _stored() == incremental


def test_deleted_work_orders_are_taken_out(cast: Any) -> None:
    made = _random_work(cast, 3, count=40)
    rollups.refresh_dirty(limit=10_000)
    with audit.audit_context(actor=cast.admin, source="test"):
        for wo in made[::3]:
            wo.delete()
        type(cast.wo_a).objects.filter(pk__in=[wo.pk for wo in made[1::3]]).delete()  # a bulk delete too
    assert RollupChange.objects.filter(sign=-1).count() == len(made[::3]) + len(made[1::3])
    assert not RollupChange.objects.filter(sign=1).exists()
    rollups.refresh_dirty()
    incremental = _stored()
    for first, last in _periods():
        _assert_same(first, last, contract=cast.contract_a)
        _assert_same(first, last, vendor=cast.vendor_b)
    rollups.rebuild()
    assert _stored() == incremental


def test_a_monthly_histogram_that_does_not_add_up_is_counted_again(cast: Any) -> None:
    _random_work(cast, 2)
    rollups.refresh_dirty(limit=10_000)
    expected = _stored()
    full = MonthlyRollup.objects.filter(service_type__isnull=False, responded__gt=0).first()
    assert full is not None
    MonthlyRollup.objects.filter(pk=full.pk).update(response_histogram=b"")  # lost (a bug, a hand edit)
    day = (
        DailyRollup.objects.filter(contract_id=full.contract_id, day__gte=full.month).order_by("day").first()
    )
    rollups.mark(full.contract_id, [day.day])
    assert rollups.refresh_dirty() == 1
    assert _stored() == expected


def test_a_change_to_rollups_that_do_not_add_up_has_them_counted_again(cast: Any) -> None:
    _random_work(cast, 4)
    rollups.refresh_dirty(limit=10_000)
    row = DailyRollup.objects.filter(site=cast.site, service_type=cast.service_type, responded__gt=0).first()
    assert row is not None
    DailyRollup.objects.filter(pk=row.pk).update(
        responded=row.responded + 5
    )  # no longer its histogram's count
    MonthlyRollup.objects.filter(  # its month's row of the slice: 100 resolutions that never were
        contract_id=row.contract_id,
        month=row.day.replace(day=1),
        service_type=cast.service_type,
        priority=row.priority,
        site=cast.site,
    ).update(resolved=F("resolved") + 100)
    contract = type(cast.contract_a).objects.get(pk=row.contract_id)
    with audit.audit_context(actor=cast.qm, source="test"):  # a new work order in that very slice, that day
        services.create(
            requester=cast.requester,
            contract=contract,
            site=cast.site,
            service_type=cast.service_type,
            title="又一个",
            priority=row.priority,
            opened_at=rollups.day_bounds(row.day)[0] + datetime.timedelta(hours=12),
        )
    assert rollups.refresh_dirty() == 1
    assert DirtyDay.objects.filter(contract_id=row.contract_id, day=row.day).exists()  # left out, marked
    assert not DailyRollup.objects.filter(pk=row.pk).exists()
    assert rollups.refresh_dirty() == 1 and not DirtyDay.objects.exists()
    repaired = _stored()
    rollups.rebuild()
    assert _stored() == repaired


def test_a_change_moves_counts_from_the_days_it_leaves_to_the_days_it_enters(cast: Any) -> None:
    rollups.refresh_dirty()
    wo = cast.wo_a
    opened = timezone.now() - datetime.timedelta(days=3)
    type(wo).objects.filter(pk=wo.pk).update(opened_at=opened)
    wo.refresh_from_db()
    rollups.rebuild()
    wo = services.assign(wo, cast.qm, cast.staff_a, at=opened)
    wo = services.start(wo, cast.staff_a, at=opened + datetime.timedelta(hours=1))
    wo = services.resolve(wo, cast.staff_a, "好了", at=opened + datetime.timedelta(days=1))
    resolved_day = rollups.local_day(wo.resolved_at)
    entered = RollupChange.objects.filter(work_order_id=wo.pk, sign=1).order_by("id").last()
    assert entered.resolved_day == resolved_day and entered.finished
    rollups.refresh_dirty()
    assert measures.totals(resolved_day, resolved_day, contract=cast.contract_a)["resolved"] == 1
    # Reopening takes the resolution off that day again.
    wo = services.close(wo, cast.requester, 3, at=opened + datetime.timedelta(days=1, hours=1))
    wo = services.reopen(wo, cast.requester, "没修好")
    left = RollupChange.objects.filter(work_order_id=wo.pk, sign=-1).order_by("id").last()
    assert left.resolved_day == resolved_day and left.closed
    rollups.refresh_dirty()
    assert measures.totals(resolved_day, resolved_day, contract=cast.contract_a)["resolved"] == 0
    _assert_same(resolved_day - datetime.timedelta(days=3), timezone.localdate(), contract=cast.contract_a)


def test_marked_days_are_counted_from_the_work_orders_with_the_waiting_changes(cast: Any) -> None:
    _random_work(cast, 5, count=60)
    rollups.refresh_dirty(limit=10_000)
    wo = cast.wo_a
    type(wo).objects.filter(pk=wo.pk).update(rating=None, priority="P2")  # no signals: the rollups miss it
    rollups.mark(wo.contract_id, [rollups.local_day(wo.opened_at)])
    _random_work(cast, 6, count=30)  # changes waiting, some on the marked day
    waiting = RollupChange.objects.filter(contract_id=wo.contract_id).count()
    assert waiting and RollupChange.objects.exclude(contract_id=wo.contract_id).exists()
    assert rollups.refresh_dirty() == waiting + 1  # the day, and every waiting change of its contract
    assert (
        not DirtyDay.objects.exists() and not RollupChange.objects.filter(contract_id=wo.contract_id).exists()
    )
    rollups.refresh_dirty()
    incremental = _stored()
    rollups.rebuild()
    assert _stored() == incremental


def test_the_upgrade_makes_daily_histograms_sparse_and_counts_every_day_again(cast: Any) -> None:
    from django.apps import apps

    migration = importlib.import_module("oqms.kpis.migrations.0006_rollup_changes")
    _random_work(cast, 7, count=40)
    rollups.refresh_dirty(limit=10_000)
    expected = _stored()
    days = set(DailyRollup.objects.values_list("contract_id", "day"))
    for row in DailyRollup.objects.all():  # as the rows were stored before: dense int32 histograms, raw sums
        dense = {}
        for which in ("response", "resolution"):
            counts = np.zeros(275, dtype="<i4")
            blob = bytes(getattr(row, f"{which}_histogram"))
            if blob:
                pairs = np.frombuffer(blob, dtype=rollups.SPARSE)
                counts[pairs["bucket"]] = pairs["count"]
            dense[f"{which}_histogram"] = counts.tobytes() if blob else b""
        DailyRollup.objects.filter(pk=row.pk).update(response_seconds=row.response_seconds + 1e-7, **dense)
    migration.forwards(apps, None)
    assert set(DirtyDay.objects.values_list("contract_id", "day")) == days
    assert all(
        len(bytes(b)) % 6 == 0 for b in DailyRollup.objects.values_list("response_histogram", flat=True)
    )
    while rollups.refresh_dirty(limit=5):
        pass
    assert _stored() == expected


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL (CI runs it)"
)
def test_a_refresh_leaves_when_another_is_running_and_saves_wait_for_a_repair(transactional_db: Any) -> None:
    from tests.conftest import build_cast

    cast = build_cast()
    rollups.refresh_dirty()
    with audit.audit_context(actor=cast.qm, source="test"):
        services.close(
            services.resolve(
                services.start(services.assign(cast.wo_b, cast.qm, cast.staff_b), cast.staff_b),
                cast.staff_b,
                "好了",
            ),
            cast.requester,
            4,
        )
    holding, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def other_refresh() -> None:
        from django.db import connections

        try:
            with transaction.atomic():
                assert rollups._serialise(wait=False)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_refresh)
    thread.start()
    assert holding.wait(10)
    seen.append(rollups.refresh_dirty())  # the other holds the lock: nothing done, nothing lost
    release.set()
    thread.join()
    assert seen == [0] and RollupChange.objects.exists()
    assert rollups.refresh_dirty() > 0 and not RollupChange.objects.exists()
    incremental = _stored()
    rollups.rebuild()
    assert _stored() == incremental


def test_a_day_marked_again_while_being_claimed_is_left_for_the_next_run(cast: Any, monkeypatch: Any) -> None:
    rollups.refresh_dirty()
    rollups.mark(cast.contract_a.pk, [timezone.localdate()])
    rollups.mark(cast.contract_b.pk, [timezone.localdate()])
    real_pending = rollups._pending

    def marked_again(limit: int) -> Any:
        pending = real_pending(limit)  # read; then, before the claim, someone marks contract A's day again
        DirtyDay.objects.filter(contract=cast.contract_a).update(
            marked_at=timezone.now() + datetime.timedelta(seconds=1)
        )
        return pending

    monkeypatch.setattr(rollups, "_pending", marked_again)
    assert rollups.refresh_dirty() == 1  # contract B's day only
    assert list(DirtyDay.objects.values_list("contract_id", flat=True)) == [cast.contract_a.pk]
    monkeypatch.undo()
    assert rollups.refresh_dirty() == 1
    assert not DirtyDay.objects.exists()


def test_no_data_is_none_not_zero(cast: Any) -> None:
    rollups.rebuild()
    long_ago = datetime.date(2001, 1, 1)
    values = measures.compute(measures.totals(long_ago, long_ago, contract=cast.contract_a))
    assert values["resolution_in_target_pct"].value is None
    assert values["p90_response_minutes"].value is None
    assert values["rating_mean"].value is None
    assert values["opened"].value == 0


def test_unknown_filters_are_refused(cast: Any) -> None:
    with pytest.raises(ValueError):
        measures.totals(timezone.localdate(), timezone.localdate(), customer=1)


def test_rebuild_command(cast: Any) -> None:
    out = io.StringIO()
    call_command("kpis-rebuild", stdout=out)
    assert "daily rollups rebuilt" in out.getvalue()
    assert DailyRollup.objects.filter(contract=cast.contract_a, opened=1).exists()

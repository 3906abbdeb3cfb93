"""Acceptance inspection of lots: the plan from ISO 2859-1 under the switching state, a reproducible random
sample, the decision, and the switching state with its history."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.engine import draws
from oqms.inspections import lots
from oqms.inspections.models import SamplingEvent
from oqms.workorders import services as work


def _batch(cast: Any, size: int = 1000, aql: str = "1.0") -> Any:
    return lots.open_lot(
        user=cast.qm,
        contract=cast.contract_a,
        service_type=cast.service_type,
        aql=Decimal(aql),
        kind="batch",
        lot_size=size,
        description="备件批次",
    )


def test_a_batch_gets_the_standards_plan_and_a_reproducible_sample(cast: Any) -> None:
    lot = _batch(cast)
    assert (lot.code_letter, lot.sample_size, lot.accept, lot.reject, lot.severity) == (
        "J",
        80,
        2,
        3,
        "normal",
    )
    assert len(lot.sample) == 80 == len(set(lot.sample)) and all(1 <= n <= 1000 for n in lot.sample)
    assert lot.sample == sorted(draws.sample(lot.seed, lot.number, list(range(1, 1001)), 80))


def test_a_lot_of_closed_work_orders_samples_them(cast: Any) -> None:
    now = timezone.now()
    closed = []
    with audit.audit_context(actor=cast.qm, source="test"):
        for k in range(12):
            wo = work.create(
                requester=cast.requester,
                contract=cast.contract_a,
                site=cast.site,
                service_type=cast.service_type,
                title=f"工单{k}",
                priority="P3",
                opened_at=now - datetime.timedelta(hours=30),
            )
            wo = work.assign(wo, cast.qm, cast.staff_a, at=now - datetime.timedelta(hours=29))
            wo = work.start(wo, cast.staff_a, at=now - datetime.timedelta(hours=28))
            wo = work.resolve(wo, cast.staff_a, "好了", at=now - datetime.timedelta(hours=27))
            closed.append(work.close(wo, cast.requester, 5, at=now - datetime.timedelta(hours=26)))
    day = timezone.localtime(now - datetime.timedelta(hours=26)).date()
    lot = lots.open_lot(
        user=cast.inspector,
        contract=cast.contract_a,
        service_type=cast.service_type,
        aql=Decimal("4.0"),
        first_day=day,
        last_day=day,
    )
    assert lot.lot_size == 12 and (lot.code_letter, lot.sample_size, lot.accept) == (
        "B",
        3,
        0,
    )  # Table 1, 2-A
    assert set(lot.sample) <= {wo.pk for wo in closed} and len(lot.sample) == 3
    assert lot.inspector == cast.inspector


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"aql": Decimal("2.0")}, "aql"),
        ({"lot_size": 1}, "lot_size"),
        ({"lot_size": "many"}, "lot_size"),
        ({"level": "IV"}, "level"),
    ],
)
def test_bad_lots_are_refused_and_nothing_is_saved(cast: Any, fields: dict[str, Any], code: str) -> None:
    from oqms.inspections.models import Lot

    arguments = {
        "user": cast.qm,
        "contract": cast.contract_a,
        "service_type": cast.service_type,
        "aql": Decimal("1.0"),
        "kind": "batch",
        "lot_size": 500,
    } | fields
    with pytest.raises(DomainError) as raised:
        lots.open_lot(**arguments)
    assert raised.value.code == code
    assert not Lot.objects.exists()
    with pytest.raises(DomainError):
        lots.open_lot(
            user=cast.qm,
            contract=cast.contract_a,
            service_type=cast.service_type,
            aql=Decimal("1.0"),
            first_day=timezone.localdate(),
            last_day=timezone.localdate(),
        )  # no work orders closed
    with pytest.raises(DomainError):
        lots.open_lot(
            user=cast.manager_a,
            contract=cast.contract_a,
            service_type=cast.service_type,
            aql=Decimal("1.0"),
            kind="batch",
            lot_size=500,
        )


def test_decisions_switch_to_tightened_and_back_and_the_history_is_kept(cast: Any) -> None:
    first = lots.decide(_batch(cast), cast.inspector, 3)  # Re 3: not accepted
    assert first.status == "rejected"
    second = lots.decide(_batch(cast), cast.inspector, 5)  # the second of the last five: tightened
    assert second.status == "rejected"
    state = lots.state_of(cast.contract_a, cast.service_type)
    assert state.state["state"] == "tightened"
    tightened = _batch(cast)
    assert (tightened.severity, tightened.sample_size, tightened.accept) == ("tightened", 80, 1)
    for _ in range(5):
        lots.decide(_batch(cast), cast.inspector, 0)
    assert lots.state_of(cast.contract_a, cast.service_type).state["state"] == "normal"
    reasons = list(SamplingEvent.objects.values_list("reason", flat=True))
    assert reasons[0] == "start" and "normal_to_tightened" in reasons and reasons[-1] == "tightened_to_normal"
    # A lot opened on tightened and decided after the switch back must be drawn again first.
    with pytest.raises(DomainError) as raised:
        lots.decide(tightened, cast.inspector, 0)
    assert raised.value.code == "replan"
    again = lots.redraw(tightened, cast.qm)
    assert again.severity == "normal" and again.accept == 2
    assert lots.decide(again, cast.inspector, 2).status == "accepted"


def test_reduced_needs_a_score_of_30_and_approval_and_discontinuation_needs_a_resume(cast: Any) -> None:
    state = lots.state_of(cast.contract_a, cast.service_type)
    with pytest.raises(DomainError) as raised:
        lots.approve_reduced(state, cast.qm, production_steady=True)
    assert raised.value.code == "score_too_low"
    for _ in range(10):  # Ac 2: +3 for each lot also accepted one AQL step tighter (0 found)
        lots.decide(_batch(cast), cast.inspector, 0)
    state.refresh_from_db()
    assert state.state["score"] == 30
    with pytest.raises(DomainError):
        lots.approve_reduced(state, cast.inspector, production_steady=True)  # a quality manager's decision
    lots.approve_reduced(state, cast.qm, production_steady=True)
    reduced = _batch(cast)
    assert reduced.severity == "reduced" and reduced.sample_size == 32
    lots.decide(reduced, cast.inspector, reduced.reject)
    assert lots.state_of(cast.contract_a, cast.service_type).state["state"] == "normal"
    for count in (3, 3):
        lots.decide(_batch(cast), cast.inspector, count)
    assert lots.state_of(cast.contract_a, cast.service_type).state["state"] == "tightened"
    for _ in range(5):
        lots.decide(_batch(cast), cast.inspector, 2)  # Ac 1 on tightened: not accepted
    state = lots.state_of(cast.contract_a, cast.service_type)
    assert state.state["state"] == "discontinued"
    with pytest.raises(DomainError) as raised:
        _batch(cast)
    assert raised.value.code == "discontinued"
    lots.resume(state, cast.qm)
    assert _batch(cast).severity == "tightened"


def test_a_decision_needs_a_count_within_the_sample(cast: Any) -> None:
    lot = _batch(cast)
    for bad in ("-1", "x", 81, None):
        with pytest.raises(DomainError):
            lots.decide(lot, cast.inspector, bad)
    with pytest.raises(DomainError):
        lots.decide(lot, cast.manager_a, 0)
    lot.refresh_from_db()
    assert lot.status == "open" and lot.defects is None
    lots.decide(lot, cast.inspector, 0)
    with pytest.raises(DomainError):
        lots.decide(lot, cast.inspector, 0)

"""The demo's evaluation: KPIs per contract (the seed's example for equipment maintenance: response within 2 h,
fault fix rate ≥ 95 %), reward and penalty rules, a consequence rule, and six months of scorecards taken through
the workflow as people would have: older months approved and locked, last month published to the vendors (one
appealed), the running month a draft."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from oqms.accounts.models import User
from oqms.contracts.models import Contract
from oqms.kpis import scorecards, workflow
from oqms.kpis.models import KPI, Scorecard
from oqms.settlements.models import ConsequenceRule, PayRule

MONTHS = 6

# code, name, measure, unit, direction, target, minimum, weight
COMMON = [
    ("response", "响应及时率", "response_in_target_pct", "%", "higher", "95", "85", "3"),
    ("resolution", "解决及时率", "resolution_in_target_pct", "%", "higher", "92", "80", "3"),
    ("first_fix", "一次修复率", "first_time_fix_pct", "%", "higher", "90", "75", "2"),
    ("rating", "用户满意度", "rating_mean", "★", "higher", "4.5", "3.5", "2"),
]
# The seed's example: equipment maintenance responds within 2 hours and fixes ≥ 95 % of faults.
MAINTENANCE = [
    ("mean_response", "平均响应时间", "mean_response_minutes", "min", "lower", "120", "180", "3"),
    ("fix_rate", "故障一次修复率", "first_time_fix_pct", "%", "higher", "95", "90", "3"),
    ("resolution", "解决及时率", "resolution_in_target_pct", "%", "higher", "92", "80", "2"),
    ("rating", "用户满意度", "rating_mean", "★", "higher", "4.5", "3.5", "2"),
]


def build_kpis(contract: Contract, category: str, since: datetime.date) -> None:
    for code, name, measure, unit, direction, target, minimum, weight in (
        MAINTENANCE if category == "maintenance" else COMMON
    ):
        KPI.objects.create(
            contract=contract,
            code=code,
            name=name,
            measure=measure,
            unit=unit,
            direction=direction,
            target=Decimal(target),
            minimum=Decimal(minimum),
            weight=Decimal(weight),
            effective_from=since,
        )
    KPI.objects.create(
        contract=contract,
        code="backlog",
        name="超 7 天积压工单",
        measure="backlog",
        unit="件",
        direction="lower",
        target=Decimal("0"),
        minimum=Decimal("10"),
        weight=Decimal("1"),
        backlog_days=7,
        effective_from=since,
    )
    KPI.objects.create(
        contract=contract,
        code="inspection",
        name="现场检查合格率",
        measure="inspection_pass_pct",
        unit="%",
        direction="higher",
        target=Decimal("95"),
        minimum=Decimal("80"),
        weight=Decimal("1"),
        effective_from=since,
    )


def build_rules(contract: Contract, category: str) -> None:
    main = "fix_rate" if category == "maintenance" else "resolution"
    rules: list[dict[str, Any]] = [
        {
            "name": "未达最低值按点扣款",
            "kind": "kpi_shortfall",
            "kpi_code": main,
            "percent_of_fee": Decimal("0.5"),
        },
        {"name": "超时工单每单扣款", "kind": "breached", "clock": "resolution", "amount": Decimal("50")},
        {
            "name": "A 级奖励",
            "kind": "grade",
            "grade": "A",
            "effect": "bonus",
            "percent_of_fee": Decimal("2"),
        },
        {
            "name": "D 级扣款",
            "kind": "grade",
            "grade": "D",
            "effect": "deduction",
            "percent_of_fee": Decimal("3"),
        },
        {"name": "连续三期全部达标奖", "kind": "streak", "periods": 3, "amount": Decimal("5000")},
    ]
    for values in rules:
        PayRule.objects.create(contract=contract, **values)


def build_consequence_rules() -> None:
    ConsequenceRule.objects.create(
        name="连续两期 D 级：观察期并提交改进计划",
        grades="D",
        periods=2,
        action="probation",
        request_improvement_plan=True,
    )
    ConsequenceRule.objects.create(
        name="连续两期 C 级及以下：书面警告",
        grades="C, D",
        periods=2,
        action="warning",
        request_improvement_plan=False,
    )


def run_workflow(quality_manager: User, managers: dict[int, User]) -> None:
    """Compute six months of scorecards and take each through the workflow as far as its age suggests."""
    today = timezone.localdate()
    months = []
    day = today
    for _step in range(MONTHS):
        months.append(day)
        day = day.replace(day=1) - datetime.timedelta(days=1)
    appealed = False
    for age, day in reversed(list(enumerate(months))):  # oldest first: the streaks and consequences follow
        for contract in Contract.objects.order_by("number"):
            card = scorecards.compute(contract, "month", day)
            if card is None or age == 0:
                continue  # the running month stays a draft
            card = workflow.publish(card, quality_manager)
            manager = managers.get(contract.vendor_id)
            if age == 1:  # last month: published, the vendors have until the window closes
                if manager is not None and not appealed and card.grade in ("C", "D"):
                    workflow.appeal(
                        card, manager, "部分超时工单系用户原因延误（现场无人），申请剔除后重新计算。"
                    )
                    appealed = True
                continue
            Scorecard.objects.filter(pk=card.pk).update(appeal_until=timezone.now())  # the window has passed
            card.refresh_from_db()
            workflow.approve(card, quality_manager)
            if age >= 3:
                workflow.lock(card, quality_manager)

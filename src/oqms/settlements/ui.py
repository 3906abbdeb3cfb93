from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oqms.core.ui import Column, RecordUI
from oqms.settlements.filtersets import (
    ConsequenceFilterSet,
    ConsequenceRuleFilterSet,
    PayRuleFilterSet,
    SettlementFilterSet,
)
from oqms.settlements.forms import ConsequenceRuleForm, PayRuleForm
from oqms.settlements.models import Consequence, ConsequenceRule, PayRule, Settlement


class PayRuleUI(RecordUI):
    model = PayRule
    filterset_class = PayRuleFilterSet
    form_class = PayRuleForm
    select_related = ("contract",)
    ordering = ("contract__number", "kind", "name")
    icon = "cash-coin"
    columns = [
        Column("name", link=True),
        Column("contract", sort="contract__number"),
        Column("kind"),
        Column("kpi_code"),
        Column("grade"),
        Column("percent_of_fee"),
        Column("amount"),
        Column("active"),
    ]
    detail_fields = [
        "contract",
        "name",
        "kind",
        "kpi_code",
        "grade",
        "clock",
        "effect",
        "percent_of_fee",
        "amount",
        "periods",
        "active",
    ]


class SettlementUI(RecordUI):
    """Settlement statements: computed with their scorecards, approved with them; read-only here."""

    model = Settlement
    filterset_class = SettlementFilterSet
    select_related = ("contract", "vendor", "scorecard")
    ordering = ("-period_start", "contract__number")
    can_delete = False
    icon = "receipt"
    detail_template = "settlements/settlement_detail.html"
    columns = [
        Column("scorecard", link=True, sort="contract__number"),
        Column("vendor", sort="vendor__name"),
        Column("period_start"),
        Column("fee"),
        Column("deductions"),
        Column("bonuses"),
        Column("net"),
        Column("status", badge=True),
    ]
    detail_fields = [
        "scorecard",
        "contract",
        "vendor",
        "period_start",
        "period_end",
        "status",
        "computed_at",
        "approved_at",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.settlements.rules import format_cny, previous_version

        previous = previous_version(obj)
        return {
            "lines": list(obj.lines.all()),
            "money": {
                name: format_cny(getattr(obj, name)) for name in ("fee", "deductions", "bonuses", "net")
            },
            "previous": previous,
            "adjustment": format_cny(obj.net - previous.net) if previous else None,
        }


class ConsequenceRuleUI(RecordUI):
    model = ConsequenceRule
    filterset_class = ConsequenceRuleFilterSet
    form_class = ConsequenceRuleForm
    ordering = ("name",)
    icon = "exclamation-octagon"
    columns = [
        Column("name", link=True),
        Column("grades"),
        Column("periods"),
        Column("action"),
        Column("request_improvement_plan"),
        Column("active"),
    ]
    detail_fields = ["name", "grades", "periods", "action", "request_improvement_plan", "active"]


class ConsequenceUI(RecordUI):
    model = Consequence
    filterset_class = ConsequenceFilterSet
    select_related = ("rule", "vendor", "scorecard", "scorecard__contract")
    ordering = ("-created_at",)
    can_delete = False
    icon = "exclamation-triangle"
    columns = [
        Column("vendor", link=True, sort="vendor__name"),
        Column("rule", sort="rule__name"),
        Column("action"),
        Column("grades"),
        Column("improvement_plan_requested"),
        Column("created_at"),
    ]
    detail_fields = [
        "vendor",
        "rule",
        "scorecard",
        "action",
        "grades",
        "improvement_plan_requested",
        "previous_status",
        "created_at",
    ]

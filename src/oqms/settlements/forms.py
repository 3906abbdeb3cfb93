from __future__ import annotations

from oqms.core.forms import ScopedModelForm
from oqms.settlements.models import ConsequenceRule, PayRule


class PayRuleForm(ScopedModelForm):
    class Meta:
        model = PayRule
        fields = [
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


class ConsequenceRuleForm(ScopedModelForm):
    class Meta:
        model = ConsequenceRule
        fields = ["name", "grades", "periods", "action", "request_improvement_plan", "active"]

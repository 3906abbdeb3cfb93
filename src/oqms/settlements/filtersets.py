from oqms.core.filtersets import SearchFilterSet
from oqms.settlements.models import Consequence, ConsequenceRule, PayRule, Settlement


class PayRuleFilterSet(SearchFilterSet):
    search_fields = ("name", "kpi_code", "contract__number")

    class Meta:
        model = PayRule
        fields = ["contract", "kind", "active"]


class SettlementFilterSet(SearchFilterSet):
    search_fields = ("contract__number", "contract__title", "vendor__name")

    class Meta:
        model = Settlement
        fields = ["contract", "vendor", "status"]


class ConsequenceRuleFilterSet(SearchFilterSet):
    search_fields = ("name", "grades")

    class Meta:
        model = ConsequenceRule
        fields = ["action", "active"]


class ConsequenceFilterSet(SearchFilterSet):
    search_fields = ("vendor__name", "rule__name")

    class Meta:
        model = Consequence
        fields = ["vendor", "rule", "action"]

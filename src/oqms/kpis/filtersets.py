from oqms.core.filtersets import SearchFilterSet
from oqms.kpis.models import KPI, Scorecard


class KPIFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "formula")

    class Meta:
        model = KPI
        fields = ["contract", "measure", "period", "direction"]


class ScorecardFilterSet(SearchFilterSet):
    search_fields = ("contract__number", "contract__title", "vendor__name")

    class Meta:
        model = Scorecard
        fields = ["contract", "vendor", "period", "period_start", "status", "grade"]

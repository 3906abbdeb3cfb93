from oqms.core.filtersets import SearchFilterSet
from oqms.kpis.models import KPI


class KPIFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "formula")

    class Meta:
        model = KPI
        fields = ["contract", "measure", "period", "direction"]

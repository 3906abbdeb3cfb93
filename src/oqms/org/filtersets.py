from oqms.core.filtersets import SearchFilterSet
from oqms.org.models import OrgUnit, Site


class OrgUnitFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")

    class Meta:
        model = OrgUnit
        fields = ["parent"]


class SiteFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "city", "address")

    class Meta:
        model = Site
        fields = ["org_unit", "city", "is_active"]

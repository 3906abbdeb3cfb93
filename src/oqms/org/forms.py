from oqms.core.forms import ScopedModelForm
from oqms.org.models import OrgUnit, Site


class OrgUnitForm(ScopedModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "description"]


class SiteForm(ScopedModelForm):
    class Meta:
        model = Site
        fields = ["code", "name", "org_unit", "city", "address", "time_zone", "is_active"]

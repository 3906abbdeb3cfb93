from typing import Any

from oqms.accounts.choices import VENDOR_ROLES
from oqms.accounts.models import User
from oqms.core.forms import ScopedModelForm
from oqms.org.models import OrgUnit, Site


def internal_people() -> Any:
    """Active people of the enterprise (never a vendor's), for owner and head fields."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role__in=VENDOR_ROLES)
        .order_by("display_name", "username")
    )


class OrgUnitForm(ScopedModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "head", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = internal_people()


class SiteForm(ScopedModelForm):
    class Meta:
        model = Site
        fields = ["code", "name", "org_unit", "city", "address", "time_zone", "calendar", "is_active"]

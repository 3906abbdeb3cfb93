from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, Inline, RecordUI
from oqms.org.filtersets import OrgUnitFilterSet, SiteFilterSet
from oqms.org.forms import OrgUnitForm, SiteForm
from oqms.org.models import OrgUnit, Site


class OrgUnitUI(RecordUI):
    model = OrgUnit
    filterset_class = OrgUnitFilterSet
    form_class = OrgUnitForm
    select_related = ("parent", "head")
    ordering = ("code",)
    icon = "diagram-3"
    columns = [Column("code", link=True), Column("name"), Column("parent", sort="parent__name")]
    detail_fields = ["code", "name", "parent", "head", "description", "created_at"]
    inlines = [
        Inline(
            "sites",
            _("Sites"),
            [Column("code", link=True), Column("name"), Column("city")],
            "org:site_create",
            "org_unit",
        ),
    ]


class SiteUI(RecordUI):
    model = Site
    filterset_class = SiteFilterSet
    form_class = SiteForm
    select_related = ("org_unit", "calendar")
    ordering = ("code",)
    icon = "geo-alt"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("org_unit", sort="org_unit__name"),
        Column("city"),
        Column("address"),
        Column("time_zone"),
        Column("calendar", sort="calendar__name"),
        Column("is_active", label=_("active")),
    ]
    detail_fields = [
        "code",
        "name",
        "org_unit",
        "city",
        "address",
        "time_zone",
        "calendar",
        "is_active",
        "created_at",
    ]

from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.org.filtersets import OrgUnitFilterSet, SiteFilterSet
from oqms.org.models import OrgUnit, Site


class OrgUnitSerializer(ScopedModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "parent", "head", "description", "created_at", "updated_at"]


class SiteSerializer(ScopedModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "name",
            "org_unit",
            "city",
            "address",
            "time_zone",
            "calendar",
            "is_active",
            "created_at",
            "updated_at",
        ]


class OrgUnitViewSet(RecordViewSet):
    queryset = OrgUnit.objects.select_related("parent")
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    ordering_fields = ["code", "name"]


class SiteViewSet(RecordViewSet):
    queryset = Site.objects.select_related("org_unit")
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    ordering_fields = ["code", "name", "city"]

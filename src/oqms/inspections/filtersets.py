import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.inspections.choices import (
    InspectionKind,
    InspectionStatus,
    LotStatus,
    PlanKind,
    Severity,
    VersionStatus,
)
from oqms.inspections.models import (
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPlan,
    Lot,
    SamplingState,
)


class ChecklistTemplateFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")

    class Meta:
        model = ChecklistTemplate
        fields = ["service_type", "is_active"]


class ChecklistVersionFilterSet(SearchFilterSet):
    search_fields = ("template__code", "template__name", "note")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=VersionStatus.choices)

    class Meta:
        model = ChecklistVersion
        fields = ["template", "status"]


class InspectionPlanFilterSet(SearchFilterSet):
    search_fields = ("name", "contract__number", "contract__title")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=PlanKind.choices)

    class Meta:
        model = InspectionPlan
        fields = ["kind", "contract", "template", "is_active"]


class InspectionFilterSet(SearchFilterSet):
    search_fields = ("number", "site__name", "contract__number", "summary")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=InspectionStatus.choices)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=InspectionKind.choices)
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="only_overdue")
    mine = django_filters.BooleanFilter(label=_("assigned to me"), method="only_mine")
    scheduled_after = django_filters.DateFilter(
        label=_("scheduled from"), field_name="scheduled_for", lookup_expr="date__gte"
    )
    scheduled_before = django_filters.DateFilter(
        label=_("scheduled until"), field_name="scheduled_for", lookup_expr="date__lte"
    )
    completed_after = django_filters.DateFilter(
        label=_("completed from"), field_name="completed_at", lookup_expr="date__gte"
    )
    completed_before = django_filters.DateFilter(
        label=_("completed until"), field_name="completed_at", lookup_expr="date__lte"
    )
    service_type_of = django_filters.NumberFilter(
        label=_("service type"), field_name="version__template__service_type"
    )
    latest = django_filters.BooleanFilter(label=_("latest revision"), method="only_latest")

    class Meta:
        model = Inspection
        fields = ["status", "kind", "contract", "vendor", "site", "inspector", "passed", "plan"]

    def only_overdue(self, queryset, name, value):  # type: ignore[no-untyped-def]
        late = Q(
            status__in=(InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS), due_at__lt=timezone.now()
        )
        if value is None:
            return queryset
        return queryset.filter(late) if value else queryset.exclude(late)

    def only_latest(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value is None:
            return queryset
        return queryset.filter(superseded_by__isnull=value)

    def only_mine(self, queryset, name, value):  # type: ignore[no-untyped-def]
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(inspector=user)


class FindingFilterSet(SearchFilterSet):
    search_fields = ("description", "inspection__number", "site__name")
    severity = django_filters.MultipleChoiceFilter(label=_("severity"), choices=Severity.choices)

    class Meta:
        model = Finding
        fields = ["severity", "action_required", "vendor", "contract", "site"]


class LotFilterSet(SearchFilterSet):
    search_fields = ("number", "description")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=LotStatus.choices)
    decided_after = django_filters.DateFilter(
        label=_("decided from"), field_name="decided_at", lookup_expr="date__gte"
    )
    decided_before = django_filters.DateFilter(
        label=_("decided until"), field_name="decided_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Lot
        fields = ["status", "contract", "vendor", "service_type"]


class SamplingStateFilterSet(SearchFilterSet):
    search_fields = ("contract__number", "contract__title", "service_type__name")

    class Meta:
        model = SamplingState
        fields = ["contract", "vendor", "service_type"]

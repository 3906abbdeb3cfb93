import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import Priority
from oqms.core.filtersets import SearchFilterSet
from oqms.workorders.choices import OPEN_STATUSES, SLAState, Status
from oqms.workorders.models import WorkOrder


class WorkOrderFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "description")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=Status.choices)
    priority = django_filters.MultipleChoiceFilter(label=_("priority"), choices=Priority.choices)
    open = django_filters.BooleanFilter(label=_("open"), method="only_open")
    sla_state = django_filters.MultipleChoiceFilter(label=_("resolution SLA"), choices=SLAState.choices)
    response_state = django_filters.MultipleChoiceFilter(label=_("response SLA"), choices=SLAState.choices)
    due_before = django_filters.DateTimeFilter(
        label=_("resolution due before"), field_name="resolution_due_at", lookup_expr="lt"
    )
    opened_after = django_filters.DateFilter(
        label=_("opened from"), field_name="opened_at", lookup_expr="date__gte"
    )
    opened_before = django_filters.DateFilter(
        label=_("opened until"), field_name="opened_at", lookup_expr="date__lte"
    )

    class Meta:
        model = WorkOrder
        fields = ["status", "priority", "vendor", "contract", "site", "service_type", "assignee", "requester"]

    def only_open(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
        )

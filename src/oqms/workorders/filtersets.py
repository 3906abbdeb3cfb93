import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oqms.contracts.choices import Priority
from oqms.core.filtersets import SearchFilterSet
from oqms.workorders.choices import OPEN_STATUSES, Origin, SLAState, Status
from oqms.workorders.models import WorkOrder


class WorkOrderFilterSet(SearchFilterSet):
    search_fields = ("number", "external_id", "title", "description")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=Status.choices)
    priority = django_filters.MultipleChoiceFilter(label=_("priority"), choices=Priority.choices)
    origin = django_filters.ChoiceFilter(label=_("entered through"), choices=Origin.choices)
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

    event = django_filters.ChoiceFilter(
        label=_("event"),
        choices=[
            ("responded", pgettext_lazy("work order event", "first response")),
            ("resolved", pgettext_lazy("work order event", "resolution")),
            ("closed", pgettext_lazy("work order event", "closing")),
        ],
        method="on_event",
    )
    event_after = django_filters.DateFilter(label=_("event from"), method="on_event")
    event_before = django_filters.DateFilter(label=_("event until"), method="on_event")

    class Meta:
        model = WorkOrder
        fields = ["status", "priority", "vendor", "contract", "site", "service_type", "assignee", "requester"]

    def on_event(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """Work orders whose first response, resolution or closing fell on these days (a KPI's drill-down)."""
        data = self.form.cleaned_data
        event = data.get("event")
        if not event or name != "event":
            return queryset  # the dates apply together with the event, once
        field = f"{event}_at"
        if data.get("event_after"):
            queryset = queryset.filter(**{f"{field}__date__gte": data["event_after"]})
        if data.get("event_before"):
            queryset = queryset.filter(**{f"{field}__date__lte": data["event_before"]})
        if event == "resolved":
            queryset = queryset.filter(status__in=["resolved", "closed"])
        elif event == "closed":
            queryset = queryset.filter(status="closed")
        return queryset.exclude(**{f"{field}__isnull": True})

    def only_open(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
        )

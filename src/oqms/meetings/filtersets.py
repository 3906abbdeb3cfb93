import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.meetings.models import ActionItem, ActionStatus, Meeting, MeetingKind, MeetingSeries, MeetingStatus


class SeriesFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = MeetingSeries
        fields = ["kind", "vendor", "contract", "is_active"]


class MeetingFilterSet(SearchFilterSet):
    search_fields = ("title", "agenda", "minutes", "decisions")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=MeetingKind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=MeetingStatus.choices)
    after = django_filters.DateFilter(label=_("from"), field_name="starts_at", lookup_expr="date__gte")
    before = django_filters.DateFilter(label=_("until"), field_name="starts_at", lookup_expr="date__lte")

    class Meta:
        model = Meeting
        fields = ["kind", "status", "vendor", "contract", "series"]


class ActionFilterSet(SearchFilterSet):
    search_fields = ("description", "meeting__title")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ActionStatus.choices)
    due_before = django_filters.DateFilter(label=_("due by"), field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ActionItem
        fields = ["status", "owner", "meeting__vendor"]

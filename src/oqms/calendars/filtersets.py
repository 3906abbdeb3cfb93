import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.calendars.models import Calendar, CalendarDay, CalendarVersion, Closure
from oqms.core.filtersets import SearchFilterSet


class CalendarFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")

    class Meta:
        model = Calendar
        fields = ["region", "time_zone", "is_default"]


class CalendarDayFilterSet(SearchFilterSet):
    search_fields = ("name",)
    year = django_filters.NumberFilter(label=_("year"), field_name="date", lookup_expr="year")

    class Meta:
        model = CalendarDay
        fields = ["calendar", "kind", "source"]


class ClosureFilterSet(SearchFilterSet):
    search_fields = ("reason",)

    class Meta:
        model = Closure
        fields = ["calendar", "site"]


class CalendarVersionFilterSet(SearchFilterSet):
    class Meta:
        model = CalendarVersion
        fields = ["calendar"]

import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.capa.choices import NCStatus, ScarStatus, Severity, Source
from oqms.capa.models import Category, CorrectiveAction, DueRule, Nonconformance
from oqms.core.filtersets import SearchFilterSet


class NonconformanceFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "description", "source_label")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=NCStatus.choices)
    severity = django_filters.ChoiceFilter(label=_("severity"), choices=Severity.choices)
    source = django_filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    repeat = django_filters.BooleanFilter(
        label=_("repeat"), field_name="repeat_of", lookup_expr="isnull", exclude=True
    )
    detected_after = django_filters.DateFilter(
        label=_("found from"), field_name="detected_at", lookup_expr="date__gte"
    )
    detected_before = django_filters.DateFilter(
        label=_("found until"), field_name="detected_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Nonconformance
        fields = ["status", "severity", "source", "vendor", "contract", "site", "category"]


class CorrectiveActionFilterSet(SearchFilterSet):
    search_fields = ("number", "nonconformance__number", "nonconformance__title", "root_cause")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ScarStatus.choices)
    issued_after = django_filters.DateFilter(
        label=_("issued from"), field_name="issued_at", lookup_expr="date__gte"
    )
    issued_before = django_filters.DateFilter(
        label=_("issued until"), field_name="issued_at", lookup_expr="date__lte"
    )
    closed_after = django_filters.DateFilter(
        label=_("closed from"), field_name="closed_at", lookup_expr="date__gte"
    )
    closed_before = django_filters.DateFilter(
        label=_("closed until"), field_name="closed_at", lookup_expr="date__lte"
    )

    class Meta:
        model = CorrectiveAction
        fields = ["status", "vendor", "contract", "cause_category"]


class CategoryFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = Category
        fields = ["is_active"]


class DueRuleFilterSet(SearchFilterSet):
    class Meta:
        model = DueRule
        fields = ["severity"]

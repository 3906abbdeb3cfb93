import django_filters
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import ContractStatus
from oqms.contracts.models import Contract, ContractAttachment, ServiceType
from oqms.core.filtersets import SearchFilterSet
from oqms.org.models import Site


class ServiceTypeFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = ServiceType
        fields = ["category"]


class ContractFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "vendor__name", "vendor__short_name")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ContractStatus.choices)
    sites = django_filters.ModelChoiceFilter(label=_("site"), queryset=Site.objects.all())
    service_types = django_filters.ModelChoiceFilter(
        label=_("service type"), queryset=ServiceType.objects.all()
    )
    active_on = django_filters.DateFilter(label=_("in force on"), method="in_force_on")

    class Meta:
        model = Contract
        fields = ["vendor", "status", "sites", "service_types", "org_units"]

    def in_force_on(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class ContractAttachmentFilterSet(SearchFilterSet):
    search_fields = ("title", "contract__number")

    class Meta:
        model = ContractAttachment
        fields = ["contract"]

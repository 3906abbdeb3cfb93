import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.core.filtersets import SearchFilterSet
from oqms.vendors.choices import DocumentType, ExpiryState, VendorStatus
from oqms.vendors.models import (
    EXPIRY_WARNING_DAYS,
    QualificationDocument,
    ServiceCategory,
    Vendor,
    VendorContact,
)


class ServiceCategoryFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = ServiceCategory
        fields: list[str] = []


class VendorFilterSet(SearchFilterSet):
    search_fields = ("name", "short_name", "credit_code", "address")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=VendorStatus.choices)
    categories = django_filters.ModelChoiceFilter(
        label=_("service category"), queryset=ServiceCategory.objects.all()
    )

    class Meta:
        model = Vendor
        fields = ["status", "categories"]


class VendorContactFilterSet(SearchFilterSet):
    search_fields = ("name", "title", "email", "vendor__name")

    class Meta:
        model = VendorContact
        fields = ["vendor", "is_primary"]


class QualificationDocumentFilterSet(SearchFilterSet):
    search_fields = ("number", "issuer", "vendor__name")
    doc_type = django_filters.ChoiceFilter(label=_("document type"), choices=DocumentType.choices)
    expiry = django_filters.ChoiceFilter(label=_("expiry"), choices=ExpiryState.choices, method="by_expiry")

    class Meta:
        model = QualificationDocument
        fields = ["vendor", "doc_type"]

    def by_expiry(self, queryset, name, value):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
        return {
            ExpiryState.PERMANENT: queryset.filter(valid_to__isnull=True),
            ExpiryState.EXPIRED: queryset.filter(valid_to__lt=today),
            ExpiryState.EXPIRING: queryset.filter(valid_to__gte=today, valid_to__lte=soon),
            ExpiryState.VALID: queryset.filter(valid_to__gt=soon),
        }.get(value, queryset)

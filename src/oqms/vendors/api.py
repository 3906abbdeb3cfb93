from typing import Any

from rest_framework import serializers

from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.vendors.filtersets import (
    QualificationDocumentFilterSet,
    ServiceCategoryFilterSet,
    VendorContactFilterSet,
    VendorFilterSet,
)
from oqms.vendors.models import QualificationDocument, ServiceCategory, Vendor, VendorContact


class ServiceCategorySerializer(ScopedModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["id", "code", "name", "name_en"]


class VendorSerializer(ScopedModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "short_name",
            "credit_code",
            "categories",
            "status",
            "address",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]

    def to_internal_value(self, data: Any) -> Any:
        # Normalise before the field validators run, as the page form does.
        code = data.get("credit_code") if hasattr(data, "get") else None
        if isinstance(code, str):
            data = data.copy()
            data["credit_code"] = code.strip().upper()
        return super().to_internal_value(data)


class VendorContactSerializer(ScopedModelSerializer):
    class Meta:
        model = VendorContact
        fields = ["id", "vendor", "name", "title", "phone", "email", "is_primary", "created_at", "updated_at"]


class QualificationDocumentSerializer(ScopedModelSerializer):
    expiry_state = serializers.CharField(read_only=True)
    days_to_expiry = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = QualificationDocument
        fields = [
            "id",
            "vendor",
            "doc_type",
            "number",
            "issuer",
            "valid_from",
            "valid_to",
            "file",
            "expiry_state",
            "days_to_expiry",
            "created_at",
            "updated_at",
        ]


class ServiceCategoryViewSet(RecordViewSet):
    queryset = ServiceCategory.objects.all()
    serializer_class = ServiceCategorySerializer
    filterset_class = ServiceCategoryFilterSet
    ordering_fields = ["code", "name"]


class VendorViewSet(RecordViewSet):
    queryset = Vendor.objects.prefetch_related("categories")
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    ordering_fields = ["name", "status", "created_at"]


class VendorContactViewSet(RecordViewSet):
    queryset = VendorContact.objects.select_related("vendor")
    serializer_class = VendorContactSerializer
    filterset_class = VendorContactFilterSet
    ordering_fields = ["name"]


class QualificationDocumentViewSet(RecordViewSet):
    queryset = QualificationDocument.objects.select_related("vendor")
    serializer_class = QualificationDocumentSerializer
    filterset_class = QualificationDocumentFilterSet
    ordering_fields = ["valid_to", "valid_from"]

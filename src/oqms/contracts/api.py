from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from oqms.contracts.filtersets import ContractAttachmentFilterSet, ContractFilterSet, ServiceTypeFilterSet
from oqms.contracts.models import Contract, ContractAttachment, ServiceType, SLATarget
from oqms.core.api import RecordViewSet, ScopedModelSerializer


class ServiceTypeSerializer(ScopedModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "name_en", "category", "description"]


class SLATargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SLATarget
        fields = ["priority", "response_minutes", "resolution_minutes"]
        validators: list[Any] = []  # uniqueness per contract is checked on the list below

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A target is always replaced whole, also inside a PATCH of its contract.
        missing = {
            name: [_("This field is required.")]
            for name in ("priority", "response_minutes", "resolution_minutes")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["resolution_minutes"] < attrs["response_minutes"]:
            raise serializers.ValidationError(
                {"resolution_minutes": _("Resolution cannot be due before response.")}
            )
        return attrs


class ContractSerializer(ScopedModelSerializer):
    sla_targets = SLATargetSerializer(many=True, required=False)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "vendor",
            "title",
            "status",
            "start_date",
            "end_date",
            "monthly_fee",
            "org_units",
            "sites",
            "service_types",
            "description",
            "sla_targets",
            "created_at",
            "updated_at",
        ]

    def validate_sla_targets(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        priorities = [t["priority"] for t in value]
        if len(priorities) != len(set(priorities)):
            raise serializers.ValidationError(_("Each priority may have only one SLA target."))
        return value

    def create(self, validated_data: dict[str, Any]) -> Contract:
        targets = validated_data.pop("sla_targets", [])
        contract: Contract = super().create(validated_data)
        for target in targets:
            SLATarget.objects.create(contract=contract, **target)
        return contract

    def update(self, instance: Contract, validated_data: dict[str, Any]) -> Contract:
        targets = validated_data.pop("sla_targets", None)
        contract: Contract = super().update(instance, validated_data)
        if targets is not None:
            existing = {t.priority: t for t in contract.sla_targets.all()}
            for target in targets:
                current = existing.pop(target["priority"], None)
                if current is None:
                    SLATarget.objects.create(contract=contract, **target)
                else:
                    current.response_minutes = target["response_minutes"]
                    current.resolution_minutes = target["resolution_minutes"]
                    current.save()
            for stale in existing.values():
                stale.delete()
        return contract


class ContractAttachmentSerializer(ScopedModelSerializer):
    class Meta:
        model = ContractAttachment
        fields = ["id", "contract", "title", "file", "created_at"]


class ServiceTypeViewSet(RecordViewSet):
    queryset = ServiceType.objects.select_related("category")
    serializer_class = ServiceTypeSerializer
    filterset_class = ServiceTypeFilterSet
    ordering_fields = ["code", "name"]


class ContractViewSet(RecordViewSet):
    queryset = Contract.objects.select_related("vendor").prefetch_related(
        "org_units", "sites", "service_types", "sla_targets"
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ["number", "start_date", "end_date", "monthly_fee"]


class ContractAttachmentViewSet(RecordViewSet):
    queryset = ContractAttachment.objects.select_related("contract")
    serializer_class = ContractAttachmentSerializer
    filterset_class = ContractAttachmentFilterSet
    ordering_fields = ["created_at"]

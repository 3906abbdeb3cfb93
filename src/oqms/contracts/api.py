from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from oqms.contracts import sla
from oqms.contracts.choices import PauseReason
from oqms.contracts.filtersets import ContractAttachmentFilterSet, ContractFilterSet, ServiceTypeFilterSet
from oqms.contracts.models import (
    Contract,
    ContractAttachment,
    EscalationLevel,
    ServiceType,
    SLAPolicy,
    SLATarget,
)
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


class EscalationLevelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = EscalationLevel
        fields = ["clock", "percent", "audience"]
        validators: list[Any] = []  # uniqueness per contract is checked on the list below


class SLAPolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SLAPolicy
        fields = ["number", "effective_from", "definition", "published_by"]


class ContractSerializer(ScopedModelSerializer):
    sla_targets = SLATargetSerializer(many=True, required=False)
    escalation_levels = EscalationLevelSerializer(many=True, required=False)
    sla_pausing_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=PauseReason.choices), required=False
    )
    sla_policy = serializers.SerializerMethodField(help_text="The SLA policy version in force now.")
    sla_effective_from = serializers.DateTimeField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="When the SLA changes of this request take effect (default: now; never in the past).",
    )

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
            "owner",
            "sla_calendar",
            "sla_at_risk_percent",
            "complaint_response_hours",
            "sla_pausing_reasons",
            "sla_stops_at",
            "grade_bands",
            "appeal_days",
            "deduction_cap_percent",
            "bonus_cap_percent",
            "sla_targets",
            "escalation_levels",
            "sla_policy",
            "sla_effective_from",
            "created_at",
            "updated_at",
        ]

    def get_sla_policy(self, obj: Contract) -> dict[str, Any] | None:
        policy = obj.current_sla_policy()
        return SLAPolicySerializer(policy).data if policy else None

    def validate_sla_effective_from(self, value: Any) -> Any:
        from django import forms

        from oqms.contracts.forms import sla_effective_from

        try:
            return sla_effective_from(value)
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_escalation_levels(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [(e["clock"], e["percent"], e["audience"]) for e in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(_("This level is already there."))
        return value

    def _replace_levels(self, contract: Contract, levels: list[dict[str, Any]] | None) -> None:
        if levels is None:
            return
        wanted = {(e["clock"], e["percent"], e["audience"]) for e in levels}
        for level in contract.escalation_levels.all():
            key = (level.clock, level.percent, level.audience)
            if key in wanted:
                wanted.discard(key)
            else:
                level.delete()
        for clock, percent, audience in sorted(wanted):
            EscalationLevel.objects.create(contract=contract, clock=clock, percent=percent, audience=audience)

    def validate_sla_targets(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        priorities = [t["priority"] for t in value]
        if len(priorities) != len(set(priorities)):
            raise serializers.ValidationError(_("Each priority may have only one SLA target."))
        return value

    def create(self, validated_data: dict[str, Any]) -> Contract:
        targets = validated_data.pop("sla_targets", [])
        levels = validated_data.pop("escalation_levels", None)
        with sla.publisher.deferred(at=validated_data.pop("sla_effective_from", None)):
            contract: Contract = super().create(validated_data)
            for target in targets:
                SLATarget.objects.create(contract=contract, **target)
            self._replace_levels(contract, levels)
        return contract

    def update(self, instance: Contract, validated_data: dict[str, Any]) -> Contract:
        with sla.publisher.deferred(at=validated_data.pop("sla_effective_from", None)):
            return self._update(instance, validated_data)

    def _update(self, instance: Contract, validated_data: dict[str, Any]) -> Contract:
        targets = validated_data.pop("sla_targets", None)
        levels = validated_data.pop("escalation_levels", None)
        contract: Contract = super().update(instance, validated_data)
        self._replace_levels(contract, levels)
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
        "org_units", "sites", "service_types", "sla_targets", "escalation_levels"
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ["number", "start_date", "end_date", "monthly_fee"]


class ContractAttachmentViewSet(RecordViewSet):
    queryset = ContractAttachment.objects.select_related("contract")
    serializer_class = ContractAttachmentSerializer
    filterset_class = ContractAttachmentFilterSet
    ordering_fields = ["created_at"]

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from oqms.core import audit
from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.settlements.filtersets import (
    ConsequenceFilterSet,
    ConsequenceRuleFilterSet,
    PayRuleFilterSet,
    SettlementFilterSet,
)
from oqms.settlements.models import Consequence, ConsequenceRule, PayRule, Settlement, SettlementLine


class PayRuleSerializer(ScopedModelSerializer):
    class Meta:
        model = PayRule
        fields = [
            "id",
            "contract",
            "name",
            "kind",
            "kpi_code",
            "grade",
            "clock",
            "effect",
            "percent_of_fee",
            "amount",
            "periods",
            "active",
            "created_at",
            "updated_at",
        ]


class PayRuleViewSet(RecordViewSet):
    """Reward and penalty rules of contracts."""

    queryset = PayRule.objects.select_related("contract")
    serializer_class = PayRuleSerializer
    filterset_class = PayRuleFilterSet


class SettlementLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    label = serializers.CharField(read_only=True)
    reason_text = serializers.CharField(read_only=True)

    class Meta:
        model = SettlementLine
        fields = ["rule", "rule_name", "label", "effect", "reason", "params", "reason_text", "amount"]


class SettlementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = SettlementLineSerializer(many=True, read_only=True)

    class Meta:
        model = Settlement
        fields = [
            "id",
            "scorecard",
            "contract",
            "vendor",
            "period_start",
            "period_end",
            "fee",
            "deductions",
            "bonuses",
            "net",
            "status",
            "computed_at",
            "approved_at",
            "lines",
        ]


class _ReadOnly(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        return self.queryset.visible_to(self.request.user)  # type: ignore[union-attr]


class SettlementViewSet(_ReadOnly):
    """Settlement statements, computed and approved with their scorecards."""

    queryset = Settlement.objects.select_related("scorecard").prefetch_related("lines")
    serializer_class = SettlementSerializer
    filterset_class = SettlementFilterSet
    ordering = ("-period_start",)


class ConsequenceRuleSerializer(ScopedModelSerializer):
    class Meta:
        model = ConsequenceRule
        fields = [
            "id",
            "name",
            "grades",
            "periods",
            "action",
            "request_improvement_plan",
            "active",
            "created_at",
            "updated_at",
        ]


class ConsequenceRuleViewSet(RecordViewSet):
    queryset = ConsequenceRule.objects.all()
    serializer_class = ConsequenceRuleSerializer
    filterset_class = ConsequenceRuleFilterSet


class ConsequenceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Consequence
        fields = [
            "id",
            "rule",
            "vendor",
            "scorecard",
            "action",
            "improvement_plan_requested",
            "grades",
            "previous_status",
            "created_at",
        ]


class ConsequenceViewSet(_ReadOnly):
    """Consequence rules applied to vendors on the approval of their scorecards."""

    queryset = Consequence.objects.all()
    serializer_class = ConsequenceSerializer
    filterset_class = ConsequenceFilterSet
    ordering = ("-created_at",)

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.kpis.evaluation import evaluate
from oqms.kpis.filtersets import KPIFilterSet
from oqms.kpis.models import KPI


class KPISerializer(ScopedModelSerializer):
    class Meta:
        model = KPI
        fields = [
            "id",
            "contract",
            "code",
            "name",
            "measure",
            "formula",
            "service_type",
            "priority",
            "site",
            "unit",
            "direction",
            "target",
            "minimum",
            "weight",
            "scoring",
            "tiers",
            "backlog_days",
            "period",
            "effective_from",
            "effective_to",
            "created_at",
            "updated_at",
        ]


class KPIViewSet(RecordViewSet):
    """KPI definitions of contracts; ``/value/?from=YYYY-MM-DD&to=YYYY-MM-DD`` computes one for a span of days."""

    queryset = KPI.objects.select_related("contract")
    serializer_class = KPISerializer
    filterset_class = KPIFilterSet
    ordering_fields = ["code", "name"]

    @extend_schema(
        parameters=[OpenApiParameter("from", str, required=True), OpenApiParameter("to", str, required=True)],
        responses={200: {"type": "object"}},
    )
    @action(detail=True, methods=["get"])
    def value(self, request: Any, pk: Any = None) -> Response:
        kpi = self.get_object()
        try:
            first = datetime.date.fromisoformat(request.query_params.get("from", ""))
            last = datetime.date.fromisoformat(request.query_params.get("to", ""))
        except ValueError as exc:
            raise serializers.ValidationError(
                {"from": [_("Give from and to as dates, like 2026-01-31.")]}
            ) from exc
        if last < first or (last - first).days > 370:
            raise serializers.ValidationError(
                {"to": [_("The span must run forward and cover at most a year.")]}
            )
        result = evaluate(kpi, first, last)
        return Response(
            {
                "from": first,
                "to": last,
                "value": result.value,
                "score": result.score,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "inputs": result.inputs,
            }
        )

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from oqms.core import audit
from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.kpis import workflow
from oqms.kpis.evaluation import evaluate
from oqms.kpis.filtersets import KPIFilterSet, ScorecardFilterSet
from oqms.kpis.models import KPI, KPIResult, Scorecard, ScorecardComment


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
        parameters=[
            OpenApiParameter("from", str, required=True),
            OpenApiParameter("to", str, required=True),
            OpenApiParameter(
                "scope", str, enum=["contract", "vendor"], description="vendor: all its contracts"
            ),
        ],
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
        scope = request.query_params.get("scope", "contract")
        if scope not in ("contract", "vendor"):
            raise serializers.ValidationError({"scope": [_("Give scope as contract or vendor.")]})
        result = evaluate(kpi, first, last, vendor_wide=scope == "vendor")
        return Response(
            {
                "from": first,
                "to": last,
                "scope": scope,
                "value": result.value,
                "score": result.score,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "inputs": result.inputs,
            }
        )


class KPIResultSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    code = serializers.CharField(source="kpi.code", read_only=True)
    name = serializers.CharField(source="kpi.name", read_only=True)
    unit = serializers.CharField(source="kpi.unit", read_only=True)
    target = serializers.DecimalField(source="kpi.target", max_digits=12, decimal_places=3, read_only=True)
    minimum = serializers.DecimalField(source="kpi.minimum", max_digits=12, decimal_places=3, read_only=True)

    class Meta:
        model = KPIResult
        fields = [
            "kpi",
            "code",
            "name",
            "unit",
            "target",
            "minimum",
            "value",
            "numerator",
            "denominator",
            "inputs",
            "score",
            "weight",
        ]


class ScorecardCommentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = ScorecardComment
        fields = ["id", "kind", "kpi", "text", "author", "author_name", "created_at"]


class ScorecardSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    results = KPIResultSerializer(many=True, read_only=True)
    comments = ScorecardCommentSerializer(many=True, read_only=True)
    steps = serializers.SerializerMethodField(help_text="The workflow steps the caller may take now.")

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "contract",
            "vendor",
            "period",
            "period_start",
            "period_end",
            "version",
            "supersedes",
            "status",
            "score",
            "grade",
            "grade_bands",
            "computed_at",
            "published_at",
            "appeal_until",
            "accepted_at",
            "approved_at",
            "approved_by",
            "locked_at",
            "results",
            "comments",
            "steps",
        ]

    def get_steps(self, obj: Scorecard) -> list[str]:
        return workflow.allowed_steps(obj, self.context["request"].user)


class StepSerializer(serializers.Serializer):  # type: ignore[type-arg]
    text = serializers.CharField(required=False, allow_blank=True, default="")
    kpi = serializers.IntegerField(required=False, allow_null=True, default=None)


class ScorecardViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Scorecards (computed nightly) and their workflow: ``POST /api/scorecards/{id}/{step}/`` with step one of
    publish, comment, accept, appeal, answer, reopen, approve, lock (``text`` for comment, appeal, answer and
    reopen; ``kpi`` optionally for comment and appeal)."""

    queryset = Scorecard.objects.select_related("contract", "vendor").prefetch_related(
        "results__kpi", "comments__author"
    )
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilterSet
    ordering = ("-period_start", "-version")
    lookup_value_regex = r"\d+"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        return self.queryset.visible_to(self.request.user)  # type: ignore[union-attr]

    @extend_schema(request=StepSerializer, responses=ScorecardSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"(?P<step>publish|comment|accept|appeal|answer|reopen|approve|lock)",
        permission_classes=[permissions.IsAuthenticated],
    )
    def step(self, request: Any, pk: Any = None, step: str = "") -> Response:
        scorecard = get_object_or_404(Scorecard.objects.visible_to(request.user), pk=pk)
        payload = StepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        workflow.run(
            step, scorecard, request.user, payload.validated_data["text"], payload.validated_data["kpi"]
        )
        fresh = self.get_queryset().get(pk=scorecard.pk)
        return Response(self.get_serializer(fresh).data)

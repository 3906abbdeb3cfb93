"""Nonconformance and corrective action endpoints. Other systems (an audit tool, a vendor's own ticket system)
raise nonconformances and take the vendor's steps of a request; the same services and rules as the pages apply,
so a refused step answers 409 with the reason and changes nothing."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from oqms.capa import filtersets, services, workflow
from oqms.capa.choices import CauseCategory, ItemKind, Severity
from oqms.capa.models import ActionItem, Category, CorrectiveAction, Nonconformance
from oqms.core import audit
from oqms.core.drf import StepPermissions
from oqms.core.scoping import restrict


class NonconformanceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Nonconformance
        fields = [
            "id",
            "number",
            "title",
            "description",
            "source",
            "source_label",
            "vendor",
            "contract",
            "site",
            "service_type",
            "category",
            "severity",
            "reported_severity",
            "repeat_of",
            "detected_at",
            "containment",
            "containment_due_at",
            "containment_done_at",
            "due_at",
            "status",
            "closed_at",
        ]
        read_only_fields = fields


class RaiseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)
    vendor = serializers.IntegerField()
    category = serializers.IntegerField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    contract = serializers.IntegerField(required=False, allow_null=True)
    detected_at = serializers.DateTimeField(required=False, allow_null=True)
    containment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    source = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="e.g. inspections.finding:12"
    )


class ItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ActionItem
        fields = [
            "id",
            "kind",
            "description",
            "owner_name",
            "due_date",
            "status",
            "done_at",
            "done_note",
            "round",
        ]
        read_only_fields = ["id", "status", "done_at", "done_note", "round"]


class ScarSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "number",
            "nonconformance",
            "vendor",
            "contract",
            "status",
            "round",
            "requirements",
            "issued_at",
            "acknowledge_due_at",
            "acknowledged_at",
            "plan_due_at",
            "due_at",
            "why_chain",
            "cause_category",
            "root_cause",
            "implemented_at",
            "implementation_note",
            "verify_from",
            "verified_at",
            "closed_at",
            "items",
        ]
        read_only_fields = fields


class IssueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    requirements = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    verify_after_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=365)


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RootCauseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    whys = serializers.ListField(child=serializers.CharField(max_length=500), max_length=workflow.MAX_WHYS)
    category = serializers.ChoiceField(choices=CauseCategory.choices)
    root_cause = serializers.CharField(max_length=2000)


class NewItemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    description = serializers.CharField(max_length=2000)
    owner_name = serializers.CharField(max_length=100)
    due_date = serializers.DateField()


class ItemDoneSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.IntegerField()
    note = serializers.CharField(max_length=4000)


class VerifySerializer(serializers.Serializer):  # type: ignore[type-arg]
    effective = serializers.BooleanField()
    note = serializers.CharField(max_length=4000)


class _Audited:
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        audit.set_actor(request.user, source="api")


class NonconformanceViewSet(_Audited, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Nonconformances. ``POST`` raises one (repeats are recognised as on the page); ``issue`` requests
    corrective action from the vendor."""

    queryset = Nonconformance.objects.select_related("vendor", "category")
    serializer_class = NonconformanceSerializer
    filterset_class = filtersets.NonconformanceFilterSet
    ordering = ("-detected_at",)

    def get_permissions(self) -> list[Any]:
        if self.action == "issue":
            return [StepPermissions()]
        return super().get_permissions()

    def get_queryset(self) -> Any:
        return restrict(self.queryset.all(), self.request.user, "view")  # type: ignore[union-attr]

    @extend_schema(request=RaiseSerializer, responses=NonconformanceSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        from oqms.contracts.models import Contract
        from oqms.vendors.models import Vendor

        payload = RaiseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = request.user
        vendor = get_object_or_404(Vendor.objects.visible_to(user), pk=data["vendor"])
        category = get_object_or_404(Category.objects.filter(is_active=True), pk=data["category"])
        contract = None
        if data.get("contract"):
            contract = get_object_or_404(Contract.objects.visible_to(user), pk=data["contract"])
        source = services.find_source(data["source"], user) if data.get("source") else None
        row = services.raise_nonconformance(
            user,
            title=data["title"],
            description=data["description"],
            vendor=vendor,
            category=category,
            severity=data["severity"],
            contract=contract,
            detected_at=data.get("detected_at"),
            containment=data.get("containment", ""),
            source=source,
        )
        return Response(NonconformanceSerializer(row).data, status=201)

    @extend_schema(request=IssueSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Any, pk: Any = None) -> Response:
        row = get_object_or_404(restrict(Nonconformance.objects.all(), request.user, "change"), pk=pk)
        payload = IssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        scar = workflow.issue(
            row, request.user, data["requirements"], data.get("verify_after_days"), data.get("due_at")
        )
        return Response(ScarSerializer(scar).data, status=201)


class CorrectiveActionViewSet(_Audited, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Corrective action requests with their plan. Steps: ``acknowledge``, ``analyse``, ``add_item``,
    ``submit_plan``, ``complete_item``, ``implement`` (the vendor); ``send_back``, ``verify``, ``cancel``
    (the quality manager)."""

    queryset = CorrectiveAction.objects.prefetch_related("items")
    serializer_class = ScarSerializer
    filterset_class = filtersets.CorrectiveActionFilterSet
    ordering = ("-issued_at",)
    steps = {
        "acknowledge",
        "analyse",
        "add_item",
        "submit_plan",
        "complete_item",
        "implement",
        "send_back",
        "verify",
        "cancel",
    }

    def get_permissions(self) -> list[Any]:
        if self.action in self.steps:
            return [StepPermissions()]
        return super().get_permissions()

    def get_queryset(self) -> Any:
        return restrict(self.queryset.all(), self.request.user, "view")  # type: ignore[union-attr]

    def _row(self) -> CorrectiveAction:
        return get_object_or_404(
            restrict(CorrectiveAction.objects.all(), self.request.user, "change"), pk=self.kwargs["pk"]
        )

    def _reply(self, scar: CorrectiveAction) -> Response:
        return Response(ScarSerializer(CorrectiveAction.objects.get(pk=scar.pk)).data)

    def _payload(self, serializer: Any) -> dict[str, Any]:
        payload = serializer(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return dict(payload.validated_data)

    @extend_schema(request=NoteSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NoteSerializer)
        return self._reply(workflow.acknowledge(self._row(), request.user, data["note"]))

    @extend_schema(request=RootCauseSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def analyse(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(RootCauseSerializer)
        return self._reply(
            workflow.analyse(self._row(), request.user, data["whys"], data["category"], data["root_cause"])
        )

    @extend_schema(request=NewItemSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def add_item(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NewItemSerializer)
        row = self._row()
        workflow.add_item(
            row, request.user, data["kind"], data["description"], data["owner_name"], data["due_date"]
        )
        return self._reply(row)

    @extend_schema(request=NoteSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def submit_plan(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NoteSerializer)
        return self._reply(workflow.submit_plan(self._row(), request.user, data["note"]))

    @extend_schema(request=ItemDoneSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def complete_item(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(ItemDoneSerializer)
        row = self._row()
        item = get_object_or_404(ActionItem.objects.filter(scar=row), pk=data["item"])
        workflow.complete_item(item, request.user, data["note"])
        return self._reply(row)

    @extend_schema(request=NoteSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def implement(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NoteSerializer)
        return self._reply(workflow.implement(self._row(), request.user, data["note"]))

    @extend_schema(request=NoteSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def send_back(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NoteSerializer)
        return self._reply(workflow.send_back(self._row(), request.user, data["note"]))

    @extend_schema(request=VerifySerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(VerifySerializer)
        return self._reply(workflow.verify(self._row(), request.user, data["effective"], data["note"]))

    @extend_schema(request=NoteSerializer, responses=ScarSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Any, pk: Any = None) -> Response:
        data = self._payload(NoteSerializer)
        return self._reply(workflow.cancel(self._row(), request.user, data["note"]))

"""The inspection endpoints: checklists and plans (read), inspections carried out step by step, findings,
acceptance lots and their switching states. Every step calls the same service as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from oqms.contracts.models import Contract, ServiceType
from oqms.core import audit
from oqms.core.drf import StepPermissions
from oqms.core.scoping import restrict
from oqms.engine import sampling
from oqms.inspections import filtersets, lots, scheduling, services
from oqms.inspections.choices import LotKind
from oqms.inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPhoto,
    InspectionPlan,
    Lot,
    SamplingEvent,
    SamplingState,
)


class _ReadOnly(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    ordering = ("-pk",)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        return restrict(self.queryset.all(), self.request.user, "view")  # type: ignore[union-attr]

    def _row(self, model: Any, user: Any, action_name: str = "change") -> Any:
        return get_object_or_404(restrict(model.objects.all(), user, action_name), pk=self.kwargs["pk"])


class ItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    section = serializers.CharField(source="section.title", default="", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "section",
            "position",
            "text",
            "guidance",
            "kind",
            "weight",
            "critical",
            "severity",
            "max_score",
            "pass_score",
            "lower",
            "upper",
            "unit",
            "choices",
        ]


class VersionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    items = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistVersion
        fields = ["id", "template", "number", "status", "pass_mark", "note", "published_at", "items"]

    def get_items(self, obj: ChecklistVersion) -> list[dict[str, Any]]:
        return ItemSerializer(obj.ordered_items(), many=True).data  # type: ignore[return-value]


class TemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "service_type", "description", "is_active", "current_version"]

    def get_current_version(self, obj: ChecklistTemplate) -> int | None:
        version = obj.current_version()
        return version.pk if version else None


class ChecklistViewSet(_ReadOnly):
    """Checklists; ``current_version`` is the published version new inspections use."""

    queryset = ChecklistTemplate.objects.select_related("service_type")
    serializer_class = TemplateSerializer
    filterset_class = filtersets.ChecklistTemplateFilterSet


class ChecklistVersionViewSet(_ReadOnly):
    """Checklist versions with their items (a published version never changes)."""

    queryset = ChecklistVersion.objects.select_related("template")
    serializer_class = VersionSerializer
    filterset_class = filtersets.ChecklistVersionFilterSet


class PlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    rule_text = serializers.CharField(read_only=True)

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "name",
            "kind",
            "contract",
            "template",
            "sites",
            "rule",
            "rule_text",
            "start_date",
            "end_date",
            "time_of_day",
            "window_hours",
            "per_period",
            "period",
            "draw_staff",
            "seed",
            "assign_by",
            "remind_hours",
            "is_active",
            "scheduled_until",
        ]


class PlanViewSet(_ReadOnly):
    """Inspection plans (internal: vendor users have no access). ``schedule`` schedules the next 14 days;
    ``verify?period=2026-12`` draws a random plan's period again from its seed and compares."""

    queryset = InspectionPlan.objects.select_related("contract", "template").prefetch_related("sites")
    serializer_class = PlanSerializer
    filterset_class = filtersets.InspectionPlanFilterSet

    def get_permissions(self) -> list[Any]:
        if self.action == "schedule":
            return [StepPermissions()]
        return super().get_permissions()

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=True, methods=["post"])
    def schedule(self, request: Any, pk: Any = None) -> Response:
        plan = self._row(InspectionPlan, request.user)
        return Response({"scheduled": scheduling.schedule(plan)})

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    @action(detail=True, methods=["get"])
    def verify(self, request: Any, pk: Any = None) -> Response:
        plan = self._row(InspectionPlan, request.user, "view")
        rows = scheduling.verify(plan, str(request.query_params.get("period", "")))
        return Response(
            [
                {
                    "slot": row["slot"],
                    "inspection": row["inspection"].pk if row["inspection"] else None,
                    "site": row["inspection"].site_id if row["inspection"] else None,
                    "scheduled_for": row["inspection"].scheduled_for if row["inspection"] else None,
                    "drawn": row["drawn"],
                    "agrees": row["agrees"],
                }
                for row in rows
            ]
        )


class AnswerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Answer
        fields = ["item", "value", "applicable", "note", "worth", "failed", "answered_at"]


class FindingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "item",
            "vendor",
            "contract",
            "site",
            "severity",
            "description",
            "action_required",
            "created_at",
        ]


class PhotoSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InspectionPhoto
        fields = ["id", "item", "photo", "taken_at", "uploaded_by"]


class InspectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    answers = AnswerSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "number",
            "kind",
            "plan",
            "contract",
            "vendor",
            "site",
            "staff",
            "version",
            "inspector",
            "scheduled_for",
            "due_at",
            "status",
            "started_at",
            "completed_at",
            "score",
            "passed",
            "latitude",
            "longitude",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement",
            "summary",
            "revision",
            "supersedes",
            "correction_reason",
            "answers",
            "findings",
            "photos",
        ]


class CreateInspectionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())
    site = serializers.IntegerField()
    template = serializers.PrimaryKeyRelatedField(queryset=ChecklistTemplate.objects.all())
    scheduled_for = serializers.DateTimeField()
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    inspector = serializers.IntegerField(required=False, allow_null=True)


class StartSerializer(serializers.Serializer):  # type: ignore[type-arg]
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    accuracy = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AnswerInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.IntegerField()
    value = serializers.JSONField(required=False, allow_null=True)
    applicable = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PhotoInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    photo = serializers.FileField()
    item = serializers.IntegerField(required=False, allow_null=True)


class CompleteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    acknowledged_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    acknowledgement = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=4000)


class InspectionViewSet(mixins.CreateModelMixin, _ReadOnly):
    """Inspections: create one ad hoc; then ``start``, ``answer`` each item (one call each, checked as it
    comes), ``photo``, ``complete``; ``cancel`` or ``correct`` (a new revision) by a quality manager."""

    queryset = Inspection.objects.select_related("site", "vendor").prefetch_related(
        "answers", "findings", "photos"
    )
    serializer_class = InspectionSerializer
    filterset_class = filtersets.InspectionFilterSet
    steps = {"start", "answer", "photo", "complete", "cancel", "correct"}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_permissions(self) -> list[Any]:
        if self.action in self.steps:
            return [StepPermissions()]
        return super().get_permissions()

    def _reply(self, inspection: Inspection) -> Response:
        fresh = self.queryset.get(pk=inspection.pk)
        return Response(InspectionSerializer(fresh, context=self.get_serializer_context()).data)

    def _item(self, inspection: Inspection, pk: Any) -> ChecklistItem:
        return get_object_or_404(ChecklistItem, version_id=inspection.version_id, pk=pk)

    @extend_schema(request=CreateInspectionSerializer, responses=InspectionSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        from oqms.accounts.models import User
        from oqms.org.models import Site

        if not request.user.has_perm("inspections.add_inspection"):
            self.permission_denied(request)
        payload = CreateInspectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=data["contract"].pk)
        site = get_object_or_404(Site.objects.visible_to(request.user), pk=data["site"])
        inspector = None
        if data.get("inspector"):
            inspector = get_object_or_404(User.objects.filter(vendor__isnull=True), pk=data["inspector"])
        from django.db import transaction

        with transaction.atomic():  # the number's sequence needs the transaction
            created = services.create(
                contract=contract,
                site=site,
                template=data["template"],
                scheduled_for=data["scheduled_for"],
                due_at=data.get("due_at"),
                inspector=inspector,
            )
        response = self._reply(created)
        response.status_code = 201
        return response

    @extend_schema(request=StartSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Inspection, request.user)
        payload = StartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._reply(
            services.start(
                row, request.user, data.get("latitude"), data.get("longitude"), data.get("accuracy")
            )
        )

    @extend_schema(request=AnswerInputSerializer, responses=AnswerSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Inspection, request.user)
        payload = AnswerInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        saved = services.answer(
            row,
            request.user,
            self._item(row, data["item"]),
            data.get("value"),
            data["applicable"],
            data["note"],
        )
        return Response(AnswerSerializer(saved).data)

    @extend_schema(request=PhotoInputSerializer, responses=PhotoSerializer)
    @action(detail=True, methods=["post"])
    def photo(self, request: Any, pk: Any = None) -> Response:
        from django.core.exceptions import ValidationError

        row = self._row(Inspection, request.user)
        payload = PhotoInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        item = self._item(row, data["item"]) if data.get("item") else None
        try:
            saved = services.add_photo(row, request.user, data["photo"], item=item)
        except ValidationError as exc:
            raise serializers.ValidationError({"photo": exc.messages}) from exc
        return Response(PhotoSerializer(saved, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=CompleteSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Inspection, request.user)
        payload = CompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(services.complete(row, request.user, **payload.validated_data))

    @extend_schema(request=ReasonSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Inspection, request.user)
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(services.cancel(row, request.user, payload.validated_data["reason"]))

    @extend_schema(request=ReasonSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Inspection, request.user)
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(services.correct(row, request.user, payload.validated_data["reason"]))


class FindingViewSet(_ReadOnly):
    queryset = Finding.objects.select_related("inspection")
    serializer_class = FindingSerializer
    filterset_class = filtersets.FindingFilterSet


class LotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Lot
        fields = [
            "id",
            "number",
            "kind",
            "contract",
            "vendor",
            "service_type",
            "description",
            "first_day",
            "last_day",
            "lot_size",
            "aql",
            "level",
            "severity",
            "code_letter",
            "sample_size",
            "accept",
            "reject",
            "seed",
            "sample",
            "defects",
            "status",
            "inspector",
            "decided_at",
            "notes",
        ]
        read_only_fields = fields


class OpenLotSerializer(serializers.Serializer):  # type: ignore[type-arg]
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    kind = serializers.ChoiceField(choices=LotKind.choices, default=LotKind.WORK_ORDERS)
    aql = serializers.DecimalField(max_digits=7, decimal_places=3)
    level = serializers.ChoiceField(choices=list(sampling.LEVELS), default="II")
    first_day = serializers.DateField(required=False, allow_null=True)
    last_day = serializers.DateField(required=False, allow_null=True)
    lot_size = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    nonconforming = serializers.IntegerField(min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class VendorLotSerializer(LotSerializer):
    """What a vendor is shown of a lot: not its sample (nor the seed that gives it) while it is open."""

    def to_representation(self, instance: Lot) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.status == "open":
            data["sample"], data["seed"] = None, None
        return data


class LotViewSet(mixins.CreateModelMixin, _ReadOnly):
    """Acceptance lots: create (the plan and the sample follow from ISO 2859-1 and the switching state),
    ``decide`` with the nonconforming items found, ``redraw`` after a switch."""

    queryset = Lot.objects.all()
    serializer_class = LotSerializer
    filterset_class = filtersets.LotFilterSet

    def get_serializer_class(self) -> Any:
        if self.request.user.vendor_scope_ids() is not None:
            return VendorLotSerializer
        return LotSerializer

    def get_permissions(self) -> list[Any]:
        if self.action in {"decide", "redraw"}:
            return [StepPermissions()]
        return super().get_permissions()

    @extend_schema(request=OpenLotSerializer, responses=LotSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if not request.user.has_perm("inspections.add_lot"):
            self.permission_denied(request)
        payload = OpenLotSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["contract"] = get_object_or_404(
            Contract.objects.visible_to(request.user), pk=data["contract"].pk
        )
        lot = lots.open_lot(user=request.user, **data)
        return Response(LotSerializer(lot).data, status=201)

    @extend_schema(request=DecideSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Any, pk: Any = None) -> Response:
        row = self._row(Lot, request.user)
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return Response(
            LotSerializer(lots.decide(row, request.user, data["nonconforming"], data["notes"])).data
        )

    @extend_schema(request=None, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def redraw(self, request: Any, pk: Any = None) -> Response:
        return Response(LotSerializer(lots.redraw(self._row(Lot, request.user), request.user)).data)


class EventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SamplingEvent
        fields = ["lot", "before", "after", "reason", "score", "actor", "at"]


class SamplingStateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = SamplingState
        fields = ["id", "contract", "vendor", "service_type", "state", "updated_at", "events"]


class SwitchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    production_steady = serializers.BooleanField(default=False)
    cause = serializers.ChoiceField(choices=["production_irregular", "other"], default="other")


class SamplingStateViewSet(_ReadOnly):
    """The ISO 2859-1 switching state of each contract's service type, with its history; ``reduce`` (approve
    reduced inspection), ``normal`` (end reduced) and ``resume`` (after discontinuation) by a quality manager."""

    queryset = SamplingState.objects.prefetch_related("events")
    serializer_class = SamplingStateSerializer
    filterset_class = filtersets.SamplingStateFilterSet

    def get_permissions(self) -> list[Any]:
        if self.action in {"reduce", "normal", "resume"}:
            return [StepPermissions()]
        return super().get_permissions()

    def _switch(self, request: Any, run: Any) -> Response:
        row = self._row(SamplingState, request.user)
        payload = SwitchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run(row, payload.validated_data)
        fresh = self.queryset.get(pk=row.pk)
        return Response(SamplingStateSerializer(fresh).data)

    @extend_schema(request=SwitchSerializer, responses=SamplingStateSerializer)
    @action(detail=True, methods=["post"])
    def reduce(self, request: Any, pk: Any = None) -> Response:
        return self._switch(
            request, lambda row, d: lots.approve_reduced(row, request.user, d["production_steady"])
        )

    @extend_schema(request=SwitchSerializer, responses=SamplingStateSerializer)
    @action(detail=True, methods=["post"])
    def normal(self, request: Any, pk: Any = None) -> Response:
        return self._switch(request, lambda row, d: lots.end_reduced(row, request.user, d["cause"]))

    @extend_schema(request=None, responses=SamplingStateSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        return self._switch(request, lambda row, d: lots.resume(row, request.user))

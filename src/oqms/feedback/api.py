"""Feedback endpoints: other systems send complaints and praise in (``POST /api/complaints/``); staff and the
vendor it is routed to read them and take the workflow's steps. Contact data never leaves masked here."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from oqms.contracts.models import Contract
from oqms.core import audit
from oqms.core.drf import StepPermissions
from oqms.core.scoping import restrict
from oqms.feedback import filtersets, services, workflow
from oqms.feedback.models import Channel, Complaint, ComplaintCategory, FeedbackKind, Severity


class ComplaintSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "kind",
            "channel",
            "site",
            "point",
            "category",
            "severity",
            "description",
            "phone",
            "status",
            "vendor",
            "contract",
            "work_order",
            "received_at",
            "response_due_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "repeats",
        ]
        read_only_fields = fields


class IntakeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    site = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FeedbackKind.choices, default=FeedbackKind.COMPLAINT)
    category = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=services.MAX_DESCRIPTION)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class ClassifySerializer(serializers.Serializer):  # type: ignore[type-arg]
    category = serializers.IntegerField()
    severity = serializers.ChoiceField(choices=Severity.choices)


class AssignSerializer(serializers.Serializer):  # type: ignore[type-arg]
    contract = serializers.IntegerField()


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Complaints and praise. ``POST`` takes one in from another system (channel "api"; the answer says whether
    it was merged into a recent identical one); steps: ``classify``, ``assign``, ``respond``, ``resolve``,
    ``close``."""

    queryset = Complaint.objects.select_related("site")
    serializer_class = ComplaintSerializer
    filterset_class = filtersets.ComplaintFilterSet
    ordering = ("-received_at",)
    steps = {"classify", "assign", "respond", "resolve", "close"}

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_permissions(self) -> list[Any]:
        if self.action in self.steps:
            return [StepPermissions()]
        return super().get_permissions()

    def get_queryset(self) -> Any:
        return restrict(self.queryset.all(), self.request.user, "view")  # type: ignore[union-attr]

    def _row(self) -> Complaint:
        return get_object_or_404(
            restrict(Complaint.objects.all(), self.request.user, "change"), pk=self.kwargs["pk"]
        )

    @extend_schema(request=IntakeSerializer, responses=ComplaintSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        from oqms.org.models import Site

        if not request.user.has_perm("feedback.add_complaint"):
            self.permission_denied(request)
        payload = IntakeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        site = get_object_or_404(Site.objects.visible_to(request.user), pk=data["site"])
        category = None
        if data.get("category"):
            category = get_object_or_404(
                ComplaintCategory.objects.filter(is_active=True), pk=data["category"]
            )
        complaint, _token, merged = services.submit(
            channel=Channel.API,
            site=site,
            kind=data["kind"],
            category=category,
            description=data["description"],
            phone=data["phone"],
            name=data["name"],
            logged_by=request.user,
        )
        body = ComplaintSerializer(complaint).data | {"merged": merged}
        return Response(body, status=200 if merged else 201)

    def _reply(self, complaint: Complaint) -> Response:
        return Response(ComplaintSerializer(Complaint.objects.get(pk=complaint.pk)).data)

    @extend_schema(request=ClassifySerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def classify(self, request: Any, pk: Any = None) -> Response:
        row = self._row()
        payload = ClassifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        category = get_object_or_404(
            ComplaintCategory.objects.filter(is_active=True), pk=payload.validated_data["category"]
        )
        return self._reply(workflow.classify(row, request.user, category, payload.validated_data["severity"]))

    @extend_schema(request=AssignSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Any, pk: Any = None) -> Response:
        row = self._row()
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        contract = get_object_or_404(
            Contract.objects.visible_to(request.user), pk=payload.validated_data["contract"]
        )
        return self._reply(workflow.assign(row, request.user, contract))

    @extend_schema(request=NoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Any, pk: Any = None) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(workflow.respond(self._row(), request.user, payload.validated_data["note"]))

    @extend_schema(request=NoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Any, pk: Any = None) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(workflow.resolve(self._row(), request.user, payload.validated_data["note"]))

    @extend_schema(request=NoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Any, pk: Any = None) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._reply(workflow.close(self._row(), request.user, payload.validated_data["note"]))

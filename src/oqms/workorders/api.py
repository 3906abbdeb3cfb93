from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from oqms.accounts.models import User
from oqms.core import audit
from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.core.drf import StepPermissions
from oqms.workorders import services
from oqms.workorders.choices import PauseReason
from oqms.workorders.filtersets import WorkOrderFilterSet
from oqms.workorders.models import WorkOrder, WorkOrderAttachment, WorkOrderEvent


class WorkOrderEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = WorkOrderEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "at", "note"]


WRITABLE = {
    "id",
    "contract",
    "site",
    "service_type",
    "priority",
    "title",
    "description",
    "requester",
    "allowed_actions",
    "created_at",
    "updated_at",
}


class WorkOrderSerializer(ScopedModelSerializer):
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "contract",
            "vendor",
            "site",
            "service_type",
            "priority",
            "title",
            "description",
            "requester",
            "assignee",
            "status",
            "pause_reason",
            "opened_at",
            "assigned_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "response_due_at",
            "resolution_due_at",
            "paused_seconds",
            "sla_policy",
            "calendar",
            "response_target_minutes",
            "resolution_target_minutes",
            "at_risk_at",
            "paused_business_seconds",
            "response_business_seconds",
            "resolution_business_seconds",
            "response_state",
            "resolution_note",
            "rating",
            "rating_comment",
            "reopen_count",
            "sla_state",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        # Everything but what a requester enters is set by the workflow and the SLA clocks.
        read_only_fields = [f for f in fields if f not in WRITABLE]
        extra_kwargs = {
            "contract": {"required": False},
            "requester": {
                "required": False,
                "help_text": "Quality managers and administrators may raise a work order for someone else; "
                "others leave it out (it is themselves).",
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        requester = self.fields["requester"]
        if isinstance(self.instance, WorkOrder):  # the requester of a raised work order stays who it is
            requester.queryset = User.objects.filter(pk=self.instance.requester_id)
        elif request is not None and services.may_raise_for_others(request.user):
            requester.queryset = services.possible_requesters()
        elif request is not None:  # anyone else raises work orders in their own name only
            requester.queryset = User.objects.filter(pk=request.user.pk)

    def get_allowed_actions(self, obj: WorkOrder) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        # Whether the caller may change each work order is looked up once for the whole page, not once per row.
        known = self.context.setdefault("_may_change", {})
        if obj.pk not in known:
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            ids = [row.pk for row in page] if page is not None else [obj.pk]
            allowed = services.changeable_ids(request.user, ids)
            known.update({pk: pk in allowed for pk in ids})
        return services.allowed_actions(obj, request.user, may_change=known.get(obj.pk, False))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ("contract", "site", "service_type", "requester"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("Cannot be changed after the work order is raised.")}
                    )
            if not self.instance.is_open:
                raise serializers.ValidationError(
                    _("A resolved or closed work order can no longer be edited.")
                )
            return super().validate(attrs)
        return attrs

    def update(self, instance: WorkOrder, validated_data: dict[str, Any]) -> WorkOrder:
        values = {name: validated_data[name] for name in services.EDITABLE_FIELDS if name in validated_data}
        return services.edit(instance, self.context["request"].user, **values)

    def create(self, validated_data: dict[str, Any]) -> WorkOrder:
        user = self.context["request"].user
        requester = validated_data.pop("requester", None) or user
        return services.create(requester=requester, raised_by=user, **validated_data)


class AssignSerializer(serializers.Serializer):  # type: ignore[type-arg]
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        help_text="An active person of the work order's vendor.",
        error_messages={"does_not_exist": _lazy("Assign the work order to an active person of its vendor.")},
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        work_order = self.context.get("work_order")
        if work_order is not None:  # only the vendor's people are candidates: other users' ids say nothing
            self.fields["assignee"].queryset = services.possible_assignees(work_order)


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PauseSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=PauseReason.choices)


class CloseSerializer(NoteSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)


class WorkOrderAttachmentSerializer(ScopedModelSerializer):
    class Meta:
        model = WorkOrderAttachment
        fields = ["id", "work_order", "kind", "photo", "caption", "uploaded_by", "created_at"]
        read_only_fields = ["uploaded_by"]


class WorkOrderViewSet(RecordViewSet):
    """Work orders. Create with or without a contract (found from site + service type); move them through the
    workflow with the action endpoints; ``allowed_actions`` says which the caller may take now."""

    queryset = WorkOrder.objects.select_related("vendor", "site", "service_type")
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    ordering_fields = ["opened_at", "priority", "status", "resolution_due_at", "number", "sla_state"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    workflow_steps = {"assign", "start", "pause", "resume", "resolve", "close", "reopen"}

    def get_permissions(self) -> list[Any]:
        if self.action in self.workflow_steps:
            return [StepPermissions()]
        return super().get_permissions()

    def _step(self, request: Any, serializer_class: Any, run: Any) -> Response:
        work_order = get_object_or_404(WorkOrder.objects.visible_to(request.user), pk=self.kwargs["pk"])
        payload = serializer_class(data=request.data, context={"work_order": work_order})
        payload.is_valid(raise_exception=True)
        updated = run(work_order, payload.validated_data)
        return Response(WorkOrderSerializer(updated, context=self.get_serializer_context()).data)

    @extend_schema(request=AssignSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Any, pk: Any = None) -> Response:
        return self._step(
            request,
            AssignSerializer,
            lambda wo, d: services.assign(wo, request.user, d["assignee"], d["note"]),
        )

    @extend_schema(request=NoteSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, NoteSerializer, lambda wo, d: services.start(wo, request.user, d["note"]))

    @extend_schema(request=PauseSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Any, pk: Any = None) -> Response:
        return self._step(
            request, PauseSerializer, lambda wo, d: services.pause(wo, request.user, d["reason"], d["note"])
        )

    @extend_schema(request=NoteSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, NoteSerializer, lambda wo, d: services.resume(wo, request.user, d["note"]))

    @extend_schema(request=NoteSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Any, pk: Any = None) -> Response:
        return self._step(
            request, NoteSerializer, lambda wo, d: services.resolve(wo, request.user, d["note"])
        )

    @extend_schema(request=CloseSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Any, pk: Any = None) -> Response:
        return self._step(
            request, CloseSerializer, lambda wo, d: services.close(wo, request.user, d["rating"], d["note"])
        )

    @extend_schema(request=NoteSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, NoteSerializer, lambda wo, d: services.reopen(wo, request.user, d["note"]))

    @extend_schema(responses=WorkOrderEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Any, pk: Any = None) -> Response:
        work_order = get_object_or_404(WorkOrder.objects.visible_to(request.user), pk=pk)
        return Response(WorkOrderEventSerializer(work_order.events.all(), many=True).data)


class WorkOrderAttachmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):  # type: ignore[type-arg]
    """Photos of work orders (JPEG, PNG, WebP; size-limited; checked by content)."""

    queryset = WorkOrderAttachment.objects.select_related("work_order")
    serializer_class = WorkOrderAttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["work_order", "kind"]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        return WorkOrderAttachment.objects.select_related("work_order").visible_to(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.add_photo(
            data["work_order"],
            self.request.user,
            data["photo"],
            data.get("kind", "evidence"),
            data.get("caption", ""),
        )

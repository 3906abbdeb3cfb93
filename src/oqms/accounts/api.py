from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import serializers, viewsets

from oqms.accounts.filtersets import UserFilterSet
from oqms.accounts.models import User
from oqms.core import audit
from oqms.core.api import ModelPermissions
from oqms.core.models import AuditEntry
from oqms.core.scoping import restrict


class UserSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "vendor", "org_unit", "is_active"]


class AuditEntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    record_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "record_type",
            "object_id",
            "object_repr",
            "action",
            "actor",
            "at",
            "source",
            "request_id",
            "changes",
            "note",
        ]


class _ReadOnlyScoped(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    permission_classes = [ModelPermissions]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        return restrict(self.queryset.all(), self.request.user, "view")  # type: ignore[union-attr]


class UserViewSet(_ReadOnlyScoped):
    """People, read-only: integrations look up assignees and requesters here. Manage users on the pages."""

    queryset = User.objects.select_related("vendor")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["username"]


class AuditEntryFilterSet(django_filters.FilterSet):
    record_type = django_filters.CharFilter(field_name="content_type__model")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "object_id", "record_type", "since"]


class AuditEntryViewSet(_ReadOnlyScoped):
    """The audit trail: every create, update, delete and workflow step, with before/after values."""

    queryset = AuditEntry.objects.select_related("content_type")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    ordering_fields = ["at"]

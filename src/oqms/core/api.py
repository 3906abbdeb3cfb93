"""REST API building blocks shared by every app: scoped viewsets and serializers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers, viewsets

from oqms.core import audit
from oqms.core.drf import ModelPermissions, messages_of  # noqa: F401 - re-exported
from oqms.core.scoping import restrict


class ScopedModelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Related-record fields accept only records the caller may see; model ``clean()`` rules apply."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset.model.objects, "visible_to"):
                target.queryset = restrict(queryset, user, "view")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}  # not m2m sets, not nested rows
        values = {k: v for k, v in attrs.items() if k in concrete}
        instance = self.instance if self.instance is not None else model()
        probe = model(**{**{f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}})
        for key, value in values.items():
            setattr(probe, key, value)
        try:
            probe.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(messages_of(exc)) from exc
        return attrs


class RecordViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """CRUD on one model; reads see ``visible_to(user)``, writes ``restrict(user, 'change'|'delete')``."""

    ordering = ("-pk",)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        audit.set_actor(request.user, source="api")

    def get_queryset(self) -> Any:
        action = {"update": "change", "partial_update": "change", "destroy": "delete"}.get(
            self.action or "", "view"
        )
        return restrict(self.queryset.all(), self.request.user, action)  # type: ignore[union-attr]

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        with transaction.atomic():
            instance.delete()

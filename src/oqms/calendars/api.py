from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from oqms.calendars import services
from oqms.calendars.filtersets import (
    CalendarDayFilterSet,
    CalendarFilterSet,
    CalendarVersionFilterSet,
    ClosureFilterSet,
)
from oqms.calendars.hours import parse_hours
from oqms.calendars.models import Calendar, CalendarDay, CalendarVersion, Closure
from oqms.core.api import RecordViewSet, ScopedModelSerializer
from oqms.core.drf import StepPermissions


class HoursField(serializers.Field):  # type: ignore[type-arg]
    """Hours as a list of ["HH:MM", "HH:MM"] pairs; a text like "09:00-12:00, 13:00-18:00" is accepted too."""

    def to_representation(self, value: Any) -> Any:
        return value

    def to_internal_value(self, data: Any) -> list[list[str]]:
        from django.core.exceptions import ValidationError

        if isinstance(data, list):
            if not all(isinstance(p, list | tuple) and len(p) == 2 for p in data):
                raise serializers.ValidationError(_("Hours must be a list of [start, end] pairs."))
            data = ", ".join(f"{a}-{b}" for a, b in data)
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Hours must be a list of [start, end] pairs."))
        try:
            return [list(p) for p in parse_hours(data)]
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class WeeklyHoursField(serializers.Field):  # type: ignore[type-arg]
    """{"0": [["09:00", "12:00"], ...], ...}: Monday = 0; a missing weekday is off."""

    def to_representation(self, value: Any) -> Any:
        return value

    def to_internal_value(self, data: Any) -> dict[str, list[list[str]]]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Weekly hours must map weekdays to hours."))
        weekly = {}
        for key, hours in data.items():
            if str(key) not in {str(d) for d in range(7)}:
                raise serializers.ValidationError(
                    _("%(key)s is not a weekday (0 = Monday … 6 = Sunday).") % {"key": key}
                )
            parsed = HoursField().to_internal_value(hours)
            if parsed:
                weekly[str(key)] = parsed
        return weekly


class CalendarSerializer(ScopedModelSerializer):
    weekly_hours = WeeklyHoursField(required=False)
    missing_years = serializers.SerializerMethodField()

    class Meta:
        model = Calendar
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "weekly_hours",
            "region",
            "holiday_years",
            "is_default",
            "description",
            "missing_years",
            "created_at",
            "updated_at",
        ]

    def get_missing_years(self, obj: Calendar) -> list[int]:
        return obj.missing_years()


class CalendarDaySerializer(ScopedModelSerializer):
    hours = HoursField(required=False)

    class Meta:
        model = CalendarDay
        fields = ["id", "calendar", "date", "kind", "name", "hours", "source", "created_at", "updated_at"]
        read_only_fields = ["source"]


class ClosureSerializer(ScopedModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "calendar", "site", "starts_at", "ends_at", "reason", "created_at", "updated_at"]


class CalendarVersionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = CalendarVersion
        fields = ["id", "calendar", "number", "effective_from", "definition", "published_by", "created_at"]


class ImportYearSerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(min_value=1970, max_value=2200)


class CalendarViewSet(RecordViewSet):
    """Business calendars. Every change publishes a version that SLA clocks use from that moment on."""

    queryset = Calendar.objects.all()
    serializer_class = CalendarSerializer
    filterset_class = CalendarFilterSet
    ordering_fields = ["code", "name"]

    def get_permissions(self) -> list[Any]:
        if self.action == "import_year":
            return [StepPermissions()]
        return super().get_permissions()

    @extend_schema(request=ImportYearSerializer, responses=CalendarSerializer)
    @action(detail=True, methods=["post"], url_path="import-statutory-year")
    def import_year(self, request: Any, pk: Any = None) -> Response:
        """Import mainland China's statutory holidays and make-up days of a year."""
        from rest_framework.exceptions import PermissionDenied

        calendar = get_object_or_404(Calendar.objects.restrict(request.user, "change"), pk=pk)
        if not request.user.has_perm("calendars.add_calendarday"):
            raise PermissionDenied
        payload = ImportYearSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        added, kept = services.import_statutory_year(calendar, payload.validated_data["year"])
        calendar.refresh_from_db()
        body = CalendarSerializer(calendar, context=self.get_serializer_context()).data
        return Response({**body, "imported": {"added": added, "kept": kept}})


class CalendarDayViewSet(RecordViewSet):
    queryset = CalendarDay.objects.select_related("calendar")
    serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilterSet
    ordering_fields = ["date"]


class ClosureViewSet(RecordViewSet):
    queryset = Closure.objects.select_related("calendar")
    serializer_class = ClosureSerializer
    filterset_class = ClosureFilterSet
    ordering_fields = ["starts_at"]


class CalendarVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Published calendar versions (read-only): what SLA clocks ran on, and from when."""

    serializer_class = CalendarVersionSerializer
    filterset_class = CalendarVersionFilterSet

    def get_queryset(self) -> Any:
        return CalendarVersion.objects.visible_to(self.request.user).order_by("calendar", "-number")

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oqms.core.ui import Column, RecordUI
from oqms.meetings import filtersets, forms, services
from oqms.meetings.models import ActionItem, Meeting, MeetingSeries


class SeriesUI(RecordUI):
    model = MeetingSeries
    filterset_class = filtersets.SeriesFilterSet
    form_class = forms.SeriesForm
    select_related = ("vendor", "contract", "chair")
    ordering = ("name",)
    icon = "calendar-week"
    can_delete = False
    columns = [
        Column("name", link=True),
        Column("kind"),
        Column("vendor", sort="vendor__name"),
        Column("contract", sort="contract__number"),
        Column("cadence"),
        Column("time_of_day"),
        Column("is_active"),
    ]
    detail_fields = [
        "name",
        "kind",
        "vendor",
        "contract",
        "cadence",
        "weekday",
        "month_day",
        "time_of_day",
        "duration_minutes",
        "location",
        "chair",
        "attendees",
        "standing_agenda",
        "shared_with_vendor",
        "is_active",
    ]

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        series = super().save(request, form, formsets)
        services.schedule_series()  # its first meetings appear at once, not after the night's job
        return series


class MeetingUI(RecordUI):
    model = Meeting
    filterset_class = filtersets.MeetingFilterSet
    form_class = forms.MeetingForm
    select_related = ("vendor", "contract", "series", "chair")
    ordering = ("-starts_at", "-pk")
    icon = "people"
    can_delete = False
    detail_template = "meetings/meeting_detail.html"
    columns = [
        Column("starts_at", link=True),
        Column("title"),
        Column("kind"),
        Column("vendor", sort="vendor__name"),
        Column("status", badge=True),
        Column("location"),
    ]
    detail_fields = [
        "title",
        "kind",
        "series",
        "vendor",
        "contract",
        "starts_at",
        "duration_minutes",
        "location",
        "status",
        "chair",
        "attendees",
        "guests",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.meetings.views import action_rows

        organiser = services.may_take_minutes(obj, request.user)
        return {
            "actions_table": action_rows(obj, request.user),
            "action_form": forms.ActionForm(meeting=obj) if organiser else None,
            "earlier": ActionItem.objects.visible_to(request.user)
            .filter(meeting__vendor=obj.vendor_id, status="open", meeting__starts_at__lt=obj.starts_at)
            .exclude(meeting=obj)
            .select_related("owner", "meeting")[:50],
        }


class ActionUI(RecordUI):
    model = ActionItem
    filterset_class = filtersets.ActionFilterSet
    select_related = ("meeting", "owner")
    ordering = ("status", "due_date")
    icon = "check2-square"
    can_delete = False
    columns = [
        Column("description", link=True),
        Column("meeting", sort="meeting__starts_at"),
        Column("owner", sort="owner__username"),
        Column("due_date"),
        Column("status", badge=True),
    ]
    detail_fields = ["description", "meeting", "owner", "due_date", "status", "done_at", "note"]

    @classmethod
    def title(cls) -> Any:
        from django.utils.translation import gettext_lazy

        return gettext_lazy("Meeting actions")

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, RecordUI
from oqms.workorders import services
from oqms.workorders.filtersets import WorkOrderFilterSet
from oqms.workorders.forms import WorkOrderForm
from oqms.workorders.models import WorkOrder


class WorkOrderUI(RecordUI):
    model = WorkOrder
    filterset_class = WorkOrderFilterSet
    form_class = WorkOrderForm
    select_related = ("vendor", "site", "service_type", "assignee", "requester", "contract")
    ordering = ("-opened_at",)
    can_delete = False  # a raised work order is evidence of service: it is closed, never deleted
    detail_template = "workorders/detail.html"
    icon = "tools"
    columns = [
        Column("number", link=True),
        Column("title"),
        Column("vendor", sort="vendor__name"),
        Column("site", sort="site__name"),
        Column("priority", badge=True),
        Column("status", badge=True),
        Column("assignee", sort="assignee__username"),
        Column("opened_at"),
        Column("resolution_due_at"),
        Column("response_state", label=_("response SLA"), badge=True),
        Column("sla_state", label=_("resolution SLA"), badge=True),
    ]
    # Everything a round trip needs: exported, changed in Excel and imported again, it updates the same records.
    export_columns = [
        Column("number"),
        Column("external_id"),
        Column("title"),
        Column("contract.number", label=_("contract")),
        Column("vendor"),
        Column("site.code", label=_("site")),
        Column("site.name", label=_("site name")),
        Column("service_type.code", label=_("service type")),
        Column("service_type.name", label=_("service type name")),
        Column("priority"),
        Column("status"),
        Column("pause_reason"),
        Column("requester.username", label=_("requester")),
        Column("assignee.username", label=_("assigned to")),
        Column("opened_at"),
        Column("responded_at"),
        Column("resolved_at"),
        Column("closed_at"),
        Column("paused_at"),
        Column("rating"),
        Column("response_due_at"),
        Column("resolution_due_at"),
        Column("response_state", label=_("response SLA")),
        Column("sla_state", label=_("resolution SLA")),
        Column("origin"),
        Column("description"),
        Column("resolution_note"),
    ]
    detail_fields = [
        "number",
        "status",
        "priority",
        "contract",
        "vendor",
        "site",
        "service_type",
        "requester",
        "assignee",
        "opened_at",
        "responded_at",
        "resolved_at",
        "closed_at",
        "pause_reason",
        "reopen_count",
        "origin",
        "external_id",
        "description",
        "resolution_note",
        "rating",
        "rating_comment",
    ]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        if obj.is_open:
            return None
        return str(_("A resolved or closed work order can no longer be edited."))

    @classmethod
    def actions(cls, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        from django.urls import reverse

        from oqms.workorders.choices import ACTION_VERBS
        from oqms.workorders.views import action_forms

        return [
            {
                "action": action,
                "label": ACTION_VERBS[action],
                "form": form,
                "url": reverse("workorders:workorder_transition", args=[obj.pk, action]),
            }
            for action, form in action_forms(obj, request.user).items()
        ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.workorders import clock
        from oqms.workorders.forms import PhotoForm

        used = clock.used_now(obj)
        return {
            "sla": {
                "used": used,
                "calendar": obj.calendar,
                "policy": obj.sla_policy,
                "pausing": clock.pauses_clock(obj),
                "uncovered_years": clock.uncovered_years(obj),
                "response_target": (obj.response_target_minutes or 0) * 60,
                "resolution_target": (obj.resolution_target_minutes or 0) * 60,
            },
            "photo_form": PhotoForm(),
            "events": obj.events.select_related("actor").order_by("at", "pk"),
            "photos": obj.attachments.select_related("uploaded_by"),
        }

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        data = form.cleaned_data
        if form.instance.pk:
            return services.edit(
                form.instance, request.user, **{name: data[name] for name in services.EDITABLE_FIELDS}
            )
        return services.create(
            requester=data.get("requester") or request.user,
            raised_by=request.user,
            contract=data.get("contract"),
            site=data["site"],
            service_type=data["service_type"],
            priority=data["priority"],
            title=data["title"],
            description=data.get("description", ""),
        )

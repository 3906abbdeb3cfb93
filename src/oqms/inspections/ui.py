from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, Inline, RecordUI
from oqms.inspections import filtersets, forms, scheduling, services
from oqms.inspections.choices import InspectionStatus, PlanKind, VersionStatus
from oqms.inspections.models import (
    ChecklistTemplate,
    ChecklistVersion,
    Finding,
    Inspection,
    InspectionPlan,
    Lot,
    SamplingState,
)


class ChecklistTemplateUI(RecordUI):
    model = ChecklistTemplate
    filterset_class = filtersets.ChecklistTemplateFilterSet
    form_class = forms.ChecklistTemplateForm
    select_related = ("service_type",)
    ordering = ("code",)
    icon = "ui-checks"
    can_delete = False  # inspections keep their checklist: retire it instead
    detail_template = "inspections/template_detail.html"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("service_type", sort="service_type__code"),
        Column("is_active"),
    ]
    detail_fields = ["code", "name", "service_type", "description", "is_active"]
    inlines = [
        Inline(
            "versions",
            _("Versions"),
            [
                Column("number", link=True),
                Column("status", badge=True),
                Column("pass_mark"),
                Column("published_at"),
                Column("note"),
            ],
        )
    ]

    @classmethod
    def actions(cls, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        if not request.user.has_perm("inspections.add_checklistversion"):
            return []
        draft = obj.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return [{"label": _("Edit the draft version"), "link": draft.get_absolute_url()}]
        return [
            {
                "label": _("New version"),
                "url": reverse("inspections:checklist_new_version", args=[obj.pk]),
                "form": None,
            }
        ]


class ChecklistVersionUI(RecordUI):
    model = ChecklistVersion
    filterset_class = filtersets.ChecklistVersionFilterSet
    form_class = forms.ChecklistVersionForm
    select_related = ("template",)
    ordering = ("template__code", "-number")
    icon = "list-ol"
    can_delete = False
    detail_template = "inspections/version_detail.html"
    columns = [
        Column("template", link=True, sort="template__code"),
        Column("number"),
        Column("status", badge=True),
        Column("pass_mark"),
        Column("published_at"),
    ]
    detail_fields = ["template", "number", "status", "pass_mark", "note", "published_at", "published_by"]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        if obj.status == VersionStatus.DRAFT:
            return None
        return str(_("A published version never changes: make a new version."))

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        editable = obj.is_draft and request.user.has_perm("inspections.change_checklistversion")
        items = obj.ordered_items()  # once: every section takes its own from it
        sections = []
        for section in obj.sections.order_by("position", "pk"):
            sections.append((section, [i for i in items if i.section_id == section.pk]))
        loose = [i for i in items if i.section_id is None]
        if loose:
            sections.insert(0, (None, loose))
        problem = ""
        if obj.is_draft:
            try:
                services.check_version(obj)
            except Exception as exc:  # noqa: BLE001 - shown as a hint before publishing
                problem = str(getattr(exc, "message", exc))
        return {
            "editable": editable,
            "sections": sections,
            "item_form": forms.ItemForm(version=obj) if editable else None,
            "section_form": forms.SectionForm() if editable else None,
            "problem": problem,
            # Internal only: a vendor watching the count could tell that spot checks were just drawn.
            "used_by": obj.inspections.count() if request.user.vendor_scope_ids() is None else None,
        }


class InspectionPlanUI(RecordUI):
    model = InspectionPlan
    filterset_class = filtersets.InspectionPlanFilterSet
    form_class = forms.PlanForm
    select_related = ("contract", "template")
    ordering = ("name",)
    icon = "calendar2-check"
    can_delete = False
    detail_template = "inspections/plan_detail.html"
    columns = [
        Column("name", link=True),
        Column("kind", badge=True),
        Column("contract", sort="contract__number"),
        Column("template", sort="template__code"),
        Column("start_date"),
        Column("end_date"),
        Column("is_active"),
    ]
    detail_fields = [
        "name",
        "kind",
        "contract",
        "template",
        ("rule_text", _("repeat")),
        ("sites_text", _("sites")),
        "start_date",
        "end_date",
        "time_of_day",
        "window_hours",
        "per_period",
        "period",
        "draw_staff",
        "assign_by",
        "remind_hours",
        "is_active",
        "scheduled_until",
    ]

    @classmethod
    def formsets(cls, request: HttpRequest, instance: Any) -> list[Any]:
        data = (request.POST,) if request.method == "POST" else ()
        formset = forms.PlanInspectorFormSet(*data, instance=instance, prefix="inspectors")
        return [forms.style_formset(formset, instance)]

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        plan = form.save()
        for formset in formsets:
            formset.instance = plan
            formset.save()
        scheduling.schedule(plan)
        return plan

    @classmethod
    def actions(cls, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        if not request.user.has_perm("inspections.change_inspectionplan"):
            return []
        return [
            {
                "label": _("Schedule now"),
                "url": reverse("inspections:plan_schedule", args=[obj.pk]),
                "form": None,
            }
        ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        upcoming = obj.inspections.select_related("site", "inspector", "staff").order_by("scheduled_for")
        periods: list[str] = []
        if obj.kind == PlanKind.RANDOM:
            labels = {row.split("|")[0] for row in obj.inspections.values_list("occurrence", flat=True)}
            periods = sorted(labels, reverse=True)
        chosen = request.GET.get("verify", "")
        checks = scheduling.verify(obj, chosen) if chosen in periods else None
        return {
            "upcoming": upcoming.filter(scheduled_for__gte=timezone.now() - timezone.timedelta(days=31))[:60],
            "periods": periods,
            "checks": checks,
            "chosen": chosen,
            "show_seed": request.user.role in ("quality_manager", "admin", "assessor"),
        }


class InspectionUI(RecordUI):
    model = Inspection
    filterset_class = filtersets.InspectionFilterSet
    form_class = forms.InspectionForm
    select_related = ("contract", "vendor", "site", "inspector", "staff", "version__template")
    ordering = ("-scheduled_for",)
    icon = "clipboard-check"
    can_delete = False  # an inspection is evidence: it is cancelled or corrected, never deleted
    detail_template = "inspections/inspection_detail.html"
    columns = [
        Column("number", link=True),
        Column("kind", badge=True),
        Column("vendor", sort="vendor__name"),
        Column("site", sort="site__name"),
        Column("scheduled_for"),
        Column("due_at"),
        Column("inspector", sort="inspector__username"),
        Column("status", badge=True),
        Column("score"),
        Column("result_label", label=_("result"), sort="passed"),
    ]
    detail_fields = [
        "number",
        "kind",
        "status",
        "contract",
        "vendor",
        "site",
        "staff",
        "version",
        "inspector",
        "scheduled_for",
        "due_at",
        "started_at",
        "completed_at",
        "score",
        ("result_label", _("result")),
        "acknowledged_by",
        "acknowledged_at",
        "acknowledgement",
        "summary",
        "correction_reason",
    ]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        if obj.status == InspectionStatus.SCHEDULED:
            return None
        return str(_("An inspection is edited only before it starts; a completed one is corrected."))

    @classmethod
    def queryset(cls, user: Any, action: str = "view") -> Any:
        rows = super().queryset(user, action)
        if action == "change" and user.role not in ("quality_manager", "admin"):
            return rows.none()  # rescheduling and reassigning are a quality manager's; inspectors take steps
        return rows

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        data = form.cleaned_data
        if form.instance.pk:
            return services.reschedule(
                form.instance,
                request.user,
                scheduled_for=data["scheduled_for"],
                due_at=data.get("due_at"),
                inspector=data.get("inspector"),
                staff=data.get("staff"),
            )
        return services.create(
            contract=data["contract"],
            site=data["site"],
            template=data["template"],
            scheduled_for=data["scheduled_for"],
            due_at=data.get("due_at"),
            inspector=data.get("inspector"),
            staff=data.get("staff"),
        )

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.inspections import views

        return views.inspection_context(request, obj)


class FindingUI(RecordUI):
    model = Finding
    filterset_class = filtersets.FindingFilterSet
    select_related = ("inspection", "vendor", "site", "item")
    ordering = ("-created_at",)
    icon = "flag"
    can_delete = False
    detail_template = "inspections/finding_detail.html"
    columns = [
        Column("inspection", link=True, sort="inspection__number"),
        Column("severity", badge=True),
        Column("description"),
        Column("vendor", sort="vendor__name"),
        Column("site", sort="site__name"),
        Column("action_required"),
        Column("created_at"),
    ]
    detail_fields = [
        "inspection",
        "item",
        "severity",
        "description",
        "vendor",
        "contract",
        "site",
        "action_required",
    ]


class LotUI(RecordUI):
    """Lots are opened on their own page (``views.open_lot``: the plan and the sample are computed, not typed)
    and never edited; the form here only gives the list its "new" button."""

    model = Lot
    filterset_class = filtersets.LotFilterSet
    form_class = forms.LotForm
    select_related = ("contract", "vendor", "service_type")
    ordering = ("-created_at",)
    icon = "boxes"
    can_delete = False
    detail_template = "inspections/lot_detail.html"
    columns = [
        Column("number", link=True),
        Column("vendor", sort="vendor__name"),
        Column("service_type", sort="service_type__code"),
        Column("lot_size"),
        Column("aql"),
        Column("severity_text", label=_("inspection severity"), sort="severity"),
        Column("code_letter"),
        Column("sample_size"),
        Column("accept"),
        Column("defects"),
        Column("status", badge=True),
    ]
    detail_fields = [
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
        ("severity_text", _("inspection severity")),
        "code_letter",
        "sample_size",
        "accept",
        "reject",
        "defects",
        "status",
        "inspector",
        "decided_at",
        "notes",
    ]

    @classmethod
    def urls(cls) -> list[Any]:
        return [url for url in super().urls() if url.name not in ("lot_create", "lot_update")]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        return str(_("A lot is decided, not edited."))

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.inspections import lots
        from oqms.workorders.models import WorkOrder

        sampled: list[Any] = []
        hidden = obj.status == "open" and request.user.vendor_scope_ids() is not None
        if obj.kind == "work_orders" and not hidden:
            found = {wo.pk: wo for wo in WorkOrder.objects.visible_to(request.user).filter(pk__in=obj.sample)}
            sampled = [found.get(pk) or pk for pk in obj.sample]
        state = lots.state_of(obj.contract, obj.service_type)
        return {
            "sample_hidden": hidden,
            "sampled": sampled,
            "state": state,
            "decide_form": forms.DecideForm(),
            "can_decide": obj.status == "open"
            and request.user.has_perm("inspections.change_lot")
            and request.user.role in lots.DECIDING,
            "needs_redraw": obj.status == "open" and state.state.get("state") != obj.severity,
        }


class SamplingStateUI(RecordUI):
    model = SamplingState
    filterset_class = filtersets.SamplingStateFilterSet
    select_related = ("contract", "service_type", "vendor")
    ordering = ("contract__number", "service_type__code")
    icon = "arrow-left-right"
    can_delete = False
    detail_template = "inspections/samplingstate_detail.html"
    columns = [
        Column("contract", link=True, sort="contract__number"),
        Column("vendor", sort="vendor__name"),
        Column("service_type", sort="service_type__code"),
        Column("severity_text", label=_("severity"), sort=""),
        Column("score", label=_("switching score"), sort=""),
        Column("updated_at"),
    ]
    detail_fields = [
        "contract",
        "vendor",
        "service_type",
        ("severity_text", _("severity")),
        ("score", _("switching score")),
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.inspections import lots

        state = lots.switching(obj)
        manager = request.user.role in lots.MANAGING and request.user.has_perm(
            "inspections.change_samplingstate"
        )
        return {
            "switching": state,
            "events": obj.events.select_related("lot", "actor").order_by("-at", "-pk")[:200],
            "lots": Lot.objects.visible_to(request.user)
            .filter(contract=obj.contract, service_type=obj.service_type)
            .order_by("-created_at")[:50],
            "can_reduce": manager and state.reduced_allowed,
            "can_end_reduced": manager and state.state == "reduced",
            "can_resume": manager and state.state == "discontinued",
        }

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oqms.capa import filtersets, forms, services
from oqms.capa.choices import NCStatus
from oqms.capa.models import Category, CorrectiveAction, DueRule, Evidence, Nonconformance
from oqms.core.errors import DomainError
from oqms.core.ui import Column, RecordUI


class NonconformanceUI(RecordUI):
    model = Nonconformance
    filterset_class = filtersets.NonconformanceFilterSet
    form_class = forms.NonconformanceForm
    select_related = ("vendor", "category", "repeat_of", "site")
    ordering = ("-detected_at", "-pk")
    icon = "exclamation-diamond"
    can_delete = False
    detail_template = "capa/nonconformance_detail.html"
    columns = [
        Column("number", link=True),
        Column("title"),
        Column("vendor", sort="vendor__name"),
        Column("category", sort="category__code"),
        Column("severity", badge=True),
        Column("repeat_of", sort=""),
        Column("source"),
        Column("status", badge=True),
        Column("detected_at"),
        Column("due_at"),
    ]
    detail_fields = [
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
        "due_at",
        "containment",
        "containment_due_at",
        "containment_done_at",
        "containment_note",
        "status",
        "closed_at",
        "close_note",
        "raised_by",
        "owner",
    ]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        if obj.status in (NCStatus.CLOSED, NCStatus.CANCELLED):
            return _("A closed nonconformance is kept as it was closed.")
        return None

    @classmethod
    def initial(cls, request: HttpRequest) -> dict[str, Any]:
        """From a source (``?source=inspections.finding:12``): what the record says; else the query string."""
        text = request.GET.get("source", "")
        if not text:
            return super().initial(request)
        try:
            source = services.find_source(text, request.user)
            found = services.defaults_from(source)
        except DomainError:
            return {}
        found.pop("label")
        return {k: v for k, v in found.items() if v is not None} | {"source": text}

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        if form.instance.pk:
            return form.save()
        data = form.cleaned_data
        source = services.find_source(data["source"], request.user) if data.get("source") else None
        kind = None
        if source is None and request.user.role == "assessor":
            kind = "audit"
        row = services.raise_nonconformance(
            request.user,
            title=data["title"],
            description=data["description"],
            vendor=data["vendor"],
            category=data["category"],
            severity=data["severity"],
            contract=data.get("contract"),
            site=data.get("site"),
            service_type=data.get("service_type"),
            detected_at=data.get("detected_at"),
            containment=data.get("containment", ""),
            owner=data.get("owner"),
            source=source,
            kind=kind,
        )
        if data.get("file"):
            Evidence.objects.create(
                nonconformance=row, stage="raised", file=data["file"], uploaded_by=request.user
            )
        return row

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.capa.views import nc_steps

        source = obj.source_object()
        source_url = ""
        if source is not None and type(source).objects.visible_to(request.user).filter(pk=source.pk).exists():
            source_url = source.get_absolute_url() if hasattr(source, "get_absolute_url") else ""
            if not source_url and hasattr(source, "scorecard"):
                source_url = source.scorecard.get_absolute_url()
        return {
            "steps": nc_steps(obj, request.user),
            "source_url": source_url,
            "evidence": obj.evidence.filter(scar__isnull=True).select_related("uploaded_by"),
            "scars": CorrectiveAction.objects.visible_to(request.user).filter(nonconformance=obj),
            "repeats": Nonconformance.objects.visible_to(request.user).filter(repeat_of=obj),
            "evidence_form": forms.EvidenceForm(),
            "can_add_evidence": request.user.has_perm("capa.add_evidence") and cls.locked_reason(obj) is None,
        }


class CorrectiveActionUI(RecordUI):
    model = CorrectiveAction
    filterset_class = filtersets.CorrectiveActionFilterSet
    select_related = ("vendor", "nonconformance", "contract")
    ordering = ("-issued_at", "-pk")
    icon = "wrench-adjustable-circle"
    can_delete = False
    detail_template = "capa/scar_detail.html"
    columns = [
        Column("number", link=True),
        Column("nonconformance", sort="nonconformance__number"),
        Column("vendor", sort="vendor__name"),
        Column("status", badge=True),
        Column("round"),
        Column("acknowledge_due_at"),
        Column("due_at"),
        Column("verify_from"),
        Column("closed_at"),
    ]
    detail_fields = [
        "number",
        "nonconformance",
        "vendor",
        "contract",
        "status",
        "round",
        "requirements",
        "issued_at",
        "issued_by",
        "acknowledge_due_at",
        "acknowledged_at",
        "plan_due_at",
        "due_at",
        "implemented_at",
        "verify_after_days",
        "verify_from",
        "verified_at",
        "verified_by",
        "closed_at",
        "cancelled_at",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.capa.views import scar_context

        return scar_context(obj, request.user)


class CategoryUI(RecordUI):
    model = Category
    filterset_class = filtersets.CategoryFilterSet
    form_class = forms.CategoryForm
    ordering = ("code",)
    icon = "tags"
    columns = [Column("code", link=True), Column("name"), Column("name_en"), Column("is_active")]
    detail_fields = ["code", "name", "name_en", "is_active"]


class DueRuleUI(RecordUI):
    model = DueRule
    filterset_class = filtersets.DueRuleFilterSet
    form_class = forms.DueRuleForm
    ordering = ("severity",)
    icon = "hourglass-split"
    can_delete = False
    columns = [
        Column("severity", link=True),
        Column("containment_hours"),
        Column("acknowledge_days"),
        Column("plan_days"),
        Column("close_days"),
        Column("verify_after_days"),
    ]
    detail_fields = [
        "severity",
        "containment_hours",
        "acknowledge_days",
        "plan_days",
        "close_days",
        "verify_after_days",
    ]

    @classmethod
    def title(cls) -> Any:
        return gettext_lazy("Corrective action deadlines")

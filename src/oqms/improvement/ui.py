from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oqms.core.models import Sequence
from oqms.core.ui import Column, RecordUI
from oqms.improvement import filtersets, forms
from oqms.improvement.models import Improvement, Lesson


class ImprovementUI(RecordUI):
    model = Improvement
    filterset_class = filtersets.ImprovementFilterSet
    form_class = forms.ImprovementForm
    select_related = ("category", "vendor", "owner")
    ordering = ("-started_on", "-pk")
    icon = "graph-up-arrow"
    can_delete = False
    detail_template = "improvement/improvement_detail.html"
    columns = [
        Column("number", link=True),
        Column("title"),
        Column("category", sort="category__code"),
        Column("vendor", sort="vendor__name"),
        Column("owner", sort=""),
        Column("status", badge=True),
        Column("started_on"),
        Column("completed_on"),
    ]
    detail_fields = [
        "number",
        "title",
        "description",
        "category",
        "vendor",
        "contract",
        "owner",
        "status",
        "started_on",
        "completed_on",
        "compare_days",
        "result",
    ]

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        row = form.save(commit=False)
        if not row.number:
            row.number = f"IA{Sequence.take('improvement'):06d}"
        row.save()
        form.save_m2m()
        return row

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.improvement.services import kpi_effects

        return {"effects": kpi_effects(obj, request.user)}


class LessonUI(RecordUI):
    model = Lesson
    filterset_class = filtersets.LessonFilterSet
    form_class = forms.LessonForm
    select_related = ("category", "service_type")
    ordering = ("-created_at", "-pk")
    icon = "journal-bookmark"
    detail_template = "improvement/lesson_detail.html"
    columns = [
        Column("title", link=True),
        Column("kind"),
        Column("category", sort="category__code"),
        Column("service_type", sort="service_type__code"),
        Column("shared"),
        Column("created_at"),
    ]
    detail_fields = ["title", "kind", "category", "service_type", "situation", "learning", "shared", "author"]

    @classmethod
    def initial(cls, request: HttpRequest) -> dict[str, Any]:
        """From a closed nonconformance (``?nonconformance=``): its category, title and root cause."""
        from oqms.capa.models import Nonconformance

        found = super().initial(request)
        key = request.GET.get("nonconformance", "")
        nc = Nonconformance.objects.visible_to(request.user).filter(pk=key).first() if key.isdigit() else None
        if nc is not None:
            scar = nc.scars.filter(status="closed").order_by("-closed_at").first()
            found |= {
                "nonconformance": nc.pk,
                "category": nc.category_id,
                "service_type": nc.service_type_id,
                "title": nc.title,
                "situation": nc.description,
                "learning": scar.root_cause if scar else "",
            }
        return found

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        row = form.save(commit=False)
        if row.author_id is None:
            row.author = request.user
        row.save()
        return row

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        """Where it came from, for those who may open it (a vendor never sees another's nonconformance)."""
        from oqms.capa.models import Nonconformance

        links = []
        if obj.nonconformance_id:
            nc = Nonconformance.objects.visible_to(request.user).filter(pk=obj.nonconformance_id).first()
            if nc is not None:
                links.append(nc)
        if obj.improvement_id:
            found = Improvement.objects.visible_to(request.user).filter(pk=obj.improvement_id).first()
            if found is not None:
                links.append(found)
        return {"links": links}

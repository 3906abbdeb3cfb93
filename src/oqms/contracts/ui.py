from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from oqms.contracts import sla
from oqms.contracts.filtersets import ContractAttachmentFilterSet, ContractFilterSet, ServiceTypeFilterSet
from oqms.contracts.forms import (
    ContractAttachmentForm,
    ContractForm,
    ServiceTypeForm,
    escalation_formset,
    sla_formset,
)
from oqms.contracts.models import Contract, ContractAttachment, ServiceType
from oqms.core.ui import Column, Inline, RecordUI


class ServiceTypeUI(RecordUI):
    model = ServiceType
    filterset_class = ServiceTypeFilterSet
    form_class = ServiceTypeForm
    select_related = ("category",)
    ordering = ("category__code", "code")
    icon = "list-check"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("name_en"),
        Column("category", sort="category__code"),
    ]
    detail_fields = ["code", "name", "name_en", "category", "description"]


class ContractUI(RecordUI):
    model = Contract
    filterset_class = ContractFilterSet
    form_class = ContractForm
    select_related = ("vendor",)
    ordering = ("-start_date", "number")
    icon = "file-earmark-text"
    columns = [
        Column("number", link=True),
        Column("title"),
        Column("vendor", sort="vendor__name"),
        Column("start_date"),
        Column("end_date"),
        Column("monthly_fee"),
        Column("status", badge=True),
    ]
    detail_fields = [
        "number",
        "vendor",
        "title",
        "status",
        "start_date",
        "end_date",
        "monthly_fee",
        "org_units",
        "sites",
        "service_types",
        "description",
        "owner",
        "sla_calendar",
        "sla_at_risk_percent",
        "complaint_response_hours",
        ("pausing_reason_labels", _("pause reasons that stop the clock")),
        "sla_stops_at",
        ("grade_bands_display", _("grade bands")),
        "appeal_days",
        "deduction_cap_percent",
        "bonus_cap_percent",
    ]
    inlines = [
        Inline(
            "sla_targets",
            _("SLA targets (business minutes)"),
            [Column("priority", badge=True), Column("response_minutes"), Column("resolution_minutes")],
        ),
        Inline(
            "escalation_levels",
            _("Escalation levels"),
            [Column("clock"), Column("percent"), Column("audience")],
        ),
        Inline(
            "sla_policies",
            _("SLA policy versions"),
            [Column("number"), Column("effective_from"), Column("published_by")],
        ),
        Inline(
            "attachments",
            _("Attachments"),
            [Column("title", link=True), Column("file"), Column("created_at")],
            "contracts:contractattachment_create",
            "contract",
        ),
    ]

    @classmethod
    def formsets(cls, request: HttpRequest, instance: Any) -> list[Any]:
        data = request.POST if request.method == "POST" else None
        return [sla_formset(data, instance), escalation_formset(data, instance)]

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        # The contract and its inline rows are one amendment: one SLA policy version, not one per row.
        with sla.publisher.deferred(at=form.cleaned_data.get("sla_effective_from")):
            return super().save(request, form, formsets)


class ContractAttachmentUI(RecordUI):
    model = ContractAttachment
    filterset_class = ContractAttachmentFilterSet
    form_class = ContractAttachmentForm
    select_related = ("contract",)
    ordering = ("-created_at",)
    icon = "paperclip"
    columns = [
        Column("title", link=True),
        Column("contract", sort="contract__number"),
        Column("file"),
        Column("created_at"),
    ]
    detail_fields = ["contract", "title", "file", "created_at"]

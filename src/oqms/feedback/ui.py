from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, RecordUI
from oqms.feedback import filtersets, forms, services
from oqms.feedback.models import (
    Complaint,
    ComplaintCategory,
    FeedbackPoint,
    Survey,
    SurveyCampaign,
    SurveyTrigger,
)


class ComplaintUI(RecordUI):
    model = Complaint
    filterset_class = filtersets.ComplaintFilterSet
    select_related = ("site", "category", "vendor", "point")
    ordering = ("-received_at",)
    icon = "megaphone"
    can_delete = False
    detail_template = "feedback/complaint_detail.html"
    columns = [
        Column("number", link=True),
        Column("kind", badge=True),
        Column("channel"),
        Column("site", sort="site__name"),
        Column("category", sort="category__code"),
        Column("description"),
        Column("phone_masked", label=_("phone"), sort=""),
        Column("vendor", sort="vendor__name"),
        Column("status", badge=True),
        Column("received_at"),
    ]
    detail_fields = [
        "number",
        "kind",
        "channel",
        "status",
        "site",
        "point",
        "category",
        "severity",
        "description",
        ("phone_masked", _("phone")),
        "contact_erased_at",
        "vendor",
        "contract",
        "work_order",
        "received_at",
        "response_due_at",
        "responded_at",
        "resolved_at",
        "closed_at",
        "reopen_count",
        "escalated_at",
        "repeats",
        "last_repeat_at",
        "logged_by",
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from django.urls import reverse

        from oqms.feedback.views import step_forms

        steps = [
            {
                "action": action,
                "label": label,
                "form": form,
                "url": reverse("feedback:complaint_step", args=[obj.pk, action]),
            }
            for action, (label, form) in step_forms(obj, request.user).items()
        ]
        return {
            "steps": steps,
            "can_reveal": services.may_reveal(request.user) and obj.has_phone,
            "reveal_allowed": services.may_reveal(request.user),
            "reveal_form": forms.RevealForm(),
            "events": obj.events.select_related("actor").order_by("at", "pk"),
            "reveals": obj.reveals.select_related("user")[:20] if services.may_reveal(request.user) else [],
        }


class CategoryUI(RecordUI):
    model = ComplaintCategory
    filterset_class = filtersets.CategoryFilterSet
    form_class = forms.CategoryForm
    select_related = ("parent", "service_type")
    ordering = ("position", "code")
    icon = "tags"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("name_en"),
        Column("parent", sort="parent__code"),
        Column("service_type", sort="service_type__code"),
        Column("severity", badge=False),
        Column("is_active"),
    ]
    detail_fields = ["code", "name", "name_en", "parent", "service_type", "severity", "position", "is_active"]


class FeedbackPointUI(RecordUI):
    model = FeedbackPoint
    filterset_class = filtersets.FeedbackPointFilterSet
    form_class = forms.FeedbackPointForm
    select_related = ("site", "service_type")
    ordering = ("site__code", "name")
    icon = "qr-code"
    detail_template = "feedback/point_detail.html"
    columns = [
        Column("site", link=True, sort="site__code"),
        Column("name"),
        Column("service_type", sort="service_type__code"),
        Column("is_active"),
    ]
    detail_fields = ["site", "name", "service_type", "is_active"]

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> Any:
        point = form.save(commit=False)
        if not point.token:
            point.token = secrets.token_urlsafe(16)
        point.save()
        return point

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"public_url": request.build_absolute_uri(obj.public_url())}


class SurveyUI(RecordUI):
    model = Survey
    filterset_class = filtersets.SurveyFilterSet
    form_class = forms.SurveyForm
    ordering = ("code",)
    icon = "ui-radios"
    can_delete = False
    detail_template = "feedback/survey_detail.html"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("anonymous"),
        Column("valid_days"),
        Column("is_active"),
    ]
    detail_fields = [
        "code",
        "name",
        "name_en",
        "intro",
        "anonymous",
        "valid_days",
        "remind_after_days",
        "is_active",
    ]

    @classmethod
    def formsets(cls, request: HttpRequest, instance: Any) -> list[Any]:
        from django.forms import inlineformset_factory

        from oqms.feedback.models import SurveyQuestion

        factory = inlineformset_factory(
            Survey, SurveyQuestion, form=forms.QuestionForm, extra=3, can_delete=True
        )
        data = (request.POST,) if request.method == "POST" else ()
        formset = factory(*data, instance=instance, prefix="questions")
        formset.title = _("Questions")
        return [formset]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from django.db.models import Avg, Count, Q

        from oqms.feedback import surveys

        answered, sent, rate = surveys.response_rate(obj.invitations.all())
        scores = obj.responses.aggregate(
            csat=Avg("csat"),
            nps_n=Count("nps"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        nps = (
            100.0 * (scores["promoters"] - scores["detractors"]) / scores["nps_n"]
            if scores["nps_n"]
            else None
        )
        return {
            "questions": obj.questions.order_by("position", "pk"),
            "answered": answered,
            "sent": sent,
            "rate": rate,
            "csat": scores["csat"],
            "nps": nps,
            "responses": obj.responses.all()[:20],
        }


class SurveyTriggerUI(RecordUI):
    model = SurveyTrigger
    filterset_class = filtersets.TriggerFilterSet
    form_class = forms.TriggerForm
    select_related = ("survey", "contract")
    icon = "lightning"
    columns = [
        Column("survey", link=True, sort="survey__code"),
        Column("contract", sort="contract__number"),
        Column("sample_percent"),
        Column("delay_hours"),
        Column("quiet_days"),
        Column("is_active"),
    ]
    detail_fields = ["survey", "contract", "sample_percent", "delay_hours", "quiet_days", "is_active"]


class SurveyCampaignUI(RecordUI):
    model = SurveyCampaign
    filterset_class = filtersets.CampaignFilterSet
    form_class = forms.CampaignForm
    select_related = ("survey", "contract")
    icon = "send"
    can_delete = False
    detail_template = "feedback/campaign_detail.html"
    columns = [
        Column("name", link=True),
        Column("survey", sort="survey__code"),
        Column("contract"),
        Column("sent_at"),
    ]
    detail_fields = ["name", "survey", "contract", "sent_at"]

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        return str(_("A sent campaign is not changed.")) if obj.sent_at else None

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.feedback import surveys

        answered, sent, rate = surveys.response_rate(obj.invitations.all())
        return {"answered": answered, "sent": sent, "rate": rate, "recipients": obj.recipients.count()}

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.capa.models import Category
from oqms.core.forms import ScopedModelForm, style_widgets
from oqms.improvement.models import Improvement, Lesson


class ImprovementForm(ScopedModelForm):
    class Meta:
        model = Improvement
        fields = [
            "title",
            "description",
            "category",
            "vendor",
            "contract",
            "kpis",
            "owner",
            "status",
            "started_on",
            "completed_on",
            "compare_days",
            "result",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "started_on": forms.DateInput(),
            "completed_on": forms.DateInput(),
            "kpis": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["kpis"].queryset = self.fields["kpis"].queryset.select_related("contract")
        from oqms.accounts.models import User

        people = User.objects.filter(is_active=True)
        if self.user is not None and self.user.vendor_id:
            people = people.filter(vendor_id=self.user.vendor_id)
            self.fields["vendor"].required = True
        self.fields["owner"].queryset = people
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        contract = data.get("contract")
        for kpi in data.get("kpis") or []:
            if contract is not None and kpi.contract_id != contract.pk:
                self.add_error("kpis", _("Choose KPIs of the contract chosen."))
                break
            vendor = data.get("vendor")
            if vendor is not None and kpi.contract.vendor_id != vendor.pk:
                self.add_error("kpis", _("Choose KPIs of the vendor chosen."))
                break
        return data


class LessonForm(ScopedModelForm):
    class Meta:
        model = Lesson
        fields = [
            "title",
            "kind",
            "category",
            "service_type",
            "situation",
            "learning",
            "nonconformance",
            "improvement",
            "shared",
        ]
        widgets = {
            "situation": forms.Textarea(attrs={"rows": 3}),
            "learning": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        style_widgets(self)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.capa.choices import CauseCategory, ItemKind
from oqms.capa.models import Category, DueRule, Evidence, Nonconformance
from oqms.capa.workflow import MAX_WHYS
from oqms.core.files import validate_document
from oqms.core.forms import ScopedModelForm, style_widgets

RAISE_FIELDS = [
    "title",
    "description",
    "vendor",
    "contract",
    "site",
    "service_type",
    "category",
    "severity",
    "detected_at",
    "containment",
    "owner",
]
# Once raised, who is responsible, for what and how badly stays as raised: the record of repeats rests on it.
FIXED_AFTER_RAISING = ("vendor", "contract", "category", "severity", "detected_at")


class NonconformanceForm(ScopedModelForm):
    source = forms.CharField(required=False, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("evidence file (optional)"),
        required=False,
        validators=[validate_document],
        help_text=_("A photo, or a PDF, DOCX or XLSX report. More can be added on its page."),
    )

    class Meta:
        model = Nonconformance
        fields = RAISE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "containment": forms.Textarea(attrs={"rows": 2}),
            "detected_at": forms.DateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        from oqms.accounts.models import User

        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, vendor__isnull=True, role__in=("quality_manager", "admin")
        )
        if "detected_at" in self.fields:
            self.fields["detected_at"].required = False
            self.fields["detected_at"].help_text = _("Empty: now.")
        if self.instance.pk:
            for name in (*FIXED_AFTER_RAISING, "source", "file"):
                self.fields.pop(name, None)
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        vendor, contract = data.get("vendor"), data.get("contract")
        if vendor is not None and contract is not None and contract.vendor_id != vendor.pk:
            self.add_error("contract", _("The contract belongs to another vendor."))
        return data


class EvidenceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Evidence
        fields = ["file", "caption"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class IssueForm(forms.Form):
    requirements = forms.CharField(
        label=_("what is asked of the vendor"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(
        label=_("to be implemented by"),
        required=False,
        widget=forms.DateInput(),
        help_text=_("Empty: by the deadline rule of its severity."),
    )
    verify_after_days = forms.IntegerField(
        label=_("verify the effect after (days)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("Empty: by the deadline rule of its severity."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class RootCauseForm(forms.Form):
    category = forms.ChoiceField(label=_("cause category (6M)"), choices=[("", "—"), *CauseCategory.choices])
    root_cause = forms.CharField(
        label=_("root cause"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, initial_whys: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        whys = list(initial_whys or [])
        for n in range(1, MAX_WHYS + 1):
            self.fields[f"why_{n}"] = forms.CharField(
                label=_("why %(n)d?") % {"n": n},
                required=n == 1,
                max_length=500,
                initial=whys[n - 1] if n <= len(whys) else "",
            )
        # the whys first, as they are asked
        order = [f"why_{n}" for n in range(1, MAX_WHYS + 1)] + ["category", "root_cause"]
        self.order_fields(order)
        style_widgets(self)

    def whys(self) -> list[str]:
        return [self.cleaned_data.get(f"why_{n}", "") for n in range(1, MAX_WHYS + 1)]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ItemKind.choices)
    description = forms.CharField(
        label=_("action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_name = forms.CharField(label=_("owner"), max_length=100)
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class VerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("the fix is"),
        choices=[("yes", _("effective: close it")), ("no", _("not effective: back to the plan"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("what the verification found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CategoryForm(ScopedModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "is_active"]


class DueRuleForm(ScopedModelForm):
    class Meta:
        model = DueRule
        fields = ["containment_hours", "acknowledge_days", "plan_days", "close_days", "verify_after_days"]

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from oqms.core.forms import ScopedModelForm, style_widgets
from oqms.feedback.models import ComplaintCategory, FeedbackKind, FeedbackPoint, Severity
from oqms.feedback.services import MAX_DESCRIPTION


def category_choices(kind: str | None = None) -> list[tuple[str, str]]:
    language = get_language() or "zh-hans"
    rows = (
        ComplaintCategory.objects.filter(is_active=True).select_related("parent").order_by("position", "code")
    )
    found = [("", "—")]
    for row in rows:
        label = row.label(language)
        if row.parent_id and row.parent:
            label = f"{row.parent.label(language)} / {label}"
        found.append((str(row.pk), label))
    return found


class PublicFeedbackForm(forms.Form):
    """What a person fills in on their phone, from a QR code: no login."""

    kind = forms.ChoiceField(
        label=_("I want to"),
        choices=[(FeedbackKind.COMPLAINT, _("complain")), (FeedbackKind.PRAISE, _("praise"))],
        initial=FeedbackKind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("about"), required=False)
    description = forms.CharField(
        label=_("what happened"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_DESCRIPTION}),
    )
    photo = forms.FileField(
        label=_("photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    phone = forms.CharField(
        label=_("phone for a call back (optional)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only the people handling your feedback can see it; it is erased after a while."),
    )
    website = forms.CharField(
        required=False, label=_("leave this empty")
    )  # the honeypot: people never see it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        style_widgets(self)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_category(self) -> ComplaintCategory | None:
        value = self.cleaned_data.get("category")
        if not value:
            return None
        found = (
            ComplaintCategory.objects.filter(pk=value, is_active=True).first()
            if str(value).isdigit()
            else None
        )
        if found is None:
            raise forms.ValidationError(_("Choose a category from the list."))
        return found


class HotlineForm(PublicFeedbackForm):
    """A call logged by a hotline agent: the same, plus the site and the caller's name."""

    from oqms.org.models import Site

    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.all())
    name = forms.CharField(label=_("caller's name"), required=False, max_length=50)

    field_order = ["site", "kind", "category", "description", "name", "phone", "photo"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        from oqms.core.scoping import restrict

        self.fields["site"].queryset = restrict(self.fields["site"].queryset, user, "view")
        style_widgets(self)


class FeedbackPointForm(ScopedModelForm):
    class Meta:
        model = FeedbackPoint
        fields = ["site", "name", "service_type", "is_active"]


class CategoryForm(ScopedModelForm):
    class Meta:
        model = ComplaintCategory
        fields = ["code", "name", "name_en", "parent", "service_type", "severity", "position", "is_active"]


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("why you need the number"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ClassifyForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("category"), queryset=ComplaintCategory.objects.filter(is_active=True)
    )
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MEDIUM)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class AssignForm(forms.Form):
    contract = forms.ModelChoiceField(label=_("contract"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, complaint: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from oqms.contracts.choices import ContractStatus
        from oqms.contracts.models import Contract

        contracts = Contract.objects.filter(status=ContractStatus.ACTIVE)
        if complaint is not None:
            contracts = contracts.filter(sites=complaint.site_id)
        self.fields["contract"].queryset = contracts
        style_widgets(self)


class LinkForm(forms.Form):
    work_order = forms.CharField(label=_("work order number"), max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class SurveyForm(ScopedModelForm):
    class Meta:
        from oqms.feedback.models import Survey

        model = Survey
        fields = [
            "code",
            "name",
            "name_en",
            "intro",
            "intro_en",
            "anonymous",
            "valid_days",
            "remind_after_days",
            "is_active",
        ]
        widgets = {"intro": forms.Textarea(attrs={"rows": 2}), "intro_en": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(forms.ModelForm):  # type: ignore[type-arg]
    """A question; choices one per line, "中文 | English"."""

    choices_text = forms.CharField(
        label=_("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: 中文 | English."),
    )

    class Meta:
        from oqms.feedback.models import SurveyQuestion

        model = SurveyQuestion
        fields = ["position", "kind", "text", "text_en", "required"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.choices:
            self.initial["choices_text"] = "\n".join(
                f"{c.get('zh', '')} | {c.get('en', '')}" for c in self.instance.choices if isinstance(c, dict)
            )
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        rows = []
        for line in (cleaned.get("choices_text") or "").splitlines():
            if line.strip():
                zh, _bar, en = line.partition("|")
                rows.append({"zh": zh.strip()[:100], "en": en.strip()[:100]})
        if cleaned.get("kind") in ("single", "multiple") and len(rows) < 2:
            self.add_error("choices_text", _("A choice question needs at least two choices."))
        cleaned["choices"] = rows if cleaned.get("kind") in ("single", "multiple") else []
        return cleaned

    def save(self, commit: bool = True) -> Any:
        question = super().save(commit=False)
        question.choices = self.cleaned_data.get("choices", [])
        if commit:
            question.save()
        return question


class TriggerForm(ScopedModelForm):
    class Meta:
        from oqms.feedback.models import SurveyTrigger

        model = SurveyTrigger
        fields = ["survey", "contract", "sample_percent", "delay_hours", "quiet_days", "is_active"]


class CampaignForm(ScopedModelForm):
    class Meta:
        from oqms.feedback.models import SurveyCampaign

        model = SurveyCampaign
        fields = ["survey", "name", "contract", "recipients"]
        widgets = {"recipients": forms.SelectMultiple(attrs={"size": 8})}

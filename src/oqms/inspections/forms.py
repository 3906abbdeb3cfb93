from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.contracts.choices import ContractStatus
from oqms.contracts.models import Contract, ServiceType
from oqms.core.forms import ScopedModelForm, style_widgets
from oqms.engine import draws, recurrence, sampling
from oqms.inspections.choices import ItemKind, LotKind, PlanKind, VersionStatus
from oqms.inspections.models import (
    WEEKDAY_NAMES,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    InspectionPlan,
    PlanInspector,
)

WEEKDAYS = WEEKDAY_NAMES


def inspectors() -> Any:
    return User.objects.filter(
        is_active=True, role__in=(Role.INSPECTOR, Role.QUALITY_MANAGER), vendor__isnull=True
    ).order_by("display_name", "username")


class ChecklistTemplateForm(ScopedModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["code", "name", "service_type", "description", "is_active"]


class ChecklistVersionForm(ScopedModelForm):
    class Meta:
        model = ChecklistVersion
        fields = ["pass_mark", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and self.instance.status != VersionStatus.DRAFT:
            raise forms.ValidationError(_("A published version never changes: make a new version."))
        return cleaned


class SectionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ChecklistSection
        fields = ["position", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ItemForm(forms.ModelForm):  # type: ignore[type-arg]
    """One item of a draft version. Choices are typed one per line: ``label | worth 0-1 | fail`` (the worth and
    the word "fail" optional: a choice is worth 1 and passes unless told)."""

    choices_text = forms.CharField(
        label=_("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: label | worth from 0 to 1 | fail — e.g. 干净 | 1, 一般 | 0.5, 脏 | 0 | fail."
        ),
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "section",
            "position",
            "text",
            "guidance",
            "kind",
            "weight",
            "critical",
            "severity",
            "max_score",
            "pass_score",
            "lower",
            "upper",
            "unit",
        ]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, version: ChecklistVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["section"].queryset = version.sections.all()
        if self.instance.pk and self.instance.choices:
            self.initial["choices_text"] = "\n".join(
                f"{c.get('label', '')} | {c.get('worth', 1)}{' | fail' if not c.get('passes', True) else ''}"
                for c in self.instance.choices
            )
        style_widgets(self)

    def clean_choices_text(self) -> list[dict[str, Any]]:
        rows = []
        for number, line in enumerate(self.cleaned_data.get("choices_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            label, worth, passes = parts[0], Decimal(1), True
            try:
                if len(parts) > 1 and parts[1]:
                    worth = Decimal(parts[1])
                if not worth.is_finite():
                    raise InvalidOperation
            except InvalidOperation as exc:
                raise forms.ValidationError(
                    _("Line %(line)s: the worth is a number from 0 to 1."), params={"line": number}
                ) from exc
            if len(parts) > 2 and parts[2].lower() in ("fail", "failed", "不合格", "×"):
                passes = False
            if not label or not (0 <= worth <= 1) or len(parts) > 3:
                raise forms.ValidationError(
                    _("Line %(line)s: write label | worth from 0 to 1 | fail."), params={"line": number}
                )
            rows.append({"label": label[:100], "worth": float(worth), "passes": passes})
        return rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.version.status != VersionStatus.DRAFT:
            raise forms.ValidationError(_("A published version never changes: make a new version."))
        kind = cleaned.get("kind")
        if kind == ItemKind.CHOICE and len(cleaned.get("choices_text") or []) < 2:
            self.add_error("choices_text", _("A choice item needs at least two choices."))
        if kind == ItemKind.SCORE:
            top = cleaned.get("max_score") or 0
            if top < 1:
                self.add_error("max_score", _("A score item needs a highest score of at least 1."))
            elif not (0 <= (cleaned.get("pass_score") or 0) <= top):
                self.add_error("pass_score", _("The passing score must be between 0 and the highest score."))
        if kind == ItemKind.NUMERIC:
            lower, upper = cleaned.get("lower"), cleaned.get("upper")
            if lower is None and upper is None:
                self.add_error("lower", _("A measured item needs a lower or an upper limit."))
            elif lower is not None and upper is not None and lower > upper:
                self.add_error("upper", _("The upper limit is below the lower limit."))
        return cleaned

    def save(self, commit: bool = True) -> ChecklistItem:
        item: ChecklistItem = super().save(commit=False)
        item.version = self.version
        item.choices = self.cleaned_data.get("choices_text") or [] if item.kind == ItemKind.CHOICE else []
        if commit:
            item.save()
        return item


class PlanForm(ScopedModelForm):
    """A plan; its rule is entered as weekdays, days of the month or an interval."""

    rule_kind = forms.ChoiceField(
        label=_("repeat"),
        required=False,
        choices=[
            ("weekly", _("every week on")),
            ("monthly", _("every month on")),
            ("every", _("every N days")),
        ],
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), required=False, coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    month_days = forms.CharField(
        label=_("days of the month"),
        required=False,
        help_text=_("Comma separated, 1-31; -1 is the last day (e.g. 1, 15, -1)."),
    )
    interval = forms.IntegerField(label=_("every N days"), required=False, min_value=1, max_value=366)

    class Meta:
        model = InspectionPlan
        fields = [
            "name",
            "kind",
            "contract",
            "template",
            "sites",
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
        ]
        widgets = {
            "start_date": forms.DateInput(),
            "end_date": forms.DateInput(),
            "time_of_day": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "sites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = self.fields["contract"].queryset.filter(
            status=ContractStatus.ACTIVE
        )
        self.fields["template"].queryset = self.fields["template"].queryset.filter(is_active=True)
        rule = self.instance.rule or {}
        if rule:
            self.initial.setdefault("rule_kind", rule.get("kind"))
            if rule.get("kind") == "weekly":
                self.initial.setdefault("weekdays", rule.get("weekdays"))
            elif rule.get("kind") == "monthly":
                self.initial.setdefault("month_days", ", ".join(str(d) for d in rule.get("days", [])))
            elif rule.get("kind") == "every":
                self.initial.setdefault("interval", rule.get("days"))
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == PlanKind.PERIODIC:
            data: dict[str, Any] = {"kind": cleaned.get("rule_kind")}
            try:
                if data["kind"] == "weekly":
                    data["weekdays"] = cleaned.get("weekdays") or []
                elif data["kind"] == "monthly":
                    text = (cleaned.get("month_days") or "").replace("，", ",")
                    data["days"] = [int(part) for part in text.split(",") if part.strip()]
                elif data["kind"] == "every":
                    data["days"] = cleaned.get("interval")
                cleaned["rule"] = recurrence.dump(recurrence.parse(data))
            except (ValueError, recurrence.RuleError):
                self.add_error("rule_kind", _("Give the weekdays, the days of the month (1-31 or -1) or N."))
        elif kind == PlanKind.RANDOM:
            cleaned["rule"] = {}
            if not cleaned.get("per_period"):
                self.add_error("per_period", _("A random plan draws at least one inspection per period."))
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        contract, sites = cleaned.get("contract"), cleaned.get("sites")
        if contract is not None and sites:
            outside = [s for s in sites if not contract.sites.filter(pk=s.pk).exists()]
            if outside:
                self.add_error(
                    "sites",
                    _("The contract does not cover %(sites)s.") % {"sites": ", ".join(map(str, outside))},
                )
        return cleaned

    def save(self, commit: bool = True) -> InspectionPlan:
        plan: InspectionPlan = super().save(commit=False)
        plan.rule = self.cleaned_data.get("rule", plan.rule)
        if not plan.seed:
            plan.seed = draws.new_seed()
        if commit:
            plan.save()
            self.save_m2m()
        return plan


PlanInspectorFormSet = forms.inlineformset_factory(
    InspectionPlan,
    PlanInspector,
    fields=["inspector", "site"],
    extra=2,
    can_delete=True,
)


def style_formset(formset: Any, plan: InspectionPlan | None) -> Any:
    formset.title = _("Inspectors (with a site: for that site; without: in turn)")
    for form in formset.forms:
        form.fields["inspector"].queryset = inspectors()
        style_widgets(form)
    return formset


class InspectionForm(ScopedModelForm):
    """An inspection planned by hand (ad hoc)."""

    template = forms.ModelChoiceField(
        label=_("checklist"), queryset=ChecklistTemplate.objects.filter(is_active=True)
    )

    class Meta:
        from oqms.inspections.models import Inspection

        model = Inspection
        fields = ["contract", "site", "scheduled_for", "due_at", "inspector", "staff"]
        widgets = {"scheduled_for": forms.DateTimeInput(), "due_at": forms.DateTimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = self.fields["contract"].queryset.filter(
            status=ContractStatus.ACTIVE
        )
        self.fields["inspector"].queryset = inspectors()
        self.fields["inspector"].required = False
        self.fields["staff"].queryset = User.objects.filter(is_active=True, role=Role.VENDOR_STAFF)
        self.fields["due_at"].required = False
        style_widgets(self)

    def _post_clean(self) -> None:
        pass  # the service checks and fills in the rest


class StartForm(forms.Form):
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    accuracy = forms.DecimalField(required=False, widget=forms.HiddenInput)


class CompleteForm(forms.Form):
    acknowledged_by = forms.CharField(label=_("vendor representative"), max_length=100, required=False)
    acknowledgement = forms.CharField(
        label=_("representative's remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("photo"))
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)


class LotForm(forms.Form):
    """Open a lot: its contract and service type, what it holds, the AQL and the inspection level."""

    contract = forms.ModelChoiceField(label=_("contract"), queryset=Contract.objects.none())
    service_type = forms.ModelChoiceField(label=_("service type"), queryset=ServiceType.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=LotKind.choices, initial=LotKind.WORK_ORDERS)
    first_day = forms.DateField(label=_("closed from"), required=False, widget=forms.DateInput())
    last_day = forms.DateField(label=_("closed to"), required=False, widget=forms.DateInput())
    lot_size = forms.IntegerField(label=_("lot size (a batch)"), required=False, min_value=2, max_value=10**9)
    aql = forms.TypedChoiceField(
        label=_("AQL"),
        coerce=Decimal,
        choices=[(str(Decimal(str(a))), str(a)) for a in sampling.AQLS],
        initial="1.0",
    )
    level = forms.ChoiceField(
        label=_("inspection level"), choices=[(v, v) for v in sampling.LEVELS], initial="II"
    )
    description = forms.CharField(label=_("description"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from oqms.core.scoping import restrict

        self.fields["contract"].queryset = restrict(
            Contract.objects.filter(status=ContractStatus.ACTIVE), user, "view"
        )
        self.fields["service_type"].queryset = restrict(ServiceType.objects.all(), user, "view")
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == LotKind.WORK_ORDERS:
            first, last = cleaned.get("first_day"), cleaned.get("last_day")
            if first is None or last is None:
                self.add_error("first_day", _("Give the first and the last day of the lot."))
            elif last < first:
                self.add_error("last_day", _("The last day is before the first."))
        elif cleaned.get("kind") == LotKind.BATCH and not cleaned.get("lot_size"):
            self.add_error("lot_size", _("Give the number of items in the batch."))
        return cleaned


class DecideForm(forms.Form):
    nonconforming = forms.IntegerField(label=_("nonconforming items in the sample"), min_value=0)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import PauseReason, Priority
from oqms.contracts.models import (
    Contract,
    ContractAttachment,
    EscalationLevel,
    ServiceType,
    SLATarget,
    default_pausing_reasons,
)
from oqms.core.forms import ScopedModelForm, style_widgets


class ServiceTypeForm(ScopedModelForm):
    class Meta:
        model = ServiceType
        fields = ["code", "name", "name_en", "category", "description"]


class GradeBandsField(forms.CharField):
    """Grade bands typed as "A 90, B 80, C 70, D 0" (best first; each grade's lowest score)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", _("Each grade and the lowest score it takes, e.g. A 90, B 80, C 70, D 0.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        """Stored bands as "A 90, B 80"; what the user typed (shown again with an error) as typed."""
        if isinstance(value, list):
            try:
                return ", ".join(f"{name} {float(lower):g}" for name, lower in value)
            except (TypeError, ValueError):
                return str(value)
        return value

    def to_python(self, value: Any) -> Any:
        text = (super().to_python(value) or "").replace("，", ",").replace("；", ",").replace(";", ",")
        bands = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            pieces = part.replace("=", " ").replace("≥", " ").split()
            try:
                name, lower = pieces[0], float(pieces[1])
                if len(pieces) != 2:
                    raise ValueError(part)
            except (IndexError, ValueError) as exc:
                raise forms.ValidationError(
                    _("“%(part)s”: write a grade and its lowest score, like A 90.") % {"part": part}
                ) from exc
            bands.append([name, lower])
        return bands


class ContractForm(ScopedModelForm):
    class Meta:
        model = Contract
        fields = [
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
            "sla_pausing_reasons",
            "sla_stops_at",
            "grade_bands",
            "appeal_days",
            "deduction_cap_percent",
            "bonus_cap_percent",
        ]
        widgets = {"start_date": forms.DateInput(), "end_date": forms.DateInput()}

    sla_pausing_reasons = forms.MultipleChoiceField(
        label=_("pause reasons that stop the clock"),
        choices=PauseReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Time paused for other reasons counts against the vendor."),
    )

    grade_bands = GradeBandsField(label=_("grade bands"), required=False)
    EVALUATION_TERMS = (
        "grade_bands",
        "appeal_days",
        "deduction_cap_percent",
        "bonus_cap_percent",
        "complaint_response_hours",
    )

    def _clean_evaluation_term(self, name: str) -> Any:
        """Left empty: the contract keeps its value (a new one gets the default)."""
        value = self.cleaned_data.get(name)
        if value in (None, "", []):
            current = getattr(self.instance, name, None)
            return current if current not in (None, "", []) else Contract._meta.get_field(name).get_default()
        return value

    def clean_grade_bands(self) -> Any:
        return self._clean_evaluation_term("grade_bands")

    def clean_appeal_days(self) -> Any:
        return self._clean_evaluation_term("appeal_days")

    def clean_deduction_cap_percent(self) -> Any:
        return self._clean_evaluation_term("deduction_cap_percent")

    def clean_bonus_cap_percent(self) -> Any:
        return self._clean_evaluation_term("bonus_cap_percent")

    def clean_complaint_response_hours(self) -> Any:
        return self._clean_evaluation_term("complaint_response_hours")

    sla_effective_from = forms.DateTimeField(
        label=_("SLA changes take effect from"),
        required=False,
        widget=forms.DateTimeInput(),
        help_text=_("Empty: now. Work orders raised before then keep the earlier SLA policy."),
    )

    def clean_sla_effective_from(self) -> Any:
        return sla_effective_from(self.cleaned_data.get("sla_effective_from"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from oqms.org.forms import internal_people

        self.fields["owner"].queryset = internal_people()
        for name in self.EVALUATION_TERMS:
            self.fields[name].required = False
        if not self.instance.pk:
            self.initial.setdefault("sla_pausing_reasons", default_pausing_reasons())


def sla_effective_from(value: Any) -> Any:
    """An SLA amendment takes effect now or later, never earlier: the past clocks stay as they were."""
    import datetime

    from django.utils import timezone

    if value is not None and value < timezone.now() - datetime.timedelta(minutes=5):
        raise forms.ValidationError(
            _("An SLA change cannot take effect in the past: work orders already raised keep their policy.")
        )
    return value


class PrefilledRowForm(forms.ModelForm):  # type: ignore[type-arg]
    """An inline row of a contract; the rows prefilled for a new contract are saved even when kept as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def has_changed(self) -> bool:
        return super().has_changed() or (self.instance.pk is None and bool(self.initial))


def prefilled_formset(
    formset_class: Any,
    data: Any,
    instance: Contract | None,
    prefix: str,
    initial: list[dict[str, Any]],
    title: Any,
) -> Any:
    """The inline formset of a contract, with ``initial`` rows when the contract is new."""
    rows = initial if instance is None or instance.pk is None else None
    formset = formset_class(data, instance=instance, prefix=prefix, initial=rows)
    if rows:
        formset.extra = len(rows)
    formset.title = title
    return formset


class SLATargetForm(PrefilledRowForm):
    class Meta:
        model = SLATarget
        fields = ["priority", "response_minutes", "resolution_minutes"]


class _SLAFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            priority = form.cleaned_data.get("priority")
            if priority in seen:
                form.add_error(
                    "priority", forms.ValidationError(SLATarget._meta.constraints[0].violation_error_message)
                )  # type: ignore[attr-defined]
            seen.add(priority)


SLAFormSet = inlineformset_factory(
    Contract,
    SLATarget,
    form=SLATargetForm,
    formset=_SLAFormSet,
    extra=0,
    max_num=4,
    validate_max=True,
    can_delete=True,
)


SLA_DEFAULTS = {"P1": (30, 240), "P2": (60, 480), "P3": (120, 1440), "P4": (240, 4320)}


def sla_formset(data: Any, instance: Contract | None) -> Any:
    initial = [
        {"priority": p, "response_minutes": SLA_DEFAULTS[p][0], "resolution_minutes": SLA_DEFAULTS[p][1]}
        for p in Priority.values
    ]
    return prefilled_formset(SLAFormSet, data, instance, "sla", initial, _("SLA targets (business minutes)"))


class EscalationLevelForm(PrefilledRowForm):
    class Meta:
        model = EscalationLevel
        fields = ["clock", "percent", "audience"]


EscalationFormSet = inlineformset_factory(
    Contract,
    EscalationLevel,
    form=EscalationLevelForm,
    extra=1,
    max_num=10,
    validate_max=True,
    can_delete=True,
)


def escalation_formset(data: Any, instance: Contract | None) -> Any:
    initial = [
        {"clock": "resolution", "percent": 100, "audience": "contract_owner"},
        {"clock": "resolution", "percent": 150, "audience": "department_head"},
    ]
    return prefilled_formset(
        EscalationFormSet, data, instance, "esc", initial, _("Escalation levels (percent of the target)")
    )


class ContractAttachmentForm(ScopedModelForm):
    class Meta:
        model = ContractAttachment
        fields = ["contract", "title", "file"]

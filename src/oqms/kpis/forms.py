from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import Priority
from oqms.core.forms import ScopedModelForm
from oqms.kpis.measures import MEASURES
from oqms.kpis.models import KPI


class KPIForm(ScopedModelForm):
    measure = forms.ChoiceField(
        label=_("measure"),
        required=False,
        choices=[("", "---------"), *[(m.code, m.label) for m in MEASURES.values()]],
    )
    priority = forms.ChoiceField(
        label=_("only priority"), required=False, choices=[("", "---------"), *Priority.choices]
    )
    tiers_text = forms.CharField(
        label=_("tiers"),
        required=False,
        help_text=_("For tiered scoring, one tier per line: threshold, score — e.g. 98, 100"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = KPI
        fields = [
            "contract",
            "code",
            "name",
            "measure",
            "formula",
            "service_type",
            "priority",
            "site",
            "unit",
            "direction",
            "target",
            "minimum",
            "weight",
            "scoring",
            "backlog_days",
            "period",
            "effective_from",
            "effective_to",
        ]
        widgets = {
            "effective_from": forms.DateInput(),
            "effective_to": forms.DateInput(),
            "formula": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["backlog_days"].required = False
        if self.instance.tiers:
            self.initial.setdefault("tiers_text", "\n".join(f"{t}, {s}" for t, s in self.instance.tiers))

    def clean_backlog_days(self) -> int:
        value = self.cleaned_data.get("backlog_days")
        return 7 if value is None else int(value)

    def clean_tiers_text(self) -> list[list[float]]:
        tiers = []
        for number, line in enumerate((self.cleaned_data.get("tiers_text") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p for p in line.replace("，", ",").split(",") if p.strip()]
            try:
                threshold, score = (float(p) for p in parts)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Line %(line)s: write a threshold and a score, like 98, 100.") % {"line": number}
                ) from exc
            tiers.append([threshold, score])
        return tiers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.instance.tiers = cleaned.get("tiers_text") or []
        return cleaned

    def _update_errors(self, errors: Any) -> None:
        # The model checks ``tiers``; on this form they are typed into ``tiers_text``.
        if hasattr(errors, "error_dict") and "tiers" in errors.error_dict:
            moved = errors.error_dict.pop("tiers")
            if "tiers_text" not in self.errors:
                errors.error_dict["tiers_text"] = moved
        super()._update_errors(errors)

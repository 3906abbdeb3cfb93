from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.core.forms import style_widgets
from oqms.dataio.targets import PRESETS, Entity, targets

ENCODINGS = [
    ("", _("Detect (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030)")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GBK / GB18030"),
    ("utf-16", "UTF-16"),
]


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("The file holds"), choices=Entity.choices)
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=ENCODINGS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class MappingForm(forms.Form):
    """One select per field (several for a field that may join columns), the file-wide values, the options."""

    date_order = forms.ChoiceField(
        label=_("Dates such as 03-01-2025 are"),
        choices=[("dmy", _("day first (3 January)")), ("mdy", _("month first (March 1)"))],
    )
    time_zone = forms.CharField(label=_("Times without an offset are in"), max_length=64)
    duplicates = forms.ChoiceField(
        label=_("A ticket on several rows"),
        choices=[("error", _("is a problem")), ("last", _("is an event log: the last row wins"))],
    )
    valid_only = forms.BooleanField(
        label=_("Import the valid rows even when other rows have problems"), required=False
    )
    save_as = forms.CharField(label=_("Save this mapping as"), max_length=100, required=False)

    def __init__(
        self, *args: Any, job: Any, fixed_choices: dict[str, list[tuple[Any, Any]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        headers = [("", _("— not in the file —"))] + [(h, h) for h in job.headers]
        columns = job.mapping.get("columns") or {}
        defaults = job.mapping.get("defaults") or {}
        self.rows: list[dict[str, Any]] = []
        for target in targets(job.entity):
            chosen = columns.get(target.name) or []
            names = []
            for slot in range(3 if target.joinable else 1):
                name = f"col_{target.name}_{slot}"
                self.fields[name] = forms.ChoiceField(
                    label=target.label,
                    choices=headers,
                    required=False,
                    initial=chosen[slot] if slot < len(chosen) else "",
                )
                names.append(name)
            fixed = None
            if target.fixed and target.name in fixed_choices:
                fixed = f"fixed_{target.name}"
                self.fields[fixed] = forms.ChoiceField(
                    label=target.label,
                    choices=[("", _("— from the column —"))] + fixed_choices[target.name],
                    required=False,
                    initial=defaults.get(target.name, ""),
                )
            self.rows.append(
                {
                    "target": target,
                    "columns": [self[n] for n in names],
                    "fixed": self[fixed] if fixed else None,
                }
            )
        self.fields["date_order"].initial = job.mapping.get("date_order", "dmy")
        self.fields["duplicates"].initial = job.mapping.get("duplicates", "error")
        self.fields["valid_only"].initial = job.valid_only
        style_widgets(self)
        for name, field in self.fields.items():
            if name.startswith(("col_", "fixed_")):
                field.widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for target in targets(self.job.entity):
            picked = [data.get(f"col_{target.name}_{s}") for s in range(3)]
            picked = [p for p in picked if p]
            if target.required and not picked and not data.get(f"fixed_{target.name}"):
                self.add_error(f"col_{target.name}_0", _("Choose the column that holds it."))
        return data

    def mapping(self) -> dict[str, Any]:
        data = self.cleaned_data
        columns: dict[str, list[str]] = {}
        defaults: dict[str, Any] = {}
        for target in targets(self.job.entity):
            picked = [data.get(f"col_{target.name}_{s}") for s in range(3)]
            picked = [p for p in picked if p]
            if picked:
                columns[target.name] = list(dict.fromkeys(picked))
            if data.get(f"fixed_{target.name}"):
                defaults[target.name] = data[f"fixed_{target.name}"]
        return {
            "columns": columns,
            "defaults": defaults,
            "date_order": data["date_order"],
            "time_zone": data["time_zone"],
            "duplicates": data["duplicates"],
        }


def preset_choices(entity: str, saved: Any) -> list[tuple[str, Any]]:
    choices = [(key, preset["label"]) for key, preset in PRESETS.items() if preset["entity"] == entity]
    choices += [(str(m.pk), m.name) for m in saved]
    return choices

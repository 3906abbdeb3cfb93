from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oqms.calendars.hours import format_hours, parse_hours
from oqms.calendars.models import WEEKDAYS, Calendar, CalendarDay, Closure, DayKind
from oqms.core.forms import ScopedModelForm, style_widgets

HOURS_HELP = _("Like 09:00-12:00, 13:00-18:00. Empty: closed. 00:00-24:00: all day.")


class CalendarForm(ScopedModelForm):
    """The calendar with one hours field per weekday (the weekly-hours editor) and its holiday years."""

    years = forms.CharField(
        label=_("years with complete holidays"),
        required=False,
        help_text=_("Comma-separated, like 2025, 2026. Importing a year adds it."),
    )

    class Meta:
        model = Calendar
        fields = ["code", "name", "time_zone", "region", "is_default", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, required=False, help_text=HOURS_HELP if day == 0 else ""
            )
            self.initial.setdefault(f"hours_{day}", format_hours(self.instance.hours_on(day)))
        self.initial.setdefault("years", ", ".join(str(y) for y in self.instance.holiday_years or []))
        self.order_fields(
            ["code", "name", "time_zone", "region", *[f"hours_{day}" for day, _label in WEEKDAYS], "years"]
        )
        style_widgets(self)

    def weekday_fields(self) -> list[Any]:
        return [self[f"hours_{day}"] for day, _label in WEEKDAYS]

    def clean_years(self) -> list[int]:
        text = self.cleaned_data.get("years", "")
        years = []
        for part in [p for p in re.split(r"[,，、\s]+", text) if p]:
            if not part.isdigit() or not 1970 <= int(part) <= 2200:
                raise ValidationError(_("“%(part)s” is not a year.") % {"part": part})
            years.append(int(part))
        return sorted(set(years))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        weekly: dict[str, list[list[str]]] = {}
        for day, _label in WEEKDAYS:
            name = f"hours_{day}"
            try:
                hours = parse_hours(cleaned.get(name) or "")
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if hours:
                weekly[str(day)] = [list(p) for p in hours]
        self.instance.weekly_hours = weekly
        self.instance.holiday_years = cleaned.get("years") or []
        return cleaned


class HoursField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        return format_hours(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[list[str]]:  # type: ignore[override]
        text = super().to_python(value)
        return [list(p) for p in parse_hours(text or "")]


class CalendarDayForm(ScopedModelForm):
    hours = HoursField(
        label=_("hours"), required=False, help_text=_("For a working day; empty: the Monday hours.")
    )

    class Meta:
        model = CalendarDay
        fields = ["calendar", "date", "kind", "name", "hours"]
        widgets = {"date": forms.DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = DayKind.HOLIDAY
        style_widgets(self)


class ClosureForm(ScopedModelForm):
    class Meta:
        model = Closure
        fields = ["calendar", "site", "starts_at", "ends_at", "reason"]
        widgets = {"starts_at": forms.DateTimeInput(), "ends_at": forms.DateTimeInput()}


class ImportYearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1970, max_value=2200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

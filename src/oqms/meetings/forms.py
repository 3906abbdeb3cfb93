from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.core.forms import ScopedModelForm, style_widgets
from oqms.meetings.models import ActionStatus, Meeting, MeetingSeries


def _people(form: Any) -> None:

    for name in ("attendees", "chair"):
        if name in form.fields:
            form.fields[name].queryset = (
                form.fields[name].queryset.filter(is_active=True).order_by("vendor", "username")
            )


class SeriesForm(ScopedModelForm):
    class Meta:
        model = MeetingSeries
        fields = [
            "name",
            "kind",
            "vendor",
            "contract",
            "cadence",
            "weekday",
            "month_day",
            "time_of_day",
            "duration_minutes",
            "location",
            "chair",
            "attendees",
            "standing_agenda",
            "shared_with_vendor",
            "is_active",
        ]
        widgets = {
            "time_of_day": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "attendees": forms.CheckboxSelectMultiple,
            "standing_agenda": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people(self)
        style_widgets(self)


class MeetingForm(ScopedModelForm):
    class Meta:
        model = Meeting
        fields = [
            "title",
            "kind",
            "vendor",
            "contract",
            "starts_at",
            "duration_minutes",
            "location",
            "status",
            "chair",
            "attendees",
            "guests",
            "agenda",
            "minutes",
            "decisions",
            "shared_with_vendor",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(),
            "attendees": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people(self)
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        vendor = data.get("vendor")
        for person in data.get("attendees") or []:
            if person.vendor_id and vendor is not None and person.vendor_id != vendor.pk:
                self.add_error("attendees", _("%(person)s works for another vendor.") % {"person": person})
                break
        return data


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("owner"), queryset=None)  # type: ignore[arg-type]
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput())

    def __init__(self, *args: Any, meeting: Any = None, **kwargs: Any) -> None:
        from oqms.meetings.services import owners_for

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners_for(meeting).order_by("vendor", "username")
        style_widgets(self)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[(ActionStatus.DONE, _("Done")), (ActionStatus.CANCELLED, _("Cancelled"))]
    )
    note = forms.CharField(label=_("note"), required=False, max_length=2000)

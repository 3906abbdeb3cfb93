from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.accounts.models import User
from oqms.contracts.choices import ContractStatus
from oqms.core.forms import ScopedModelForm, style_widgets
from oqms.workorders import services
from oqms.workorders.choices import OPEN_STATUSES, PauseReason, PhotoKind
from oqms.workorders.models import WorkOrder, WorkOrderAttachment


class WorkOrderForm(ScopedModelForm):
    """Raise or edit a work order. Quality managers and administrators may raise one on someone's behalf."""

    class Meta:
        model = WorkOrder
        fields = ["requester", "site", "service_type", "contract", "priority", "title", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk or not services.may_raise_for_others(self.user):
            del self.fields["requester"]
        else:
            requester = self.fields["requester"]
            requester.queryset = services.possible_requesters()
            requester.required = False
            requester.help_text = _("Leave empty to raise it in your own name.")
        self.fields["contract"].required = False
        self.fields["contract"].queryset = self.fields["contract"].queryset.filter(
            status=ContractStatus.ACTIVE
        )
        self.fields["contract"].help_text = _(
            "Leave empty to use the active contract covering the site and service."
        )
        if self.instance.pk:
            for name in ("contract", "site", "service_type"):
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and self.instance.status not in OPEN_STATUSES:
            raise forms.ValidationError(_("A resolved or closed work order can no longer be edited."))
        return cleaned

    def _post_clean(self) -> None:
        # contract/vendor/number are set by the service on creation; skip model validation of those then.
        if self.instance.pk:
            super()._post_clean()


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("assign to"), queryset=User.objects.none())
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, work_order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = services.possible_assignees(work_order)
        style_widgets(self)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("pause reason"), choices=PauseReason.choices)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, required: bool = False, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        if label:
            self.fields["note"].label = label
        style_widgets(self)


class CloseForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("rating"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class PhotoForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = WorkOrderAttachment
        fields = ["photo", "kind", "caption"]
        widgets = {
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = PhotoKind.EVIDENCE
        style_widgets(self)

"""Form base classes: Bootstrap widgets and scoped choice querysets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.core.scoping import restrict


def style_widgets(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
        if isinstance(widget, forms.DateTimeInput):
            widget.input_type = "datetime-local"
            widget.format = "%Y-%m-%dT%H:%M"


class ScopedModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm whose related-record choices are limited to what the user may see."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and hasattr(
                field.queryset.model.objects, "visible_to"
            ):
                field.queryset = restrict(field.queryset, user, "view")
        style_widgets(self)


class NoteForm(forms.Form):
    """One text box for a workflow step: a note, a reason, a response."""

    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args: Any, required: bool = True, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        if label is not None:
            self.fields["note"].label = label
        style_widgets(self)

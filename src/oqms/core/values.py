"""Turning a record's attribute into what a person reads: choice labels, related names, masked personal data."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import localize


def mask_phone(value: str) -> str:
    """138****5678: keep the first three and last four digits of a phone number."""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def join_names(names: Any) -> str:
    """A list the way the active language writes it: 甲、乙、丙 in Chinese, "a, b, c" otherwise."""
    from django.utils.translation import get_language

    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return separator.join(str(name) for name in names)


_choice_labels: dict[tuple[type[models.Model], str], dict[Any, Any] | None] = {}


def choice_labels(model: type[models.Model], name: str) -> dict[Any, Any] | None:
    """{value: label} of a choice field, built once per field (``get_X_display`` rebuilds it on every call, which
    an export of 20,000 rows feels); None when ``name`` is not a field with choices. Labels stay lazy, so they are
    translated when shown."""
    key = (model, name)
    if key not in _choice_labels:
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or a method, not a field
            field = None
        choices = (
            getattr(field, "flatchoices", None)
            if field is not None and getattr(field, "choices", None)
            else None
        )
        _choice_labels[key] = dict(choices) if choices else None
    return _choice_labels[key]


def resolve(obj: Any, dotted: str) -> Any:
    """The value at ``a.b.c``, with the label for choice fields."""
    target = obj
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        if target is None:
            return None
        last = index == len(parts) - 1
        if last and isinstance(target, models.Model):
            labels = choice_labels(type(target), part)
            if labels is not None:
                raw = getattr(target, part)
                return labels.get(raw, raw)
        value = getattr(target, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
        target = value
    return target


def display_value(obj: Any, dotted: str, mask: bool = False) -> Any:
    value = resolve(obj, dotted)
    if isinstance(value, models.Manager):
        return join_names(value.all())
    if value is None or value == "":
        return ""
    if mask and isinstance(value, str):
        return mask_phone(value)
    if isinstance(value, datetime.datetime):
        return localize(timezone.localtime(value)) if timezone.is_aware(value) else localize(value)
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.date | decimal.Decimal | float | int):
        return localize(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name.rsplit("/", 1)[-1] if value.name else ""
    return value if isinstance(value, str) else str(value)


def format_duration(seconds: Any) -> str:
    """A span of (business) time for people: "45 min", "3 h 05 min", "27 h 30 min" — hours, not days, since a
    day of business time is not 24 hours; "—" when unknown."""
    from django.utils.translation import gettext

    if seconds is None or seconds == "":
        return "—"
    total = max(int(round(float(seconds) / 60)), 0)
    hours, minutes = divmod(total, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)s min") % {"minutes": minutes}

"""How an audit entry's stored values read to a person.

Entries store raw values (ids, ISO times in UTC, choice codes) so that they stay true whatever is renamed later.
For display, related ids become the related record's name ("#12" when it is gone), times are shown in the reader's
time zone and format, choices by their label, lists of related ids as names joined the way the language joins.
Names are fetched once per related model for a whole list of entries, not once per value.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import localize
from django.utils.translation import gettext

from oqms.core.values import join_names

Row = tuple[Any, Any, Any]


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since the entry was written
        return None


def _related_ids(field: Any, value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def describe(entries: Iterable[Any]) -> None:
    """Work out ``field_changes`` for each entry, with one query per related model for all of them."""
    entries = list(entries)
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, pair in entry.changes.items():
            field = _field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                for value in pair:
                    wanted[field.related_model].update(_related_ids(field, value))
    names: dict[type[models.Model], dict[str, str]] = {}
    for related, ids in wanted.items():
        names[related] = {
            str(obj.pk): str(obj)
            for obj in related._base_manager.filter(pk__in=[i for i in ids if i is not None])
        }
    for entry in entries:
        model = entry.content_type.model_class()
        rows: list[Row] = []
        for name, (before, after) in entry.changes.items():
            field = _field(model, name)
            if field is not None and getattr(field, "primary_key", False):
                continue  # the record's own id says nothing to a reader
            label = getattr(field, "verbose_name", name) if field is not None else name
            shown = getattr(model, "audit_display", {}).get(name) if model is not None else None
            if shown is not None:  # the model knows how its structured value reads
                rows.append((label, shown(before), shown(after)))
                continue
            rows.append((label, readable(field, before, names), readable(field, after, names)))
        entry._field_changes = rows


def readable(field: Any, value: Any, names: dict[type[models.Model], dict[str, str]]) -> Any:
    """One stored value as text (None stays None: "no value")."""
    if value is None or field is None:
        return value
    if field.is_relation and field.related_model is not None:
        known = names.get(field.related_model, {})
        labels = [known.get(str(pk), f"#{pk}") for pk in _related_ids(field, value)]
        return join_names(labels) if isinstance(value, list) else labels[0]
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, list):  # a JSON list (pause reasons, years): each item read on its own
        return join_names(readable(field, item, names) for item in value)
    if isinstance(value, dict):
        return value
    if value in choices:
        return choices[value]
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return localize(timezone.localtime(moment))
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        return localize(day) if day is not None else value
    if isinstance(field, models.DecimalField):
        try:
            return localize(decimal.Decimal(str(value)))
        except decimal.InvalidOperation:
            return value
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float):
        return localize(value)
    return value

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def cell(obj: Any, column: Any, value: Any) -> Any:
    """One table cell: a badge for choice values, a link to the record for the first column."""
    if isinstance(value, dict) and "badge" in value:
        content = format_html('<span class="badge text-bg-{}">{}</span>', value["colour"], value["badge"])
    else:
        content = format_html("{}", value)
    if getattr(column, "link", False) and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
        if url:
            return format_html('<a href="{}">{}</a>', url, content if str(content) else "—")
    return content


@register.filter
def badge(value: Any, colour: str = "secondary") -> Any:
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def duration_seconds(value: Any) -> str:
    """Business time for people: "3 h 05 min", "45 min", "2 d 4 h" (days of 24 h)."""
    from oqms.core.values import format_duration

    return format_duration(value)


@register.filter
def duration_minutes(value: Any) -> str:
    from oqms.core.values import format_duration

    return format_duration(None if value is None else float(value) * 60)

"""``{% nonconformances_of record %}``: on a finding, a complaint or a KPI result, the nonconformances raised from
it and a button to raise one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from oqms.capa import services

register = template.Library()


@register.inclusion_tag("capa/_raised_from.html", takes_context=True)
def nonconformances_of(context: Any, record: Any, compact: bool = False) -> dict[str, Any]:
    user = context["request"].user
    label = record._meta.label_lower
    raised = list(services.raised_from(record, user)) if label in services.SOURCES else []
    may_raise = (
        label in services.SOURCES
        and user.role in services.RAISERS
        and user.has_perm("capa.add_nonconformance")
        and _raisable(label, record)
    )
    url = f"{reverse('capa:nonconformance_create')}?{urlencode({'source': f'{label}:{record.pk}'})}"
    return {"raised": raised, "raise_url": url if may_raise else "", "compact": compact, "record": record}


def _raisable(label: str, record: Any) -> bool:
    if label == "kpis.kpiresult":
        return services.kpi_missed(record) is not None
    if label == "feedback.complaint":
        return bool(record.vendor_id) and record.kind == "complaint"
    return True

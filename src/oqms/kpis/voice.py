"""The voice of the customer in figures: per vendor (or per site) for a month, complaints, complaints per 1,000
work orders, complaint response timeliness, praise, CSAT, NPS and the survey response rate — computed with the
KPI measures, so the page and the scorecards agree — and the last twelve months as charts."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oqms.kpis import measures
from oqms.kpis.scorecards import period_bounds
from oqms.kpis.views import _period_start

FIGURES = [
    "complaints",
    "complaints_per_1000",
    "complaint_response_in_time_pct",
    "praise",
    "csat_mean",
    "nps",
    "survey_response_pct",
]


def figures(first: datetime.date, last: datetime.date, **filters: Any) -> dict[str, float | None]:
    """The measures of FIGURES for the days and the slice (vendor or site)."""
    totals = measures.totals(first, last, **filters)
    values = dict(totals.values)
    for source in ("complaints", "surveys"):
        values.update(measures.SOURCES[source](first, last, **filters))
    combined = measures.Totals(values, None, None)
    computed = measures.compute(combined, FIGURES)
    return {code: computed[code].value for code in FIGURES}


@login_required
def voice(request: HttpRequest) -> HttpResponse:
    from oqms.org.models import Site
    from oqms.vendors.models import Vendor

    if not request.user.has_perm("feedback.view_complaint"):
        raise PermissionDenied
    start = _period_start(request.GET.get("start", ""), "month")
    last = period_bounds("month", start)[1]
    by = "site" if request.GET.get("by") == "site" and not request.user.is_vendor_user else "vendor"
    if by == "site":
        rows_of = [
            (site, {"site": site.pk}) for site in Site.objects.visible_to(request.user).order_by("code")
        ]
    else:
        vendors = (
            Vendor.objects.visible_to(request.user)
            .filter(contracts__isnull=False)
            .distinct()
            .order_by("name")
        )
        rows_of = [(vendor, {"vendor": vendor.pk}) for vendor in vendors]
    rows = [{"name": str(owner), "values": figures(start, last, **filters)} for owner, filters in rows_of]
    months = []
    day = start
    for _ in range(12):
        months.append(day)
        day = period_bounds("month", day - datetime.timedelta(days=1))[0]
    months.reverse()
    trend = {"periods": [m.strftime("%Y-%m") for m in months], "series": []}
    for owner, filters in rows_of[:8]:
        values = [figures(m, period_bounds("month", m)[1], **filters) for m in months]
        trend["series"].append(
            {
                "name": str(owner),
                "complaints_per_1000": [v["complaints_per_1000"] for v in values],
                "csat_mean": [v["csat_mean"] for v in values],
                "nps": [v["nps"] for v in values],
            }
        )
    labels = [measures.MEASURES[code].label for code in FIGURES]
    return render(
        request,
        "kpis/voice.html",
        {"start": start, "by": by, "rows": rows, "labels": labels, "trend": trend, "codes": FIGURES},
    )

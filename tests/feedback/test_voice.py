"""The voice-of-the-customer results page: per vendor or site, the same figures as the KPI measures, twelve
months of trend for the charts, and a vendor seeing only its own row."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from oqms.feedback import services
from oqms.kpis import rollups
from tests.core.helpers import page_client
from tests.feedback.test_measures import _routed


def test_results_per_vendor_and_site_with_their_trend(cast: Any) -> None:
    category, point = _routed(cast)
    for k in range(2):
        services.submit(
            channel="qr",
            site=cast.site,
            point=point,
            category=category,
            description=f"问题{k}",
            source=f"10.0.0.{k}",
        )
    rollups.refresh_dirty()
    page = page_client(cast.qm, language="zh-hans").get(reverse("kpis:voice"), {"start": "2026-12"})
    assert page.status_code == 200
    rows = {row["name"]: row["values"] for row in page.context["rows"]}
    vendor_a = rows[str(cast.vendor_a)]
    assert vendor_a["complaints"] == 2 and vendor_a["csat_mean"] is None
    assert rows[str(cast.vendor_b)]["complaints"] == 0
    trend = page.context["trend"]
    assert len(trend["periods"]) == 12 and trend["periods"][-1] == "2026-12"
    by_site = page_client(cast.qm).get(reverse("kpis:voice"), {"start": "2026-12", "by": "site"})
    assert {row["name"] for row in by_site.context["rows"]} >= {str(cast.site)}
    vendor = page_client(cast.manager_a).get(reverse("kpis:voice"), {"start": "2026-12", "by": "site"})
    assert vendor.context["by"] == "vendor" and [r["name"] for r in vendor.context["rows"]] == [
        str(cast.vendor_a)
    ]
    assert page_client(cast.staff_a).get(reverse("kpis:voice")).status_code == 403
    assert page_client(cast.qm).get(reverse("kpis:voice"), {"start": "garbage"}).status_code == 200

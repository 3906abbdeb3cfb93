"""The KPIs an improvement action should move, before its start and after its completion."""

from __future__ import annotations

from typing import Any

from oqms.kpis import evaluation
from oqms.kpis.models import KPI


def kpi_effects(improvement: Any, user: Any) -> list[dict[str, Any]]:
    """For each of its KPIs the user may see: the value over ``compare_days`` before the start, the value over as
    many days after the completion (to date; None until completed), the change, and whether it is for the
    better given the KPI's direction."""
    before_days, after_days = improvement.periods()
    rows = []
    for kpi in (
        KPI.objects.visible_to(user).filter(pk__in=improvement.kpis.values("pk")).select_related("contract")
    ):
        before = evaluation.evaluate(kpi, *before_days).value
        after = evaluation.evaluate(kpi, *after_days).value if after_days else None
        change = after - before if before is not None and after is not None else None
        better = None
        if change is not None and change != 0:
            better = (change > 0) == (kpi.direction == "higher")
        rows.append(
            {
                "kpi": kpi,
                "before": before,
                "after": after,
                "change": change,
                "better": better,
                "before_days": before_days,
                "after_days": after_days,
            }
        )
    return rows

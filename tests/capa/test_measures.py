"""The corrective action measures give the same figures in a KPI as counted by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from oqms.capa import workflow
from oqms.core import audit
from oqms.kpis import evaluation, measures
from tests.capa.conftest import make_category, raise_nc, through_plan


def _close(cast: Any, scar: Any) -> Any:
    scar = through_plan(cast, scar)
    for item in scar.items.all():
        workflow.complete_item(item, cast.manager_a, "已执行")
    scar = workflow.implement(scar, cast.manager_a, "已完成")
    return workflow.verify(scar, cast.qm, True, "有效")


def test_on_time_repeats_and_days_to_close(cast: Any) -> None:
    from oqms.capa.models import CorrectiveAction
    from oqms.kpis.models import KPI

    category = make_category()
    now = timezone.now()
    first = raise_nc(cast, category, detected_at=now - datetime.timedelta(days=3))
    raise_nc(cast, category)  # a repeat of the first
    raise_nc(cast, make_category("late", "响应超时"))
    raise_nc(cast, category, vendor=cast.vendor_b, contract=cast.contract_b)  # another vendor's
    on_time = _close(cast, workflow.issue(first, cast.qm, verify_after_days=0))
    late_nc = raise_nc(cast, make_category("safety", "安全"), detected_at=now - datetime.timedelta(days=1))
    late = workflow.issue(late_nc, cast.qm, verify_after_days=0)
    # it was issued 20 days ago with a 10-day deadline: implemented late
    CorrectiveAction.objects.filter(pk=late.pk).update(
        issued_at=now - datetime.timedelta(days=20), due_at=now - datetime.timedelta(days=10)
    )
    late = _close(cast, CorrectiveAction.objects.get(pk=late.pk))
    today = timezone.localdate()
    totals = measures.capa_totals(today - datetime.timedelta(days=10), today, contract=cast.contract_a.pk)
    assert totals["nonconformances"] == 4 and totals["nonconformance_repeats"] == 1
    assert totals["scars_closed"] == 2 and totals["scars_closed_on_time"] == 1
    assert abs(totals["scar_days"] - 20.0) < 0.01  # about 0 days and 20 days
    assert on_time.closed_on_time is True and late.closed_on_time is False
    assert (
        measures.capa_totals(today, today, contract=cast.contract_a.pk, priority="P1")["nonconformances"] == 0
    )
    with audit.audit_context(actor=cast.qm, source="test"):
        kpis = {
            code: KPI.objects.create(
                contract=cast.contract_a,
                code=code.replace("_", "-"),
                name=code,
                measure=code,
                target=Decimal(target),
                minimum=Decimal(minimum),
                direction=direction,
                effective_from=datetime.date(2020, 1, 1),
            )
            for code, target, minimum, direction in (
                ("corrective_on_time_pct", "95", "80", "higher"),
                ("nc_repeat_pct", "5", "20", "lower"),
                ("corrective_mean_days", "15", "30", "lower"),
            )
        }
    first_day = today - datetime.timedelta(days=10)
    results = {code: evaluation.evaluate(kpi, first_day, today) for code, kpi in kpis.items()}
    assert results["corrective_on_time_pct"].value == 50.0
    assert results["nc_repeat_pct"].value == 25.0
    assert abs(results["corrective_mean_days"].value - 10.0) < 0.01
    url = evaluation.records_url(kpis["nc_repeat_pct"], first_day, today)
    assert url.startswith("/capa/nonconformances/?") and "detected_after" in url
    assert evaluation.records_url(kpis["corrective_on_time_pct"], first_day, today).startswith(
        "/capa/correctiveactions/?"
    )

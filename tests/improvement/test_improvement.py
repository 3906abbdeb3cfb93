"""Improvement actions with their KPIs before and after, and the lessons library."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.improvement.models import Improvement, Lesson
from tests.capa.conftest import make_category
from tests.core.helpers import listed_pks, page_client


def _kpi(cast: Any) -> Any:
    from oqms.kpis.models import KPI

    with audit.audit_context(actor=cast.qm, source="test"):
        return KPI.objects.create(
            contract=cast.contract_a,
            code="first-fix",
            name="一次修复率",
            measure="first_time_fix_pct",
            unit="%",
            target=Decimal("95"),
            minimum=Decimal("80"),
            effective_from=datetime.date(2020, 1, 1),
        )


def _resolved(cast: Any, at: datetime.datetime, reopen: bool) -> None:
    from oqms.workorders import services

    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="空调不制冷",
        priority="P3",
        opened_at=at,
    )
    wo = services.assign(wo, cast.qm, cast.staff_a, at=at)
    wo = services.start(wo, cast.staff_a, at=at)
    wo = services.resolve(wo, cast.staff_a, "已修复", at=at + datetime.timedelta(hours=1))
    if reopen:
        wo = services.reopen(wo, cast.requester, "又坏了", at=at + datetime.timedelta(hours=2))
        wo = services.start(wo, cast.staff_a, at=at + datetime.timedelta(hours=2))
        services.resolve(wo, cast.staff_a, "更换压缩机", at=at + datetime.timedelta(hours=3))


def test_an_improvement_shows_its_kpis_before_and_after(cast: Any) -> None:
    from oqms.kpis import rollups

    kpi = _kpi(cast)
    now = timezone.now()
    # before the start (60 and 50 days ago): one of two fixed the first time; after completion: both
    _resolved(cast, now - datetime.timedelta(days=60), reopen=True)
    _resolved(cast, now - datetime.timedelta(days=50), reopen=False)
    _resolved(cast, now - datetime.timedelta(days=10), reopen=False)
    _resolved(cast, now - datetime.timedelta(days=5), reopen=False)
    rollups.refresh_dirty()
    today = timezone.localdate()
    qm = page_client(cast.qm, "zh-hans")
    answer = qm.post(
        reverse("improvement:improvement_create"),
        {
            "title": "备件前置到现场",
            "description": "常用压缩机备件放在园区仓库，减少二次上门",
            "category": make_category("repair", "维修质量").pk,
            "vendor": cast.vendor_a.pk,
            "contract": cast.contract_a.pk,
            "kpis": [kpi.pk],
            "status": "done",
            "started_on": (today - datetime.timedelta(days=40)).isoformat(),
            "completed_on": (today - datetime.timedelta(days=30)).isoformat(),
            "compare_days": "30",
        },
    )
    improvement = Improvement.objects.get()
    assert answer.status_code == 302 and improvement.number.startswith("IA")
    page = qm.get(improvement.get_absolute_url())
    (effect,) = page.context["effects"]
    assert effect["kpi"] == kpi
    # 30 days before the start (70..41 days ago): 1 of 2 first-time; 30 days from completion: 2 of 2
    assert effect["before"] == 50.0 and effect["after"] == 100.0 and effect["change"] == 50.0
    assert effect["better"] is True
    assert "+50.00" in page.content.decode()
    # the vendor reads it; the other vendor does not
    assert page_client(cast.manager_a).get(improvement.get_absolute_url()).status_code == 200
    assert page_client(cast.manager_b).get(improvement.get_absolute_url()).status_code == 404
    assert improvement.pk not in listed_pks(
        page_client(cast.manager_b).get(reverse("improvement:improvement_list"))
    )


def test_bad_improvements_are_refused(cast: Any) -> None:
    kpi_b = None
    from oqms.kpis.models import KPI

    with audit.audit_context(actor=cast.qm, source="test"):
        kpi_b = KPI.objects.create(
            contract=cast.contract_b,
            code="x",
            name="乙的 KPI",
            measure="completion_pct",
            target=Decimal("90"),
            minimum=Decimal("80"),
            effective_from=datetime.date(2020, 1, 1),
        )
    category = make_category()
    today = timezone.localdate()
    base = {
        "title": "改进",
        "description": "说明",
        "category": category.pk,
        "vendor": cast.vendor_a.pk,
        "status": "proposed",
        "started_on": today.isoformat(),
        "compare_days": "90",
    }
    qm = page_client(cast.qm)
    for bad in (
        {"kpis": [kpi_b.pk]},  # another vendor's KPI
        {"contract": cast.contract_b.pk},
        {"status": "done"},  # done without a day
        {"completed_on": (today - datetime.timedelta(days=3)).isoformat()},
        {"compare_days": "3"},
    ):
        assert qm.post(reverse("improvement:improvement_create"), base | bad).status_code == 400, bad
    assert not Improvement.objects.exists()
    # a vendor's manager proposes one for its own vendor only
    vendor = page_client(cast.manager_a)
    assert (
        vendor.post(
            reverse("improvement:improvement_create"), base | {"vendor": cast.vendor_b.pk}
        ).status_code
        == 400
    )
    assert vendor.post(reverse("improvement:improvement_create"), base | {"vendor": ""}).status_code == 400
    assert vendor.post(reverse("improvement:improvement_create"), base).status_code == 302
    assert page_client(cast.staff_a).get(reverse("improvement:improvement_list")).status_code == 403


def test_lessons_are_searchable_and_vendors_read_only_the_shared(cast: Any) -> None:
    from tests.capa.conftest import raise_nc

    category, other = make_category(), make_category("safety", "安全隐患")
    nc = raise_nc(cast, category)
    qm = page_client(cast.qm, "zh-hans")
    form = qm.get(reverse("improvement:lesson_create") + f"?nonconformance={nc.pk}").context["form"]
    assert form.initial["category"] == category.pk and form.initial["nonconformance"] == nc.pk
    with audit.audit_context(actor=cast.qm, source="test"):
        shared = Lesson.objects.create(
            title="会议保障不要占用楼层保洁",
            category=category,
            situation="保洁员被临时调走导致漏扫",
            learning="会议保障单独排班",
            nonconformance=nc,
            shared=True,
        )
        private = Lesson.objects.create(
            title="消防通道每日巡查", category=other, kind="practice", situation="x", learning="每日两次巡查"
        )
    found = qm.get(reverse("improvement:lesson_list"), {"q": "排班"})
    assert listed_pks(found) == {shared.pk}
    assert listed_pks(qm.get(reverse("improvement:lesson_list"), {"category": other.pk})) == {private.pk}
    for vendor_user in (cast.manager_b, cast.staff_b):
        client = page_client(vendor_user)
        assert listed_pks(client.get(reverse("improvement:lesson_list"))) == {shared.pk}
        assert client.get(private.get_absolute_url()).status_code == 404
        page = client.get(shared.get_absolute_url()).content.decode()
        assert nc.number not in page  # vendor B never learns of vendor A's nonconformance
    assert nc.number in qm.get(shared.get_absolute_url()).content.decode()

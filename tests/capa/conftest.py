from __future__ import annotations

from typing import Any

import pytest

from oqms.core import audit


def make_category(code: str = "clean", name: str = "清洁不到位") -> Any:
    from oqms.capa.models import Category

    with audit.audit_context(source="test"):
        return Category.objects.create(code=code, name=name, name_en=code.title())


@pytest.fixture
def category(cast: Any) -> Any:
    return make_category()


def raise_nc(cast: Any, category: Any, **extra: Any) -> Any:
    """A nonconformance of vendor A (contract A), raised by the quality manager."""
    from oqms.capa import services

    fields: dict[str, Any] = {
        "title": "三楼卫生间未按时清洁",
        "description": "巡检发现 14:00 的清洁未做，地面有积水。",
        "vendor": cast.vendor_a,
        "contract": cast.contract_a,
        "site": cast.site,
        "category": category,
        "severity": "major",
        "containment": "立即安排保洁员清理并放置警示牌",
    } | extra
    with audit.audit_context(actor=cast.qm, source="test"):
        return services.raise_nonconformance(cast.qm, **fields)


def through_plan(cast: Any, scar: Any, user: Any = None) -> Any:
    """Take a request from issued to an action plan under way, as vendor A's manager."""
    import datetime

    from django.utils import timezone

    from oqms.capa import workflow

    user = user or cast.manager_a
    scar = workflow.acknowledge(scar, user, "收到")
    scar = workflow.analyse(
        scar,
        user,
        [
            "为什么没清洁？保洁员被临时调去会议室",
            "为什么被调走？当班没有替补",
            "为什么没有替补？排班表未留机动人员",
        ],
        "manpower",
        "排班没有机动人员",
    )
    due = timezone.localdate() + datetime.timedelta(days=7)
    workflow.add_item(scar, user, "corrective", "重新排班，每层留 1 名机动保洁员", "李主管", due)
    workflow.add_item(scar, user, "preventive", "会议保障另行派人，不占用楼层保洁", "王经理", due)
    return workflow.submit_plan(scar, user)

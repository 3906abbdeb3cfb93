from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from oqms.core import audit
from oqms.inspections import services
from oqms.inspections.models import ChecklistItem, ChecklistSection, ChecklistTemplate


def build_checklist(cast: Any, code: str = "CLEAN-01") -> Any:
    """A published cleaning checklist: a critical fire-exit item, a score, a measurement, a choice, a remark
    and a photo."""
    with audit.audit_context(actor=cast.qm, source="test"):
        template = ChecklistTemplate.objects.create(
            code=code, name="保洁月检", service_type=cast.service_type
        )
        version = services.new_version(template, cast.qm)
        version.pass_mark = Decimal(80)
        version.save()
        floor = ChecklistSection.objects.create(version=version, position=1, title="公共区域")
        safety = ChecklistSection.objects.create(version=version, position=2, title="安全")
        ChecklistItem.objects.create(version=version, section=floor, position=1, text="地面无垃圾", weight=2)
        ChecklistItem.objects.create(
            version=version,
            section=floor,
            position=2,
            text="整洁程度",
            kind="score",
            weight=3,
            max_score=5,
            pass_score=3,
        )
        ChecklistItem.objects.create(
            version=version,
            section=floor,
            position=3,
            text="室温",
            kind="numeric",
            lower=18,
            upper=26,
            unit="℃",
        )
        ChecklistItem.objects.create(
            version=version,
            section=floor,
            position=4,
            text="卫生间",
            kind="choice",
            weight=2,
            choices=[
                {"label": "干净", "worth": 1, "passes": True},
                {"label": "一般", "worth": 0.5, "passes": True},
                {"label": "脏", "worth": 0, "passes": False},
            ],
        )
        ChecklistItem.objects.create(
            version=version,
            section=safety,
            position=1,
            text="消防通道畅通",
            critical=True,
            severity="critical",
        )
        ChecklistItem.objects.create(version=version, section=safety, position=2, text="备注", kind="text")
        ChecklistItem.objects.create(
            version=version, section=safety, position=3, text="现场照片", kind="photo"
        )
        services.publish_version(version, cast.qm)
    return template


@pytest.fixture
def checklist(cast: Any) -> Any:
    return build_checklist(cast)

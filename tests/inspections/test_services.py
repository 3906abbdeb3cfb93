"""Checklist versions and the inspection workflow: scoring, findings, corrections, bad input."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from oqms.core import audit, files
from oqms.core.errors import DomainError
from oqms.inspections import services
from oqms.inspections.models import Answer, ChecklistItem, ChecklistVersion, Finding, Inspection
from tests.inspections.conftest import build_checklist


def jpeg(size: tuple[int, int] = (2400, 1800), name: str = "site.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG", quality=95)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _inspection(cast: Any, checklist: Any, inspector: Any = None) -> Inspection:
    with audit.audit_context(actor=cast.qm, source="test"):
        return services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=timezone.now(),
            inspector=inspector or cast.inspector,
        )


def _items(inspection: Inspection) -> dict[str, ChecklistItem]:
    return {item.text: item for item in inspection.version.ordered_items()}


def _answer_all(cast: Any, inspection: Inspection, **overrides: Any) -> None:
    values = {
        "地面无垃圾": "pass",
        "整洁程度": "4",
        "室温": "22.5",
        "卫生间": "一般",
        "消防通道畅通": "pass",
        "备注": "良好",
    }
    values |= overrides
    items = _items(inspection)
    for text, value in values.items():
        services.answer(inspection, cast.inspector, items[text], value)
    services.add_photo(inspection, cast.inspector, jpeg(), item=items["现场照片"])


def test_a_passed_inspection_has_its_weighted_score_and_no_findings(cast: Any, checklist: Any) -> None:
    inspection = _inspection(cast, checklist)
    services.start(inspection, cast.inspector, latitude="31.2304", longitude="121.4737", accuracy="12")
    _answer_all(cast, inspection)
    done = services.complete(inspection, cast.inspector, acknowledged_by="王经理", acknowledgement="认可")
    # (2*1 + 3*0.8 + 1*1 + 2*0.5 + 1*1) / 9: the remark and the photo are not scored
    assert done.score == Decimal("82.22") and done.passed is True
    assert done.acknowledged_at is not None and done.latitude == Decimal("31.230400")
    assert not Finding.objects.exists()


def test_a_failed_critical_item_fails_it_and_raises_findings_needing_action(
    cast: Any, checklist: Any
) -> None:
    inspection = _inspection(cast, checklist)
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection, 消防通道畅通="fail", 卫生间="脏")
    done = services.complete(inspection, cast.inspector)
    assert done.passed is False
    findings = {f.item.text: f for f in Finding.objects.select_related("item")}
    assert set(findings) == {"消防通道畅通", "卫生间"}
    assert findings["消防通道畅通"].severity == "critical"
    assert all(f.action_required and f.vendor_id == cast.vendor_a.pk for f in findings.values())


def test_answers_are_checked_and_a_bad_one_changes_nothing(cast: Any, checklist: Any) -> None:
    inspection = _inspection(cast, checklist)
    items = _items(inspection)
    with pytest.raises(DomainError):  # not started yet
        services.answer(inspection, cast.inspector, items["室温"], "20")
    services.start(inspection, cast.inspector)
    for text, bad in [("室温", "warm"), ("整洁程度", "9"), ("卫生间", "很脏"), ("地面无垃圾", "maybe")]:
        with pytest.raises(DomainError) as raised:
            services.answer(inspection, cast.inspector, items[text], bad)
        assert text in str(raised.value.message)
    assert not Answer.objects.exists()
    other = build_checklist(cast, "CLEAN-02").current_version().items.first()
    with pytest.raises(DomainError):
        services.answer(inspection, cast.inspector, other, "pass")


def test_an_inspection_cannot_be_completed_with_items_unanswered(cast: Any, checklist: Any) -> None:
    inspection = _inspection(cast, checklist)
    services.start(inspection, cast.inspector)
    items = _items(inspection)
    services.answer(inspection, cast.inspector, items["地面无垃圾"], "pass")
    with pytest.raises(DomainError) as raised:
        services.complete(inspection, cast.inspector)
    assert "整洁程度" in str(raised.value.message)
    assert Inspection.objects.get(pk=inspection.pk).status == "in_progress"
    services.answer(inspection, cast.inspector, items["整洁程度"], None, applicable=False)  # not applicable
    services.answer(inspection, cast.inspector, items["室温"], "30")
    services.answer(inspection, cast.inspector, items["卫生间"], "干净")
    services.answer(inspection, cast.inspector, items["消防通道畅通"], "pass")
    with pytest.raises(DomainError) as raised:  # the photo item needs a photo
        services.complete(inspection, cast.inspector)
    assert "现场照片" in str(raised.value.message)
    services.add_photo(inspection, cast.inspector, jpeg(), item=items["现场照片"])
    done = services.complete(inspection, cast.inspector)
    # (2*1 + 1*0 + 2*1 + 1*1) / 6 without the score item: above the pass mark, one minor finding
    assert done.passed is True and done.score == Decimal("83.33")
    assert [(f.item.text, f.action_required) for f in done.findings.all()] == [("室温", False)]


def test_photos_are_compressed_upright_and_without_metadata(cast: Any, checklist: Any) -> None:
    inspection = _inspection(cast, checklist)
    services.start(inspection, cast.inspector)
    photo = services.add_photo(inspection, cast.inspector, jpeg((4000, 3000)))
    with Image.open(photo.photo.path) as stored:
        assert max(stored.size) == files.PHOTO_SIDE and stored.format == "JPEG"
        assert not stored.getexif()
    for bad in (
        SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg"),
        SimpleUploadedFile("x.png", jpeg().read(), content_type="image/png"),  # a JPEG named .png
    ):
        with pytest.raises(Exception) as raised:
            services.add_photo(inspection, cast.inspector, bad)
        assert "JPEG" in str(raised.value) or "photo" in str(raised.value).lower()
    assert inspection.photos.count() == 1


def test_a_completed_inspection_is_corrected_by_a_new_revision(cast: Any, checklist: Any) -> None:
    inspection = _inspection(cast, checklist)
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection, 卫生间="脏")
    done = services.complete(inspection, cast.inspector)
    assert done.passed is False
    with pytest.raises(DomainError):
        services.answer(done, cast.inspector, _items(done)["卫生间"], "干净")  # never edited
    with pytest.raises(DomainError):
        services.correct(done, cast.inspector, "看错了")  # only a quality manager
    fresh = services.correct(done, cast.qm, "卫生间复核为一般")
    assert (
        fresh.revision == 2
        and fresh.supersedes_id == done.pk
        and fresh.answers.count() == done.answers.count()
    )
    services.answer(fresh, cast.inspector, _items(fresh)["卫生间"], "一般")
    again = services.complete(fresh, cast.inspector)
    assert again.passed is True and services.current(done) == again
    assert Inspection.objects.get(pk=done.pk).passed is False  # the original stays as it was
    with pytest.raises(DomainError):
        services.correct(done, cast.qm, "再改")


def test_versions_are_published_once_and_copied_into_the_next_draft(cast: Any, checklist: Any) -> None:
    first = checklist.current_version()
    assert first.number == 1 and first.status == "published"
    draft = services.new_version(checklist, cast.qm, "加一项")
    assert draft.number == 2 and draft.items.count() == first.items.count()
    assert services.new_version(checklist, cast.qm) == draft  # one draft at a time
    with pytest.raises(DomainError):
        services.publish_version(first, cast.qm)
    ChecklistItem.objects.filter(version=draft, kind="numeric").update(lower=30, upper=10)
    with pytest.raises(DomainError) as raised:
        services.publish_version(draft, cast.qm)
    assert "室温" in str(raised.value.message)
    ChecklistItem.objects.filter(version=draft, kind="numeric").update(lower=10, upper=30)
    services.publish_version(draft, cast.qm)
    assert checklist.current_version() == draft
    assert ChecklistVersion.objects.get(pk=first.pk).status == "retired"


def test_only_the_assigned_inspector_or_a_quality_manager_inspects(cast: Any, checklist: Any) -> None:
    from tests.conftest import make_user

    other = make_user("inspector_2", "inspector")
    inspection = _inspection(cast, checklist)
    for user in (other, cast.manager_a, cast.requester):
        with pytest.raises(DomainError):
            services.start(inspection, user)
    started = services.start(inspection, cast.qm, at=timezone.now() - datetime.timedelta(minutes=5))
    assert started.inspector == cast.inspector

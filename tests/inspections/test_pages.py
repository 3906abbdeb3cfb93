"""The inspection pages: checklists edited and published, plans, an inspection carried out through the phone
page (answers saved one by one, photos, completion), and bad input answered clearly without changing anything."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.inspections import services
from oqms.inspections.models import Answer, ChecklistItem, ChecklistTemplate, Inspection, InspectionPlan
from tests.core.helpers import listed_pks, page_client, xlsx_text
from tests.inspections.test_services import jpeg


def _scheduled(cast: Any, checklist: Any) -> Inspection:
    with audit.audit_context(actor=cast.qm, source="test"):
        return services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=timezone.now(),
            inspector=cast.inspector,
        )


def test_every_list_and_detail_renders_for_the_quality_manager(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    client = page_client(cast.qm, language="zh-hans")
    for name in ("checklisttemplate", "checklistversion", "inspectionplan", "inspection", "finding", "lot"):
        response = client.get(reverse(f"inspections:{name}_list"))
        assert response.status_code == 200, name
        assert client.get(reverse(f"inspections:{name}_export")).status_code == 200, name
    for obj in (checklist, checklist.current_version(), inspection):
        response = client.get(obj.get_absolute_url())
        assert response.status_code == 200
    assert inspection.number in xlsx_text(client.get(reverse("inspections:inspection_export")))


def test_a_checklist_is_written_in_a_draft_and_published(cast: Any) -> None:
    client = page_client(cast.qm)
    response = client.post(
        reverse("inspections:checklisttemplate_create"),
        {"code": "SEC-01", "name": "安保巡查", "service_type": cast.service_type.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(code="SEC-01")
    response = client.post(reverse("inspections:checklist_new_version", args=[template.pk]))
    version = template.versions.get()
    assert response.url == version.get_absolute_url() and version.status == "draft"
    client.post(
        reverse("inspections:version_section_add", args=[version.pk]), {"position": 1, "title": "门岗"}
    )
    section = version.sections.get()
    add = reverse("inspections:version_item_add", args=[version.pk])
    bad = client.post(
        add,
        {
            "section": section.pk,
            "position": 1,
            "text": "访客登记",
            "kind": "choice",
            "weight": 1,
            "severity": "minor",
            "choices_text": "完整 | 1",
        },
    )
    assert bad.status_code == 400 and "at least two choices" in bad.content.decode()
    bad = client.post(
        add,
        {
            "position": 2,
            "text": "温度",
            "kind": "numeric",
            "weight": 1,
            "severity": "minor",
            "lower": 30,
            "upper": 10,
        },
    )
    assert bad.status_code == 400 and not version.items.exists()
    bad = client.post(
        add,
        {
            "position": 3,
            "text": "x",
            "kind": "choice",
            "weight": 1,
            "severity": "minor",
            "choices_text": "好 | 2\n坏 | 0 | fail",
        },
    )
    assert bad.status_code == 400 and "Line 1" in bad.content.decode()
    ok = client.post(
        add,
        {
            "section": section.pk,
            "position": 1,
            "text": "访客登记",
            "kind": "choice",
            "weight": 2,
            "severity": "major",
            "choices_text": "完整 | 1\n部分 | 0.5\n没有 | 0 | fail",
        },
    )
    assert ok.status_code == 302
    item = version.items.get()
    assert item.choices[2] == {"label": "没有", "worth": 0.0, "passes": False}
    client.post(
        add,
        {
            "section": section.pk,
            "position": 2,
            "text": "岗位在岗",
            "kind": "pass_fail",
            "weight": 1,
            "severity": "critical",
            "critical": "on",
        },
    )
    response = client.post(reverse("inspections:version_publish", args=[version.pk]))
    version.refresh_from_db()
    assert version.status == "published" and template.current_version() == version
    # A published version is not edited through the pages either.
    client.post(reverse("inspections:version_item_edit", args=[version.pk, item.pk]), {"text": "改了"})
    assert ChecklistItem.objects.get(pk=item.pk).text == "访客登记"
    assert (
        client.post(reverse("inspections:version_item_delete", args=[version.pk, item.pk])).status_code == 302
    )
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_a_plan_made_on_its_page_schedules_its_inspections(cast: Any, checklist: Any) -> None:
    client = page_client(cast.qm)
    data = {
        "name": "每周一检查",
        "kind": "periodic",
        "contract": cast.contract_a.pk,
        "template": checklist.pk,
        "start_date": timezone.localdate().isoformat(),
        "time_of_day": "10:00",
        "window_hours": 8,
        "per_period": 0,
        "period": "month",
        "assign_by": "rotation",
        "remind_hours": 24,
        "is_active": "on",
        "rule_kind": "weekly",
        "weekdays": ["0"],
        "inspectors-TOTAL_FORMS": "1",
        "inspectors-INITIAL_FORMS": "0",
        "inspectors-0-inspector": cast.inspector.pk,
        "inspectors-0-site": "",
    }
    bad = client.post(reverse("inspections:inspectionplan_create"), data | {"weekdays": []})
    assert bad.status_code == 400 and not InspectionPlan.objects.exists()
    response = client.post(reverse("inspections:inspectionplan_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = InspectionPlan.objects.get()
    assert plan.rule == {"kind": "weekly", "weekdays": [0]} and len(plan.seed) == 32
    assert plan.inspections.count() >= 2 and all(
        r.inspector_id == cast.inspector.pk for r in plan.inspections.all()
    )
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "every week on Monday" in page


def test_an_inspection_is_carried_out_through_the_phone_page(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    client = page_client(cast.inspector)
    response = client.post(
        reverse("inspections:inspection_start", args=[inspection.pk]),
        {"latitude": "31.2", "longitude": "121.5", "accuracy": "20"},
    )
    assert response.url == reverse("inspections:inspection_perform", args=[inspection.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    items = {item.text: item for item in inspection.version.ordered_items()}
    answer_url = reverse("inspections:inspection_answer", args=[inspection.pk])
    hx = {"HTTP_HX_REQUEST": "true"}
    bad = client.post(answer_url, {"item": items["室温"].pk, "value": "很热"}, **hx)
    assert bad.status_code == 400 and "Enter a number" in bad.content.decode()
    assert not Answer.objects.exists()
    for text, value in [
        ("地面无垃圾", "pass"),
        ("整洁程度", "5"),
        ("室温", "21"),
        ("卫生间", "干净"),
        ("消防通道畅通", "pass"),
    ]:
        saved = client.post(answer_url, {"item": items[text].pk, "value": value, "note": ""}, **hx)
        assert saved.status_code == 200 and f'id="item-{items[text].pk}"' in saved.content.decode()
    client.post(answer_url, {"item": items["备注"].pk, "value": "<script>alert(1)</script>"}, **hx)
    photo_url = reverse("inspections:inspection_photo", args=[inspection.pk])
    bad_photo = client.post(photo_url, {"item": items["现场照片"].pk, "photo": jpeg(name="x.gif")}, **hx)
    assert bad_photo.status_code == 400
    ok_photo = client.post(photo_url, {"item": items["现场照片"].pk, "photo": jpeg()}, **hx)
    assert ok_photo.status_code == 200 and "<img" in ok_photo.content.decode()
    assert (
        client.post(
            reverse("inspections:inspection_answer", args=[inspection.pk]), {"item": 999999}
        ).status_code
        == 404
    )
    done = client.post(
        reverse("inspections:inspection_complete", args=[inspection.pk]),
        {"acknowledged_by": "王经理", "acknowledgement": "确认", "summary": ""},
    )
    assert done.url == inspection.get_absolute_url()
    inspection.refresh_from_db()
    assert inspection.status == "completed" and inspection.passed and inspection.score == 100
    detail = client.get(inspection.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert(1)" not in detail


def test_completing_with_items_unanswered_says_which_and_changes_nothing(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    services.start(inspection, cast.inspector)
    client = page_client(cast.inspector)
    response = client.post(reverse("inspections:inspection_complete", args=[inspection.pk]), {}, follow=True)
    assert "地面无垃圾" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == "in_progress"


def test_cancel_and_correct_from_the_page(cast: Any, checklist: Any) -> None:
    inspection = _scheduled(cast, checklist)
    client = page_client(cast.qm)
    url = reverse("inspections:inspection_cancel", args=[inspection.pk])
    client.post(url, {"reason": ""})
    assert Inspection.objects.get(pk=inspection.pk).status == "scheduled"  # a reason is needed
    client.post(url, {"reason": "现场施工，改期"})
    assert Inspection.objects.get(pk=inspection.pk).status == "cancelled"
    assert client.post(reverse("inspections:inspection_start", args=[inspection.pk])).status_code == 302
    assert Inspection.objects.get(pk=inspection.pk).status == "cancelled"


def test_vendor_users_see_only_their_own_inspections_and_never_the_plans(cast: Any, checklist: Any) -> None:
    mine = _scheduled(cast, checklist)
    services.start(mine, cast.inspector)
    services.add_photo(mine, cast.inspector, jpeg())
    photo_url = mine.photos.get().photo.url
    with audit.audit_context(actor=cast.qm, source="test"):
        theirs = services.create(
            contract=cast.contract_b, site=cast.site, template=checklist, scheduled_for=timezone.now()
        )
    b = page_client(cast.manager_b)
    assert mine.pk not in listed_pks(b.get(reverse("inspections:inspection_list")))
    assert theirs.pk in listed_pks(b.get(reverse("inspections:inspection_list")))
    assert b.get(mine.get_absolute_url()).status_code == 404
    assert b.get(reverse("inspections:inspection_perform", args=[mine.pk])).status_code == 404
    assert b.get(photo_url).status_code == 404
    assert mine.number not in xlsx_text(b.get(reverse("inspections:inspection_export")))
    assert b.post(reverse("inspections:inspection_answer", args=[mine.pk]), {"item": 1}).status_code in {
        403,
        404,
    }
    assert b.get(reverse("inspections:inspectionplan_list")).status_code == 403
    a = page_client(cast.manager_a)
    assert a.get(photo_url).status_code == 200
    assert a.get(mine.get_absolute_url()).status_code == 200
    page = a.get(mine.get_absolute_url()).content.decode()
    assert 'id="start-inspection"' not in page and 'id="continue-inspection"' not in page
    # Vendor users cannot carry out or correct inspections.
    assert a.post(reverse("inspections:inspection_complete", args=[mine.pk]), {}).status_code in {403, 404}
    assert Inspection.objects.get(pk=mine.pk).status == "in_progress"
    since = timezone.now() - datetime.timedelta(days=1)
    assert Inspection.objects.filter(created_at__gte=since).count() == 2


def test_a_lot_is_opened_decided_and_switches_through_the_pages(cast: Any) -> None:
    from oqms.inspections.models import Lot, SamplingState

    client = page_client(cast.qm)
    new = reverse("inspections:lot_create")
    assert client.get(new).status_code == 200
    base = {
        "contract": cast.contract_a.pk,
        "service_type": cast.service_type.pk,
        "kind": "batch",
        "aql": "1.0",
        "level": "II",
        "description": "灯具",
    }
    bad = client.post(new, base | {"lot_size": ""})
    assert bad.status_code == 400 and not Lot.objects.exists()
    bad = client.post(new, base | {"lot_size": "1000", "aql": "2.0"})
    assert bad.status_code == 400 and not Lot.objects.exists()
    response = client.post(new, base | {"lot_size": "1000"})
    lot = Lot.objects.get()
    assert response.url == lot.get_absolute_url()
    page = client.get(lot.get_absolute_url()).content.decode()
    assert "code letter J: inspect 80" in page and 'id="decide-lot"' in page
    client.post(reverse("inspections:lot_decide", args=[lot.pk]), {"nonconforming": "x"})
    assert Lot.objects.get(pk=lot.pk).status == "open"
    client.post(reverse("inspections:lot_decide", args=[lot.pk]), {"nonconforming": "3"})
    assert Lot.objects.get(pk=lot.pk).status == "rejected"
    state = SamplingState.objects.get()
    page = client.get(state.get_absolute_url()).content.decode()
    assert "lot not accepted" in page and lot.number in page
    assert (
        client.post(reverse("inspections:samplingstate_switch", args=[state.pk, "resume"])).status_code == 302
    )
    assert SamplingState.objects.get().state["state"] == "normal"  # refused: not discontinued
    assert (
        client.post(reverse("inspections:samplingstate_switch", args=[state.pk, "bogus"])).status_code == 404
    )
    b = page_client(cast.manager_b)
    assert b.get(lot.get_absolute_url()).status_code == 404
    assert b.get(state.get_absolute_url()).status_code == 404
    assert lot.pk not in listed_pks(b.get(reverse("inspections:lot_list")))
    a = page_client(cast.manager_a)
    assert a.get(lot.get_absolute_url()).status_code == 200
    assert a.post(reverse("inspections:lot_decide", args=[lot.pk]), {"nonconforming": "0"}).status_code == 404
    assert a.get(new).status_code == 403


def test_every_inspection_list_and_export_is_scoped_to_the_vendor(cast: Any, checklist: Any) -> None:
    from decimal import Decimal

    from oqms.inspections import lots
    from oqms.inspections.models import Finding, SamplingState

    inspection = _scheduled(cast, checklist)
    services.start(inspection, cast.inspector)
    items = {item.text: item for item in inspection.version.ordered_items()}
    for text, value in [
        ("地面无垃圾", "fail"),
        ("整洁程度", "1"),
        ("室温", "20"),
        ("卫生间", "脏"),
        ("消防通道畅通", "fail"),
    ]:
        services.answer(inspection, cast.inspector, items[text], value)
    services.add_photo(inspection, cast.inspector, jpeg(), item=items["现场照片"])
    services.complete(inspection, cast.inspector)
    lot = lots.open_lot(
        user=cast.qm,
        contract=cast.contract_a,
        service_type=cast.service_type,
        aql=Decimal("1.0"),
        kind="batch",
        lot_size=300,
    )
    records = {
        "inspection": inspection,
        "finding": Finding.objects.first(),
        "lot": lot,
        "samplingstate": SamplingState.objects.get(),
    }
    for intruder in (cast.manager_b, cast.staff_b, cast.staff_a):
        client = page_client(intruder)
        for name, obj in records.items():
            listing = client.get(reverse(f"inspections:{name}_list"))
            assert listing.status_code == 403 or obj.pk not in listed_pks(listing), (intruder, name)
            export = client.get(reverse(f"inspections:{name}_export"))
            assert export.status_code == 403 or cast.contract_a.number not in xlsx_text(export), (
                intruder,
                name,
            )
            assert client.get(obj.get_absolute_url()).status_code in {403, 404}, (intruder, name)
    owner = page_client(cast.manager_a)
    for name, obj in records.items():
        assert obj.pk in listed_pks(owner.get(reverse(f"inspections:{name}_list"))), name


def test_the_home_page_lists_the_inspectors_coming_inspections(cast: Any, checklist: Any) -> None:
    from tests.conftest import make_user

    mine = _scheduled(cast, checklist)
    with audit.audit_context(actor=cast.qm, source="test"):
        other = services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=timezone.now(),
            inspector=make_user("inspector_2", "inspector"),
        )
    page = page_client(cast.inspector, language="zh-hans").get("/")
    assert [row.pk for row in page.context["inspections"]] == [mine.pk]
    assert "未来 7 天的检查" in page.content.decode()
    assert {row.pk for row in page_client(cast.qm).get("/").context["inspections"]} == {mine.pk, other.pk}

"""Nonconformances and the corrective action request workflow, through the services."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from oqms.capa import services, workflow
from oqms.capa.models import ActionItem, CorrectiveAction, Nonconformance, ScarEvent
from oqms.core.errors import DomainError
from oqms.notify.models import Notification
from tests.capa.conftest import make_category, raise_nc, through_plan


def test_a_nonconformance_gets_due_dates_by_severity_and_the_vendor_is_told(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category, severity="critical")
    assert nc.number.startswith("NC") and nc.status == "open" and nc.repeat_of is None
    assert nc.severity == nc.reported_severity == "critical"
    # the migrated rule for critical: contain within 24 h, close within 15 days
    assert nc.containment_due_at - nc.detected_at == datetime.timedelta(hours=24)
    assert nc.due_at - nc.detected_at == datetime.timedelta(days=15)
    assert nc.owner == cast.qm and nc.raised_by == cast.qm and nc.source == "manual"
    told = Notification.objects.get(recipient=cast.manager_a, kind="nc_raised")
    assert told.key == f"nc-raised:{nc.pk}"
    assert not Notification.objects.filter(recipient=cast.manager_b).exists()


def test_a_repeat_within_the_window_is_linked_and_its_severity_raised(
    cast: Any, category: Any, settings: Any
) -> None:
    settings.OQMS_NC_REPEAT_DAYS = 30
    now = timezone.now()
    first = raise_nc(cast, category, severity="minor", detected_at=now - datetime.timedelta(days=40))
    second = raise_nc(cast, category, severity="minor", detected_at=now - datetime.timedelta(days=20))
    third = raise_nc(cast, category, severity="major", detected_at=now)
    assert first.repeat_of is None  # 20 days before the second is inside, 40 before the third is not
    assert second.repeat_of == first and second.severity == "major" and second.reported_severity == "minor"
    assert third.repeat_of == second and third.severity == "critical"
    # the raised severity sets the deadlines
    assert third.due_at - third.detected_at == datetime.timedelta(days=15)
    # another category, another vendor, or a cancelled earlier one: no repeat
    other = raise_nc(cast, make_category("late", "响应超时"), severity="minor")
    assert other.repeat_of is None and other.severity == "minor"
    b = raise_nc(cast, category, vendor=cast.vendor_b, contract=cast.contract_b, severity="minor")
    assert b.repeat_of is None
    services.cancel(b, cast.qm, "登记错了供应商")
    again = raise_nc(cast, category, vendor=cast.vendor_b, contract=cast.contract_b, severity="minor")
    assert again.repeat_of is None


def test_bad_input_raises_nothing(cast: Any, category: Any) -> None:
    before = Nonconformance.objects.count()
    for extra in (
        {"severity": "huge"},
        {"contract": cast.contract_b},  # vendor A with vendor B's contract
        {"title": "  "},
        {"detected_at": timezone.now() + datetime.timedelta(days=2)},
    ):
        with pytest.raises(DomainError):
            raise_nc(cast, category, **extra)
    category.is_active = False
    category.save()
    with pytest.raises(DomainError):
        raise_nc(cast, category)
    for user in (cast.manager_a, cast.requester, cast.staff_a):
        with pytest.raises(DomainError):
            services.raise_nonconformance(
                user,
                title="x",
                description="y",
                vendor=cast.vendor_a,
                category=make_category("x-" + user.username),
                severity="minor",
            )
    assert Nonconformance.objects.count() == before


def test_the_whole_lifecycle_with_one_rejection(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    scar = workflow.issue(nc, cast.qm, "请在 2 天内确认并提交根因分析", verify_after_days=0)
    nc.refresh_from_db()
    assert nc.status == "action" and scar.status == "issued" and scar.number.startswith("SCAR")
    assert Notification.objects.filter(recipient=cast.manager_a, kind="scar_issued").count() == 1
    with pytest.raises(DomainError):  # one open request per nonconformance
        workflow.issue(nc, cast.qm)
    scar = through_plan(cast, scar)
    assert scar.status == "planned" and scar.why_chain[0].startswith("为什么没清洁")
    with pytest.raises(DomainError):  # the actions are not done
        workflow.implement(scar, cast.manager_a, "已完成")
    for item in scar.items.all():
        workflow.complete_item(item, cast.manager_a, "已执行")
    scar = workflow.implement(scar, cast.manager_a, "新排班表已执行，见附件")
    assert scar.status == "implemented" and scar.verify_from == timezone.localdate()
    assert Notification.objects.filter(recipient=cast.qm, kind="scar_implemented").exists()

    scar = workflow.verify(scar, cast.qm, False, "复查时仍发现 2 次漏扫")
    assert scar.status == "analysed" and scar.round == 2 and scar.implemented_at is None
    nc.refresh_from_db()
    assert nc.status == "action"
    returned = Notification.objects.get(recipient=cast.manager_a, kind="scar_returned")
    assert "漏扫" in returned.params["reason"]
    # round 2: the earlier actions stay on record; a new one is added and done
    with pytest.raises(DomainError):
        workflow.remove_item(scar.items.first(), cast.manager_a)
    workflow.add_item(
        scar, cast.manager_a, "corrective", "增加 14:00 巡查打卡", "李主管", timezone.localdate()
    )
    scar = workflow.submit_plan(scar, cast.manager_a)
    new = scar.items.get(round=2)
    workflow.complete_item(new, cast.manager_a, "打卡表已上墙")
    scar = workflow.implement(scar, cast.manager_a, "巡查打卡已执行两周")
    scar = workflow.verify(scar, cast.qm, True, "连续两周抽查无漏扫")
    nc.refresh_from_db()
    assert scar.status == "closed" and scar.closed_at and nc.status == "closed" and nc.closed_at
    assert list(scar.events.values_list("action", flat=True)) == [
        "issued",
        "acknowledged",
        "analysed",
        "planned",
        "item_done",
        "item_done",
        "implemented",
        "not_effective",
        "planned",
        "item_done",
        "implemented",
        "closed",
    ]
    # and every step that changed the row is in its audit trail: the request, then 8 changes of status
    from oqms.core.models import AuditEntry

    trail = AuditEntry.objects.filter(content_type__model="correctiveaction", object_id=str(scar.pk))
    assert trail.count() == 9


def test_each_side_takes_only_its_own_steps(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    with pytest.raises(DomainError):
        workflow.issue(nc, cast.manager_a)
    with pytest.raises(DomainError):
        workflow.issue(nc, cast.inspector)
    scar = workflow.issue(nc, cast.qm, verify_after_days=0)
    for user in (cast.qm, cast.manager_b, cast.staff_a, cast.inspector, cast.assessor):
        with pytest.raises(DomainError):
            workflow.acknowledge(scar, user)
    scar = through_plan(cast, scar)
    for item in scar.items.all():
        workflow.complete_item(item, cast.manager_a, "已执行")
    scar = workflow.implement(scar, cast.manager_a, "已完成")
    for user in (cast.manager_a, cast.inspector, cast.assessor):
        with pytest.raises(DomainError):
            workflow.verify(scar, user, True, "自己验证")
    scar.refresh_from_db()
    assert scar.status == "implemented"


def test_verification_waits_for_the_set_period(cast: Any, category: Any) -> None:
    scar = workflow.issue(raise_nc(cast, category), cast.qm, verify_after_days=30)
    scar = through_plan(cast, scar)
    for item in scar.items.all():
        workflow.complete_item(item, cast.manager_a, "已执行")
    scar = workflow.implement(scar, cast.manager_a, "已完成")
    assert scar.verify_from == timezone.localdate() + datetime.timedelta(days=30)
    with pytest.raises(DomainError) as raised:
        workflow.verify(scar, cast.qm, True, "看起来可以")
    assert raised.value.code == "too_early"
    scar.refresh_from_db()
    assert scar.status == "implemented"


def test_the_plan_and_root_cause_are_checked(cast: Any, category: Any) -> None:
    scar = workflow.issue(raise_nc(cast, category), cast.qm)
    scar = workflow.acknowledge(scar, cast.manager_a)
    with pytest.raises(DomainError):
        workflow.analyse(scar, cast.manager_a, ["", "  "], "manpower", "原因")
    with pytest.raises(DomainError):
        workflow.analyse(scar, cast.manager_a, ["a"] * 8, "manpower", "原因")
    with pytest.raises(DomainError):
        workflow.analyse(scar, cast.manager_a, ["人手不足"], "luck", "原因")
    with pytest.raises(DomainError):  # the plan comes after the root cause
        workflow.submit_plan(scar, cast.manager_a)
    scar = workflow.analyse(scar, cast.manager_a, ["人手不足"], "manpower", "排班不足")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(DomainError):
        workflow.add_item(scar, cast.manager_a, "corrective", "补人", "李", yesterday)
    with pytest.raises(DomainError):
        workflow.add_item(scar, cast.manager_a, "corrective", "", "李", timezone.localdate())
    workflow.add_item(scar, cast.manager_a, "preventive", "培训", "李", timezone.localdate())
    with pytest.raises(DomainError):  # a preventive action alone is not a plan
        workflow.submit_plan(scar, cast.manager_a)
    assert ActionItem.objects.count() == 1
    # the quality manager sends a root cause back: the vendor analyses again
    scar = workflow.send_back(scar, cast.qm, "根因只是表象，请继续追问")
    assert scar.status == "acknowledged"
    assert Notification.objects.filter(recipient=cast.manager_a, kind="scar_returned").count() == 1


def test_overdue_stages_are_escalated_once_however_often_the_job_runs(cast: Any, category: Any) -> None:
    contract = cast.contract_a
    contract.owner = cast.admin
    contract.save()
    scar = workflow.issue(raise_nc(cast, category), cast.qm)
    later = scar.acknowledge_due_at + datetime.timedelta(minutes=1)
    assert workflow.escalate_overdue(scar.acknowledge_due_at - datetime.timedelta(minutes=1)) == 0
    assert [workflow.escalate_overdue(later) for _ in range(3)] == [1, 0, 0]
    kinds = Notification.objects.filter(kind="scar_overdue")
    assert sorted(kinds.values_list("recipient__username", flat=True)) == ["admin", "manager_a", "qm"]
    assert ScarEvent.objects.filter(action="escalated").count() == 1
    # the next stage, late too, is escalated once more; its own key
    scar = workflow.acknowledge(scar, cast.manager_a)
    much_later = scar.plan_due_at + datetime.timedelta(hours=1)
    assert [workflow.escalate_overdue(much_later) for _ in range(2)] == [1, 0]
    assert kinds.count() == 6
    assert kinds.filter(recipient=cast.manager_a).order_by("pk").last().params["stage"] == "plan"
    assert not Notification.objects.filter(kind="scar_overdue", recipient=cast.manager_b).exists()


def test_cancelling_reopens_the_nonconformance_for_a_new_request(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    scar = workflow.issue(nc, cast.qm)
    with pytest.raises(DomainError):
        services.close(nc, cast.qm, "不需要")  # its request is open
    with pytest.raises(DomainError):
        workflow.cancel(scar, cast.qm, " ")
    workflow.cancel(scar, cast.qm, "发错了")
    nc.refresh_from_db()
    assert nc.status == "open"
    second = workflow.issue(nc, cast.qm)
    assert CorrectiveAction.objects.filter(nonconformance=nc).count() == 2 and second.status == "issued"


def test_containment_is_recorded_by_the_vendor(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    for user in (cast.manager_b, cast.staff_a, cast.inspector):
        with pytest.raises(DomainError):
            services.contain(nc, user, "已处理")
    with pytest.raises(DomainError):
        services.contain(nc, cast.manager_a, "")
    nc = services.contain(nc, cast.manager_a, "已清理并放置警示牌")
    assert nc.containment_done_at and not nc.containment_overdue
    with pytest.raises(DomainError):
        services.contain(nc, cast.manager_a, "again")


def test_comments_go_to_the_other_side(cast: Any, category: Any) -> None:
    scar = workflow.issue(raise_nc(cast, category), cast.qm)
    workflow.comment(scar, cast.manager_a, "能否延期一周？")
    assert Notification.objects.filter(recipient=cast.qm, kind="scar_comment").count() == 1
    workflow.comment(scar, cast.qm, "可以，请在计划中写明")
    assert Notification.objects.filter(recipient=cast.manager_a, kind="scar_comment").count() == 1
    for user in (cast.manager_b, cast.staff_a, cast.requester):
        with pytest.raises(DomainError):
            workflow.comment(scar, user, "插话")
    with pytest.raises(DomainError):
        workflow.comment(scar, cast.qm, "  ")
    assert scar.comments.count() == 2

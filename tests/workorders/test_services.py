"""Work order services: the workflow state machine, its rules per role, clocks, events, numbers and SLA states."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from oqms.contracts import sla
from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.core.models import AuditEntry
from oqms.workorders import clock, services
from oqms.workorders.models import WorkOrder
from oqms.workorders.services import WorkflowError

STATES = ["new", "assigned", "in_progress", "paused", "resolved", "closed"]
ACTIONS = ["assign", "start", "pause", "resume", "resolve", "close", "reopen"]
SOURCES = {
    "assign": {"new", "assigned"},
    "start": {"assigned"},
    "pause": {"in_progress"},
    "resume": {"paused"},
    "resolve": {"in_progress"},
    "close": {"resolved"},
    "reopen": {"resolved", "closed"},
}


def bring_to(cast: Any, state: str, work_order: Any = None) -> Any:
    """Walk a work order of vendor A to ``state`` as the quality manager (and the requester to close)."""
    wo = work_order or cast.wo_a
    path = {
        "new": [],
        "assigned": ["assign"],
        "in_progress": ["assign", "start"],
        "paused": ["assign", "start", "pause"],
        "resolved": ["assign", "start", "resolve"],
        "closed": ["assign", "start", "resolve", "close"],
    }[state]
    with audit.audit_context(actor=cast.qm, source="test"):
        for action in path:
            wo = run(cast, action, wo, cast.requester if action == "close" else cast.qm)
    assert wo.status == state
    return wo


def run(cast: Any, action: str, wo: Any, user: Any, at: Any = None) -> Any:
    """Call the service for ``action`` with valid inputs, so only the workflow rules can refuse it."""
    if action == "assign":
        return services.assign(wo, user, cast.staff_a, at=at)
    if action == "start":
        return services.start(wo, user, at=at)
    if action == "pause":
        return services.pause(wo, user, "awaiting_parts", at=at)
    if action == "resume":
        return services.resume(wo, user, at=at)
    if action == "resolve":
        return services.resolve(wo, user, "更换了硒鼓", at=at)
    if action == "close":
        return services.close(wo, user, 5, "很好", at=at)
    return services.reopen(wo, user, "又卡纸了", at=at)


def snapshot(wo: Any) -> tuple[Any, ...]:
    fresh = WorkOrder.objects.get(pk=wo.pk)
    return (
        fresh.status,
        fresh.assignee_id,
        fresh.updated_at,
        fresh.resolution_due_at,
        fresh.paused_seconds,
        fresh.reopen_count,
        fresh.rating,
        fresh.events.count(),
        AuditEntry.objects.count(),
    )


def expected_actions(role: str, state: str) -> set[str]:
    possible = {a for a in ACTIONS if state in SOURCES[a]}
    if role in {"qm", "admin"}:
        return possible
    if role == "manager_a":
        return possible & {"assign", "start", "pause", "resume", "resolve"}
    if role == "staff_a":  # the assignee (from "assigned" on)
        return possible & {"start", "pause", "resume", "resolve"} if state != "new" else set()
    if role == "requester":
        return possible & {"close", "reopen"}
    return set()  # another vendor, an unassigned colleague, inspectors, assessors


ROLES = ["qm", "admin", "manager_a", "staff_a", "requester", "manager_b", "staff_b", "inspector", "assessor"]


@pytest.mark.parametrize("state", STATES)
def test_allowed_actions_per_role_and_state(cast: Any, state: str) -> None:
    wo = bring_to(cast, state)
    for role in ROLES:
        user = getattr(cast, role)
        assert set(services.allowed_actions(wo, user)) == expected_actions(role, state), role


def test_colleague_who_is_not_the_assignee_has_no_actions(cast: Any) -> None:
    from tests.conftest import make_user

    colleague = make_user("staff_a2", "vendor_staff", cast.vendor_a)
    wo = bring_to(cast, "in_progress")
    assert services.allowed_actions(wo, colleague) == []
    with pytest.raises(WorkflowError):
        services.pause(wo, colleague, "awaiting_parts")


def test_inactive_user_has_no_actions(cast: Any) -> None:
    wo = bring_to(cast, "resolved")
    cast.qm.is_active = False
    assert services.allowed_actions(wo, cast.qm) == []


@pytest.mark.parametrize("state", STATES)
def test_every_illegal_transition_raises_and_changes_nothing(cast: Any, state: str) -> None:
    wo = bring_to(cast, state)
    for action in ACTIONS:
        if state in SOURCES[action]:
            continue
        before = snapshot(wo)
        with pytest.raises(WorkflowError) as caught:
            run(cast, action, wo, cast.qm)
        assert caught.value.code == "transition_not_allowed" and caught.value.status_code == 409
        assert snapshot(wo) == before, action


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        ("resolved", "close", "manager_a"),
        ("resolved", "close", "staff_a"),
        ("new", "assign", "staff_a"),
        ("assigned", "start", "requester"),
        ("in_progress", "resolve", "manager_b"),
        ("closed", "reopen", "manager_a"),
        ("in_progress", "pause", "inspector"),
        ("resolved", "reopen", "assessor"),
        ("new", "assign", "requester"),
    ],
)
def test_roles_outside_the_rules_are_refused(cast: Any, state: str, action: str, role: str) -> None:
    wo = bring_to(cast, state)
    before = snapshot(wo)
    with pytest.raises(WorkflowError):
        run(cast, action, wo, getattr(cast, role))
    assert snapshot(wo) == before


def test_refusal_message_names_the_step_and_the_state(cast: Any) -> None:
    from django.utils import translation

    from oqms.workorders import choices

    with translation.override("en"):
        with pytest.raises(WorkflowError) as caught:
            services.start(cast.wo_a, cast.qm)
        message = str(caught.value.message)
        names = {str(choices.Action.START.label), str(getattr(choices, "ACTION_VERBS", {}).get("start", ""))}
        assert message.endswith("is not possible for you on a work order that is New.")
        assert any(name and message.startswith(name) for name in names), message


def test_assign_rejects_people_outside_the_vendor(cast: Any) -> None:
    from tests.conftest import make_user

    gone = make_user("staff_gone", "vendor_staff", cast.vendor_a, is_active=False)
    for wrong in (None, cast.staff_b, cast.qm, cast.requester, gone):
        before = snapshot(cast.wo_a)
        with pytest.raises(DomainError) as caught:
            services.assign(cast.wo_a, cast.qm, wrong)
        assert caught.value.code == "bad_assignee"
        assert snapshot(cast.wo_a) == before
    wo = services.assign(cast.wo_a, cast.qm, cast.manager_a)  # a manager may take it on themselves
    assert wo.assignee == cast.manager_a and wo.assigned_at is not None


def test_reassigning_keeps_the_state(cast: Any) -> None:
    from tests.conftest import make_user

    other = make_user("staff_a2", "vendor_staff", cast.vendor_a)
    wo = bring_to(cast, "assigned")
    wo = services.assign(wo, cast.manager_a, other)
    assert (wo.status, wo.assignee) == ("assigned", other)


def test_pause_needs_a_reason_and_a_note_for_other(cast: Any) -> None:
    wo = bring_to(cast, "in_progress")
    for reason, note, code in (
        ("", "", "pause_reason"),
        ("coffee", "", "pause_reason"),
        ("other", "", "pause_note"),
        ("other", "   ", "pause_note"),
    ):
        before = snapshot(wo)
        with pytest.raises(DomainError) as caught:
            services.pause(wo, cast.staff_a, reason, note)
        assert caught.value.code == code
        assert snapshot(wo) == before
    at = timezone.now()
    wo = services.pause(wo, cast.staff_a, "other", "等待客户确认方案", at=at)
    assert (wo.status, wo.pause_reason, wo.paused_at) == ("paused", "other", at)
    assert wo.events.last().note == "等待客户确认方案"


def test_resume_moves_the_resolution_due_time_by_the_paused_time(cast: Any) -> None:
    wo = bring_to(cast, "in_progress")
    due = wo.resolution_due_at
    t0 = timezone.now()
    wo = services.pause(wo, cast.staff_a, "awaiting_requester", at=t0)
    wo = services.resume(wo, cast.staff_a, at=t0 + datetime.timedelta(minutes=90))
    assert wo.status == "in_progress" and wo.paused_at is None and wo.pause_reason == ""
    assert wo.paused_seconds == 90 * 60
    assert wo.resolution_due_at == due + datetime.timedelta(minutes=90)
    # A second pause adds up.
    t1 = t0 + datetime.timedelta(hours=3)
    wo = services.pause(wo, cast.staff_a, "access", at=t1)
    wo = services.resume(wo, cast.staff_a, at=t1 + datetime.timedelta(seconds=45))
    assert wo.paused_business_seconds == 90 * 60 + 45
    assert wo.paused_seconds == 90 * 60 + 45
    assert wo.resolution_due_at == due + datetime.timedelta(minutes=90, seconds=45)
    assert WorkOrder.objects.get(pk=wo.pk).resolution_due_at == wo.resolution_due_at


def test_resume_of_a_work_order_that_is_not_paused_changes_nothing(cast: Any) -> None:
    wo = bring_to(cast, "in_progress")
    before = snapshot(wo)
    with pytest.raises(WorkflowError):
        services.resume(wo, cast.qm, at=timezone.now() + datetime.timedelta(hours=5))
    assert snapshot(wo) == before


def test_start_records_the_first_response_only(cast: Any) -> None:
    t0 = timezone.now()
    wo = bring_to(cast, "assigned")
    wo = services.start(wo, cast.staff_a, at=t0)
    assert wo.responded_at == t0
    wo = services.resolve(wo, cast.staff_a, "修好了", at=t0 + datetime.timedelta(hours=1))
    wo = services.reopen(wo, cast.requester, "没修好")
    wo = services.start(wo, cast.staff_a, at=t0 + datetime.timedelta(hours=2))
    assert wo.responded_at == t0


def test_resolve_needs_a_note_and_sets_the_time(cast: Any) -> None:
    wo = bring_to(cast, "in_progress")
    before = snapshot(wo)
    with pytest.raises(DomainError) as caught:
        services.resolve(wo, cast.staff_a, "  ")
    assert caught.value.code == "resolution_note" and snapshot(wo) == before
    at = timezone.now()
    wo = services.resolve(wo, cast.staff_a, "更换了定影器", at=at)
    assert (wo.status, wo.resolved_at, wo.resolution_note) == ("resolved", at, "更换了定影器")


@pytest.mark.parametrize("rating", [0, 6, -1, "abc", None, "", "5 stars"])
def test_close_needs_a_rating_from_one_to_five(cast: Any, rating: Any) -> None:
    wo = bring_to(cast, "resolved")
    before = snapshot(wo)
    with pytest.raises(DomainError) as caught:
        services.close(wo, cast.requester, rating)
    assert caught.value.code == "rating"
    assert snapshot(wo) == before


@pytest.mark.parametrize(
    ("closer", "rating"), [("requester", 1), ("requester", "5"), ("qm", 3), ("admin", 4)]
)
def test_close_by_the_requester_or_quality(cast: Any, closer: str, rating: Any) -> None:
    wo = bring_to(cast, "resolved")
    at = timezone.now()
    wo = services.close(wo, getattr(cast, closer), rating, "服务及时", at=at)
    assert (wo.status, wo.rating, wo.closed_at, wo.rating_comment) == ("closed", int(rating), at, "服务及时")


def test_reopen_goes_back_to_the_assignee_and_counts(cast: Any) -> None:
    wo = bring_to(cast, "closed")
    with pytest.raises(DomainError) as caught:
        services.reopen(wo, cast.requester, " ")
    assert caught.value.code == "reopen_reason"
    wo = services.reopen(wo, cast.requester, "问题复现")
    assert (wo.status, wo.assignee, wo.reopen_count) == ("assigned", cast.staff_a, 1)
    assert (wo.resolved_at, wo.closed_at, wo.rating, wo.rating_comment) == (None, None, None, "")
    wo = run(cast, "start", wo, cast.staff_a)
    wo = run(cast, "resolve", wo, cast.staff_a)
    wo = services.reopen(wo, cast.qm, "质量抽检不合格")  # straight from resolved, by quality
    assert (wo.status, wo.reopen_count) == ("assigned", 2)


def test_events_record_every_step_with_its_actor(cast: Any) -> None:
    wo = cast.wo_a
    steps = [
        ("assign", cast.manager_a),
        ("start", cast.staff_a),
        ("pause", cast.staff_a),
        ("resume", cast.staff_a),
        ("resolve", cast.staff_a),
        ("close", cast.requester),
        ("reopen", cast.requester),
    ]
    for action, user in steps:
        wo = run(cast, action, wo, user)
    events = list(wo.events.order_by("at", "pk"))
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in events] == [
        ("create", "", "new", cast.requester),
        ("assign", "new", "assigned", cast.manager_a),
        ("start", "assigned", "in_progress", cast.staff_a),
        ("pause", "in_progress", "paused", cast.staff_a),
        ("resume", "paused", "in_progress", cast.staff_a),
        ("resolve", "in_progress", "resolved", cast.staff_a),
        ("close", "resolved", "closed", cast.requester),
        ("reopen", "closed", "assigned", cast.requester),
    ]
    assert events[1].note == str(cast.staff_a)  # the assignment names the assignee
    assert events[5].note == "更换了硒鼓" and events[7].note == "又卡纸了"


def test_numbers_are_unique_and_sequential(cast: Any) -> None:
    created = [
        services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            title=f"第{i}单",
        )
        for i in range(5)
    ]
    numbers = [cast.wo_a.number, cast.wo_b.number] + [wo.number for wo in created]
    assert all(re.fullmatch(r"WO\d{8}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    values = [int(n[2:]) for n in numbers]
    assert values == list(range(values[0], values[0] + len(values)))


def test_a_failed_creation_does_not_burn_a_number(cast: Any) -> None:
    cast.contract_a.status = "suspended"
    cast.contract_a.save()
    with pytest.raises(ValidationError):
        services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=cast.site,
            service_type=cast.service_type,
            title="x",
        )
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_b,
        site=cast.site,
        service_type=cast.service_type,
        title="y",
    )
    assert int(wo.number[2:]) == int(cast.wo_b.number[2:]) + 1


def test_create_sets_vendor_due_times_and_the_first_event(cast: Any) -> None:
    opened = timezone.now().replace(microsecond=0)
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_b,
        site=cast.site,
        service_type=cast.service_type,
        title="显示器黑屏",
        priority="P1",
        opened_at=opened,
    )
    assert wo.vendor == cast.vendor_b and wo.status == "new"
    assert wo.response_due_at == opened + datetime.timedelta(minutes=30)
    assert wo.resolution_due_at == opened + datetime.timedelta(minutes=240)
    event = wo.events.get()
    assert (event.action, event.actor, event.at) == ("create", cast.requester, opened)
    assert wo.sla_policy == cast.contract_b.sla_policies.get() and wo.calendar is None  # no calendar: 24x7


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "suspended"}, "contract"),
        ({"status": "draft"}, "contract"),
        ({"end_date": -1}, "contract"),
        ({"start_date": 1}, "contract"),
    ],
)
def test_create_rejects_a_contract_not_in_force(cast: Any, change: dict[str, Any], field: str) -> None:
    contract = cast.contract_a
    for name, value in change.items():
        if isinstance(value, int):
            value = timezone.localdate() + datetime.timedelta(days=value)
            if name == "end_date":
                contract.start_date = value - datetime.timedelta(days=30)
        setattr(contract, name, value)
    contract.save()
    count = WorkOrder.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create(
            requester=cast.requester,
            contract=contract,
            site=cast.site,
            service_type=cast.service_type,
            title="x",
        )
    assert field in caught.value.message_dict
    assert WorkOrder.objects.count() == count


def test_create_rejects_a_site_or_service_the_contract_does_not_cover(cast: Any) -> None:
    from oqms.contracts.models import ServiceType
    from oqms.org.models import Site

    elsewhere = Site.objects.create(code="XA-01", name="西安", org_unit=cast.org_unit, address="西安市")
    cleaning = ServiceType.objects.create(code="cleaning", name="保洁", category=cast.category)
    with pytest.raises(ValidationError) as caught:
        services.create(
            requester=cast.requester,
            contract=cast.contract_a,
            site=elsewhere,
            service_type=cleaning,
            title="x",
        )
    assert set(caught.value.message_dict) == {"site", "service_type"}


def test_find_contract(cast: Any) -> None:
    from oqms.org.models import Site

    with pytest.raises(DomainError) as caught:
        services.find_contract(cast.site, cast.service_type, cast.requester)
    assert caught.value.code == "ambiguous_contract"  # both vendors cover the shared site
    only_a = Site.objects.create(code="A-ONLY", name="甲独有", org_unit=cast.org_unit, address="x")
    with pytest.raises(DomainError) as caught:
        services.find_contract(only_a, cast.service_type, cast.requester)
    assert caught.value.code == "no_contract"
    with audit.audit_context(actor=cast.qm):
        cast.contract_a.sites.add(only_a)
    assert services.find_contract(only_a, cast.service_type, cast.requester) == cast.contract_a
    # Not on a day outside the contract's period.
    with pytest.raises(DomainError):
        services.find_contract(
            only_a,
            cast.service_type,
            cast.requester,
            on=cast.contract_a.end_date + datetime.timedelta(days=1),
        )


def test_sla_state(cast: Any) -> None:
    """No calendar: round the clock. P2 of contract A: respond in 60 min, resolve in 480 min, at risk from 75 %."""
    now = timezone.now()
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="状态",
        priority="P2",
        opened_at=now - datetime.timedelta(minutes=50),
    )
    assert (wo.response_state, wo.sla_state) == ("on_track", "on_track")
    clock.refresh(wo, now)  # 50 of 60 minutes: past 75 % of the response target
    assert (wo.response_state, wo.sla_state) == ("at_risk", "on_track")
    clock.refresh(wo, now + datetime.timedelta(minutes=20))
    assert wo.response_state == "breached"
    clock.refresh(wo, wo.opened_at + datetime.timedelta(minutes=7 * 60))  # 420 of 480 min
    assert wo.sla_state == "at_risk"
    clock.refresh(wo, wo.opened_at + datetime.timedelta(minutes=481))
    assert wo.sla_state == "breached"
    wo = bring_to(cast, "in_progress", wo)
    assert wo.response_state == "met"  # work started 50 minutes after opening: within the 60
    wo = services.resolve(wo, cast.staff_a, "ok", at=now + datetime.timedelta(minutes=5))
    assert wo.sla_state == "met" and wo.resolution_business_seconds == pytest.approx(55 * 60, abs=1)
    late = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="迟了",
        priority="P1",
        opened_at=now - datetime.timedelta(hours=5),
    )  # P1: resolution due within 4 hours
    wo2 = bring_to(cast, "in_progress", late)
    wo2 = services.resolve(wo2, cast.qm, "迟到的修复", at=now)
    assert (wo2.response_state, wo2.sla_state) == ("missed", "missed")
    assert WorkOrder.objects.filter(sla_state="missed").get() == wo2  # stored: lists and filters use it


def test_sla_clock_stops_while_paused_for_a_listed_reason(cast: Any) -> None:
    now = timezone.now()
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="暂停",
        priority="P1",
        opened_at=now - datetime.timedelta(hours=3),
    )
    wo = bring_to(cast, "in_progress", wo)
    due = wo.resolution_due_at
    wo = services.pause(wo, cast.staff_a, "awaiting_requester", at=now - datetime.timedelta(hours=2))
    # Paused for the requester two hours ago: the clock stood still at one hour used of four.
    clock.refresh(wo, now + datetime.timedelta(hours=10))
    assert wo.sla_state == "on_track" and wo.sla_next_check_at is None or wo.sla_next_check_at <= now
    wo = services.resume(wo, cast.staff_a, at=now)
    assert wo.paused_business_seconds == pytest.approx(2 * 3600, abs=1)
    assert wo.resolution_due_at == due + datetime.timedelta(hours=2)


def test_pause_for_a_reason_the_contract_does_not_list_keeps_the_clock_running(cast: Any) -> None:
    now = timezone.now()
    wo = bring_to(cast, "in_progress")
    due = wo.resolution_due_at
    wo = services.pause(wo, cast.staff_a, "awaiting_parts", at=now)
    wo = services.resume(wo, cast.staff_a, at=now + datetime.timedelta(hours=1))
    assert wo.paused_seconds == 3600 and wo.paused_business_seconds == 0
    assert wo.resolution_due_at == due


def test_sla_state_without_a_target(cast: Any) -> None:
    with sla.publisher.deferred():
        cast.contract_a.sla_targets.filter(priority="P4").delete()
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="低优先级",
        priority="P4",
    )
    assert (wo.response_due_at, wo.resolution_due_at, wo.sla_state, wo.sla_next_check_at) == (
        None,
        None,
        "none",
        None,
    )


def test_add_photo_only_to_visible_work_orders(cast: Any) -> None:
    from tests.core.helpers import PNG, upload

    with pytest.raises(DomainError) as caught:
        services.add_photo(cast.wo_a, cast.manager_b, upload("x.png", PNG), "before")
    assert caught.value.code == "forbidden"
    photo = services.add_photo(cast.wo_a, cast.manager_a, upload("x.png", PNG), "after", "修好后")
    assert (photo.uploaded_by, photo.kind, photo.caption) == (cast.manager_a, "after", "修好后")
    with pytest.raises(ValidationError):
        services.add_photo(cast.wo_a, cast.manager_a, upload("x.png", b"not an image"), "after")


def test_changing_the_priority_moves_the_due_times(cast: Any) -> None:
    wo = bring_to(cast, "in_progress")
    wo = services.pause(
        wo, cast.staff_a, "awaiting_requester", at=wo.opened_at + datetime.timedelta(minutes=5)
    )
    wo = services.resume(wo, cast.staff_a, at=wo.opened_at + datetime.timedelta(minutes=35))
    target = cast.contract_a.sla_targets.get(priority="P4")
    with audit.audit_context(actor=cast.manager_a):
        wo = services.edit(wo, cast.manager_a, priority="P4", title=wo.title, description="改为低优先级")
    stored = WorkOrder.objects.get(pk=wo.pk)
    assert stored.priority == "P4" and stored.description == "改为低优先级"
    assert stored.response_due_at == wo.opened_at + datetime.timedelta(minutes=target.response_minutes)
    assert stored.resolution_due_at == wo.opened_at + datetime.timedelta(
        minutes=target.resolution_minutes + 30
    )
    change = AuditEntry.objects.filter(object_id=str(wo.pk), action="update").latest("pk")
    assert change.actor == cast.manager_a and change.changes["priority"] == ["P2", "P4"]
    assert "resolution_due_at" not in change.changes  # computed clock fields stay out of the trail


def test_editing_keeps_due_times_when_the_priority_stays(cast: Any) -> None:
    wo = cast.wo_a
    due = (wo.response_due_at, wo.resolution_due_at)
    wo = services.edit(wo, cast.qm, title="打印机卡纸（二楼）")
    assert (wo.response_due_at, wo.resolution_due_at) == due and wo.title == "打印机卡纸（二楼）"


@pytest.mark.parametrize("state", ["resolved", "closed"])
def test_a_finished_work_order_cannot_be_edited(cast: Any, state: str) -> None:
    wo = bring_to(cast, state)
    with pytest.raises(WorkflowError):
        services.edit(wo, cast.qm, priority="P4")
    assert WorkOrder.objects.get(pk=wo.pk).priority == wo.priority


def test_editing_needs_the_right_to_change_it(cast: Any) -> None:
    with pytest.raises(DomainError):
        services.edit(cast.wo_a, cast.assessor, title="x")
    with pytest.raises(DomainError):
        services.edit(cast.wo_a, cast.manager_b, title="x")
    assert WorkOrder.objects.get(pk=cast.wo_a.pk).title == cast.wo_a.title

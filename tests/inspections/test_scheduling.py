"""Plans: periodic occurrences, random draws reproducible from the seed, inspectors in turn or by site,
reminders and overdue flags sent once, random inspections hidden from the vendor until they start."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from oqms.core import audit
from oqms.engine import draws
from oqms.inspections import scheduling, services
from oqms.inspections.models import Inspection, InspectionPlan, PlanInspector
from oqms.notify.models import Notification
from oqms.org.models import Site
from tests.conftest import make_user


@pytest.fixture
def second_site(cast: Any) -> Any:
    with audit.audit_context(actor=cast.qm, source="test"):
        site = Site.objects.create(
            code="SH-09", name="上海徐汇园区", org_unit=cast.org_unit, address="上海市徐汇区"
        )
        cast.contract_a.sites.add(site)
    return site


def _plan(cast: Any, checklist: Any, **fields: Any) -> InspectionPlan:
    defaults = {
        "name": "保洁周检",
        "contract": cast.contract_a,
        "template": checklist,
        "start_date": timezone.localdate() - datetime.timedelta(days=30),
        "seed": draws.new_seed(),
        "rule": {"kind": "weekly", "weekdays": [0]},
    }
    with audit.audit_context(actor=cast.qm, source="test"):
        return InspectionPlan.objects.create(**(defaults | fields))


def test_a_weekly_plan_schedules_every_monday_at_every_site_once(
    cast: Any, checklist: Any, second_site: Any
) -> None:
    other = make_user("inspector_2", "inspector")
    plan = _plan(cast, checklist, time_of_day=datetime.time(10, 30), window_hours=6)
    PlanInspector.objects.create(plan=plan, inspector=cast.inspector)
    PlanInspector.objects.create(plan=plan, inspector=other)
    today = datetime.date(2026, 12, 2)  # a Wednesday
    made = scheduling.schedule(plan, today, horizon=14)
    assert made == 4  # Mondays 7 and 14 December, two sites each
    rows = list(plan.inspections.order_by("scheduled_for", "site_id"))
    local = [timezone.localtime(r.scheduled_for) for r in rows]
    assert {(t.date(), t.time()) for t in local} == {
        (datetime.date(2026, 12, 7), datetime.time(10, 30)),
        (datetime.date(2026, 12, 14), datetime.time(10, 30)),
    }
    assert all(r.due_at - r.scheduled_for == datetime.timedelta(hours=6) for r in rows)
    assert {r.inspector_id for r in rows} == {cast.inspector.pk, other.pk}  # in turn
    assert scheduling.schedule(plan, today, horizon=14) == 0  # idempotent
    again = {r.occurrence: r.inspector_id for r in plan.inspections.all()}
    assert again == {r.occurrence: r.inspector_id for r in rows}


def test_inspectors_by_site(cast: Any, checklist: Any, second_site: Any) -> None:
    other = make_user("inspector_2", "inspector")
    plan = _plan(cast, checklist, assign_by="site")
    PlanInspector.objects.create(plan=plan, inspector=other, site=second_site)
    PlanInspector.objects.create(plan=plan, inspector=cast.inspector)  # everywhere else
    scheduling.schedule(plan, datetime.date(2026, 12, 2), horizon=14)
    by_site = {(r.site_id, r.inspector_id) for r in plan.inspections.all()}
    assert by_site == {(second_site.pk, other.pk), (cast.site.pk, cast.inspector.pk)}


def test_a_monthly_rule_and_the_plans_dates_bound_it(cast: Any, checklist: Any) -> None:
    plan = _plan(
        cast,
        checklist,
        rule={"kind": "monthly", "days": [1]},
        start_date=datetime.date(2026, 12, 1),
        end_date=datetime.date(2027, 1, 20),
    )
    assert scheduling.schedule(plan, datetime.date(2026, 11, 25), horizon=60) == 2  # 1 Dec and 1 Jan
    plan.is_active = False
    plan.save()
    assert scheduling.schedule(plan, datetime.date(2027, 1, 25), horizon=60) == 0


def test_random_spot_checks_are_drawn_once_and_reproducible_from_the_seed(
    cast: Any, checklist: Any, second_site: Any
) -> None:
    from oqms.calendars.models import Calendar

    with audit.audit_context(actor=cast.qm, source="test"):  # office hours on working days
        cast.contract_a.sla_calendar = Calendar.objects.create(
            code="office", name="办公时间", holiday_years=[]
        )
        cast.contract_a.save()
    plan = _plan(cast, checklist, kind="random", per_period=5, period="month", draw_staff=True, rule={})
    today = datetime.date(2026, 12, 2)
    made = scheduling.schedule(plan, today, horizon=14)
    assert made == 5
    rows = list(plan.inspections.order_by("occurrence"))
    sites = [r.site_id for r in rows]
    assert sorted(sites[:2]) == sorted([cast.site.pk, second_site.pk])  # every site once before any twice
    assert all(r.staff_id == cast.staff_a.pk for r in rows)  # the vendor's only staff member
    december = (
        timezone.make_aware(datetime.datetime(2026, 12, 1)),
        timezone.make_aware(datetime.datetime(2027, 1, 1)),
    )
    assert all(december[0] <= r.scheduled_for < december[1] for r in rows)
    local = [timezone.localtime(r.scheduled_for) for r in rows]
    assert all(t.weekday() < 5 and 9 <= t.hour < 18 for t in local)  # within the contract's business hours
    assert scheduling.schedule(plan, today + datetime.timedelta(days=1), horizon=14) == 0  # drawn once
    checks = scheduling.verify(plan, "2026-12")
    assert len(checks) == 5 and all(c["agrees"] for c in checks)
    # Someone moving an inspection by hand is caught by the check.
    Inspection.objects.filter(pk=rows[0].pk).update(
        scheduled_for=rows[0].scheduled_for + datetime.timedelta(hours=1)
    )
    assert [c["agrees"] for c in scheduling.verify(plan, "2026-12")] == [False, True, True, True, True]
    # An inspection of the draw that disappears is reported missing.
    Inspection.objects.filter(pk=rows[-1].pk).update(occurrence="")
    missing = scheduling.verify(plan, "2026-12")
    assert len(missing) == 5 and missing[-1]["inspection"] is None and missing[-1]["agrees"] is False
    # Another seed gives another draw.
    other = _plan(cast, checklist, kind="random", per_period=5, period="month", rule={}, name="另一个")
    scheduling.schedule(other, today, horizon=14)
    assert [r.scheduled_for for r in other.inspections.order_by("occurrence")] != [
        r.scheduled_for for r in rows
    ]


def test_a_vendor_never_sees_a_random_inspection_before_it_starts(cast: Any, checklist: Any) -> None:
    plan = _plan(cast, checklist, kind="random", per_period=2, period="week", rule={})
    scheduling.schedule(plan, timezone.localdate(), horizon=7)
    periodic = _plan(cast, checklist, name="周检")
    scheduling.schedule(periodic, timezone.localdate(), horizon=7)
    random_ones = Inspection.objects.filter(kind="random")
    assert random_ones.exists()
    for user in (cast.manager_a, cast.staff_a, cast.manager_b):
        assert not Inspection.objects.visible_to(user).filter(kind="random").exists()
    assert Inspection.objects.visible_to(cast.manager_a).filter(kind="periodic").exists()
    assert not Inspection.objects.visible_to(cast.manager_b).exists()
    assert not InspectionPlan.objects.visible_to(cast.manager_a).exists()  # plans are internal
    first = random_ones.order_by("scheduled_for").first()
    services.start(first, cast.inspector)
    assert list(Inspection.objects.visible_to(cast.manager_a).filter(kind="random")) == [first]
    assert Inspection.objects.visible_to(cast.qm).filter(kind="random").count() == random_ones.count()


def test_reminders_and_overdue_flags_are_sent_once(cast: Any, checklist: Any) -> None:
    now = timezone.now()
    with audit.audit_context(actor=cast.qm, source="test"):
        soon = services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=now + datetime.timedelta(hours=3),
            inspector=cast.inspector,
        )
        late = services.create(
            contract=cast.contract_a,
            site=cast.site,
            template=checklist,
            scheduled_for=now - datetime.timedelta(hours=10),
            due_at=now - datetime.timedelta(hours=2),
            inspector=cast.inspector,
        )
    assert scheduling.remind_and_flag(now) >= 2
    for _ in range(3):
        assert scheduling.remind_and_flag(now + datetime.timedelta(minutes=5)) == 0
    kinds = sorted(Notification.objects.filter(recipient=cast.inspector).values_list("kind", flat=True))
    assert kinds == ["inspection_due", "inspection_overdue"]
    assert Notification.objects.filter(recipient=cast.qm, kind="inspection_overdue").count() == 1
    assert not Notification.objects.filter(recipient__vendor__isnull=False).exists()
    assert scheduling.is_overdue(Inspection.objects.get(pk=late.pk)) and not scheduling.is_overdue(soon)


def test_the_audit_trail_does_not_reveal_random_inspections_to_vendors(cast: Any, checklist: Any) -> None:
    from oqms.core.models import AuditEntry

    plan = _plan(cast, checklist, kind="random", per_period=2, period="week", rule={})
    with audit.audit_context(actor=cast.qm, source="test"):
        scheduling.schedule(plan, timezone.localdate(), horizon=7)
    random_ids = {str(pk) for pk in Inspection.objects.filter(kind="random").values_list("pk", flat=True)}
    assert (
        random_ids
        and AuditEntry.objects.filter(object_id__in=random_ids, content_type__model="inspection").exists()
    )
    seen = AuditEntry.objects.visible_to(cast.manager_a).filter(content_type__model="inspection")
    assert not seen.filter(object_id__in=random_ids).exists()
    first = Inspection.objects.filter(kind="random").order_by("pk").first()
    services.start(first, cast.inspector)
    assert (
        AuditEntry.objects.visible_to(cast.manager_a)
        .filter(object_id=str(first.pk), content_type__model="inspection")
        .exists()
    )
    assert AuditEntry.objects.visible_to(cast.qm).filter(object_id__in=random_ids).count() >= len(random_ids)

"""The scorecard workflow: publish → comment / accept / appeal within the window → answer → approve → lock, with
corrections after approval; who may take which step, notifications, and what vendors see."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.core.errors import DomainError
from oqms.kpis import insights, rollups, scorecards, workflow
from oqms.kpis.models import Scorecard, ScorecardComment
from oqms.notify.models import Notification
from oqms.settlements.models import Settlement
from tests.core.helpers import api_client, listed_pks, page_client
from tests.kpis.test_scorecards import define, resolve


def _card(cast: Any) -> Scorecard:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    assert card is not None
    return card


def _close_window(card: Scorecard) -> Scorecard:
    Scorecard.objects.filter(pk=card.pk).update(appeal_until=timezone.now() - datetime.timedelta(minutes=1))
    return Scorecard.objects.get(pk=card.pk)


def test_publish_appeal_answer_approve_lock(cast: Any) -> None:
    card = _card(cast)
    assert workflow.allowed_steps(card, cast.manager_a) == []  # a draft is not the vendor's yet
    with pytest.raises(DomainError):
        workflow.publish(card, cast.manager_a)
    card = workflow.publish(card, cast.qm)
    assert card.status == "published" and card.published_by == cast.qm
    assert card.appeal_until - card.published_at == datetime.timedelta(days=cast.contract_a.appeal_days)
    told = Notification.objects.filter(kind="scorecard_published")
    assert {n.recipient for n in told} == {cast.manager_a}
    assert workflow.allowed_steps(card, cast.manager_a) == ["comment", "accept", "appeal"]
    assert workflow.allowed_steps(card, cast.manager_b) == []
    with pytest.raises(DomainError) as refused:  # the vendor may still appeal
        workflow.approve(card, cast.qm)
    assert refused.value.code == "appeal_window_open"

    with pytest.raises(DomainError) as empty:
        workflow.appeal(card, cast.manager_a, "   ")
    assert empty.value.code == "text_required"
    assert Scorecard.objects.get(pk=card.pk).status == "published"  # nothing changed

    kpi = card.results.get().kpi
    card = workflow.appeal(card, cast.manager_a, "两张工单是误派，请剔除", kpi=kpi.pk)
    assert card.status == "appealed"
    appeal = ScorecardComment.objects.get(kind="appeal")
    assert appeal.kpi == kpi and appeal.author == cast.manager_a
    assert Notification.objects.filter(kind="scorecard_appealed", recipient=cast.qm).exists()
    with pytest.raises(DomainError):  # one appeal at a time
        workflow.appeal(card, cast.manager_a, "再申诉")

    card = workflow.answer(card, cast.qm, "已核实：派单正确，维持原结果")
    assert card.status == "published" and not workflow.appeal_open(card)
    assert Notification.objects.filter(kind="scorecard_answered", recipient=cast.manager_a).exists()
    card = workflow.approve(card, cast.qm)
    assert card.status == "approved" and card.approved_by == cast.qm
    assert Settlement.objects.get(scorecard=card).status == "approved"  # approved with the scorecard
    assert Notification.objects.filter(kind="scorecard_approved", recipient=cast.manager_a).exists()
    card = workflow.lock(card, cast.qm)
    assert card.status == "locked" and card.locked_at is not None
    assert workflow.allowed_steps(card, cast.qm) == [] and workflow.allowed_steps(card, cast.manager_a) == []

    # Late data after locking: a correction, a new draft version referring to the locked one.
    resolve(cast, 1, reopen=True)
    rollups.refresh_dirty()
    correction = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    assert correction.pk != card.pk and correction.supersedes == card and correction.version == 2
    assert correction.status == "draft" and Scorecard.objects.get(pk=card.pk).status == "locked"
    assert Settlement.objects.get(scorecard=correction).status == "draft"


def test_vendor_accepts_and_the_scorecard_is_approved_at_once(cast: Any) -> None:
    card = workflow.publish(_card(cast), cast.qm)
    card = workflow.accept(card, cast.manager_a)
    assert card.accepted_at is not None
    assert "approve" in workflow.allowed_steps(card, cast.qm)
    assert "appeal" not in workflow.allowed_steps(card, cast.manager_a)
    assert workflow.approve(card, cast.qm).status == "approved"


def test_appeal_after_the_window_is_refused(cast: Any) -> None:
    card = _close_window(workflow.publish(_card(cast), cast.qm))
    with pytest.raises(DomainError) as late:
        workflow.appeal(card, cast.manager_a, "太晚了")
    assert late.value.code == "appeal_closed"
    assert workflow.approve(card, cast.qm).status == "approved"  # silence is consent once the window closes


def test_back_to_draft_hides_it_from_the_vendor_again(cast: Any) -> None:
    card = workflow.publish(_card(cast), cast.qm)
    card = workflow.appeal(card, cast.manager_a, "数据有误")
    card = workflow.reopen(card, cast.qm, "申诉成立，更正工单后重新发布")
    assert card.status == "draft" and card.appeal_until is None
    assert card.pk not in listed_pks(page_client(cast.manager_a).get(reverse("kpis:scorecard_list")))
    assert not ScorecardComment.objects.visible_to(cast.manager_a).exists()
    assert ScorecardComment.objects.visible_to(cast.qm).count() == 2


def test_comments_go_to_the_other_side(cast: Any) -> None:
    card = workflow.publish(_card(cast), cast.qm)
    workflow.comment(card, cast.manager_a, "请说明 P3 工单的计时口径")
    assert Notification.objects.filter(kind="scorecard_comment", recipient=cast.qm).exists()
    workflow.comment(card, cast.qm, "按工作日历计时")
    assert Notification.objects.filter(kind="scorecard_comment", recipient=cast.manager_a).exists()
    with pytest.raises(DomainError):
        workflow.comment(card, cast.manager_b, "我不是这家的")
    with pytest.raises(DomainError):
        workflow.comment(card, cast.manager_a, "x", kpi=999999)  # not a KPI of this scorecard


def test_steps_on_the_page(cast: Any) -> None:
    card = _card(cast)
    client = page_client(cast.qm)
    page = client.get(card.get_absolute_url())
    assert [s["step"] for s in page.context["steps"]] == ["publish"]
    response = client.post(reverse("kpis:scorecard_step", args=[card.pk, "publish"]), follow=True)
    assert response.status_code == 200 and Scorecard.objects.get(pk=card.pk).status == "published"
    vendor = page_client(cast.manager_a)
    refused = vendor.post(reverse("kpis:scorecard_step", args=[card.pk, "approve"]), follow=True)
    assert Scorecard.objects.get(pk=card.pk).status == "published"
    assert [str(m) for m in refused.context["messages"]] == [
        "“Approve” is not possible for you on a scorecard that is Published to the vendor."
    ]
    empty = vendor.post(reverse("kpis:scorecard_step", args=[card.pk, "appeal"]), {"text": ""}, follow=True)
    assert Scorecard.objects.get(pk=card.pk).status == "published" and list(empty.context["messages"])
    vendor.post(reverse("kpis:scorecard_step", args=[card.pk, "appeal"]), {"text": "计时有误"})
    assert Scorecard.objects.get(pk=card.pk).status == "appealed"
    intruder = page_client(cast.manager_b)
    assert (
        intruder.post(reverse("kpis:scorecard_step", args=[card.pk, "comment"]), {"text": "x"}).status_code
        == 404
    )
    assert intruder.get(card.get_absolute_url()).status_code == 404
    zh = page_client(cast.qm, "zh-hans").get(card.get_absolute_url())
    assert "答复申诉" in zh.content.decode()


def test_steps_through_the_api(cast: Any) -> None:
    card = _card(cast)
    url = f"/api/scorecards/{card.pk}/"
    assert api_client(cast.manager_a).get(url).status_code == 404  # draft
    published = api_client(cast.qm).post(f"{url}publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    body = api_client(cast.manager_a).get(url).json()
    assert body["steps"] == ["comment", "accept", "appeal"] and body["results"][0]["code"] == "fix"
    refused = api_client(cast.manager_a).post(f"{url}approve/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "step_not_allowed"
    empty = api_client(cast.manager_a).post(f"{url}appeal/", {"text": ""}, format="json")
    assert empty.status_code == 400 and Scorecard.objects.get(pk=card.pk).status == "published"
    appealed = api_client(cast.manager_a).post(f"{url}appeal/", {"text": "误派"}, format="json")
    assert appealed.status_code == 200 and appealed.json()["comments"][0]["kind"] == "appeal"
    assert api_client(cast.manager_b).get(url).status_code == 404
    assert api_client(cast.manager_b).post(f"{url}comment/", {"text": "x"}, format="json").status_code == 404
    assert card.pk not in [
        row["id"] for row in api_client(cast.manager_b).get("/api/scorecards/").json()["results"]
    ]


def test_trend_and_rank_among_vendors_of_the_service_type(cast: Any) -> None:
    base = dict(period="month", grade_bands=[["A", 90], ["B", 80], ["C", 70], ["D", 0]])
    made = {}
    for contract, scores in ((cast.contract_a, ["70", "80", "91"]), (cast.contract_b, ["60", "95", "91"])):
        for month, score in zip((9, 10, 11), scores, strict=True):
            first = datetime.date(2026, month, 1)
            made[contract.pk, month] = Scorecard.objects.create(
                contract=contract,
                vendor=contract.vendor,
                period_start=first,
                period_end=scorecards.period_bounds("month", first)[1],
                score=score,
                status="published",
                **base,
            )
    card = made[cast.contract_a.pk, 11]
    trend = insights.trend(card, cast.qm)
    assert [row["score"] for row in trend["rows"][-3:]] == [70.0, 80.0, 91.0] and trend["change"] == 11.0
    assert insights.ranks(card) == [{"service_type": cast.service_type, "rank": 1, "of": 2}]  # tied at 91
    assert insights.ranks(made[cast.contract_a.pk, 10])[0]["rank"] == 2
    # A vendor's trend holds only its own scorecards; the comparison is for the enterprise.
    assert all(
        r["scorecard"] is None or r["scorecard"].vendor_id == cast.vendor_a.pk
        for r in insights.trend(card, cast.manager_a)["rows"]
    )
    page = page_client(cast.qm).get(
        reverse("kpis:comparison"), {"service_type": cast.service_type.pk, "start": "2026-10"}
    )
    assert page.status_code == 200
    assert [row["rank"] for row in page.context["data"]["rows"]] == [1, 2]
    assert len(page.context["data"]["chart"]["series"]) == 2
    assert page_client(cast.manager_a).get(reverse("kpis:comparison")).status_code == 403
    detail = page_client(cast.manager_a).get(card.get_absolute_url())
    assert detail.status_code == 200 and "乙服务" not in detail.content.decode()


def test_nightly_job_computes_and_announces_the_final_period_on_the_first(cast: Any) -> None:
    from oqms.kpis import jobs
    from oqms.schedules import SCHEDULES

    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)  # a dirty day: the job refreshes the rollups first
    today = timezone.localdate()
    first = scorecards.period_bounds("month", today)[0]
    assert jobs.nightly(today) == 2  # the running month and the previous one, for contract A
    card = Scorecard.objects.get(period_start=first)
    assert card.results.get().denominator == 1
    if today != first:
        assert not Notification.objects.filter(kind="scorecards_ready").exists()
    next_first = scorecards.period_bounds("month", first + datetime.timedelta(days=40))[0]
    jobs.nightly(next_first)  # the 1st: this month is over, its drafts are ready to publish
    ready = Notification.objects.get(kind="scorecards_ready", recipient=cast.qm)
    assert ready.params["count"] == 1 and f"period_start={first.isoformat()}" in ready.url
    listing = page_client(cast.qm).get(ready.url)
    assert listed_pks(listing) == {card.pk}
    jobs.nightly(next_first)
    assert Notification.objects.filter(kind="scorecards_ready").count() == 1  # once per period
    assert ("oqms-scorecards", "oqms.kpis.jobs.nightly", "D", None, "02:30") in SCHEDULES


def test_vendor_wide_value_adds_up_the_vendors_contracts(cast: Any) -> None:
    from decimal import Decimal

    from oqms.contracts import sla
    from oqms.contracts.models import Contract, SLATarget
    from oqms.kpis.evaluation import evaluate
    from oqms.workorders import services

    kpi = define(cast, "fix", "first_time_fix_pct", "1")
    with sla.publisher.deferred(at=timezone.now() - datetime.timedelta(days=30)):
        second = Contract.objects.create(
            number="C-A-002",
            vendor=cast.vendor_a,
            title="甲服务 二期",
            status="active",
            start_date=cast.contract_a.start_date,
            end_date=cast.contract_a.end_date,
            monthly_fee=Decimal("1000"),
        )
        second.sites.add(cast.site)
        second.service_types.add(cast.service_type)
        SLATarget.objects.create(
            contract=second, priority="P3", response_minutes=120, resolution_minutes=1440
        )
    resolve(cast, 3)
    opened = timezone.now() - datetime.timedelta(hours=2)
    wo = services.create(
        requester=cast.requester,
        contract=second,
        site=cast.site,
        service_type=cast.service_type,
        title="二期工单",
        priority="P3",
        opened_at=opened,
    )
    wo = services.assign(wo, cast.qm, cast.staff_a, at=opened)
    wo = services.start(wo, cast.staff_a, at=opened)
    wo = services.resolve(wo, cast.staff_a, "好了", at=opened + datetime.timedelta(minutes=10))
    wo = services.reopen(wo, cast.requester, "又坏了", at=opened + datetime.timedelta(minutes=20))
    wo = services.start(wo, cast.staff_a, at=opened + datetime.timedelta(minutes=21))
    services.resolve(wo, cast.staff_a, "好了", at=opened + datetime.timedelta(minutes=30))
    rollups.refresh_dirty()
    today = timezone.localdate()
    first = scorecards.period_bounds("month", today - datetime.timedelta(days=1))[0]  # also early on the 1st
    contract_only = evaluate(kpi, first, today)
    vendor_wide = evaluate(kpi, first, today, vendor_wide=True)
    assert (contract_only.numerator, contract_only.denominator) == (1, 1)
    assert (vendor_wide.numerator, vendor_wide.denominator) == (1, 2) and vendor_wide.value == 50.0
    body = api_client(cast.qm).get(f"/api/kpis/{kpi.pk}/value/?from={first}&to={today}&scope=vendor").json()
    assert body["denominator"] == 2


def test_results_per_staff_member_are_stored_when_published(cast: Any) -> None:
    from oqms.kpis import staff
    from oqms.kpis.models import StaffResult
    from oqms.workorders import services
    from tests.conftest import make_user

    card = _card(cast)  # one work order of staff_a, fixed the first time
    other = make_user("staff_a2", "vendor_staff", cast.vendor_a)
    opened = timezone.now() - datetime.timedelta(hours=1)
    wo = services.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="门禁故障",
        priority="P3",
        opened_at=opened,
    )
    wo = services.assign(wo, cast.qm, other, at=opened)
    wo = services.start(wo, other, at=opened)
    wo = services.resolve(wo, other, "好了", at=opened + datetime.timedelta(minutes=5))
    wo = services.reopen(wo, cast.requester, "没好", at=opened + datetime.timedelta(minutes=10))
    wo = services.start(wo, other, at=opened + datetime.timedelta(minutes=11))
    services.resolve(wo, other, "好了", at=opened + datetime.timedelta(minutes=20))
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    draft_table = staff.table(card, cast.qm)  # a draft: computed for the page, not stored
    assert [row["person"] for row in draft_table["rows"]] == sorted(
        [cast.staff_a, other], key=lambda u: u.display_name
    )
    assert not StaffResult.objects.exists()
    workflow.publish(card, cast.qm)
    stored = {r.person_id: (r.value, r.numerator, r.denominator) for r in StaffResult.objects.all()}
    assert stored == {cast.staff_a.pk: (100.0, 1.0, 1.0), other.pk: (0.0, 0.0, 1.0)}
    assert card.results.get().denominator == 2  # the contract's figure is the sum of theirs
    page = page_client(cast.manager_a).get(card.get_absolute_url())
    assert len(page.context["staff"]["rows"]) == 2
    assert not StaffResult.objects.visible_to(cast.manager_b).exists()


def test_bad_input_on_the_comparison_page_and_the_step_api(cast: Any) -> None:
    client = page_client(cast.qm)
    for start in ("0001-01", "0001-05", "9999-12", "2026-13", "x", ""):
        response = client.get(reverse("kpis:comparison"), {"start": start, "period": "quarter"})
        assert response.status_code == 200, start
    assert api_client(cast.qm).post("/api/scorecards/abc/publish/", {}, format="json").status_code == 404
    assert api_client(cast.qm).post("/api/scorecards/999999/publish/", {}, format="json").status_code == 404
    card = _card(cast)
    bad_kpi = api_client(cast.qm).post(f"/api/scorecards/{card.pk}/publish/", {"kpi": "x"}, format="json")
    assert bad_kpi.status_code == 400 and Scorecard.objects.get(pk=card.pk).status == "draft"


def test_a_published_scorecard_recomputed_with_other_figures_is_shown_anew(cast: Any) -> None:
    card = workflow.publish(_card(cast), cast.qm)
    card = workflow.accept(card, cast.manager_a)
    assert "approve" in workflow.allowed_steps(card, cast.qm)
    resolve(cast, 1, reopen=True)  # late data changes the first-time fix rate
    rollups.refresh_dirty()
    scorecards.compute(cast.contract_a, "month", timezone.localdate())
    card = Scorecard.objects.get(pk=card.pk)
    assert card.status == "published" and card.accepted_at is None and workflow.appeal_open(card)
    assert "approve" not in workflow.allowed_steps(card, cast.qm)  # the vendor has not seen these figures
    assert Notification.objects.filter(kind="scorecard_revised", recipient=cast.manager_a).exists()
    assert card.published_results == workflow.snapshot(card)
    scorecards.compute(cast.contract_a, "month", timezone.localdate())  # the same figures again: nothing new
    assert Notification.objects.filter(kind="scorecard_revised").count() == 1


def test_rank_ignores_drafts_and_a_draft_correction_keeps_history_for_the_vendor(cast: Any) -> None:
    base = dict(period="month", grade_bands=[["A", 90], ["B", 80], ["C", 70], ["D", 0]])
    first = datetime.date(2026, 10, 1)
    end = datetime.date(2026, 10, 31)
    mine = Scorecard.objects.create(
        contract=cast.contract_a,
        vendor=cast.vendor_a,
        period_start=first,
        period_end=end,
        score="95",
        status="approved",
        **base,
    )
    Scorecard.objects.create(
        contract=cast.contract_b,
        vendor=cast.vendor_b,
        period_start=first,
        period_end=end,
        score="99",
        status="draft",
        **base,
    )  # B's draft does not count
    Scorecard.objects.create(
        contract=cast.contract_a,
        vendor=cast.vendor_a,
        period_start=first,
        period_end=end,
        score="10",
        status="draft",
        version=2,
        supersedes=mine,
        **base,
    )  # A's own draft v2
    assert insights.ranks(mine) == [{"service_type": cast.service_type, "rank": 1, "of": 1}]
    rows = insights.trend(mine, cast.manager_a)["rows"]
    assert rows[-1]["scorecard"] == mine
    november = Scorecard.objects.create(
        contract=cast.contract_a,
        vendor=cast.vendor_a,
        period_start=first.replace(month=11),
        period_end=datetime.date(2026, 11, 30),
        score="90",
        status="published",
        **base,
    )
    trend = insights.trend(november, cast.manager_a)
    assert [r["score"] for r in trend["rows"][-2:]] == [95.0, 90.0] and trend["change"] == -5.0

"""Settlements: the fee of the period, deductions and bonuses per rule with their reasons, caps, no data, approval
with the scorecard, corrections, exports (Excel, PDF with Chinese), bad rules, consequences and vendor scoping."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from oqms.core import audit
from oqms.core.models import AuditEntry
from oqms.kpis import rollups, scorecards, workflow
from oqms.kpis.models import KPIResult, Scorecard
from oqms.notify.models import Notification
from oqms.settlements import consequences, rules
from oqms.settlements.models import Consequence, ConsequenceRule, PayRule, Settlement
from tests.core.helpers import api_client, listed_pks, page_client, xlsx_text
from tests.kpis.test_scorecards import define, resolve


def _rule(cast: Any, **values: Any) -> PayRule:
    with audit.audit_context(actor=cast.qm):
        rule = PayRule(contract=cast.contract_a, name=values.pop("name", "规则"), **values)
        rule.full_clean()
        rule.save()
        return rule


def _computed(cast: Any) -> Scorecard:
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    assert card is not None
    return card


def _month_card(contract: Any, first: datetime.date, **values: Any) -> Scorecard:
    return Scorecard.objects.create(
        contract=contract,
        vendor=contract.vendor,
        period="month",
        period_start=first,
        period_end=scorecards.period_bounds("month", first)[1],
        **values,
    )


def test_fee_of_the_period_follows_the_days_covered(cast: Any) -> None:
    contract = cast.contract_a
    contract.start_date, contract.end_date = datetime.date(2026, 6, 16), datetime.date(2027, 6, 15)
    assert rules.period_fee(contract, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)) == Decimal(
        "60000.00"
    )
    assert rules.period_fee(contract, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)) == Decimal(
        "120000.00"
    )
    assert rules.period_fee(contract, datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)) == Decimal(
        "60000.00"
    )
    assert rules.period_fee(contract, datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)) == Decimal(
        "0.00"
    )


def test_shortfall_below_the_minimum_is_deducted_and_capped(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")  # 2 of 3 first time → 66.67 %, minimum 90
    resolve(cast, 3)
    resolve(cast, 2)
    resolve(cast, 1, reopen=True)
    _rule(cast, name="一次修复率扣款", kind="kpi_shortfall", kpi_code="fix", percent_of_fee=Decimal("0.5"))
    settlement = Settlement.objects.get(scorecard=_computed(cast))
    fee = rules.period_fee(cast.contract_a, settlement.period_start, settlement.period_end)
    assert settlement.fee == fee
    shortfall, cap = settlement.lines.order_by("position")
    points = Decimal("90") - Decimal(str(round(200 / 3, 4)))
    assert shortfall.amount == rules.money(fee * Decimal("0.005") * points)
    assert cap.reason == "deduction_cap" and settlement.deductions == rules.money(fee * Decimal("0.10"))
    assert settlement.net == fee - settlement.deductions
    with translation.override("zh-hans"):
        assert "23.33" in shortfall.reason_text() and "最低" in shortfall.reason_text()
        assert "10%" in cap.reason_text() and "¥" in cap.reason_text()
    with translation.override("en"):
        assert "points short" in shortfall.reason_text()


def test_breaches_grades_no_data_and_the_bonus_cap(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    define(cast, "rating", "rating_mean", "1", target="4", minimum="3")  # no ratings → no data
    resolve(cast, 30)  # fixed the first time → grade A
    _rule(cast, name="评分扣款", kind="kpi_missed", kpi_code="rating", amount=Decimal("500"))
    _rule(cast, name="A 级奖励", kind="grade", grade="A", effect="bonus", percent_of_fee=Decimal("8"))
    _rule(cast, name="超时工单", kind="breached", clock="resolution", amount=Decimal("200"))
    card = _computed(cast)
    assert card.grade == "A"
    settlement = Settlement.objects.get(scorecard=card)
    reasons = [line.reason for line in settlement.lines.order_by("position")]
    assert "kpi_missed" not in reasons  # no data is never a deduction
    assert "breached" not in reasons  # resolved within its SLA
    assert reasons == ["grade_percent", "bonus_cap"]  # 8 % bonus, capped at 5 %
    assert settlement.bonuses == rules.money(settlement.fee * Decimal("0.05"))
    assert settlement.deductions == Decimal("0.00")
    # Two work orders past their resolution target (P3: 1,440 business minutes) cost 200 each.
    from oqms.workorders.models import WorkOrder

    for _ in range(2):
        late = resolve(cast, 1)
        WorkOrder.objects.filter(pk=late.pk).update(resolution_business_seconds=2000 * 60)
        rollups.mark(cast.contract_a.pk, rollups.days_of({"resolved_at": late.resolved_at}))
    settlement = Settlement.objects.get(scorecard=_computed(cast))
    breach = settlement.lines.get(reason="breached")
    assert breach.params["count"] == 2 and breach.amount == Decimal("400.00")
    assert settlement.deductions == Decimal("400.00")


def test_streak_of_targets_met_earns_the_bonus(cast: Any) -> None:
    kpi = define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    _rule(cast, name="连续达标奖", kind="streak", kpi_code="fix", periods=3, amount=Decimal("3000"))
    this_month = scorecards.period_bounds("month", timezone.localdate())[0]
    previous = [scorecards.period_bounds("month", this_month - datetime.timedelta(days=1))[0]]
    previous.append(scorecards.period_bounds("month", previous[0] - datetime.timedelta(days=1))[0])
    for first, value in zip(previous, (99.0, 96.0), strict=True):
        KPIResult.objects.create(
            scorecard=_month_card(cast.contract_a, first, status="approved", score=100),
            kpi=kpi,
            value=value,
            score=100,
            weight=1,
        )
    settlement = Settlement.objects.get(scorecard=_computed(cast))
    line = settlement.lines.get()
    assert line.reason == "streak" and line.amount == Decimal("3000.00") and settlement.bonuses == line.amount
    # Paid once per run: the next month, with only two periods since the payment, pays nothing.
    card = Scorecard.objects.get(pk=settlement.scorecard_id)
    Scorecard.objects.filter(pk=card.pk).update(status="approved")
    next_month = scorecards.period_bounds("month", this_month + datetime.timedelta(days=40))[0]
    later = _month_card(cast.contract_a, next_month, status="draft", score=100)
    KPIResult.objects.create(scorecard=later, kpi=kpi, value=99.0, score=100, weight=1)
    assert rules.lines_for(later, Decimal("120000.00")) == []
    Scorecard.objects.filter(pk=card.pk).update(status="draft")
    Settlement.objects.filter(scorecard=card).delete()
    KPIResult.objects.filter(scorecard__period_start=previous[1]).update(value=80.0)  # the streak is broken
    assert not Settlement.objects.get(scorecard=_computed(cast)).lines.exists()
    KPIResult.objects.filter(scorecard__period_start=previous[1]).update(value=99.0)
    Scorecard.objects.filter(period_start=previous[1]).update(status="published")  # not approved: no streak
    assert not Settlement.objects.get(scorecard=_computed(cast)).lines.exists()


def test_approved_settlement_is_frozen_and_a_correction_shows_the_adjustment(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    _rule(cast, name="一次修复率扣款", kind="kpi_shortfall", kpi_code="fix", percent_of_fee=Decimal("0.1"))
    card = workflow.publish(_computed(cast), cast.qm)
    card = workflow.accept(card, cast.manager_a)
    card = workflow.approve(card, cast.qm)
    first = Settlement.objects.get(scorecard=card)
    assert first.status == "approved" and first.deductions == 0
    resolve(cast, 1, reopen=True)  # late data: first-time fix drops to 50 %
    correction = _computed(cast)
    assert Settlement.objects.get(pk=first.pk).net == first.net  # untouched
    second = Settlement.objects.get(scorecard=correction)
    assert second.deductions > 0 and rules.previous_version(second) == first
    page = page_client(cast.qm).get(second.get_absolute_url())
    assert page.status_code == 200 and page.context["adjustment"] == rules.format_cny(second.net - first.net)


def test_statement_exports_in_excel_and_pdf_with_chinese(cast: Any) -> None:
    import pypdfium2

    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    resolve(cast, 1, reopen=True)
    _rule(cast, name="一次修复率扣款", kind="kpi_shortfall", kpi_code="fix", percent_of_fee=Decimal("0.1"))
    settlement = Settlement.objects.get(scorecard=_computed(cast))
    client = page_client(cast.qm, "zh-hans")
    excel = client.get(reverse("settlements:settlement_xlsx", args=[settlement.pk]))
    assert excel.status_code == 200
    text = xlsx_text(excel)
    assert "结算单" in text and "一次修复率扣款" in text and "甲服务有限公司" in text
    response = client.get(reverse("settlements:settlement_pdf", args=[settlement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    page_text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    compact = page_text.replace("\r", "").replace("\n", "")
    assert "结算单" in compact and "甲服务有限公司" in compact and "一次修复率扣款" in compact
    assert rules.format_cny(settlement.net).replace(",", "") in compact.replace(",", "")
    image = document[0].render(scale=100 / 72).to_pil()
    from pathlib import Path

    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    image.save(out / "settlement-statement.png")
    assert min(image.convert("L").getdata()) < 60  # ink on the page


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "kpi_shortfall", "percent_of_fee": "1"}, "kpi_code"),
        ({"kind": "kpi_shortfall", "kpi_code": "nope", "percent_of_fee": "1"}, "kpi_code"),
        ({"kind": "grade", "grade": "Z", "amount": "100"}, "grade"),
        ({"kind": "grade", "grade": "A", "amount": "100", "percent_of_fee": "1"}, "amount"),
        ({"kind": "breached", "amount": "50"}, "clock"),
        ({"kind": "kpi_missed", "kpi_code": "fix", "amount": "-5"}, "amount"),
        ({"kind": "grade", "grade": "A", "percent_of_fee": "150"}, "percent_of_fee"),
    ],
)
def test_bad_rules_are_refused_on_the_page_and_the_api(cast: Any, values: dict[str, str], field: str) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    base = {
        "contract": cast.contract_a.pk,
        "name": "规则",
        "effect": "deduction",
        "periods": "3",
        "active": "on",
    }
    before = PayRule.objects.count(), AuditEntry.objects.count()
    page = page_client(cast.qm).post(reverse("settlements:payrule_create"), base | values)
    assert page.status_code == 400 and field in page.context["form"].errors
    body = {k: v for k, v in (base | values).items() if k != "active"}
    api = api_client(cast.qm).post("/api/pay-rules/", body, format="json")
    assert api.status_code == 400 and field in api.json()
    zh = page_client(cast.qm, "zh-hans").post(reverse("settlements:payrule_create"), base | values)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.context["form"].errors[field][0])
    assert (PayRule.objects.count(), AuditEntry.objects.count()) == before


def test_grade_d_twice_puts_the_vendor_on_probation(cast: Any) -> None:
    with audit.audit_context(actor=cast.qm):
        rule = ConsequenceRule.objects.create(name="连续两期 D 级", grades="D", periods=2, action="probation")
    this_month = scorecards.period_bounds("month", timezone.localdate())[0]
    last_month = scorecards.period_bounds("month", this_month - datetime.timedelta(days=1))[0]
    older = _month_card(cast.contract_a, last_month, status="approved", score=Decimal("60"), grade="D")
    card = _month_card(
        cast.contract_a,
        this_month,
        status="published",
        score=Decimal("65"),
        grade="D",
        appeal_until=timezone.now() - datetime.timedelta(hours=1),
    )
    assert consequences.apply(older) == []  # one D is not two in a row
    with audit.audit_context(actor=cast.qm):
        workflow.approve(card, cast.qm)
    cast.vendor_a.refresh_from_db()
    assert cast.vendor_a.status == "probation"
    applied = Consequence.objects.get()
    assert applied.rule == rule and applied.grades == "D → D" and applied.previous_status == "active"
    assert applied.improvement_plan_requested
    assert AuditEntry.objects.filter(
        content_type__model="vendor", object_id=str(cast.vendor_a.pk), action="update"
    ).exists()
    told = Notification.objects.filter(kind="consequence")
    assert {n.recipient for n in told} == {cast.manager_a, cast.qm}
    with translation.override("zh-hans"):
        text = told.get(recipient=cast.manager_a).body
        assert "改进计划" in text and "观察期" in text
    assert consequences.apply(Scorecard.objects.get(pk=card.pk)) == []  # applied once
    assert cast.vendor_b.consequences.count() == 0


def test_vendors_see_only_their_own_published_settlements(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    card = _computed(cast)
    settlement = Settlement.objects.get(scorecard=card)
    urls = [
        settlement.get_absolute_url(),
        reverse("settlements:settlement_xlsx", args=[settlement.pk]),
        reverse("settlements:settlement_pdf", args=[settlement.pk]),
    ]
    for user in (cast.manager_a, cast.manager_b, cast.staff_a):  # a draft: no vendor sees it
        client = page_client(user)
        assert all(client.get(url).status_code in {403, 404} for url in urls)
    workflow.publish(card, cast.qm)
    assert page_client(cast.manager_a).get(urls[0]).status_code == 200
    assert settlement.pk in listed_pks(
        page_client(cast.manager_a).get(reverse("settlements:settlement_list"))
    )
    assert api_client(cast.manager_a).get(f"/api/settlements/{settlement.pk}/").status_code == 200
    for user in (cast.manager_b, cast.staff_b, cast.staff_a):
        client = page_client(user)
        assert all(client.get(url).status_code in {403, 404} for url in urls)
        listing = client.get(reverse("settlements:settlement_list"))
        assert listing.status_code == 403 or settlement.pk not in listed_pks(listing)
        export = client.get(reverse("settlements:settlement_export"))
        assert export.status_code == 403 or cast.contract_a.number not in xlsx_text(export)
        assert api_client(user).get(f"/api/settlements/{settlement.pk}/").status_code in {403, 404}
        assert client.get(reverse("settlements:for_scorecard", args=[card.pk])).status_code in {403, 404}
    rule = _rule(cast, name="超时工单", kind="breached", clock="resolution", amount=Decimal("100"))
    assert api_client(cast.manager_a).get(f"/api/pay-rules/{rule.pk}/").status_code == 200
    assert api_client(cast.manager_b).get(f"/api/pay-rules/{rule.pk}/").status_code == 404
    assert api_client(cast.manager_a).post("/api/pay-rules/", {}, format="json").status_code == 403


def test_an_unchanged_settlement_is_not_saved_again_but_a_renamed_rule_is(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    resolve(cast, 1, reopen=True)
    rule = _rule(cast, name="扣款", kind="kpi_shortfall", kpi_code="fix", percent_of_fee=Decimal("0.1"))
    card = _computed(cast)
    settlement = Settlement.objects.get(scorecard=card)
    entries = AuditEntry.objects.filter(content_type__model="settlement").count()
    assert rules.compute(card).computed_at == settlement.computed_at  # nothing changed: nothing recorded
    assert AuditEntry.objects.filter(content_type__model="settlement").count() == entries
    PayRule.objects.filter(pk=rule.pk).update(name="一次修复率扣款")
    assert rules.compute(card).lines.get(rule=rule).rule_name == "一次修复率扣款"


def test_cap_lines_are_named_in_the_readers_language(cast: Any) -> None:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    resolve(cast, 1, reopen=True)
    _rule(cast, name="扣款", kind="kpi_shortfall", kpi_code="fix", percent_of_fee=Decimal("5"))
    with translation.override("zh-hans"):
        settlement = Settlement.objects.get(scorecard=_computed(cast))
    cap = settlement.lines.get(reason="deduction_cap")
    with translation.override("en"):
        assert cap.label() == "Cap"
    with translation.override("zh-hans"):
        assert cap.label() == "封顶"


def test_a_suspended_vendor_is_not_put_back_on_probation_and_two_contracts_count_once(cast: Any) -> None:
    from oqms.contracts.models import Contract

    with audit.audit_context(actor=cast.qm):
        ConsequenceRule.objects.create(name="D", grades="D", periods=1, action="probation")
        second = Contract.objects.create(
            number="C-A-002",
            vendor=cast.vendor_a,
            title="二期",
            status="active",
            start_date=cast.contract_a.start_date,
            end_date=cast.contract_a.end_date,
            monthly_fee=Decimal("1000"),
        )
    first = scorecards.period_bounds("month", timezone.localdate())[0]
    cards = [
        _month_card(contract, first, status="approved", score=Decimal("10"), grade="D")
        for contract in (cast.contract_a, second)
    ]
    assert len(consequences.apply(cards[0])) == 1 and consequences.apply(cards[1]) == []
    cast.vendor_b.status = "suspended"
    cast.vendor_b.save()
    card_b = _month_card(cast.contract_b, first, status="approved", score=Decimal("10"), grade="D")
    assert len(consequences.apply(card_b)) == 1
    cast.vendor_b.refresh_from_db()
    assert cast.vendor_b.status == "suspended"

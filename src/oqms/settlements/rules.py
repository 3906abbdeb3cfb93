"""Computing a settlement from a scorecard and the contract's reward and penalty rules.

* The fee of the period is the monthly fee of each month of it, in proportion to the days of the month the
  contract covers (a contract starting on the 16th of a 30-day month is due half a month).
* Each active rule gives at most one line. A KPI without data ("no data") gives no deduction and no bonus.
* The contract's caps limit the total deductions and the total bonuses (percent of the period's fee); what is
  above a cap is shown as a line of its own, so every figure of the statement can be followed.
* Money is ``Decimal`` CNY rounded half up to the fen at each line.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from oqms.kpis import measures
from oqms.kpis.insights import final_versions, periods_before
from oqms.kpis.models import Direction, KPIResult, Scorecard
from oqms.settlements.models import Effect, PayRule, RuleKind, Settlement, SettlementLine, SettlementStatus

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_cny(value: Any) -> str:
    """¥1,234.56 (grouped and with the decimal mark of the active language); negative amounts as -¥1,234.56."""
    amount = money(value)
    text = number_format(abs(amount), 2, use_l10n=True, force_grouping=True)
    return f"-¥{text}" if amount < 0 else f"¥{text}"


def _number(value: Any) -> str:
    """A figure of a reason: at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    rounded = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP).normalize()
    return number_format(rounded, use_l10n=True)


# --- checking rules ----------------------------------------------------------------------------------------

REQUIRED = {
    RuleKind.KPI_SHORTFALL: ("kpi_code", "percent_of_fee"),
    RuleKind.KPI_MISSED: ("kpi_code", "amount"),
    RuleKind.BREACHED: ("clock", "amount"),
    RuleKind.GRADE: ("grade",),
    RuleKind.STREAK: (),
}


def validate_rule(rule: PayRule) -> None:
    errors: dict[str, Any] = {}
    for name in REQUIRED.get(rule.kind, ()):
        if getattr(rule, name) in (None, ""):
            errors[name] = _("Required for this kind of rule.")
    both_or_neither = (rule.amount is None) == (rule.percent_of_fee is None)
    if rule.kind in (RuleKind.GRADE, RuleKind.STREAK) and both_or_neither:
        errors["amount"] = _("Give either an amount or a percentage of the fee (one of the two).")
    contract = rule.contract if rule.contract_id else None
    if contract is not None and rule.kind == RuleKind.GRADE and rule.grade:
        grades = [str(band[0]) for band in contract.grade_bands or []]
        if rule.grade not in grades:
            errors["grade"] = _("The contract's grades are %(grades)s.") % {"grades": ", ".join(grades)}
    uses_kpi = rule.kind in (RuleKind.KPI_SHORTFALL, RuleKind.KPI_MISSED, RuleKind.STREAK) and rule.kpi_code
    if contract is not None and uses_kpi and not contract.kpis.filter(code=rule.kpi_code).exists():
        errors["kpi_code"] = _("The contract has no KPI with the code “%(code)s”.") % {"code": rule.kpi_code}
    if errors:
        raise ValidationError(errors)


def effect_of(rule: PayRule) -> str:
    if rule.kind == RuleKind.STREAK:
        return Effect.BONUS
    if rule.kind == RuleKind.GRADE:
        return rule.effect
    return Effect.DEDUCTION


# --- reasons in words ------------------------------------------------------------------------------------


def describe(reason: str, params: dict[str, Any]) -> str:
    """The reason of a settlement line in the active language, with its figures."""
    p = dict(params)
    for key in ("fee", "amount", "cap", "uncapped"):
        if key in p:
            p[key] = format_cny(p[key])
    for key in ("value", "minimum", "target", "points", "rate", "percent"):
        if key in p:
            p[key] = _number(p[key])
    if p.get("clock"):
        from django.utils.translation import pgettext

        p["clock"] = pgettext("SLA clock", p["clock"])
    texts = {
        "kpi_shortfall": _(
            "%(kpi)s was %(value)s%(unit)s against a minimum of %(minimum)s%(unit)s: %(points)s points short × "
            "%(rate)s%% of the fee %(fee)s per point"
        ),
        "kpi_missed": _("%(kpi)s was %(value)s%(unit)s against a minimum of %(minimum)s%(unit)s"),
        "breached": _("%(count)s work orders breached the %(clock)s SLA × %(amount)s"),
        "grade_amount": _("Grade %(grade)s"),
        "grade_percent": _("Grade %(grade)s: %(rate)s%% of the fee %(fee)s"),
        "streak": _("%(what)s met the target %(periods)s periods in a row (%(first)s to %(last)s)"),
        "deduction_cap": _("Deductions of %(uncapped)s are capped at %(percent)s%% of the fee: %(cap)s"),
        "bonus_cap": _("Bonuses of %(uncapped)s are capped at %(percent)s%% of the fee: %(cap)s"),
    }
    text = texts.get(reason)
    if text is None:
        return reason
    if reason == "streak" and not p.get("kpi"):
        p["what"] = _("Every KPI")
    elif reason == "streak":
        p["what"] = p["kpi"]
    try:
        return text % p
    except (KeyError, TypeError, ValueError):
        return reason


# --- the fee ---------------------------------------------------------------------------------------------


def period_fee(contract: Any, first: datetime.date, last: datetime.date) -> Decimal:
    """The monthly fee of each month of the period, in proportion to the days the contract covers."""
    total = Decimal("0")
    month = first.replace(day=1)
    while month <= last:
        days = calendar.monthrange(month.year, month.month)[1]
        month_last = month.replace(day=days)
        start, end = max(month, first, contract.start_date), min(month_last, last, contract.end_date)
        if start <= end:
            total += contract.monthly_fee * Decimal((end - start).days + 1) / Decimal(days)
        month = month_last + datetime.timedelta(days=1)
    return money(total)


# --- the lines -------------------------------------------------------------------------------------------


def _shortfall(result: KPIResult) -> Decimal | None:
    """How far the KPI's value is on the wrong side of its minimum (None without data; 0 when it is not)."""
    if result.value is None:
        return None
    value, minimum = Decimal(str(round(result.value, 4))), result.kpi.minimum
    gap = minimum - value if result.kpi.direction == Direction.HIGHER else value - minimum
    return max(gap, Decimal("0"))


def _meets_target(result: KPIResult) -> bool:
    if result.value is None:
        return False
    value = Decimal(str(round(result.value, 4)))
    target = result.kpi.target
    return value >= target if result.kpi.direction == Direction.HIGHER else value <= target


def _kpi_params(result: KPIResult) -> dict[str, Any]:
    return {
        "kpi": result.kpi.name,
        "value": str(round(result.value, 2)) if result.value is not None else None,
        "minimum": str(result.kpi.minimum.normalize()),
        "unit": f" {result.kpi.unit}" if result.kpi.unit and result.kpi.unit != "%" else result.kpi.unit,
    }


def _streak(scorecard: Scorecard, rule: PayRule, results: dict[str, KPIResult]) -> dict[str, Any] | None:
    """The streak's figures when the KPI (or every KPI) met its target in this period and in the approved
    scorecards of the N-1 before it — once per run: a streak already paid within those periods is not paid
    again until N more periods have passed."""
    starts = periods_before(scorecard.period, scorecard.period_start, rule.periods)
    earlier = Scorecard.objects.filter(
        contract_id=scorecard.contract_id, period=scorecard.period, period_start__in=starts[:-1]
    )
    paid = SettlementLine.objects.filter(
        rule=rule, reason=RuleKind.STREAK, settlement__scorecard__in=earlier
    ).exclude(settlement__scorecard=scorecard)
    if paid.exists():
        return None
    cards = {card.period_start: card for card in final_versions(earlier)}
    cards[scorecard.period_start] = scorecard
    if len(cards) < len(starts):
        return None
    by_card: dict[int, list[KPIResult]] = {}
    for result in KPIResult.objects.filter(scorecard__in=list(cards.values())).select_related("kpi"):
        by_card.setdefault(result.scorecard_id, []).append(result)
    by_card[scorecard.pk] = list(results.values())
    for card in cards.values():
        rows = [r for r in by_card.get(card.pk, []) if not rule.kpi_code or r.kpi.code == rule.kpi_code]
        if not rows or not all(_meets_target(r) for r in rows):
            return None
    kpi = results.get(rule.kpi_code)
    return {
        "kpi": kpi.kpi.name if kpi else "",
        "periods": rule.periods,
        "first": starts[0].strftime("%Y-%m"),
        "last": starts[-1].strftime("%Y-%m"),
    }


def _breaches(scorecard: Scorecard, clock: str) -> int:
    totals = measures.totals(scorecard.period_start, scorecard.period_end, contract=scorecard.contract_id)
    if clock == "response":
        return int(totals["responded"] - totals["responded_in_time"])
    return int(totals["resolved"] - totals["resolved_in_time"])


def lines_for(scorecard: Scorecard, fee: Decimal) -> list[SettlementLine]:
    """The deductions and bonuses of the scorecard under its contract's active rules, caps applied."""
    contract = scorecard.contract
    results = {r.kpi.code: r for r in scorecard.results.select_related("kpi")}
    lines: list[SettlementLine] = []
    for rule in PayRule.objects.filter(contract=contract, active=True).order_by("kind", "name", "pk"):
        amount, reason, params = None, rule.kind, {}
        result = results.get(rule.kpi_code)
        if rule.kind == RuleKind.KPI_SHORTFALL and result is not None:
            points = _shortfall(result)
            if points:
                amount = fee * rule.percent_of_fee / HUNDRED * points
                params = {
                    **_kpi_params(result),
                    "points": str(points),
                    "rate": str(rule.percent_of_fee),
                    "fee": str(fee),
                }
        elif rule.kind == RuleKind.KPI_MISSED and result is not None:
            if _shortfall(result):
                amount, params = rule.amount, _kpi_params(result)
        elif rule.kind == RuleKind.BREACHED:
            count = _breaches(scorecard, rule.clock)
            if count:
                amount = rule.amount * count
                params = {"count": count, "clock": rule.clock, "amount": str(rule.amount)}
        elif rule.kind == RuleKind.GRADE and scorecard.grade == rule.grade:
            if rule.amount is not None:
                amount, reason, params = rule.amount, "grade_amount", {"grade": rule.grade}
            else:
                amount = fee * rule.percent_of_fee / HUNDRED
                reason = "grade_percent"
                params = {"grade": rule.grade, "rate": str(rule.percent_of_fee), "fee": str(fee)}
        elif rule.kind == RuleKind.STREAK and (rule.kpi_code == "" or result is not None):
            found = _streak(scorecard, rule, results)
            if found:
                amount = rule.amount if rule.amount is not None else fee * rule.percent_of_fee / HUNDRED
                params = found
        if amount:
            lines.append(
                SettlementLine(
                    rule=rule,
                    rule_name=rule.name,
                    effect=effect_of(rule),
                    reason=reason,
                    params=params,
                    amount=money(amount),
                )
            )
    for effect, percent, reason in (
        (Effect.DEDUCTION, contract.deduction_cap_percent, "deduction_cap"),
        (Effect.BONUS, contract.bonus_cap_percent, "bonus_cap"),
    ):
        total = sum((line.amount for line in lines if line.effect == effect), Decimal("0"))
        cap = money(fee * percent / HUNDRED)
        if total > cap:
            lines.append(
                SettlementLine(
                    rule=None,
                    rule_name="",  # shown as "Cap" in the reader's language
                    effect=effect,
                    reason=reason,
                    params={"uncapped": str(total), "percent": str(percent), "cap": str(cap)},
                    amount=total - cap,
                )
            )
    return lines


def _unchanged(
    settlement: Settlement, fee: Decimal, deductions: Decimal, bonuses: Decimal, lines: list[SettlementLine]
) -> bool:
    def key(line: SettlementLine) -> tuple[Any, ...]:
        return (line.rule_id, line.rule_name, line.effect, line.reason, line.params, money(line.amount))

    same_totals = (settlement.fee, settlement.deductions, settlement.bonuses) == (
        fee,
        money(deductions),
        money(bonuses),
    )
    return same_totals and [key(line) for line in settlement.lines.all()] == [key(line) for line in lines]


@transaction.atomic
def compute(scorecard: Scorecard) -> Settlement | None:
    """Compute (or recompute) the scorecard's settlement; an approved settlement is never changed."""
    existing = Settlement.objects.select_for_update().filter(scorecard=scorecard).first()
    if existing is not None and existing.status == SettlementStatus.APPROVED:
        return existing
    contract = scorecard.contract
    fee = period_fee(contract, scorecard.period_start, scorecard.period_end)
    lines = lines_for(scorecard, fee)
    deductions = sum((line.counted() for line in lines if line.effect == Effect.DEDUCTION), Decimal("0"))
    bonuses = sum((line.counted() for line in lines if line.effect == Effect.BONUS), Decimal("0"))
    if existing is not None and _unchanged(existing, fee, deductions, bonuses, lines):
        return existing  # nothing to record: the nightly run leaves an unchanged settlement (and its history) alone
    settlement = existing or Settlement(scorecard=scorecard, contract=contract, vendor_id=scorecard.vendor_id)
    settlement.period_start, settlement.period_end = scorecard.period_start, scorecard.period_end
    settlement.fee, settlement.deductions, settlement.bonuses = fee, money(deductions), money(bonuses)
    settlement.net = money(fee - deductions + bonuses)
    settlement.computed_at = timezone.now()
    settlement.save()
    settlement.lines.all().delete()
    for position, line in enumerate(lines):
        line.settlement, line.position = settlement, position
    SettlementLine.objects.bulk_create(lines)
    return settlement


@transaction.atomic
def approve(scorecard: Scorecard) -> Settlement | None:
    """Approve the settlement with its scorecard, as it was computed with the scorecard's figures (the one the
    vendor saw); computed now only if it is missing."""
    settlement = Settlement.objects.select_for_update().filter(scorecard=scorecard).first() or compute(
        scorecard
    )
    if settlement is not None and settlement.status != SettlementStatus.APPROVED:
        settlement.status = SettlementStatus.APPROVED
        settlement.approved_at = timezone.now()
        settlement.save()
    return settlement


def previous_version(settlement: Settlement) -> Settlement | None:
    """The settlement of the scorecard this one's scorecard corrects (to show the adjustment)."""
    if not settlement.scorecard.supersedes_id:
        return None
    return Settlement.objects.filter(scorecard_id=settlement.scorecard.supersedes_id).first()

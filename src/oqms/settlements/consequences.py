"""Applying the consequence rules when a scorecard is approved.

A rule applies when the contract's approved scorecards of the last N periods in a row (this one included) all
have one of its grades, once per such run of N periods; each application is recorded (and audited), the
vendor's status changes where the rule says so, and the vendor's managers and the quality managers are told.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.kpis.insights import final_versions, periods_before
from oqms.kpis.models import FINAL_STATUSES, Scorecard
from oqms.notify import services as notify
from oqms.notify.kinds import Kind
from oqms.settlements.models import Consequence, ConsequenceAction, ConsequenceRule
from oqms.vendors.choices import VendorStatus
from oqms.vendors.models import Vendor


def _grades_in_a_row(scorecard: Scorecard, periods: int) -> list[str] | None:
    """The grades of the last ``periods`` approved scorecards up to this one, oldest first; None if a period is
    missing, not approved or without a grade."""
    starts = periods_before(scorecard.period, scorecard.period_start, periods)
    cards = {
        card.period_start: card
        for card in final_versions(
            Scorecard.objects.filter(
                contract_id=scorecard.contract_id, period=scorecard.period, period_start__in=starts
            )
        )
    }
    cards[scorecard.period_start] = scorecard
    grades = []
    for start in starts:
        card = cards.get(start)
        if card is None or card.status not in FINAL_STATUSES or not card.grade:
            return None
        grades.append(card.grade)
    return grades


def _already_applied(rule: ConsequenceRule, scorecard: Scorecard) -> bool:
    """Applied to the vendor in this or one of the previous N-1 periods (the same run of grades, on this or
    another of its contracts): a vendor with D four months running is put on probation twice (months 2 and 4),
    not every month, and once when two of its contracts are graded D in the same month."""
    starts = periods_before(scorecard.period, scorecard.period_start, rule.periods)
    return Consequence.objects.filter(
        rule=rule,
        vendor_id=scorecard.vendor_id,
        scorecard__period=scorecard.period,
        scorecard__period_start__in=starts,
    ).exists()


def action_text(consequence: Consequence) -> str:
    text = str(ConsequenceAction(consequence.action).label)
    if consequence.improvement_plan_requested:
        text = _("%(action)s; an improvement plan is requested") % {"action": text}
    return text


def apply(scorecard: Scorecard, user: Any = None) -> list[Consequence]:
    applied = []
    for rule in ConsequenceRule.objects.filter(active=True).order_by("pk"):
        grades = _grades_in_a_row(scorecard, rule.periods)
        if grades is None or not set(grades) <= set(rule.grade_list()):
            continue
        if _already_applied(rule, scorecard):
            continue
        vendor = Vendor.objects.select_for_update().get(pk=scorecard.vendor_id)
        consequence = Consequence.objects.create(
            rule=rule,
            vendor=vendor,
            scorecard=scorecard,
            action=rule.action,
            improvement_plan_requested=rule.request_improvement_plan,
            grades=" → ".join(grades),
            previous_status=vendor.status,
        )
        # Probation is a step down for a working vendor; a suspended or exited one stays as it is.
        if rule.action == ConsequenceAction.PROBATION and vendor.status in (
            VendorStatus.ACTIVE,
            VendorStatus.QUALIFIED,
        ):
            vendor.status = VendorStatus.PROBATION
            vendor.save()  # audited as a change of the vendor
        people = [
            *User.objects.filter(vendor_id=vendor.pk, role=Role.VENDOR_MANAGER, is_active=True),
            *User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True, vendor__isnull=True),
        ]
        notify.send(
            people,
            Kind.CONSEQUENCE,
            f"consequence:{consequence.pk}",
            {
                "vendor": str(vendor),
                "rule": rule.name,
                "consequence": rule.action,
                "plan": rule.request_improvement_plan,
                "grades": consequence.grades,
                "contract": scorecard.contract.number,
                "period": scorecard.period_label(),
                "grade": scorecard.grade,
            },
            consequence.get_absolute_url(),
        )
        applied.append(consequence)
    return applied

"""Rewards and penalties (奖惩): the rules of a contract, the settlement statement of each scorecard, and the
consequence rules (such as probation after two D grades) with the record of where they were applied."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oqms.core.choices import colour_of
from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager
from oqms.vendors.choices import VendorStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class RuleKind(models.TextChoices):
    KPI_SHORTFALL = "kpi_shortfall", _("Deduct a percentage of the fee per point below a KPI's minimum")
    KPI_MISSED = "kpi_missed", _("Deduct a fixed amount when a KPI misses its minimum")
    BREACHED = "breached", _("Deduct a fixed amount per work order that breached its SLA")
    GRADE = "grade", _("Deduct or reward by grade")
    STREAK = "streak", _("Reward meeting the targets several periods in a row")


class Effect(models.TextChoices):
    DEDUCTION = "deduction", _("Deduction")
    BONUS = "bonus", _("Bonus")


class SLAClock(models.TextChoices):
    RESPONSE = "response", pgettext_lazy("SLA clock", "response")
    RESOLUTION = "resolution", pgettext_lazy("SLA clock", "resolution")


class PayRule(BaseModel):
    """One reward or penalty rule of a contract. Amounts are CNY; percentages are of the monthly fee of the
    period (three months' fee for a quarter)."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="pay_rules", verbose_name=_("contract")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    kpi_code = models.SlugField(
        _("KPI code"),
        max_length=40,
        blank=True,
        help_text=_("The KPI the rule applies to; for a streak, empty means all KPIs of the scorecard."),
    )
    grade = models.CharField(_("grade"), max_length=8, blank=True)
    clock = models.CharField(_("SLA clock"), max_length=12, choices=SLAClock.choices, blank=True)
    effect = models.CharField(_("effect"), max_length=12, choices=Effect.choices, default=Effect.DEDUCTION)
    percent_of_fee = models.DecimalField(
        _("percent of the fee"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    amount = models.DecimalField(
        _("amount (CNY)"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    periods = models.PositiveSmallIntegerField(
        _("periods in a row"), default=3, validators=[MinValueValidator(2), MaxValueValidator(24)]
    )
    active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("reward or penalty rule")
        verbose_name_plural = _("reward and penalty rules")
        ordering = ["contract", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from oqms.settlements.rules import validate_rule

        validate_rule(self)


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


SettlementStatus.colours = {"draft": "secondary", "approved": "success"}  # type: ignore[attr-defined]


class Settlement(BaseModel):
    """The settlement statement of one scorecard: the fee of the period, each deduction and bonus with its
    reason, and the net amount. Recomputed with its scorecard until approved with it; never changed after."""

    scorecard = models.OneToOneField(
        "kpis.Scorecard", on_delete=models.PROTECT, related_name="settlement", verbose_name=_("scorecard")
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="settlements", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="settlements", verbose_name=_("vendor")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    fee = models.DecimalField(_("fee (CNY)"), **MONEY)
    deductions = models.DecimalField(_("deductions (CNY)"), default=Decimal("0"), **MONEY)
    bonuses = models.DecimalField(_("bonuses (CNY)"), default=Decimal("0"), **MONEY)
    net = models.DecimalField(_("net amount (CNY)"), **MONEY)
    status = models.CharField(
        _("status"), max_length=12, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-period_start", "contract"]

    def __str__(self) -> str:
        return str(self.scorecard)

    def status_colour(self) -> str:
        return colour_of(SettlementStatus, self.status)

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        """A vendor sees the settlement once its scorecard is published to it."""
        return queryset.exclude(scorecard__status="draft") if user.is_vendor_user else queryset


class SettlementLine(models.Model):
    """One deduction or bonus of a settlement, or the part of them waived by the contract's caps. The reason is
    stored as a code with its figures and put into words in the reader's language."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    rule = models.ForeignKey(
        PayRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("rule")
    )
    rule_name = models.CharField(_("rule"), max_length=100, blank=True)
    effect = models.CharField(_("effect"), max_length=12, choices=Effect.choices)
    reason = models.CharField(_("reason"), max_length=24)
    params = models.JSONField(default=dict, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager()
    vendor_scope_field = "settlement__vendor"

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["settlement", "position"]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.amount}"

    def label(self) -> str:
        """The rule's name, or "Cap" (in the reader's language) for the part above a cap."""
        from django.utils.translation import gettext

        return self.rule_name or (gettext("Cap") if self.is_cap else "")

    def reason_text(self) -> str:
        from oqms.settlements.rules import describe

        return describe(self.reason, self.params)

    @property
    def is_cap(self) -> bool:
        return self.reason.endswith("_cap")

    def counted(self) -> Decimal:
        """What the line adds to its column (deductions or bonuses): a cap line takes the excess away."""
        return -self.amount if self.is_cap else self.amount

    def net_effect(self) -> Decimal:
        """What the line does to the net amount: deductions lower it, bonuses raise it."""
        return -self.counted() if self.effect == Effect.DEDUCTION else self.counted()

    restrict_rows = staticmethod(
        lambda queryset, user, action: (
            queryset.exclude(settlement__scorecard__status="draft") if user.is_vendor_user else queryset
        )
    )


class ConsequenceAction(models.TextChoices):
    PROBATION = "probation", _("Put the vendor on probation")
    WARNING = "warning", _("Warn the vendor")


class ConsequenceRule(BaseModel):
    """What follows from poor grades, e.g. grade D twice in a row: the vendor goes to probation and is asked for
    an improvement plan. Applied when a scorecard is approved."""

    name = models.CharField(_("name"), max_length=100)
    grades = models.CharField(
        _("grades"), max_length=40, help_text=_("One or more grades, separated by commas, e.g. D or C, D.")
    )
    periods = models.PositiveSmallIntegerField(
        _("periods in a row"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    action = models.CharField(_("action"), max_length=12, choices=ConsequenceAction.choices)
    request_improvement_plan = models.BooleanField(_("request an improvement plan"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("consequence rule")
        verbose_name_plural = _("consequence rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def grade_list(self) -> list[str]:
        return [g.strip() for g in self.grades.replace("，", ",").split(",") if g.strip()]

    def clean(self) -> None:
        if not self.grade_list():
            raise ValidationError({"grades": _("Name at least one grade.")})


class Consequence(BaseModel):
    """A consequence rule applied to a vendor on the approval of a scorecard."""

    rule = models.ForeignKey(
        ConsequenceRule, on_delete=models.PROTECT, related_name="applied", verbose_name=_("rule")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="consequences", verbose_name=_("vendor")
    )
    scorecard = models.ForeignKey(
        "kpis.Scorecard", on_delete=models.PROTECT, related_name="consequences", verbose_name=_("scorecard")
    )
    action = models.CharField(_("action"), max_length=12, choices=ConsequenceAction.choices)
    improvement_plan_requested = models.BooleanField(_("improvement plan requested"), default=False)
    grades = models.CharField(_("grades that led to it"), max_length=80)
    previous_status = models.CharField(
        _("vendor status before"), max_length=16, choices=VendorStatus.choices, blank=True
    )

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "scorecard"], name="settlements_consequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.rule}"

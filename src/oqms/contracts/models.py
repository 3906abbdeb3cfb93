"""Contracts with a vendor: scope (org units, sites, service types), period, fee and SLA targets per priority."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import (
    DEFAULT_PAUSING_REASONS,
    Clock,
    ClockStop,
    ContractStatus,
    PauseReason,
    Priority,
)
from oqms.core.choices import colour_of
from oqms.core.files import validate_document
from oqms.core.models import BaseModel, PublishedVersion
from oqms.core.scoping import SHARED
from oqms.notify.audiences import Audience

MINUTES_PER_YEAR = 366 * 24 * 60


def default_pausing_reasons() -> list[str]:
    return [str(reason) for reason in DEFAULT_PAUSING_REASONS]


def validate_pausing_reasons(value: object) -> None:
    if not isinstance(value, list) or not set(value) <= set(PauseReason.values):
        raise ValidationError(_("Choose pause reasons from the list."))


DEFAULT_GRADE_BANDS = [["A", 90], ["B", 80], ["C", 70], ["D", 0]]


def default_grade_bands() -> list[list[object]]:
    return [list(band) for band in DEFAULT_GRADE_BANDS]


def validate_grade_bands(value: object) -> None:
    """Bands are [name, lowest score] pairs, distinct names and bounds from 0 to 100, one of them starting at 0."""
    pairs = value if isinstance(value, list) else None
    if not pairs or not all(
        isinstance(pair, list | tuple)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], int | float)
        and not isinstance(pair[1], bool)
        for pair in pairs
    ):
        raise ValidationError(_("Grade bands are pairs of a grade and its lowest score, like A 90."))
    names = [str(name) for name, _lower in pairs]
    if any(not name or name != name.strip() or len(name) > 8 for name in names) or len(set(names)) != len(
        names
    ):
        raise ValidationError(_("Give each grade a distinct short name (at most 8 characters)."))
    lows = [float(lower) for _name, lower in pairs]
    if any(not 0 <= lower <= 100 for lower in lows) or len(set(lows)) != len(lows):
        raise ValidationError(_("Each grade starts at a different score from 0 to 100."))
    if min(lows) != 0:
        raise ValidationError(_("The lowest grade must start at 0, so that every score has a grade."))


def describe_grade_bands(bands: list[list[object]] | None) -> str:
    """The bands as people read them, best first: "A ≥ 90; B ≥ 80; C ≥ 70; D ≥ 0"."""
    ordered = sorted(bands or [], key=lambda band: -float(band[1]))  # type: ignore[arg-type]
    return "; ".join(f"{name} ≥ {float(lower):g}" for name, lower in ordered)  # type: ignore[arg-type]


class ServiceType(BaseModel):
    """An entry of the service catalogue: desktop support, HVAC maintenance, office cleaning, patrol, ..."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.ForeignKey(
        "vendors.ServiceCategory",
        on_delete=models.PROTECT,
        related_name="service_types",
        verbose_name=_("service category"),
    )
    description = models.TextField(_("delivery standard"), blank=True)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["category__code", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Contract(BaseModel):
    """A service contract: who delivers what, where, for how long, at what monthly fee, to which SLA."""

    number = models.CharField(_("contract number"), max_length=50, unique=True)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("vendor")
    )
    title = models.CharField(_("title"), max_length=200)
    org_units = models.ManyToManyField(
        "org.OrgUnit", related_name="contracts", verbose_name=_("organisation units")
    )
    sites = models.ManyToManyField("org.Site", related_name="contracts", verbose_name=_("sites"))
    service_types = models.ManyToManyField(
        ServiceType, related_name="contracts", verbose_name=_("service types")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    monthly_fee = models.DecimalField(
        _("monthly fee (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    description = models.TextField(_("scope and delivery standards"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contracts",
        verbose_name=_("contract owner"),
        help_text=_("Answers for the contract on our side; SLA escalations can go to this person."),
    )
    # The SLA policy. Every change publishes an SLAPolicy version; work orders keep the version they were raised
    # under, so an amendment never changes the clocks of work orders raised before it.
    sla_calendar = models.ForeignKey(
        "calendars.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("SLA calendar"),
        help_text=_(
            "The business hours SLA targets count in. Empty: each site's calendar, else the default one."
        ),
    )
    sla_at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk from (percent of target)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    sla_pausing_reasons = models.JSONField(
        _("pause reasons that stop the clock"),
        default=default_pausing_reasons,
        blank=True,
        validators=[validate_pausing_reasons],
    )
    sla_stops_at = models.CharField(
        _("resolution clock stops"), max_length=16, choices=ClockStop.choices, default=ClockStop.RESOLVED
    )
    complaint_response_hours = models.PositiveSmallIntegerField(
        _("complaint response within (business hours)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_(
            "How long the vendor has to respond to a complaint routed to it, in the SLA calendar's hours."
        ),
    )

    # Evaluation terms: how scorecards are graded and appealed, and the limits of rewards and penalties.
    grade_bands = models.JSONField(
        _("grade bands"), default=default_grade_bands, validators=[validate_grade_bands]
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("days to appeal a scorecard"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_("After a scorecard is published, the vendor may comment or appeal for this many days."),
    )
    deduction_cap_percent = models.DecimalField(
        _("deductions at most (percent of the fee)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    bonus_cap_percent = models.DecimalField(
        _("bonuses at most (percent of the fee)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_fee__gte=0), name="%(app_label)s_%(class)s_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date must not be before the start date.")})
        if self.owner is not None and self.owner.vendor_id is not None:
            raise ValidationError({"owner": _("Choose a person of the enterprise, not of a vendor.")})

    def status_colour(self) -> str:
        return colour_of(ContractStatus, self.status)

    def grade_bands_display(self) -> str:
        return describe_grade_bands(self.grade_bands)

    def is_in_force(self, day: object = None) -> bool:
        day = day or timezone.localdate()
        return self.status == ContractStatus.ACTIVE and self.start_date <= day <= self.end_date  # type: ignore[operator]

    def sla_for(self, priority: str) -> SLATarget | None:
        return next((t for t in self.sla_targets.all() if t.priority == priority), None)

    def pausing_reason_labels(self) -> str:
        from oqms.core.values import join_names

        labels = dict(PauseReason.choices)
        return join_names(labels.get(r, r) for r in self.sla_pausing_reasons or [])

    def current_sla_policy(self) -> SLAPolicy | None:
        return (
            self.sla_policies.filter(effective_from__lte=timezone.now())
            .order_by("-effective_from", "-pk")
            .first()
        )


class SLATarget(BaseModel):
    """Response and resolution targets for one priority of a contract, in business minutes of its calendar."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="sla_targets", verbose_name=_("contract")
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(
        _("response target (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_YEAR)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_YEAR)],
    )

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["contract", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "priority"],
                name="%(app_label)s_%(class)s_unique_priority",
                violation_error_message=_("This contract already has a target for this priority."),
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("response_minutes")),
                name="%(app_label)s_%(class)s_resolution_after_response",
                violation_error_message=_("Resolution cannot be due before response."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(priority)s: respond in %(response)s min, resolve in %(resolution)s min") % {
            "priority": self.priority,
            "response": self.response_minutes,
            "resolution": self.resolution_minutes,
        }

    def clean(self) -> None:
        if (
            self.response_minutes
            and self.resolution_minutes
            and self.resolution_minutes < self.response_minutes
        ):
            raise ValidationError({"resolution_minutes": _("Resolution cannot be due before response.")})

    def priority_colour(self) -> str:
        return colour_of(Priority, self.priority)


class EscalationLevel(BaseModel):
    """When a clock reaches this share of its target, these people are told (100 % is the breach itself)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="escalation_levels", verbose_name=_("contract")
    )
    clock = models.CharField(_("clock"), max_length=16, choices=Clock.choices, default=Clock.RESOLUTION)
    percent = models.PositiveSmallIntegerField(
        _("at (percent of target)"), validators=[MinValueValidator(100), MaxValueValidator(1000)]
    )
    audience = models.CharField(_("notify"), max_length=32, choices=Audience.choices)

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ["contract", "clock", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "clock", "percent", "audience"],
                name="%(app_label)s_%(class)s_unique",
                violation_error_message=_("This level is already there."),
            )
        ]

    def __str__(self) -> str:
        return _("%(clock)s %(percent)s%% → %(audience)s") % {
            "clock": self.get_clock_display(),
            "percent": self.percent,
            "audience": self.get_audience_display(),
        }


class SLAPolicy(PublishedVersion):
    """The SLA of a contract as published at a moment: targets, calendar, pausing, at-risk and escalation rules
    (``oqms.contracts.sla``). A work order keeps the version in force when it was raised."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("contract")
    )

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("SLA policy version")
        verbose_name_plural = _("SLA policy versions")
        ordering = ["contract", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="%(app_label)s_%(class)s_unique_number"
            )
        ]
        indexes = [models.Index(fields=["contract", "effective_from"], name="sla_policy_in_force_idx")]

    def __str__(self) -> str:
        return f"{self.contract.number} SLA v{self.number}"

    def target(self, priority: str) -> tuple[int, int] | None:
        """(response, resolution) in business minutes for a priority, or None when the policy has none."""
        pair = self.definition.get("targets", {}).get(priority)
        return (int(pair[0]), int(pair[1])) if pair else None


class ContractAttachment(BaseModel):
    """A signed contract, an annex, a service description."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("contract")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="contracts/%Y/%m/", validators=[validate_document])

    vendor_scope_field = "contract__vendor"

    class Meta:
        verbose_name = _("contract attachment")
        verbose_name_plural = _("contract attachments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

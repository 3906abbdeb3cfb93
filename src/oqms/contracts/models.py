"""Contracts with a vendor: scope (org units, sites, service types), period, fee and SLA targets per priority."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.contracts.choices import ContractStatus, Priority
from oqms.core.choices import colour_of
from oqms.core.files import validate_document
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED

MINUTES_PER_YEAR = 366 * 24 * 60


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

    def status_colour(self) -> str:
        return colour_of(ContractStatus, self.status)

    def is_in_force(self, day: object = None) -> bool:
        day = day or timezone.localdate()
        return self.status == ContractStatus.ACTIVE and self.start_date <= day <= self.end_date  # type: ignore[operator]

    def sla_for(self, priority: str) -> SLATarget | None:
        return next((t for t in self.sla_targets.all() if t.priority == priority), None)


class SLATarget(BaseModel):
    """Response and resolution targets for one priority of a contract, in minutes."""

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

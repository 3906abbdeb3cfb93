"""Vendors (外包服务商), their contacts and qualification documents."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.core.choices import colour_of
from oqms.core.files import validate_document
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED
from oqms.vendors.choices import DocumentType, ExpiryState, VendorStatus
from oqms.vendors.validators import validate_uscc

EXPIRY_WARNING_DAYS = 60


class ServiceCategory(BaseModel):
    """A kind of outsourced service: IT support, equipment maintenance, cleaning, security, call centre."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Vendor(BaseModel):
    """A company the enterprise outsources services to."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码: 18 characters, the last one a check character."),
    )
    categories = models.ManyToManyField(
        ServiceCategory, related_name="vendors", verbose_name=_("service categories")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VendorStatus.choices, default=VendorStatus.PROSPECT, db_index=True
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    vendor_scope_field = "pk"

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def status_colour(self) -> str:
        return colour_of(VendorStatus, self.status)


class VendorContact(BaseModel):
    """A person at the vendor: account manager, dispatcher, escalation contact."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("vendor")
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("vendor contact")
        verbose_name_plural = _("vendor contacts")
        ordering = ["vendor", "-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"


class QualificationDocument(BaseModel):
    """A licence or certificate the vendor holds, with its validity: expired ones are flagged everywhere."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="documents", verbose_name=_("vendor")
    )
    doc_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issuer"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Leave empty for a document without expiry.")
    )
    file = models.FileField(
        _("file"), upload_to="vendors/documents/%Y/%m/", blank=True, validators=[validate_document]
    )

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["valid_to"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_to_after_from",
                violation_error_message=_("The end of validity must not be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity must not be before its start.")})

    def expiry_state(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.valid_to is None:
            return ExpiryState.PERMANENT
        if self.valid_to < today:
            return ExpiryState.EXPIRED
        if self.valid_to <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
            return ExpiryState.EXPIRING
        return ExpiryState.VALID

    def get_expiry_state_display(self) -> str:
        return str(ExpiryState(self.expiry_state()).label)

    def expiry_state_colour(self) -> str:
        return colour_of(ExpiryState, self.expiry_state())

    def days_to_expiry(self) -> int | None:
        return None if self.valid_to is None else (self.valid_to - timezone.localdate()).days

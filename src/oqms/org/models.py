"""The enterprise's own structure: organisation units (departments) and the sites where services are delivered."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.core.models import BaseModel
from oqms.core.validators import validate_time_zone


class OrgUnit(BaseModel):
    """A department or business unit that receives outsourced services and raises work orders."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    description = models.TextField(_("description"), blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_org_units",
        verbose_name=_("department head"),
        help_text=_("SLA escalations for this unit's sites can go to this person."),
    )

    vendor_scope_field = "contracts__vendor"

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A unit cannot be inside itself.")})
            ancestor = ancestor.parent
        if self.head is not None and self.head.vendor_id is not None:
            raise ValidationError({"head": _("Choose a person of the enterprise, not of a vendor.")})


class Site(BaseModel):
    """A place where services are delivered: an office, a plant, a data centre."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation unit")
    )
    city = models.CharField(_("city"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    calendar = models.ForeignKey(
        "calendars.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("business calendar"),
        help_text=_("The site's working hours and holidays; empty: the default calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = "contracts__vendor"

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

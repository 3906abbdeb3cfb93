from django.db import models
from django.utils.translation import gettext_lazy as _


class VendorStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    QUALIFIED = "qualified", _("Qualified")
    ACTIVE = "active", _("Active")
    PROBATION = "probation", _("Probation")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


VendorStatus.colours = {  # type: ignore[attr-defined]
    "prospect": "secondary",
    "qualified": "info",
    "active": "success",
    "probation": "warning",
    "suspended": "danger",
    "exited": "dark",
}


class DocumentType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    ISO9001 = "iso9001", _("ISO 9001 quality management")
    ISO27001 = "iso27001", _("ISO/IEC 27001 information security")
    ISO20000 = "iso20000", _("ISO/IEC 20000-1 IT service management")
    ISO14001 = "iso14001", _("ISO 14001 environmental management")
    ISO45001 = "iso45001", _("ISO 45001 occupational health and safety")
    CMMI_SVC = "cmmi_svc", _("CMMI-SVC")
    SECURITY_SERVICE = "security_service", _("Security service licence")
    SAFETY_PRODUCTION = "safety_production", _("Safety production licence")
    OTHER = "other", _("Other")


class ExpiryState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring within 60 days")
    EXPIRED = "expired", _("Expired")
    PERMANENT = "permanent", _("No expiry")


ExpiryState.colours = {  # type: ignore[attr-defined]
    "valid": "success",
    "expiring": "warning",
    "expired": "danger",
    "permanent": "secondary",
}

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    REQUESTER = "requester", _("Business requester")
    VENDOR_MANAGER = "vendor_manager", _("Vendor manager")
    VENDOR_STAFF = "vendor_staff", _("Vendor staff")
    INSPECTOR = "inspector", _("Inspector")
    ASSESSOR = "assessor", _("Third-party assessor")
    ADMIN = "admin", _("Administrator")


VENDOR_ROLES = {Role.VENDOR_MANAGER, Role.VENDOR_STAFF}
Role.colours = {  # type: ignore[attr-defined]
    Role.QUALITY_MANAGER: "primary",
    Role.REQUESTER: "info",
    Role.VENDOR_MANAGER: "warning",
    Role.VENDOR_STAFF: "warning",
    Role.INSPECTOR: "success",
    Role.ASSESSOR: "dark",
    Role.ADMIN: "danger",
}

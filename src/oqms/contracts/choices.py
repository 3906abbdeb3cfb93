from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 medium")
    P4 = "P4", _("P4 low")


Priority.colours = {"P1": "danger", "P2": "warning", "P3": "info", "P4": "secondary"}  # type: ignore[attr-defined]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


ContractStatus.colours = {  # type: ignore[attr-defined]
    "draft": "secondary",
    "active": "success",
    "suspended": "warning",
    "expired": "dark",
    "terminated": "danger",
}

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


class PauseReason(models.TextChoices):
    """Why work on a work order is paused; a contract says which of them stop its SLA clock."""

    AWAITING_REQUESTER = "awaiting_requester", _("Awaiting the requester")
    AWAITING_PARTS = "awaiting_parts", _("Awaiting spare parts")
    AWAITING_THIRD_PARTY = "awaiting_third_party", _("Awaiting a third party")
    SCHEDULED = "scheduled", _("Scheduled at the requester's request")
    ACCESS = "access", _("No access to the site")
    OTHER = "other", _("Other")


# Causes on the customer's side stop the clock by default; the vendor's own (parts, suppliers) do not.
DEFAULT_PAUSING_REASONS = [PauseReason.AWAITING_REQUESTER, PauseReason.SCHEDULED, PauseReason.ACCESS]


class ClockStop(models.TextChoices):
    RESOLVED = "resolved", _("when the vendor resolves it")
    CLOSED = "closed", _("when the requester confirms it")


class Clock(models.TextChoices):
    RESPONSE = "response", _("Response")
    RESOLUTION = "resolution", _("Resolution")

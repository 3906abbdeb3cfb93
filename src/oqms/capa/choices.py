from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oqms.inspections.choices import Severity

__all__ = ["CauseCategory", "ItemKind", "ItemStatus", "NCStatus", "ScarStatus", "Severity", "Source"]

RAISED = {
    Severity.MINOR: Severity.MAJOR,
    Severity.MAJOR: Severity.CRITICAL,
    Severity.CRITICAL: Severity.CRITICAL,
}


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Inspection finding")
    COMPLAINT = "complaint", _("Complaint")
    KPI = "kpi", _("KPI missed")
    AUDIT = "audit", _("Audit")
    MANUAL = "manual", _("Entered by hand")


class NCStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("nonconformance", "Open")
    ACTION = "action", _("Corrective action under way")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


NCStatus.colours = {  # type: ignore[attr-defined]
    "open": "danger",
    "action": "warning",
    "closed": "success",
    "cancelled": "secondary",
}


class ScarStatus(models.TextChoices):
    ISSUED = "issued", _("Issued: awaiting the vendor")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged: root cause being analysed")
    ANALYSED = "analysed", _("Root cause found: action plan being drawn up")
    PLANNED = "planned", _("Action plan under way")
    IMPLEMENTED = "implemented", _("Implemented: awaiting verification")
    CLOSED = "closed", _("Verified effective and closed")
    CANCELLED = "cancelled", _("Cancelled")


ScarStatus.colours = {  # type: ignore[attr-defined]
    "issued": "danger",
    "acknowledged": "warning",
    "analysed": "warning",
    "planned": "info",
    "implemented": "primary",
    "closed": "success",
    "cancelled": "secondary",
}
OPEN_SCAR = ("issued", "acknowledged", "analysed", "planned", "implemented")


class CauseCategory(models.TextChoices):
    """The six Ms of an Ishikawa diagram (人机料法环测)."""

    MANPOWER = "manpower", _("People (人)")
    MACHINE = "machine", _("Equipment (机)")
    MATERIAL = "material", _("Material (料)")
    METHOD = "method", _("Method (法)")
    ENVIRONMENT = "environment", _("Environment (环)")
    MEASUREMENT = "measurement", _("Measurement (测)")


class ItemKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Preventive")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


ItemStatus.colours = {"open": "warning", "done": "success"}  # type: ignore[attr-defined]

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


VersionStatus.colours = {"draft": "secondary", "published": "success", "retired": "dark"}  # type: ignore[attr-defined]


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    SCORE = "score", _("Score 0-N")
    NUMERIC = "numeric", _("Measured value with limits")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Remark")
    PHOTO = "photo", _("Photo required")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


Severity.colours = {"minor": "info", "major": "warning", "critical": "danger"}  # type: ignore[attr-defined]


class PlanKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    RANDOM = "random", _("Random spot check")


PlanKind.colours = {"periodic": "primary", "random": "warning"}  # type: ignore[attr-defined]


class SamplingPeriod(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class AssignBy(models.TextChoices):
    SITE = "site", _("By site")
    ROTATION = "rotation", _("In turn")


class InspectionKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    RANDOM = "random", _("Random spot check")
    ADHOC = "adhoc", _("Ad hoc")
    CORRECTION = "correction", _("Correction")


InspectionKind.colours = {  # type: ignore[attr-defined]
    "periodic": "primary",
    "random": "warning",
    "adhoc": "info",
    "correction": "dark",
}


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


InspectionStatus.colours = {  # type: ignore[attr-defined]
    "scheduled": "info",
    "in_progress": "warning",
    "completed": "success",
    "cancelled": "secondary",
}


class LotKind(models.TextChoices):
    WORK_ORDERS = "work_orders", _("Work orders closed in a span of days")
    BATCH = "batch", _("Delivered batch")


class LotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")


LotStatus.colours = {"open": "info", "accepted": "success", "rejected": "danger"}  # type: ignore[attr-defined]

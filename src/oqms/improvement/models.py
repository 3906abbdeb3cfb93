"""Continuous improvement (持续改进): improvement actions that are not answers to a nonconformance, each aimed at
KPIs whose values before and after are shown; and the library of lessons learned and best practices."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.core.choices import colour_of
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED


class ImprovementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ImprovementStatus.colours = {  # type: ignore[attr-defined]
    "proposed": "secondary",
    "in_progress": "primary",
    "done": "success",
    "cancelled": "dark",
}


class Improvement(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is to change, and how"), max_length=4000)
    category = models.ForeignKey(
        "capa.Category", on_delete=models.PROTECT, related_name="improvements", verbose_name=_("category")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
        verbose_name=_("vendor"),
        help_text=_("Empty: an improvement of the company's own."),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
        verbose_name=_("contract"),
    )
    kpis = models.ManyToManyField(
        "kpis.KPI",
        blank=True,
        related_name="improvements",
        verbose_name=_("KPIs it should move"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.PROPOSED
    )
    started_on = models.DateField(_("started on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    compare_days = models.PositiveSmallIntegerField(
        _("compare over (days)"),
        default=90,
        help_text=_("The KPIs are compared over this many days before the start and after the completion."),
    )
    result = models.TextField(_("result"), blank=True, max_length=4000)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return queryset.none() if user.role == Role.VENDOR_STAFF else queryset

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.contract_id and self.vendor_id and self.contract.vendor_id != self.vendor_id:
            errors["contract"] = _("The contract belongs to another vendor.")
        if self.completed_on and self.started_on and self.completed_on < self.started_on:
            errors["completed_on"] = _("It cannot be completed before it started.")
        if self.status == ImprovementStatus.DONE and not self.completed_on:
            errors["completed_on"] = _("Give the day it was completed.")
        if self.compare_days is not None and not 7 <= self.compare_days <= 366:
            errors["compare_days"] = _("Compare over 7 to 366 days.")
        if errors:
            raise ValidationError(errors)

    def status_colour(self) -> str:
        return colour_of(ImprovementStatus, self.status)

    def periods(self, today: datetime.date | None = None) -> tuple[tuple[Any, Any], tuple[Any, Any] | None]:
        """(first, last) days before the start, and after the completion so far (None until completed)."""
        today = today or timezone.localdate()
        span = datetime.timedelta(days=self.compare_days)
        before = (self.started_on - span, self.started_on - datetime.timedelta(days=1))
        if not self.completed_on or self.completed_on > today:
            return before, None
        return before, (self.completed_on, min(today, self.completed_on + span - datetime.timedelta(days=1)))


class LessonKind(models.TextChoices):
    LESSON = "lesson", _("Lesson learned")
    PRACTICE = "practice", _("Best practice")


class Lesson(BaseModel):
    """What was learned, written for the next person: from a closed corrective action, an improvement, or
    experience. Shared lessons are read by every vendor's manager too."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=LessonKind.choices, default=LessonKind.LESSON)
    category = models.ForeignKey(
        "capa.Category", on_delete=models.PROTECT, related_name="lessons", verbose_name=_("category")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    situation = models.TextField(_("what happened"), max_length=4000)
    learning = models.TextField(_("what to do (or avoid)"), max_length=4000)
    nonconformance = models.ForeignKey(
        "capa.Nonconformance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name=_("from the nonconformance"),
    )
    improvement = models.ForeignKey(
        Improvement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name=_("from the improvement"),
    )
    shared = models.BooleanField(
        _("shared with vendors"),
        default=False,
        help_text=_("Vendors' managers can read it. It names no vendor to the others."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
        editable=False,
    )

    vendor_scope_field = SHARED
    audit_exclude = ("nonconformance", "improvement")  # vendors read the trail of shared lessons

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons and best practices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        """A vendor's people read the shared lessons only."""
        if user.vendor_scope_ids() is not None:
            return queryset.filter(shared=True)
        return queryset

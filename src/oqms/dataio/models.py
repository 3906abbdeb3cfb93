"""Imports: a file uploaded with what it holds, how its columns map to fields, and what came of checking and
importing it; and the mappings users save to use again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.core.models import BaseModel
from oqms.dataio.targets import Entity


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Not imported")
    FAILED = "failed", _("Failed")


JobStatus.colours = {  # type: ignore[attr-defined]
    "uploaded": "secondary",
    "checking": "info",
    "checked": "primary",
    "queued": "info",
    "running": "warning",
    "done": "success",
    "refused": "danger",
    "failed": "danger",
}


class SavedMapping(BaseModel):
    """A column mapping kept under a name, for files that come again in the same layout."""

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("records"), max_length=16, choices=Entity.choices)
    mapping = models.JSONField(_("mapping"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saved by")
    )

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        ordering = ["entity", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "name"], name="dataio_mapping_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(BaseModel):
    """One uploaded file and its import: checked first (a dry run), then imported, all of it or its valid rows."""

    entity = models.CharField(_("records"), max_length=16, choices=Entity.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    valid_only = models.BooleanField(
        _("import only the valid rows"),
        default=False,
        help_text=_("Otherwise nothing is imported while any row has a problem."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.UPLOADED
    )
    processed = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("rows with problems"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    problems_file = models.FileField(_("problems (CSV)"), upload_to="imports/%Y/%m/", blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )

    audit_exclude = ("processed", "preview", "problems", "headers")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_entity_display()})"

    def status_colour(self) -> str:
        from oqms.core.choices import colour_of

        return colour_of(JobStatus, self.status)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.processed / self.rows) if self.rows else 0

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dataio:job", args=[self.pk])

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


class IdempotencyKey(models.Model):
    """A write of the integration API done once: the same key again gets the same answer and changes nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request body
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="dataio_idempotency_unique")]

    def __str__(self) -> str:
        return self.key

"""Nonconformances (不合格): a problem with a vendor's service, found by an inspection, a complaint, a missed KPI,
an audit or by someone on site, recorded with its evidence and the containment the vendor owes at once."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.capa.choices import NCStatus, Severity, Source
from oqms.core.choices import colour_of
from oqms.core.files import validate_document
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED


def _hide_from_staff(queryset: Any, user: Any, action: str) -> Any:
    """The vendor's manager answers for the vendor; its staff see none of it."""
    return queryset.none() if user.role == Role.VENDOR_STAFF else queryset


class Category(BaseModel):
    """What a nonconformance (and an improvement, a lesson) is about: 清洁不到位, 响应超时, 安全隐患. A
    nonconformance of the same vendor and category within the repeat window is a repeat."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        language = get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name


class DueRule(BaseModel):
    """How long each stage may take, by severity: containment, the vendor's acknowledgement, its root cause and
    plan, the fix, and how long after the fix its effect is verified."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, unique=True)
    containment_hours = models.PositiveIntegerField(_("containment within (hours)"))
    acknowledge_days = models.PositiveSmallIntegerField(_("acknowledgement within (days)"))
    plan_days = models.PositiveSmallIntegerField(
        _("root cause and plan within (days)"), help_text=_("Counted from the request.")
    )
    close_days = models.PositiveSmallIntegerField(
        _("implemented within (days)"), help_text=_("Counted from the request.")
    )
    verify_after_days = models.PositiveSmallIntegerField(
        _("verify the effect after (days)"),
        help_text=_("The quality manager checks that the fix works this long after it is implemented."),
    )

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["severity"]

    def __str__(self) -> str:
        return str(self.get_severity_display())

    @classmethod
    def for_severity(cls, severity: str) -> DueRule:
        """The rule of a severity (made with the defaults if it is missing)."""
        rule, _created = cls.objects.get_or_create(severity=severity, defaults=DEFAULT_RULES[severity])
        return rule


# The deadlines a deployment starts with (containment hours; acknowledge, plan, close, verify days).
DEFAULT_RULES: dict[str, dict[str, int]] = {
    severity: dict(
        zip(
            ("containment_hours", "acknowledge_days", "plan_days", "close_days", "verify_after_days"),
            v,
            strict=True,
        )
    )
    for severity, v in (
        (Severity.CRITICAL, (24, 1, 5, 15, 14)),
        (Severity.MAJOR, (48, 2, 10, 30, 30)),
        (Severity.MINOR, (120, 5, 15, 60, 30)),
    )
}


def ensure_due_rules(**kwargs: Any) -> None:
    """After every migrate (and test flush): one rule per severity, so the deadline rules page lists them all."""
    have = set(DueRule.objects.values_list("severity", flat=True))
    # the release's defaults, not anyone's edit: created without an audit entry
    DueRule.objects.bulk_create(
        [DueRule(severity=s, **values) for s, values in DEFAULT_RULES.items() if s not in have],
        ignore_conflicts=True,
    )


class Nonconformance(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_id = models.CharField(max_length=40, blank=True, editable=False)
    source_label = models.CharField(_("raised from"), max_length=200, blank=True, editable=False)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="nonconformances", verbose_name=_("vendor")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nonconformances",
        verbose_name=_("contract"),
    )
    site = models.ForeignKey(
        "org.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="nonconformances", verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    reported_severity = models.CharField(
        _("severity as reported"), max_length=10, choices=Severity.choices, editable=False
    )
    repeat_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
        verbose_name=_("repeat of"),
        editable=False,
    )
    detected_at = models.DateTimeField(_("found at"))
    containment = models.TextField(
        _("containment action"),
        blank=True,
        max_length=2000,
        help_text=_("What the vendor must do at once to stop the harm, before the root cause is known."),
    )
    containment_due_at = models.DateTimeField(_("containment due"), null=True, blank=True, editable=False)
    containment_done_at = models.DateTimeField(_("contained at"), null=True, blank=True, editable=False)
    containment_note = models.TextField(_("how it was contained"), blank=True, editable=False)
    due_at = models.DateTimeField(_("to be closed by"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=NCStatus.choices, default=NCStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    close_note = models.TextField(_("closing note"), blank=True, editable=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
        editable=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner (company side)"),
    )

    vendor_scope_field = "vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        verbose_name = _("nonconformance")
        verbose_name_plural = _("nonconformances")
        ordering = ["-detected_at", "-pk"]
        indexes = [
            models.Index(fields=["vendor", "category", "detected_at"], name="capa_nc_repeat_idx"),
            models.Index(fields=["source_type", "source_id"], name="capa_nc_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None

    def status_colour(self) -> str:
        return colour_of(NCStatus, self.status)

    def severity_colour(self) -> str:
        return colour_of(Severity, self.severity)

    @property
    def containment_overdue(self) -> bool:
        return bool(
            self.containment
            and self.containment_done_at is None
            and self.containment_due_at
            and self.containment_due_at < timezone.now()
            and self.status in (NCStatus.OPEN, NCStatus.ACTION)
        )

    def source_object(self) -> Any:
        if self.source_type_id is None or not self.source_id:
            return None
        model = self.source_type.model_class()
        return model._base_manager.filter(pk=self.source_id).first() if model else None

    def age_days(self, now: datetime.datetime | None = None) -> int:
        return ((self.closed_at or now or timezone.now()) - self.detected_at).days


class Evidence(BaseModel):
    """A file behind a nonconformance or its corrective action: a photo of the problem, a root-cause report,
    the proof a fix was made. PDF, images, DOCX or XLSX, checked by content."""

    nonconformance = models.ForeignKey(
        Nonconformance, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("nonconformance")
    )
    scar = models.ForeignKey(
        "capa.CorrectiveAction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("corrective action"),
    )
    item = models.ForeignKey(
        "capa.ActionItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("action item"),
    )
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to="capa/%Y/%m/", validators=[validate_document])
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    vendor_scope_field = "nonconformance__vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.file.name.rsplit("/", 1)[-1]

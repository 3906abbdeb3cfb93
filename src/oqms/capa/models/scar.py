"""Corrective action requests to vendors (SCAR, 纠正措施要求): the vendor acknowledges, finds the root cause (a
5-why chain and its 6M category), plans corrective and preventive actions with owners and dates, implements them
with evidence; the quality manager verifies the effect after a set period and closes it, or sends it back to the
plan with the reason."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.capa.choices import OPEN_SCAR, CauseCategory, ItemKind, ItemStatus, ScarStatus
from oqms.capa.models.nonconformance import Nonconformance, _hide_from_staff
from oqms.core.choices import colour_of
from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager


class CorrectiveAction(BaseModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    nonconformance = models.ForeignKey(
        Nonconformance,
        on_delete=models.PROTECT,
        related_name="scars",
        verbose_name=_("nonconformance"),
        editable=False,
    )
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        related_name="scars",
        verbose_name=_("vendor"),
        editable=False,
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract"),
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ScarStatus.choices, default=ScarStatus.ISSUED, editable=False
    )
    requirements = models.TextField(_("what is asked of the vendor"), max_length=4000, blank=True)
    round = models.PositiveSmallIntegerField(
        _("round"),
        default=1,
        editable=False,
        help_text=_("Goes up each time the fix is found not effective."),
    )
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
        editable=False,
    )
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)
    plan_due_at = models.DateTimeField(_("root cause and plan due"), editable=False)
    due_at = models.DateTimeField(_("to be implemented by"), editable=False)
    why_chain = models.JSONField(_("5 whys"), default=list, blank=True, editable=False)
    cause_category = models.CharField(
        _("cause category (6M)"), max_length=12, choices=CauseCategory.choices, blank=True, editable=False
    )
    root_cause = models.TextField(_("root cause"), blank=True, editable=False)
    analysed_at = models.DateTimeField(_("root cause given at"), null=True, blank=True, editable=False)
    planned_at = models.DateTimeField(_("plan submitted at"), null=True, blank=True, editable=False)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True, editable=False)
    implementation_note = models.TextField(_("what was implemented"), blank=True, editable=False)
    verify_after_days = models.PositiveSmallIntegerField(_("verify the effect after (days)"), editable=False)
    verify_from = models.DateField(_("verification from"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
        editable=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    vendor_scope_field = "vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        verbose_name = _("corrective action request")
        verbose_name_plural = _("corrective action requests")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nonconformance"],
                condition=models.Q(status__in=OPEN_SCAR),
                name="capa_one_open_scar_per_nonconformance",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def status_colour(self) -> str:
        return colour_of(ScarStatus, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SCAR

    def stage_due(self) -> Any:
        """The deadline of the stage it is in (None when it waits on nobody's deadline)."""
        if self.status == ScarStatus.ISSUED:
            return self.acknowledge_due_at
        if self.status in (ScarStatus.ACKNOWLEDGED, ScarStatus.ANALYSED):
            return self.plan_due_at
        if self.status == ScarStatus.PLANNED:
            return self.due_at
        return None

    @property
    def is_overdue(self) -> bool:
        due = self.stage_due()
        return bool(due and due < timezone.now())

    @property
    def closed_on_time(self) -> bool | None:
        if self.closed_at is None or self.implemented_at is None:
            return None
        return self.implemented_at <= self.due_at


class ActionItem(BaseModel):
    """One corrective or preventive action of a plan, with its owner at the vendor and its due date."""

    scar = models.ForeignKey(
        CorrectiveAction, on_delete=models.CASCADE, related_name="items", verbose_name=_("corrective action")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices, default=ItemKind.CORRECTIVE)
    description = models.TextField(_("action"), max_length=2000)
    owner_name = models.CharField(_("owner"), max_length=100)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN, editable=False
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_note = models.TextField(_("how it was done"), blank=True, editable=False)
    round = models.PositiveSmallIntegerField(_("round"), default=1, editable=False)

    vendor_scope_field = "scar__vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["kind", "due_date", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    def status_colour(self) -> str:
        return colour_of(ItemStatus, self.status)

    @property
    def is_overdue(self) -> bool:
        return self.status == ItemStatus.OPEN and self.due_date < timezone.localdate()


EVENT_LABELS = {
    "issued": _("issued to the vendor"),
    "acknowledged": _("acknowledged by the vendor"),
    "contained": _("containment done"),
    "analysed": _("root cause given"),
    "planned": _("action plan submitted"),
    "item_done": _("action done"),
    "implemented": _("implemented"),
    "returned": _("sent back"),
    "not_effective": _("verified: not effective, back to the plan"),
    "closed": _("verified effective and closed"),
    "cancelled": _("cancelled"),
    "escalated": _("escalated: overdue"),
}


class ScarEvent(models.Model):
    """A step of a corrective action, who took it and when. Escalations carry a key, so each is made once."""

    scar = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("step"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    round = models.PositiveSmallIntegerField(default=1)
    key = models.CharField(max_length=60, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "scar__vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="capa_scar_event_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scar_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class ScarComment(models.Model):
    """The conversation between the company and the vendor about a corrective action."""

    scar = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    objects = ScopedManager()
    vendor_scope_field = "scar__vendor"
    restrict_rows = staticmethod(_hide_from_staff)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

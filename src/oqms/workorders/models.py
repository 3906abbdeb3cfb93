"""Work orders (工单): a request for service under a contract, its workflow, its events and photos."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.contracts.choices import Priority
from oqms.core.choices import colour_of
from oqms.core.files import validate_photo
from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager
from oqms.workorders.choices import OPEN_STATUSES, Action, Origin, PauseReason, PhotoKind, SLAState, Status


class WorkOrder(BaseModel):
    """A request for service. Its vendor follows from its contract and is kept on the row for scoping."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("contract")
    )
    vendor = models.ForeignKey(
        "vendors.Vendor",
        on_delete=models.PROTECT,
        related_name="work_orders",
        editable=False,
        verbose_name=_("vendor"),
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("site")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("service type"),
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P3)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_work",
        verbose_name=_("requester"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_work",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    pause_reason = models.CharField(_("pause reason"), max_length=32, choices=PauseReason.choices, blank=True)

    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    responded_at = models.DateTimeField(
        _("responded at"),
        null=True,
        blank=True,
        help_text=_("When work first started: the end of the response clock."),
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (seconds)"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Where the record came from, and its number in the vendor's own ticket system (ServiceNow, Jira, ...):
    # imports and the integration API update the work order with the same external id of the same vendor.
    origin = models.CharField(_("entered through"), max_length=8, choices=Origin.choices, default=Origin.PAGE)
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("Its number in the vendor's own ticket system."),
    )

    # SLA clocks (oqms.workorders.clock): stored so that lists, filters, reports and the monitor read them.
    sla_policy = models.ForeignKey(
        "contracts.SLAPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("SLA policy version"),
    )
    calendar = models.ForeignKey(
        "calendars.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("business calendar"),
    )
    response_target_minutes = models.PositiveIntegerField(
        _("response target (business minutes)"), null=True, blank=True
    )
    resolution_target_minutes = models.PositiveIntegerField(
        _("resolution target (business minutes)"), null=True, blank=True
    )
    at_risk_at = models.DateTimeField(_("at risk from"), null=True, blank=True)
    paused_business_seconds = models.FloatField(_("paused business time (seconds)"), default=0)
    response_business_seconds = models.FloatField(
        _("first response (business seconds)"), null=True, blank=True
    )
    resolution_business_seconds = models.FloatField(
        _("resolution time (business seconds)"), null=True, blank=True
    )
    response_state = models.CharField(
        _("response SLA"), max_length=16, choices=SLAState.choices, default=SLAState.NONE
    )
    sla_state = models.CharField(
        _("resolution SLA"), max_length=16, choices=SLAState.choices, default=SLAState.NONE, db_index=True
    )
    sla_next_check_at = models.DateTimeField(_("next SLA check"), null=True, blank=True, editable=False)
    sla_crossings = models.JSONField(_("SLA thresholds notified"), default=list, blank=True, editable=False)
    sla_checks = models.PositiveIntegerField(default=0, editable=False)

    audit_exclude = (
        "response_due_at",
        "resolution_due_at",
        "at_risk_at",
        "paused_business_seconds",
        "response_business_seconds",
        "resolution_business_seconds",
        "response_state",
        "sla_state",
        "sla_next_check_at",
        "sla_crossings",
        "sla_checks",
        "sla_policy",
        "calendar",
        "response_target_minutes",
        "resolution_target_minutes",
    )
    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-opened_at"]
        indexes = [
            # Quality manager home page and vendor dashboards: open work orders grouped by vendor.
            models.Index(fields=["vendor", "status"], name="wo_vendor_status_idx"),
            # "My requests" and "my assigned work".
            models.Index(fields=["requester", "status"], name="wo_requester_status_idx"),
            models.Index(fields=["assignee", "status"], name="wo_assignee_status_idx"),
            # The default list order and period reports.
            models.Index(fields=["-opened_at"], name="wo_opened_idx"),
            # The SLA watcher's queue: open work orders ordered by when resolution falls due.
            models.Index(
                fields=["resolution_due_at"],
                name="wo_open_due_idx",
                condition=models.Q(status__in=["new", "assigned", "in_progress", "paused"]),
            ),
            # The SLA monitor's queue: the next threshold to cross.
            models.Index(
                fields=["sla_next_check_at"],
                name="wo_sla_next_check_idx",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="%(app_label)s_%(class)s_rating_1_to_5",
            ),
            # One work order per ticket of a vendor's own system: what imports and the API upsert by.
            models.UniqueConstraint(
                fields=["vendor", "external_id"],
                condition=~models.Q(external_id=""),
                name="wo_vendor_external_id_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        if user.role == Role.VENDOR_STAFF:
            return queryset.filter(assignee=user)
        if user.role == Role.REQUESTER:
            return queryset.filter(requester=user)
        return queryset

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def status_colour(self) -> str:
        return colour_of(Status, self.status)

    def priority_colour(self) -> str:
        return colour_of(Priority, self.priority)

    def sla_state_colour(self) -> str:
        return colour_of(SLAState, self.sla_state)

    def response_state_colour(self) -> str:
        return colour_of(SLAState, self.response_state)


class WorkOrderEvent(models.Model):
    """One workflow step of a work order: who did what, when, with which note."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("work order")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # Kept on the step itself: the work order's own pause_reason is cleared when work resumes.
    pause_reason = models.CharField(_("pause reason"), max_length=32, choices=PauseReason.choices, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "work_order__vendor"

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["work_order", "at"], name="wo_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.work_order.number} {self.get_action_display()}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        if user.role == Role.VENDOR_STAFF:
            return queryset.filter(work_order__assignee=user)
        if user.role == Role.REQUESTER:
            return queryset.filter(work_order__requester=user)
        return queryset


class WorkOrderAttachment(BaseModel):
    """A photo taken on site: before, after, or as evidence. JPEG, PNG or WebP, checked by content."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("work order")
    )
    kind = models.CharField(
        _("photo type"), max_length=16, choices=PhotoKind.choices, default=PhotoKind.EVIDENCE
    )
    photo = models.FileField(_("photo"), upload_to="workorders/%Y/%m/", validators=[validate_photo])
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    vendor_scope_field = "work_order__vendor"

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.caption or self.photo.name.rsplit("/", 1)[-1]

    restrict_rows = staticmethod(WorkOrderEvent.restrict_rows)

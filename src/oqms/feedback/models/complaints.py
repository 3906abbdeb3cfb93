"""The voice of the customer (畅通反馈渠道): complaints and praise from QR codes at sites, hotline calls and other
systems, with the complainant's contact data encrypted and every reveal of it logged."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.core import crypto
from oqms.core.choices import colour_of
from oqms.core.files import validate_photo
from oqms.core.models import BaseModel
from oqms.core.scoping import SHARED, ScopedManager
from oqms.core.values import mask_phone


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")


FeedbackKind.colours = {"complaint": "danger", "praise": "success"}  # type: ignore[attr-defined]


class Channel(models.TextChoices):
    QR = "qr", _("QR code")
    HOTLINE = "hotline", _("Hotline")
    API = "api", _("Other system")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    ASSIGNED = "assigned", _("Assigned to the vendor")
    RESPONDED = "responded", _("Responded")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ComplaintStatus.colours = {  # type: ignore[attr-defined]
    "received": "primary",
    "classified": "info",
    "assigned": "warning",
    "responded": "secondary",
    "resolved": "success",
    "closed": "dark",
}


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ComplaintCategory(BaseModel):
    """A category of feedback (a tree: 保洁 → 卫生间不洁), with the severity it usually has."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
        help_text=_("The service this category is about: routes the complaint to the contract covering it."),
    )
    severity = models.CharField(
        _("usual severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("feedback category")
        verbose_name_plural = _("feedback categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name

    def label(self, language: str = "zh") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class FeedbackPoint(BaseModel):
    """A place where people can give feedback: a site or a service point in it (3 楼卫生间, 食堂), with its QR
    code. The token in the code's link names the point and nothing else."""

    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="feedback_points", verbose_name=_("site")
    )
    name = models.CharField(
        _("service point"), max_length=100, blank=True, help_text=_("Empty: the whole site.")
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
        help_text=_("The service delivered here, when the point is about one (a canteen, a washroom)."),
    )
    token = models.CharField(_("link token"), max_length=32, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = None  # internal

    class Meta:
        verbose_name = _("feedback point")
        verbose_name_plural = _("feedback points")
        ordering = ["site", "name"]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.name}" if self.name else self.site.name

    def public_url(self) -> str:
        from django.urls import reverse

        return reverse("public:feedback", args=[self.token])


class Complaint(BaseModel):
    """One piece of feedback: a complaint (or praise) about the service at a site, from whatever channel.

    The complainant's phone number, when given, is stored encrypted (``phone``), with a keyed hash to recognise
    repeated submissions (``phone_index``) and its masked form for lists (138****1234); all three are erased
    after the retention period. Complainants follow it through :class:`FollowLink` links."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=FeedbackKind.choices, default=FeedbackKind.COMPLAINT
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    point = models.ForeignKey(
        FeedbackPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("service point"),
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("site")
    )
    category = models.ForeignKey(
        ComplaintCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("category"),
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(_("description"), max_length=2000)
    photo = models.FileField(_("photo"), upload_to="feedback/%Y/%m/", blank=True, validators=[validate_photo])
    contact_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    contact_erased_at = models.DateTimeField(
        _("contact data erased at"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("contract"),
    )
    vendor = models.ForeignKey(
        "vendors.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("vendor"),
    )
    service_type = models.ForeignKey(
        "contracts.ServiceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("work order concerned"),
    )
    received_at = models.DateTimeField(_("received at"))
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    source_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    repeats = models.PositiveIntegerField(_("repeated submissions"), default=0, editable=False)
    last_repeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logged by"),
    )

    vendor_scope_field = "vendor"
    audit_exclude = ("phone", "phone_index", "source_index", "contact_name")  # vendors read the audit trail

    class Meta:
        verbose_name = _("complaint or praise")
        verbose_name_plural = _("complaints and praise")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["point", "received_at"], name="feedback_point_time_idx"),
            models.Index(fields=["source_index", "received_at"], name="feedback_source_time_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        """A vendor sees the complaints routed to it once they are assigned; its staff none."""
        if user.role == Role.VENDOR_STAFF:
            return queryset.none()
        if user.role == Role.VENDOR_MANAGER:
            return queryset.exclude(status__in=(ComplaintStatus.RECEIVED, ComplaintStatus.CLASSIFIED))
        return queryset

    def set_phone(self, raw: str) -> None:
        number = crypto.normalise_phone(raw)
        self.phone = crypto.encrypt(number)
        self.phone_index = crypto.blind_index(number)
        self.phone_masked = mask_phone(number) if number else ""

    @property
    def has_phone(self) -> bool:
        return bool(self.phone)

    def status_colour(self) -> str:
        return colour_of(ComplaintStatus, self.status)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return bool(
            self.status == ComplaintStatus.ASSIGNED
            and self.response_due_at
            and self.response_due_at < timezone.now()
        )

    def kind_colour(self) -> str:
        return colour_of(FeedbackKind, self.kind)


class FollowLink(models.Model):
    """A complainant's private link to their complaint (only the hash of its token is kept). A repeated
    submission merged into an earlier complaint gets a link of its own."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    vendor_scope_field = None

    def __str__(self) -> str:
        return f"{self.complaint_id}"


EVENT_LABELS = {
    "received": _("received"),
    "repeated": _("submitted again"),
    "classified": _("classified"),
    "assigned": _("passed to the vendor"),
    "responded": _("the vendor responded"),
    "resolved": _("resolved"),
    "confirmed": _("confirmed by the complainant"),
    "reopened": _("reopened by the complainant"),
    "closed": _("closed"),
    "escalated": _("escalated: response overdue"),
    "linked": _("linked to a work order"),
}


class ComplaintEvent(models.Model):
    """A step of a complaint: received, repeated, classified, assigned, responded, resolved, confirmed, reopened,
    closed, escalated — by a person, or by the complainant (no actor)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("step"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(default=False, help_text="Shown to the complainant on their link.")

    objects = ScopedManager()
    vendor_scope_field = "complaint__vendor"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    restrict_rows = staticmethod(Complaint.restrict_rows)


class ContactReveal(models.Model):
    """Who saw a complainant's full phone number, when and why (personal-data access log)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200)
    address = models.CharField(_("from address"), max_length=64, blank=True)

    objects = ScopedManager()
    vendor_scope_field = None  # internal

    class Meta:
        verbose_name = _("contact reveal")
        verbose_name_plural = _("contact reveals")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.complaint_id} {self.at:%Y-%m-%d %H:%M}"

"""Meetings with vendors (周例会、月度评审): series per contract or vendor, each meeting's attendees, agenda,
minutes, decisions and action items followed to closure."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import Role
from oqms.core.choices import colour_of
from oqms.core.models import BaseModel
from oqms.core.scoping import ScopedManager


class MeetingKind(models.TextChoices):
    OPERATIONS = "operations", _("Weekly operations meeting")
    REVIEW = "review", _("Monthly review")
    OTHER = "other", _("Other meeting")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


MeetingStatus.colours = {"planned": "primary", "held": "success", "cancelled": "secondary"}  # type: ignore[attr-defined]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ActionStatus.colours = {"open": "warning", "done": "success", "cancelled": "secondary"}  # type: ignore[attr-defined]


def _vendor_rows(queryset: Any, user: Any, prefix: str = "") -> Any:
    """A vendor's manager sees its vendor's meetings shared with it; its staff the meetings they attend."""
    if user.vendor_scope_ids() is None or user.role == Role.ASSESSOR:
        return queryset
    if user.role == Role.VENDOR_STAFF:
        return queryset.filter(**{f"{prefix}attendees": user}).distinct()
    return queryset.filter(**{f"{prefix}shared_with_vendor": True})


class MeetingSeries(BaseModel):
    """Meetings that recur: the weekly operations meeting of a contract, the monthly review of a vendor."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.OPERATIONS
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="meeting_series", verbose_name=_("vendor")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_series",
        verbose_name=_("contract"),
        help_text=_("Empty: about all of the vendor's contracts."),
    )
    cadence = models.CharField(_("cadence"), max_length=8, choices=Cadence.choices, default=Cadence.WEEKLY)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), null=True, blank=True, help_text=_("Weekly: 0 = Monday … 6 = Sunday.")
    )
    month_day = models.SmallIntegerField(
        _("day of the month"), null=True, blank=True, help_text=_("Monthly: 1 to 31, or -1 for the last day.")
    )
    time_of_day = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place or link"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chair"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("attendees")
    )
    standing_agenda = models.TextField(_("standing agenda"), blank=True, max_length=4000)
    shared_with_vendor = models.BooleanField(_("the vendor's managers see it"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return _vendor_rows(queryset, user)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.cadence == Cadence.WEEKLY and (self.weekday is None or not 0 <= self.weekday <= 6):
            errors["weekday"] = _("Weekly meetings need the weekday: 0 (Monday) to 6 (Sunday).")
        if self.cadence == Cadence.MONTHLY and (
            self.month_day is None or not (1 <= self.month_day <= 31 or self.month_day == -1)
        ):
            errors["month_day"] = _("Monthly meetings need the day: 1 to 31, or -1 for the last day.")
        if self.contract_id and self.vendor_id and self.contract.vendor_id != self.vendor_id:
            errors["contract"] = _("The contract belongs to another vendor.")
        if not 5 <= (self.duration_minutes or 0) <= 600:
            errors["duration_minutes"] = _("A meeting lasts 5 to 600 minutes.")
        if errors:
            raise ValidationError(errors)

    def rule(self) -> Any:
        from oqms.engine import recurrence

        if self.cadence == Cadence.WEEKLY:
            return recurrence.Weekly((int(self.weekday or 0),))
        return recurrence.Monthly((int(self.month_day or 1),))


class Meeting(BaseModel):
    series = models.ForeignKey(
        MeetingSeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("series"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.OTHER)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("vendor")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("contract"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place or link"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chair"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings", verbose_name=_("attendees")
    )
    guests = models.CharField(
        _("other attendees"), max_length=400, blank=True, help_text=_("People without an account, by name.")
    )
    agenda = models.TextField(_("agenda"), blank=True, max_length=8000)
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    decisions = models.TextField(
        _("decisions"), blank=True, max_length=8000, help_text=_("One decision a line.")
    )
    shared_with_vendor = models.BooleanField(_("the vendor's managers see it"), default=True)

    vendor_scope_field = "vendor"

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="meetings_one_per_series_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return _vendor_rows(queryset, user)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.contract_id and self.vendor_id and self.contract.vendor_id != self.vendor_id:
            raise ValidationError({"contract": _("The contract belongs to another vendor.")})

    def status_colour(self) -> str:
        return colour_of(MeetingStatus, self.status)

    def decision_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.decisions.splitlines() if line.strip(" -•\t")]


class ActionItem(BaseModel):
    """Something a meeting asked someone to do, by a date; reminded before it is due and when it is late."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="actions", verbose_name=_("meeting")
    )
    description = models.TextField(_("action"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="meeting_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    objects = ScopedManager()
    vendor_scope_field = "meeting__vendor"

    class Meta:
        verbose_name = _("meeting action")
        verbose_name_plural = _("meeting actions")
        ordering = ["status", "due_date", "pk"]

    def __str__(self) -> str:
        return self.description[:60]

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        if user.vendor_scope_ids() is None or user.role == Role.ASSESSOR:
            return queryset
        if user.role == Role.VENDOR_STAFF:
            return queryset.filter(owner=user)
        return queryset.filter(Q(meeting__shared_with_vendor=True) | Q(owner=user))

    def status_colour(self) -> str:
        return colour_of(ActionStatus, self.status)

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_date < timezone.localdate()

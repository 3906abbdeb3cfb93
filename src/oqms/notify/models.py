"""Notifications: an in-app inbox per user, e-mail deliveries with retries, and per-user preferences."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oqms.core.choices import colour_of
from oqms.core.scoping import ScopedManager
from oqms.notify.kinds import Kind, render


def _own_rows(queryset: Any, user: Any, action: str, path: str) -> Any:
    """Everyone sees their own; administrators see all deliveries (the delivery log)."""
    from oqms.accounts.choices import Role

    if action == "view" and user.role == Role.ADMIN and path != "recipient":
        return queryset
    return queryset.filter(**{path: user})


class Notification(models.Model):
    """One message to one person, shown in their inbox; ``key`` makes it unique per event and person."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=120)
    params = models.JSONField(_("parameters"), default=dict)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedManager()
    vendor_scope_field = "recipient__vendor"

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="%(app_label)s_%(class)s_once_per_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_unread_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return _own_rows(queryset, user, action, "recipient")

    @property
    def title(self) -> str:
        return render(self.kind, self.params)[0]

    @property
    def body(self) -> str:
        return render(self.kind, self.params)[1]

    def kind_colour(self) -> str:
        return colour_of(Kind, self.kind)


class Preference(models.Model):
    """Whether a person wants a kind of notification in the inbox and by e-mail (default: both)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    in_app = models.BooleanField(_("in the inbox"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    objects = ScopedManager()
    vendor_scope_field = "user__vendor"

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="%(app_label)s_%(class)s_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return queryset.filter(user=user)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


DeliveryStatus.colours = {  # type: ignore[attr-defined]
    DeliveryStatus.PENDING: "secondary",
    DeliveryStatus.SENDING: "info",
    DeliveryStatus.SENT: "success",
    DeliveryStatus.FAILED: "danger",
}


class Delivery(models.Model):
    """One e-mail of a notification: its attempts, last error and outcome (the delivery log)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification")
    )
    channel = models.CharField(_("channel"), max_length=16, default="email")
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    vendor_scope_field = "notification__recipient__vendor"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.address} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notify:delivery_detail", args=[self.pk])

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        return _own_rows(queryset, user, action, "notification__recipient")

    def status_colour(self) -> str:
        return colour_of(DeliveryStatus, self.status)

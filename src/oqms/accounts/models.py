"""Users with one role, an optional vendor, API tokens, and failed-login records for throttling."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.accounts.choices import VENDOR_ROLES, Role
from oqms.core.choices import colour_of
from oqms.core.models import AuditedModel
from oqms.core.scoping import ScopedQuerySet
from oqms.core.validators import validate_time_zone


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AuditedModel, AbstractUser):
    """A person who signs in. Vendor managers and staff belong to exactly one vendor and see only its data."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.REQUESTER)
    vendor = models.ForeignKey(
        "vendors.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("vendor"),
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
        verbose_name=_("organisation unit"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Times are shown in this zone; empty: the server default."),
    )
    access_expires_at = models.DateTimeField(
        _("access expires at"),
        null=True,
        blank=True,
        help_text=_("After this moment the account can no longer sign in (third-party assessors)."),
    )
    scope_vendors = models.ManyToManyField(
        "vendors.Vendor",
        blank=True,
        related_name="+",
        verbose_name=_("vendors in scope"),
        help_text=_("For third-party assessors: the vendors whose records they may read."),
    )

    objects = ScopedUserManager()
    vendor_scope_field = "vendor"
    audit_exclude = ("last_login",)
    audit_redact = ("password",)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.role in VENDOR_ROLES and not self.vendor_id:
            raise ValidationError({"vendor": _("Vendor managers and vendor staff must belong to a vendor.")})
        if self.role not in VENDOR_ROLES and self.vendor_id:
            raise ValidationError({"vendor": _("Only vendor managers and vendor staff belong to a vendor.")})
        if self.role == Role.ASSESSOR and not self.access_expires_at:
            raise ValidationError({"access_expires_at": _("Third-party assessor access must have an end.")})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:user_detail", args=[self.pk])

    def role_colour(self) -> str:
        return colour_of(Role, self.role)

    @property
    def is_vendor_user(self) -> bool:
        return self.role in VENDOR_ROLES

    def access_expired(self) -> bool:
        return self.access_expires_at is not None and self.access_expires_at <= timezone.now()

    def vendor_scope_ids(self) -> list[int] | None:
        """None: not limited to vendors. A list (maybe empty): only these vendors' records. Fails closed."""
        if self.role in VENDOR_ROLES:
            return [self.vendor_id] if self.vendor_id else []
        if self.role == Role.ASSESSOR:
            if self.access_expired():
                return []
            return list(self.scope_vendors.values_list("pk", flat=True))
        if self.role in {Role.QUALITY_MANAGER, Role.REQUESTER, Role.INSPECTOR, Role.ADMIN}:
            return None
        return []

    @staticmethod
    def restrict_rows(queryset: Any, user: Any, action: str) -> Any:
        # Staff see themselves; managers see their vendor's people (the vendor filter is already applied).
        if user.role == Role.VENDOR_STAFF or user.role == Role.REQUESTER:
            return queryset.filter(pk=user.pk) if action != "view" else queryset
        return queryset


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 hash is stored; the token is shown once."""

    PREFIX = "oqms_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("token prefix"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: Any, name: str, expires_at: Any = None) -> tuple[ApiToken, str]:
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_prefix=key[:10], key_hash=cls.hash(key), expires_at=expires_at
        )
        return token, key

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginFailure(models.Model):
    """A failed sign-in; recent ones by username or address lock further attempts for a while."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address} {self.at:%Y-%m-%d %H:%M}"

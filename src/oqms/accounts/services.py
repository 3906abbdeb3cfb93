"""Account operations: throttled sign-in checks, role changes, tokens."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import ApiToken, LoginFailure, User
from oqms.accounts.roles import apply_role


def client_ip(request: Any) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def login_locked(username: str, ip: str | None) -> bool:
    since = timezone.now() - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    by_name = LoginFailure.objects.filter(at__gte=since, username__iexact=username).count()
    # An address gets more room than an account: an office behind one NAT shares it.
    by_ip = LoginFailure.objects.filter(at__gte=since, ip_address=ip).count() if ip else 0
    limit = settings.LOGIN_FAILURE_LIMIT
    return by_name >= limit or by_ip >= limit * 4


def record_login_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip)


def clear_login_failures(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
    old = timezone.now() - datetime.timedelta(days=30)
    LoginFailure.objects.filter(Q(at__lt=old)).delete()


@transaction.atomic
def save_user(user: User, password: str | None = None) -> User:
    if password:
        user.set_password(password)
    user.is_staff = user.role == Role.ADMIN
    user.full_clean(exclude=["password"] if not password and user.pk else None)
    user.save()
    apply_role(user)
    return user


def issue_token(user: User, name: str, expires_at: Any = None) -> tuple[ApiToken, str]:
    return ApiToken.issue(user, name, expires_at)


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

"""Sending notifications: once per person and event, to the inbox and by e-mail, with retries.

``send(...)`` runs inside the caller's transaction: the notification exists if and only if the event that caused
it was committed. E-mail goes out after the commit, from a background job, and is retried with growing pauses
(1, 5, 15, 60 minutes) before it is marked failed; every attempt is in the delivery log.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from oqms.notify.kinds import render
from oqms.notify.models import Delivery, DeliveryStatus, Notification, Preference

log = logging.getLogger(__name__)
RETRY_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
SENDING_TIMEOUT = datetime.timedelta(minutes=10)  # a claim older than this is taken back (a worker died)


def email_enabled() -> bool:
    return (
        bool(settings.EMAIL_HOST) or settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend"
    )


def wants(user: Any, kind: str) -> tuple[bool, bool]:
    """(in the inbox, by e-mail) for this user and kind."""
    preference = Preference.objects.filter(user=user, kind=kind).first()
    if preference is None:
        return True, True
    return preference.in_app, preference.email


def send(
    users: Iterable[Any], kind: str, key: str, params: dict[str, Any], url: str = ""
) -> list[Notification]:
    """Notify each (active, distinct) user once for ``key``; returns the notifications created now."""
    created = []
    mailed = False
    seen: set[int] = set()
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        in_app, by_email = wants(user, kind)
        if not in_app and not (by_email and user.email):
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    key=key[:120],
                    params=params,
                    url=url,
                    read_at=None if in_app else timezone.now(),
                )
        except IntegrityError:
            continue  # already notified for this event
        created.append(notification)
        if by_email and user.email and email_enabled():
            Delivery.objects.create(
                notification=notification, address=user.email, next_attempt_at=timezone.now()
            )
            mailed = True
    if mailed:
        transaction.on_commit(_enqueue_deliveries)
    return created


def _enqueue_deliveries() -> None:
    from django_q.tasks import async_task

    try:
        async_task("oqms.notify.services.deliver_due", task_name="oqms-deliver-notifications")
    except Exception:  # noqa: BLE001 - the per-minute schedule delivers them anyway
        log.warning("could not enqueue the delivery job; the schedule will deliver", exc_info=True)


def deliver_due(now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Send the e-mails that are due. Safe to run in several workers at once: each delivery is claimed with a
    conditional UPDATE, so it is sent by one worker only. Returns the number sent."""
    now = now or timezone.now()
    candidates = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, next_attempt_at__lte=now - SENDING_TIMEOUT)
        )
        .order_by("next_attempt_at")
        .values_list("pk", "status", "attempts")[:limit]
    )
    sent = 0
    for pk, status, attempts in candidates:
        claimed = Delivery.objects.filter(pk=pk, status=status, attempts=attempts).update(
            status=DeliveryStatus.SENDING, attempts=attempts + 1, next_attempt_at=now
        )
        if not claimed:
            continue  # another worker has it
        delivery = Delivery.objects.select_related("notification__recipient").get(pk=pk)
        sent += _attempt(delivery, now)
    return sent


def _attempt(delivery: Delivery, now: datetime.datetime) -> int:
    notification = delivery.notification
    recipient = notification.recipient
    try:
        with translation.override(settings.LANGUAGE_CODE), timezone.override(recipient.time_zone or None):
            subject, body = render(notification.kind, notification.params)
            link = _absolute(notification.url)
            text = f"{body}\n\n{link}" if link else body
        EmailMessage(subject=f"[OQMS] {subject}", body=text, to=[delivery.address]).send()
    except Exception as exc:  # noqa: BLE001 - any SMTP or network failure is retried
        failed = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=None
            if failed
            else now
            + datetime.timedelta(minutes=RETRY_MINUTES[min(delivery.attempts, len(RETRY_MINUTES)) - 1]),
        )
        log.warning("notification e-mail to %s failed (attempt %s)", delivery.address, delivery.attempts)
        return 0
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return 1


def _absolute(url: str) -> str:
    base = getattr(settings, "OQMS_BASE_URL", "")
    if not url:
        return ""
    return f"{base.rstrip('/')}{url}" if base else url


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())

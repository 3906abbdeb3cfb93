"""Feedback coming in, from any channel, and the complainant's contact data.

Intake (:func:`submit`) checks what it is given and refuses clearly (nothing is saved then), limits how often one
address and one QR code may submit, merges a submission that repeats a recent one (same place, same person —
phone, or else address — same words) into it, and answers with the complainant's private link. Public pages use
the link, never a number: nobody learns of other people's complaints.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.core import crypto
from oqms.core.errors import DomainError
from oqms.core.files import compress_photo
from oqms.core.models import Sequence
from oqms.feedback.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ContactReveal,
    FeedbackKind,
    FeedbackPoint,
    FollowLink,
)

MAX_DESCRIPTION = 2000
REPEAT_MINUTES = 15
RATE_MINUTES = 10
PHONE = re.compile(r"^\+?\d{5,20}$")
REVEAL_ROLES = {"quality_manager", "admin"}


class Throttled(DomainError):
    status_code = 429


def rate_limits() -> tuple[int, int]:
    """(submissions per address, per QR code) in RATE_MINUTES minutes."""
    return settings.OQMS_FEEDBACK_PER_ADDRESS, settings.OQMS_FEEDBACK_PER_POINT


def source_index(address: str) -> str:
    """The submitting address as a keyed hash (the address itself is not kept)."""
    return crypto.blind_index(address.strip(), "source") if address else ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(complaint: Complaint) -> str:
    token = secrets.token_urlsafe(24)
    FollowLink.objects.create(complaint=complaint, token_hash=token_hash(token))
    return token


def by_token(token: str) -> Complaint | None:
    if not token or len(token) > 64:
        return None
    link = (
        FollowLink.objects.select_related("complaint", "complaint__site")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return link.complaint if link else None


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def clean_phone(raw: str) -> str:
    number = crypto.normalise_phone(raw or "")
    if number and not PHONE.match(number):
        raise DomainError(
            _("Enter a phone number of digits only (5 to 20), or leave it empty."), code="phone"
        )
    return number


@transaction.atomic
def submit(
    *,
    channel: str,
    site: Any,
    description: str,
    kind: str = FeedbackKind.COMPLAINT,
    point: FeedbackPoint | None = None,
    category: ComplaintCategory | None = None,
    photo: Any = None,
    phone: str = "",
    name: str = "",
    source: str = "",
    logged_by: Any = None,
    at: datetime.datetime | None = None,
) -> tuple[Complaint, str, bool]:
    """Take in one piece of feedback; returns (complaint, the complainant's link token, merged into an earlier
    one?). Raises DomainError (nothing saved) for bad input and :class:`Throttled` over the rate limits."""
    from oqms.core.files import validate_photo

    at = at or timezone.now()
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if kind not in FeedbackKind.values:
        raise DomainError(_("Choose complaint or praise."), code="kind")
    text = (description or "").strip()
    if not text:
        raise DomainError(_("Describe what happened."), code="description")
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(
            _("The description is %(n)s characters long; at most %(max)s.")
            % {"n": len(text), "max": MAX_DESCRIPTION},
            code="description",
        )
    if point is not None and (not point.is_active or point.site_id != site.pk):
        raise DomainError(_("This feedback point is not in use any more."), code="point")
    if category is not None and not category.is_active:
        raise DomainError(_("Choose a category from the list."), code="category")
    number = clean_phone(phone)
    if photo:
        validate_photo(photo)
    source_key = source_index(source)
    since = at - datetime.timedelta(minutes=RATE_MINUTES)
    per_address, per_point = rate_limits()
    if channel == Channel.QR:
        if (
            source_key
            and Complaint.objects.filter(source_index=source_key, received_at__gte=since).count()
            >= per_address
        ):
            raise Throttled(
                _("Too many submissions from this device: please try again in %(n)s minutes.")
                % {"n": RATE_MINUTES},
                code="rate_address",
            )
        if (
            point is not None
            and Complaint.objects.filter(point=point, received_at__gte=since).count() >= per_point
        ):
            raise Throttled(
                _("This QR code has had many submissions just now: please try again in %(n)s minutes.")
                % {"n": RATE_MINUTES},
                code="rate_point",
            )
    person = crypto.blind_index(number) if number else ""
    if person or source_key:
        earlier = (
            Complaint.objects.select_for_update()
            .filter(
                site=site,
                point=point,
                kind=kind,
                received_at__gte=at - datetime.timedelta(minutes=REPEAT_MINUTES),
            )
            .filter(Q(phone_index=person) if person else Q(source_index=source_key, phone_index=""))
            .order_by("-received_at")
        )
        for candidate in earlier[:20]:
            if _words(candidate.description) == _words(text):
                Complaint.objects.filter(pk=candidate.pk).update(
                    repeats=candidate.repeats + 1, last_repeat_at=at
                )
                ComplaintEvent.objects.create(complaint=candidate, action="repeated", at=at)
                candidate.refresh_from_db()
                return candidate, new_link(candidate), True
    complaint = Complaint(
        number=f"CP{Sequence.take('complaint'):08d}",
        kind=kind,
        channel=channel,
        point=point,
        site=site,
        category=category,
        severity=category.severity if category else "medium",
        description=text,
        contact_name=(name or "").strip()[:50],
        received_at=at,
        source_index=source_key,
        logged_by=logged_by,
        service_type=(category.service_type if category and category.service_type_id else None)
        or (point.service_type if point else None),
    )
    complaint.set_phone(number)
    if photo:
        compressed = compress_photo(photo)
        complaint.photo.save(compressed.name, compressed, save=False)
    complaint.save()
    ComplaintEvent.objects.create(complaint=complaint, action="received", actor=logged_by, at=at, public=True)
    from oqms.feedback import workflow

    workflow.route(complaint, logged_by, at=at)
    return complaint, new_link(complaint), False


def may_reveal(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.role in REVEAL_ROLES and user.has_perm("feedback.view_complaint")
    )


@transaction.atomic
def reveal_phone(complaint: Complaint, user: Any, reason: str, address: str = "") -> str:
    """The complainant's full phone number, for an authorised role, with the reveal logged."""
    if not may_reveal(user):
        raise DomainError(_("Only quality managers and administrators may see contact details."), code="role")
    if not reason.strip():
        raise DomainError(
            _("Say why you need the number (e.g. to call back about the complaint)."), code="reason"
        )
    if not complaint.phone:
        raise DomainError(
            _("There is no phone number (none was given, or it has been erased)."), code="no_phone"
        )
    ContactReveal.objects.create(
        complaint=complaint, user=user, reason=reason.strip()[:200], address=address[:64]
    )
    return crypto.decrypt(complaint.phone)


def erase_expired_contacts(now: datetime.datetime | None = None) -> int:
    """Erase the contact data of complaints closed (or received, if never closed) longer ago than
    ``OQMS_CONTACT_RETENTION_DAYS``; returns how many were erased (a daily job)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.OQMS_CONTACT_RETENTION_DAYS)
    old = (
        Complaint.objects.filter(contact_erased_at__isnull=True)
        .filter(Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, received_at__lt=cutoff))
        .exclude(phone="", contact_name="")
    )
    return old.update(phone="", phone_index="", phone_masked="", contact_name="", contact_erased_at=now)

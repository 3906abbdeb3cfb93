"""Surveys: who is invited, when, and what their answers count as.

* A **trigger** invites the requester of a work order that closes: the share ``sample_percent`` chosen by a hash
  of the trigger and the work order (the same every time: an auditor can check who was chosen), after
  ``delay_hours``, unless the person was invited in the last ``quiet_days``.
* A **campaign** invites a list of people at once.
* :func:`send_due` (a job every few minutes) sends the invitations that are due (in-app and e-mail, with the
  token link), and reminds once those not answered after the survey's ``remind_after_days``.
* :func:`answer` checks a response against the questions and keeps it: a token answers once, until it expires.
  An anonymous survey keeps the response without the invitation (nor the person or the work order).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.core import crypto
from oqms.core.errors import DomainError
from oqms.feedback.models import QuestionKind, Survey, SurveyInvitation, SurveyResponse, SurveyTrigger


def token_hash(token: str) -> str:
    return hashlib.sha256(f"survey:{token}".encode()).hexdigest()


def chosen(trigger: SurveyTrigger, work_order_id: int) -> bool:
    """Whether the trigger's sample takes this work order: SHA-256 of "trigger:work order" below the share."""
    digest = hashlib.sha256(f"{trigger.pk}:{work_order_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < trigger.sample_percent


def _invite(survey: Survey, send_at: datetime.datetime, **fields: Any) -> tuple[SurveyInvitation, str]:
    token = secrets.token_urlsafe(24)
    invitation = SurveyInvitation.objects.create(
        survey=survey,
        token_hash=token_hash(token),
        send_at=send_at,
        expires_at=send_at + datetime.timedelta(days=survey.valid_days),
        **fields,
    )
    return invitation, token


def on_work_order_closed(work_order: Any) -> list[SurveyInvitation]:
    """Invitations for a work order that has just closed (called by the save signal; idempotent)."""
    closed = work_order.closed_at or timezone.now()
    triggers = SurveyTrigger.objects.filter(is_active=True, survey__is_active=True).select_related("survey")
    made = []
    for trigger in triggers:
        if trigger.contract_id not in (None, work_order.contract_id):
            continue
        if not chosen(trigger, work_order.pk) or work_order.requester_id is None:
            continue
        recent = SurveyInvitation.objects.filter(
            recipient_id=work_order.requester_id,
            send_at__gte=closed - datetime.timedelta(days=trigger.quiet_days),
        )
        if trigger.quiet_days and recent.exists():
            continue
        if SurveyInvitation.objects.filter(survey=trigger.survey, work_order=work_order).exists():
            continue
        try:
            with transaction.atomic():
                invitation, _token = _invite(
                    trigger.survey,
                    closed + datetime.timedelta(hours=trigger.delay_hours),
                    trigger=trigger,
                    recipient_id=work_order.requester_id,
                    work_order=work_order,
                    contract_id=work_order.contract_id,
                    vendor_id=work_order.vendor_id,
                    site_id=work_order.site_id,
                    staff_id=work_order.assignee_id,
                )
        except IntegrityError:
            continue
        made.append(invitation)
    return made


@transaction.atomic
def send_campaign(campaign: Any, user: Any) -> int:
    """Invite every recipient of the campaign now (once)."""
    if campaign.sent_at is not None:
        raise DomainError(_("The campaign has already been sent."), code="sent")
    now = timezone.now()
    count = 0
    for person in campaign.recipients.filter(is_active=True):
        _invite(
            campaign.survey,
            now,
            campaign=campaign,
            recipient=person,
            contract=campaign.contract,
            vendor_id=campaign.contract.vendor_id if campaign.contract else None,
        )
        count += 1
    campaign.sent_at = now
    campaign.save()
    return count


def send_due(now: datetime.datetime | None = None) -> int:
    """Send the invitations that are due and remind once the unanswered ones; returns notifications sent. An
    invitation's link is made when it is sent (kept hashed for lookups, and encrypted for the reminder)."""
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    now = now or timezone.now()
    sent = 0
    due = SurveyInvitation.objects.filter(sent_at__isnull=True, send_at__lte=now, expires_at__gt=now)
    for invitation in due.select_related("survey", "recipient")[:2000]:
        token = secrets.token_urlsafe(24)
        claimed = SurveyInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=now, token_hash=token_hash(token), token_sealed=crypto.encrypt(token)
        )
        if not claimed or invitation.recipient is None:
            continue
        sent += len(
            notify.send(
                [invitation.recipient],
                Kind.SURVEY_INVITATION,
                f"survey:{invitation.pk}",
                {
                    "survey": invitation.survey.name,
                    "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
                },
                public_url(token),
            )
        )
    unanswered = SurveyInvitation.objects.filter(
        sent_at__isnull=False, answered_at__isnull=True, reminded_at__isnull=True, expires_at__gt=now
    ).select_related("survey", "recipient")
    for invitation in unanswered[:2000]:
        days = invitation.survey.remind_after_days
        if (
            not days
            or invitation.sent_at > now - datetime.timedelta(days=days)
            or invitation.recipient is None
        ):
            continue
        if not SurveyInvitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            continue
        token = crypto.decrypt(invitation.token_sealed)  # the same link as the invitation
        sent += len(
            notify.send(
                [invitation.recipient],
                Kind.SURVEY_REMINDER,
                f"survey-reminder:{invitation.pk}",
                {
                    "survey": invitation.survey.name,
                    "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
                },
                public_url(token),
            )
        )
    return sent


def public_url(token: str) -> str:
    from django.urls import reverse

    return reverse("public:survey", args=[token])


def by_token(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 64:
        return None
    return SurveyInvitation.objects.select_related("survey").filter(token_hash=token_hash(token)).first()


def _value(question: Any, raw: Any, language: str) -> Any:
    """One answer checked (None when left empty)."""
    values = raw if isinstance(raw, list) else [raw]
    values = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not values:
        return None
    if question.kind in (QuestionKind.CSAT, QuestionKind.NPS):
        low, high = (1, 5) if question.kind == QuestionKind.CSAT else (0, 10)
        try:
            number = int(values[0])
        except ValueError:
            number = -1
        if not low <= number <= high:
            raise DomainError(
                _("%(question)s: choose from %(low)s to %(high)s.")
                % {"question": question.label(language), "low": low, "high": high},
                code="range",
            )
        return number
    if question.kind == QuestionKind.TEXT:
        return values[0][:2000]
    indexes = []
    for value in values:
        try:
            index = int(value)
        except ValueError:
            index = -1
        if not 0 <= index < len(question.choices or []):
            raise DomainError(
                _("%(question)s: choose from the list.") % {"question": question.label(language)},
                code="choice",
            )
        indexes.append(index)
    if question.kind == QuestionKind.SINGLE and len(indexes) > 1:
        raise DomainError(
            _("%(question)s: choose one.") % {"question": question.label(language)}, code="choice"
        )
    return indexes[0] if question.kind == QuestionKind.SINGLE else sorted(set(indexes))


@transaction.atomic
def answer(token: str, data: dict[str, Any], language: str = "zh") -> SurveyResponse:
    """Keep the answers given through a token link: once per token, before it expires (DomainError otherwise,
    and for a missing or out-of-range answer — nothing is kept then)."""
    invitation = by_token(token)
    if invitation is None:
        raise DomainError(_("This survey link is not valid."), code="token")
    invitation = SurveyInvitation.objects.select_for_update().select_related("survey").get(pk=invitation.pk)
    now = timezone.now()
    if invitation.answered_at is not None:
        raise DomainError(
            _("This survey has already been answered with this link. Thank you!"), code="answered"
        )
    if invitation.expires_at <= now:
        raise DomainError(_("This survey link has expired."), code="expired")
    answers: dict[str, Any] = {}
    csat = nps = None
    for question in invitation.survey.questions.order_by("position", "pk"):
        value = _value(question, data.get(str(question.pk)), language)
        if value is None:
            if question.required:
                raise DomainError(
                    _("%(question)s: please answer.") % {"question": question.label(language)},
                    code="required",
                )
            continue
        answers[str(question.pk)] = value
        if question.kind == QuestionKind.CSAT and csat is None:
            csat = value
        if question.kind == QuestionKind.NPS and nps is None:
            nps = value
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    anonymous = invitation.survey.anonymous
    return SurveyResponse.objects.create(
        survey=invitation.survey,
        invitation=None if anonymous else invitation,
        vendor_id=invitation.vendor_id,
        contract_id=invitation.contract_id,
        site_id=invitation.site_id,
        staff_id=invitation.staff_id,
        submitted_at=now,
        answers=answers,
        csat=csat,
        nps=nps,
    )


def response_rate(invitations: Any) -> tuple[int, int, float | None]:
    """(answered, sent, %) of a queryset of invitations."""
    sent = invitations.filter(sent_at__isnull=False).count()
    answered = invitations.filter(answered_at__isnull=False).count()
    return answered, sent, (100.0 * answered / sent if sent else None)

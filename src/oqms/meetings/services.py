"""Meeting series become meetings; meetings give out action items, which are reminded until done."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.accounts.choices import Role
from oqms.core.errors import DomainError
from oqms.meetings.models import ActionItem, ActionStatus, Meeting, MeetingSeries, MeetingStatus

MANAGERS = {Role.QUALITY_MANAGER, Role.ADMIN}
SCHEDULE_AHEAD_DAYS = 14
REMIND_DAYS = 2  # an open action is reminded this many days before it is due


def _send(people: Any, kind: str, key: str, params: dict[str, Any], url: str) -> None:
    from oqms.notify import services as notify

    notify.send(people, kind, key, params, url)


def _announce(meeting: Meeting) -> None:
    from oqms.notify.kinds import Kind

    _send(
        meeting.attendees.filter(is_active=True),
        Kind.MEETING_SCHEDULED,
        f"meeting-scheduled:{meeting.pk}",
        {"title": meeting.title, "due": meeting.starts_at.isoformat(), "where": meeting.location},
        meeting.get_absolute_url(),
    )


def schedule_series(today: datetime.date | None = None, days: int = SCHEDULE_AHEAD_DAYS) -> int:
    """Create the meetings of every active series for the coming ``days`` (a daily job; a meeting already
    there, or moved and edited, is left alone). Returns how many were created."""
    from oqms.engine import recurrence

    today = today or timezone.localdate()
    made = 0
    for series in MeetingSeries.objects.filter(is_active=True).prefetch_related("attendees"):
        try:
            series.rule().check()
        except recurrence.RuleError:
            continue  # an incomplete series (no weekday) schedules nothing until it is corrected
        for day in recurrence.occurrences(series.rule(), today, today, today + datetime.timedelta(days=days)):
            starts = timezone.make_aware(datetime.datetime.combine(day, series.time_of_day))
            if starts < timezone.now():
                continue
            try:
                with transaction.atomic():
                    meeting = Meeting.objects.create(
                        series=series,
                        title=series.name,
                        kind=series.kind,
                        vendor_id=series.vendor_id,
                        contract_id=series.contract_id,
                        starts_at=starts,
                        duration_minutes=series.duration_minutes,
                        location=series.location,
                        chair_id=series.chair_id,
                        agenda=series.standing_agenda,
                        shared_with_vendor=series.shared_with_vendor,
                    )
                    meeting.attendees.set(series.attendees.all())
            except IntegrityError:
                continue
            _announce(meeting)
            made += 1
    return made


def may_take_minutes(meeting: Meeting, user: Any) -> bool:
    return bool(
        (user.role in MANAGERS or user.pk == meeting.chair_id) and user.has_perm("meetings.change_meeting")
    )


def owners_for(meeting: Meeting) -> Any:
    """Who an action of this meeting may be given to: the company's people and the vendor's."""
    from django.db.models import Q

    from oqms.accounts.models import User

    return User.objects.filter(is_active=True).filter(Q(vendor__isnull=True) | Q(vendor_id=meeting.vendor_id))


@transaction.atomic
def add_action(
    meeting: Meeting, user: Any, description: str, owner: Any, due_date: datetime.date
) -> ActionItem:
    from oqms.notify.kinds import Kind

    if not may_take_minutes(meeting, user):
        raise DomainError(
            _("Only the chair or a quality manager records the meeting's actions."), code="role"
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("The meeting was cancelled."), code="status")
    if not description.strip():
        raise DomainError(_("Say what is to be done."), code="description")
    if owner is None or not owners_for(meeting).filter(pk=owner.pk).exists():
        raise DomainError(_("Give it to someone of the company or of this vendor."), code="owner")
    if due_date is None:
        raise DomainError(_("Give the due date."), code="due_date")
    action = ActionItem.objects.create(
        meeting=meeting, description=description.strip()[:2000], owner=owner, due_date=due_date
    )
    _send(
        [owner],
        Kind.MEETING_ACTION,
        f"meeting-action:{action.pk}",
        {
            "meeting": meeting.title,
            "action": action.description[:120],
            "title": action.description[:120],
            "due": due_date.isoformat(),
        },
        meeting.get_absolute_url(),
    )
    return action


@transaction.atomic
def set_action_status(action: ActionItem, user: Any, status: str, note: str = "") -> ActionItem:
    """Its owner marks it done; the chair or a quality manager marks it done or cancels it."""
    row = ActionItem.objects.select_for_update().select_related("meeting").get(pk=action.pk)
    organiser = may_take_minutes(row.meeting, user)
    if not (organiser or (user.pk == row.owner_id and status == ActionStatus.DONE)):
        raise DomainError(_("Only its owner, the chair or a quality manager closes an action."), code="role")
    if row.status != ActionStatus.OPEN:
        raise DomainError(_("The action is closed already."), code="status")
    if status not in (ActionStatus.DONE, ActionStatus.CANCELLED):
        raise DomainError(_("Choose done or cancelled."), code="status")
    if status == ActionStatus.CANCELLED and not note.strip():
        raise DomainError(_("Say why it is cancelled."), code="note")
    row.status = status
    row.done_at = timezone.now()
    row.note = note.strip()[:2000]
    row.save()
    return row


def remind(today: datetime.date | None = None) -> int:
    """Remind owners of open actions due within REMIND_DAYS, and tell them (and the chair) once an action is
    late. Each reminder is sent once per action and due date, however often the job runs."""
    from oqms.notify.kinds import Kind
    from oqms.notify.models import Notification

    today = today or timezone.localdate()
    sent = 0
    rows = ActionItem.objects.filter(
        status=ActionStatus.OPEN, due_date__lte=today + datetime.timedelta(days=REMIND_DAYS)
    ).select_related("meeting", "owner", "meeting__chair")
    for action in rows.iterator(chunk_size=500):
        late = action.due_date < today
        kind = Kind.MEETING_ACTION_OVERDUE if late else Kind.MEETING_ACTION_DUE
        key = f"{kind}:{action.pk}:{action.due_date.isoformat()}"
        people = [action.owner, action.meeting.chair] if late else [action.owner]
        before = Notification.objects.filter(key=key).count()
        _send(
            people,
            kind,
            key,
            {
                "meeting": action.meeting.title,
                "action": action.description[:120],
                "title": action.description[:120],
                "due": action.due_date.isoformat(),
            },
            action.meeting.get_absolute_url(),
        )
        sent += Notification.objects.filter(key=key).count() > before
    return sent

"""The recurring jobs of OQMS, kept as django-q2 schedules. ``ensure_schedules`` runs after every migrate, so a
deployment always has exactly these (an operator may change a schedule's timing in the admin; it is kept)."""

from __future__ import annotations

from typing import Any

# (name, function path, schedule type, minutes between runs[, local time of day for daily jobs])
SCHEDULES: list[tuple[Any, ...]] = [
    ("oqms-sla-monitor", "oqms.workorders.monitor.run", "I", 1),
    ("oqms-deliver-notifications", "oqms.notify.services.deliver_due", "I", 1),
    ("oqms-calendar-coverage", "oqms.calendars.jobs.check_coverage", "D", None),
    ("oqms-kpi-rollups", "oqms.kpis.rollups.refresh_dirty", "I", 1),
    ("oqms-scorecards", "oqms.kpis.jobs.nightly", "D", None, "02:30"),
    ("oqms-inspection-plans", "oqms.inspections.scheduling.run", "D", None, "01:30"),
    ("oqms-inspection-reminders", "oqms.inspections.scheduling.remind_and_flag", "I", 5),
    ("oqms-complaint-escalation", "oqms.feedback.workflow.escalate_overdue", "I", 5),
    ("oqms-survey-invitations", "oqms.feedback.surveys.send_due", "I", 5),
    ("oqms-complaint-auto-close", "oqms.feedback.workflow.close_unconfirmed", "D", None, "03:00"),
    ("oqms-capa-escalation", "oqms.capa.workflow.escalate_overdue", "I", 15),
    ("oqms-meeting-series", "oqms.meetings.services.schedule_series", "D", None, "01:45"),
    ("oqms-meeting-action-reminders", "oqms.meetings.services.remind", "D", None, "08:30"),
    ("oqms-contact-retention", "oqms.feedback.services.erase_expired_contacts", "D", None, "03:10"),
]


def next_local(clock: str) -> Any:
    """The next time the local clock (``TIME_ZONE``) shows ``clock`` ("HH:MM")."""
    import datetime

    from django.utils import timezone

    hour, minute = (int(part) for part in clock.split(":"))
    now = timezone.localtime()
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment if moment > now else moment + datetime.timedelta(days=1)


def ensure_schedules(**kwargs: Any) -> None:
    from django_q.models import Schedule

    for name, func, kind, minutes, *at in SCHEDULES:
        defaults: dict[str, Any] = {"func": func, "schedule_type": kind, "repeats": -1}
        if minutes:
            defaults["minutes"] = minutes
        if at:
            defaults["next_run"] = next_local(at[0])
        schedule, created = Schedule.objects.get_or_create(name=name, defaults=defaults)
        if not created and schedule.func != func:
            schedule.func = func
            schedule.save(update_fields=["func"])

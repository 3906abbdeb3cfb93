"""The recurring jobs of OQMS, kept as django-q2 schedules. ``ensure_schedules`` runs after every migrate, so a
deployment always has exactly these (an operator may change a schedule's timing in the admin; it is kept)."""

from __future__ import annotations

from typing import Any

# (name, function path, schedule type, minutes between runs)
SCHEDULES = [
    ("oqms-sla-monitor", "oqms.workorders.monitor.run", "I", 1),
    ("oqms-deliver-notifications", "oqms.notify.services.deliver_due", "I", 1),
    ("oqms-calendar-coverage", "oqms.calendars.jobs.check_coverage", "D", None),
    ("oqms-kpi-rollups", "oqms.kpis.rollups.refresh_dirty", "I", 1),
    ("oqms-scorecards", "oqms.kpis.scorecards.run_nightly", "D", None),
]


def ensure_schedules(**kwargs: Any) -> None:
    from django_q.models import Schedule

    for name, func, kind, minutes in SCHEDULES:
        defaults: dict[str, Any] = {"func": func, "schedule_type": kind, "repeats": -1}
        if minutes:
            defaults["minutes"] = minutes
        schedule, created = Schedule.objects.get_or_create(name=name, defaults=defaults)
        if not created and schedule.func != func:
            schedule.func = func
            schedule.save(update_fields=["func"])

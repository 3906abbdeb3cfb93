"""Daily: tell administrators about calendars that lack the holidays of the current year, or, in December, of the
next one — instead of letting SLA clocks silently treat those days as ordinary days."""

from __future__ import annotations

import datetime

from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.calendars.models import Calendar
from oqms.notify import services as notify
from oqms.notify.kinds import Kind


def check_coverage(today: datetime.date | None = None) -> int:
    """Returns the number of notifications sent (each calendar and year once per administrator)."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    admins = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    sent = 0
    for calendar in Calendar.objects.all():
        if not calendar.region and not calendar.holiday_years:
            continue  # a calendar without holidays (24x7): nothing can be missing
        known = set(calendar.holiday_years or [])
        for year in years:
            if year in known:
                continue
            sent += len(
                notify.send(
                    admins,
                    Kind.CALENDAR_COVERAGE,
                    f"calendar-coverage:{calendar.pk}:{year}",
                    {"calendar": calendar.name, "year": year},
                    calendar.get_absolute_url(),
                )
            )
    return sent

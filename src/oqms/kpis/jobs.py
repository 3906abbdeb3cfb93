"""The nightly evaluation job: bring the rollups up to date, compute the running and the previous period of every
active contract, and on the first day of a month (or quarter) tell the quality managers that the period just
ended is computed with its final data and ready to publish."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.kpis import rollups, scorecards
from oqms.kpis.models import Period, Scorecard, ScorecardStatus
from oqms.notify import services as notify
from oqms.notify.kinds import Kind


def nightly(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    while rollups.refresh_dirty():
        pass  # every dirty day first, so that the scorecards see all the data
    touched = scorecards.run_nightly(today)
    for kind in (Period.MONTH, Period.QUARTER):
        if scorecards.period_bounds(kind, today)[0] == today:
            announce_final(kind, today - datetime.timedelta(days=1))
    return touched


def announce_final(kind: str, day: datetime.date) -> int:
    """Tell the quality managers and the contract owners that the period holding ``day`` is ready to publish."""
    first, _last = scorecards.period_bounds(kind, day)
    drafts = Scorecard.objects.filter(period=kind, period_start=first, status=ScorecardStatus.DRAFT)
    count = drafts.count()
    if not count:
        return 0
    people = User.objects.filter(is_active=True, vendor__isnull=True).filter(
        Q(role=Role.QUALITY_MANAGER) | Q(owned_contracts__scorecards__in=drafts)
    )
    label = f"{first:%Y-%m}" if kind == Period.MONTH else f"{first.year}Q{(first.month - 1) // 3 + 1}"
    query = urlencode({"period": kind, "period_start": first.isoformat(), "status": ScorecardStatus.DRAFT})
    sent = notify.send(
        people.distinct(),
        Kind.SCORECARDS_READY,
        f"scorecards-ready:{kind}:{first.isoformat()}",
        {"count": count, "period": label},
        f"{reverse('kpis:scorecard_list')}?{query}",
    )
    return len(sent)

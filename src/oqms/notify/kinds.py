"""What OQMS notifies people about. Each kind has a translated title and text, filled from the notification's
parameters when it is shown, so that every reader sees it in their own language."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_ESCALATION = "sla_escalation", _("SLA escalation")
    CALENDAR_COVERAGE = "calendar_coverage", _("Holidays missing from a calendar")


Kind.colours = {  # type: ignore[attr-defined]
    Kind.SLA_AT_RISK: "warning",
    Kind.SLA_BREACHED: "danger",
    Kind.SLA_ESCALATION: "danger",
    Kind.CALENDAR_COVERAGE: "warning",
}

TITLES: dict[str, Any] = {
    Kind.SLA_AT_RISK: _("%(number)s: %(clock)s at %(percent)s%% of its SLA"),
    Kind.SLA_BREACHED: _("%(number)s: %(clock)s SLA breached"),
    Kind.SLA_ESCALATION: _("%(number)s escalated: %(clock)s at %(percent)s%% of its SLA"),
    Kind.CALENDAR_COVERAGE: _("Calendar %(calendar)s has no holidays for %(year)s"),
}
BODIES: dict[str, Any] = {
    Kind.SLA_AT_RISK: _("%(title)s — %(vendor)s, %(site)s. Due %(due)s."),
    Kind.SLA_BREACHED: _("%(title)s — %(vendor)s, %(site)s. It was due %(due)s."),
    Kind.SLA_ESCALATION: _(
        "%(title)s — %(vendor)s, %(site)s. It was due %(due)s. You are notified as %(audience)s."
    ),
    Kind.CALENDAR_COVERAGE: _(
        "SLA clocks on this calendar will treat the holidays of %(year)s as ordinary days until they are "
        "entered or imported on the calendar page."
    ),
}


def render(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """(title, text) in the active language. Unknown parameters leave the template as it is."""
    from oqms.notify.params import localised

    values = localised(params)
    try:
        title = str(TITLES[kind]) % values
    except (KeyError, ValueError, TypeError):
        title = str(Kind(kind).label) if kind in Kind.values else kind
    try:
        body = str(BODIES[kind]) % {**values, "title": title}
    except (KeyError, ValueError, TypeError):
        body = ""
    return title, body

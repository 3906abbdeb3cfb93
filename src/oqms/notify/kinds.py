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
    SCORECARD_PUBLISHED = "scorecard_published", _("Scorecard published")
    SCORECARD_COMMENT = "scorecard_comment", _("Comment on a scorecard")
    SCORECARD_ACCEPTED = "scorecard_accepted", _("Scorecard accepted by the vendor")
    SCORECARD_APPEALED = "scorecard_appealed", _("Scorecard appealed")
    SCORECARD_ANSWERED = "scorecard_answered", _("Appeal answered")
    SCORECARD_REOPENED = "scorecard_reopened", _("Scorecard back to draft")
    SCORECARD_APPROVED = "scorecard_approved", _("Scorecard approved")
    CONSEQUENCE = "consequence", _("Consequence of the scorecards")
    SCORECARDS_READY = "scorecards_ready", _("Scorecards ready to publish")
    SCORECARD_REVISED = "scorecard_revised", _("Published scorecard recomputed")
    INSPECTION_DUE = "inspection_due", _("Inspection coming up")
    INSPECTION_OVERDUE = "inspection_overdue", _("Inspection overdue")
    INSPECTION_FAILED = "inspection_failed", _("Inspection failed: action required")
    COMPLAINT_ASSIGNED = "complaint_assigned", _("Complaint to answer")
    COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint response overdue")
    SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
    SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
    NONCONFORMANCE_RAISED = "nc_raised", _("Nonconformance raised")
    SCAR_ISSUED = "scar_issued", _("Corrective action requested")
    SCAR_IMPLEMENTED = "scar_implemented", _("Corrective action implemented: to verify")
    SCAR_RETURNED = "scar_returned", _("Corrective action sent back")
    SCAR_CLOSED = "scar_closed", _("Corrective action closed")
    SCAR_COMMENT = "scar_comment", _("Comment on a corrective action")
    SCAR_OVERDUE = "scar_overdue", _("Corrective action overdue")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    MEETING_ACTION = "meeting_action", _("Meeting action assigned to you")
    MEETING_ACTION_DUE = "meeting_action_due", _("Meeting action due soon")
    MEETING_ACTION_OVERDUE = "meeting_action_overdue", _("Meeting action overdue")


Kind.colours = {  # type: ignore[attr-defined]
    Kind.SLA_AT_RISK: "warning",
    Kind.SLA_BREACHED: "danger",
    Kind.SLA_ESCALATION: "danger",
    Kind.CALENDAR_COVERAGE: "warning",
    Kind.SCORECARD_PUBLISHED: "info",
    Kind.SCORECARD_COMMENT: "secondary",
    Kind.SCORECARD_ACCEPTED: "success",
    Kind.SCORECARD_APPEALED: "warning",
    Kind.SCORECARD_ANSWERED: "info",
    Kind.SCORECARD_REOPENED: "secondary",
    Kind.SCORECARD_APPROVED: "success",
    Kind.CONSEQUENCE: "danger",
    Kind.SCORECARDS_READY: "primary",
    Kind.SCORECARD_REVISED: "warning",
    Kind.INSPECTION_DUE: "info",
    Kind.INSPECTION_OVERDUE: "danger",
    Kind.INSPECTION_FAILED: "danger",
    Kind.COMPLAINT_ASSIGNED: "warning",
    Kind.COMPLAINT_OVERDUE: "danger",
    Kind.SURVEY_INVITATION: "info",
    Kind.SURVEY_REMINDER: "secondary",
    Kind.NONCONFORMANCE_RAISED: "danger",
    Kind.SCAR_ISSUED: "warning",
    Kind.SCAR_IMPLEMENTED: "primary",
    Kind.SCAR_RETURNED: "warning",
    Kind.SCAR_CLOSED: "success",
    Kind.SCAR_COMMENT: "secondary",
    Kind.SCAR_OVERDUE: "danger",
    Kind.MEETING_SCHEDULED: "info",
    Kind.MEETING_ACTION: "primary",
    Kind.MEETING_ACTION_DUE: "warning",
    Kind.MEETING_ACTION_OVERDUE: "danger",
}

TITLES: dict[str, Any] = {
    Kind.SLA_AT_RISK: _("%(number)s: %(clock)s at %(percent)s%% of its SLA"),
    Kind.SLA_BREACHED: _("%(number)s: %(clock)s SLA breached"),
    Kind.SLA_ESCALATION: _("%(number)s escalated: %(clock)s at %(percent)s%% of its SLA"),
    Kind.CALENDAR_COVERAGE: _("Calendar %(calendar)s has no holidays for %(year)s"),
    Kind.SCORECARD_PUBLISHED: _("Scorecard %(contract)s %(period)s published: %(grade)s (%(score)s)"),
    Kind.SCORECARD_COMMENT: _("%(author)s commented on scorecard %(contract)s %(period)s"),
    Kind.SCORECARD_ACCEPTED: _("%(vendor)s accepted scorecard %(contract)s %(period)s"),
    Kind.SCORECARD_APPEALED: _("%(vendor)s appealed scorecard %(contract)s %(period)s"),
    Kind.SCORECARD_ANSWERED: _("The appeal against scorecard %(contract)s %(period)s is answered"),
    Kind.SCORECARD_REOPENED: _("Scorecard %(contract)s %(period)s is back to draft"),
    Kind.SCORECARD_APPROVED: _("Scorecard %(contract)s %(period)s approved: %(grade)s (%(score)s)"),
    Kind.CONSEQUENCE: _("%(vendor)s: %(rule)s"),
    Kind.SCORECARDS_READY: _("%(count)s scorecards of %(period)s are ready to publish"),
    Kind.SCORECARD_REVISED: _("Scorecard %(contract)s %(period)s recomputed: %(grade)s (%(score)s)"),
    Kind.INSPECTION_DUE: _("Inspection %(number)s at %(site)s on %(at)s"),
    Kind.INSPECTION_OVERDUE: _("Inspection %(number)s at %(site)s is overdue"),
    Kind.INSPECTION_FAILED: _("Inspection %(number)s at %(site)s needs action from the vendor"),
    Kind.COMPLAINT_ASSIGNED: _("Complaint %(number)s at %(site)s: respond by %(due)s"),
    Kind.COMPLAINT_OVERDUE: _("Complaint %(number)s at %(site)s: response overdue"),
    Kind.SURVEY_INVITATION: _("A few questions: %(survey)s"),
    Kind.SURVEY_REMINDER: _("Reminder — a few questions: %(survey)s"),
    Kind.NONCONFORMANCE_RAISED: _("Nonconformance %(number)s (%(severity)s): %(title)s"),
    Kind.SCAR_ISSUED: _("Corrective action %(number)s requested: %(title)s"),
    Kind.SCAR_IMPLEMENTED: _("Corrective action %(number)s implemented: %(title)s"),
    Kind.SCAR_RETURNED: _("Corrective action %(number)s sent back: %(title)s"),
    Kind.SCAR_CLOSED: _("Corrective action %(number)s closed: %(title)s"),
    Kind.SCAR_COMMENT: _("%(author)s commented on corrective action %(number)s"),
    Kind.SCAR_OVERDUE: _("Corrective action %(number)s: %(stage)s overdue"),
    Kind.MEETING_SCHEDULED: _("Meeting: %(title)s on %(due)s"),
    Kind.MEETING_ACTION: _("Action for you from “%(meeting)s”: %(action)s"),
    Kind.MEETING_ACTION_DUE: _("Action due %(due)s: %(action)s"),
    Kind.MEETING_ACTION_OVERDUE: _("Action overdue since %(due)s: %(action)s"),
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
    Kind.SCORECARD_PUBLISHED: _("%(title)s. %(vendor)s may comment, accept or appeal until %(appeal_due)s."),
    Kind.SCORECARD_COMMENT: _("%(title)s. Open the scorecard to read it."),
    Kind.SCORECARD_ACCEPTED: _("%(title)s. It can now be approved."),
    Kind.SCORECARD_APPEALED: _(
        "%(title)s. Answer the appeal, or take the scorecard back to draft to correct it."
    ),
    Kind.SCORECARD_ANSWERED: _("%(title)s. Open the scorecard to read the answer."),
    Kind.SCORECARD_REOPENED: _("%(title)s. It will be published again after it is corrected."),
    Kind.SCORECARD_APPROVED: _("%(title)s. The settlement of the period is approved with it."),
    Kind.CONSEQUENCE: _(
        "%(title)s. %(action)s %(plan)s Grades: %(grades)s (scorecard %(contract)s %(period)s)."
    ),
    Kind.SCORECARDS_READY: _(
        "%(title)s. The period has ended and they are computed with its data; review and publish them to the "
        "vendors. Data that still arrives recomputes them until they are approved."
    ),
    Kind.SCORECARD_REVISED: _(
        "%(title)s. Late data changed its figures after it was published; review them — you may comment, accept "
        "or appeal until %(appeal_due)s."
    ),
    Kind.INSPECTION_DUE: _("%(title)s (contract %(contract)s). Complete it by %(due)s."),
    Kind.INSPECTION_OVERDUE: _(
        "%(title)s: it was due %(due)s (contract %(contract)s). Carry it out, reassign it or cancel it."
    ),
    Kind.INSPECTION_FAILED: _(
        "%(title)s (contract %(contract)s). %(findings)s finding(s) need action from the vendor."
    ),
    Kind.COMPLAINT_ASSIGNED: _("%(title)s. Read it and answer the complainant; the response is due %(due)s."),
    Kind.COMPLAINT_OVERDUE: _("%(title)s: it was due %(due)s. It is escalated to the quality managers."),
    Kind.SURVEY_INVITATION: _("%(title)s. It takes a minute; the link works once, until %(expires)s."),
    Kind.SURVEY_REMINDER: _("%(title)s. The link works once, until %(expires)s."),
    Kind.NONCONFORMANCE_RAISED: _(
        "%(title)s. %(repeat_text)s%(containment_text)sOpen it to read the details and the evidence."
    ),
    Kind.SCAR_ISSUED: _(
        "%(title)s (nonconformance %(nc)s). Acknowledge it by %(due)s, then give the root cause and an action "
        "plan."
    ),
    Kind.SCAR_IMPLEMENTED: _("%(title)s. Verify its effect from %(verify_from)s."),
    Kind.SCAR_RETURNED: _("%(title)s. The reason: %(reason)s"),
    Kind.SCAR_CLOSED: _("%(title)s. The fix was verified effective; nonconformance %(nc)s is closed."),
    Kind.SCAR_COMMENT: _("%(title)s. Open the corrective action to read and answer it."),
    Kind.SCAR_OVERDUE: _("%(title)s: the %(stage)s was due %(due)s (nonconformance %(nc)s)."),
    Kind.MEETING_SCHEDULED: _("%(title)s. %(where)s"),
    Kind.MEETING_ACTION: _("%(title)s. It is due %(due)s."),
    Kind.MEETING_ACTION_DUE: _(
        "%(title)s (from “%(meeting)s”). Mark it done on the meeting page when it is."
    ),
    Kind.MEETING_ACTION_OVERDUE: _("%(title)s (from “%(meeting)s”). Finish it, or agree a new date."),
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

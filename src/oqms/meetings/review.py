"""The monthly review pack of a vendor (月度评审资料), built from the data: the work-order backlog, SLA results,
inspections, the month's scorecards, nonconformances and open corrective actions, complaints. Shown as a page
and as a PDF; everything in it goes through the reader's scoping."""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oqms.kpis import measures
from oqms.kpis.rollups import day_bounds

SLA_MEASURES = [
    "opened",
    "resolved",
    "response_in_target_pct",
    "resolution_in_target_pct",
    "first_time_fix_pct",
    "rating_mean",
]
BACKLOG_AGE_DAYS = 7


def month_bounds(text: str | None, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """("2026-11") → (1 Nov, 30 Nov); empty or malformed: the previous whole month."""
    today = today or timezone.localdate()
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        first = last_month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def build(vendor: Any, first: datetime.date, last: datetime.date, user: Any) -> dict[str, Any]:
    from oqms.capa.models import CorrectiveAction, Nonconformance
    from oqms.feedback.models import Complaint
    from oqms.kpis.models import Scorecard
    from oqms.workorders.choices import OPEN_STATUSES
    from oqms.workorders.models import WorkOrder

    now = timezone.now()
    open_work = WorkOrder.objects.visible_to(user).filter(vendor=vendor, status__in=OPEN_STATUSES)
    by_priority = {
        row["priority"]: row
        for row in open_work.order_by()
        .values("priority")
        .annotate(
            n=Count("pk"),
            old=Count("pk", filter=Q(opened_at__lt=now - datetime.timedelta(days=BACKLOG_AGE_DAYS))),
            overdue=Count("pk", filter=Q(resolution_due_at__lt=now)),
            oldest=Min("opened_at"),
        )
    }
    totals = measures.totals(first, last, vendor=vendor.pk)
    sla = measures.compute(totals, SLA_MEASURES)
    inspections = measures.inspection_totals(first, last, vendor=vendor.pk)
    complaints = measures.complaint_totals(first, last, vendor=vendor.pk)
    capa = measures.capa_totals(first, last, vendor=vendor.pk)
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    return {
        "vendor": vendor,
        "first": first,
        "last": last,
        "backlog": [by_priority[p] for p in sorted(by_priority)],
        "backlog_total": sum(row["n"] for row in by_priority.values()),
        "backlog_age_days": BACKLOG_AGE_DAYS,
        "sla": [(measures.MEASURES[code], sla[code]) for code in SLA_MEASURES],
        "inspections": inspections,
        "inspection_pass_pct": 100 * inspections["inspections_passed"] / inspections["inspections"]
        if inspections.get("inspections")
        else None,
        "scorecards": list(
            Scorecard.objects.visible_to(user)
            .filter(vendor=vendor, period="month", period_start=first)
            .select_related("contract")
            .order_by("contract__number", "-version")
        ),
        "nonconformances": list(
            Nonconformance.objects.visible_to(user)
            .filter(vendor=vendor, detected_at__gte=start, detected_at__lt=end)
            .exclude(status="cancelled")
            .select_related("category")
        ),
        "capa": capa,
        "open_scars": list(
            CorrectiveAction.objects.visible_to(user)
            .filter(
                vendor=vendor, status__in=("issued", "acknowledged", "analysed", "planned", "implemented")
            )
            .select_related("nonconformance")
            .order_by("due_at")
        ),
        "complaints": complaints,
        "open_complaints": list(
            Complaint.objects.visible_to(user)
            .filter(vendor=vendor, kind="complaint", status__in=("assigned", "responded", "resolved"))
            .select_related("site")
            .order_by("received_at")[:50]
        ),
    }


def _number(value: Any, places: int = 1) -> str:
    from django.utils.formats import number_format

    return "—" if value is None else number_format(value, places)


def pdf(pack: dict[str, Any]) -> bytes:
    from oqms.core.pdf import Document

    vendor, first, last = pack["vendor"], pack["first"], pack["last"]
    doc = Document(
        _("Monthly review pack"),
        f"{vendor.name} · {first:%Y-%m}",
        [(_("Vendor"), vendor.name), (_("Period"), f"{first.isoformat()} – {last.isoformat()}")],
    )
    doc.heading(_("Work-order backlog"))
    doc.table(
        [
            _("priority"),
            _("open"),
            _("older than %(n)s days") % {"n": pack["backlog_age_days"]},
            _("past the resolution target"),
        ],
        [[row["priority"], str(row["n"]), str(row["old"]), str(row["overdue"])] for row in pack["backlog"]]
        or [[_("No open work orders."), "", "", ""]],
    )
    doc.heading(_("SLA results"))
    doc.table(
        [_("measure"), _("value"), _("numerator"), _("denominator")],
        [
            [
                str(measure.label),
                f"{_number(value.value)} {measure.unit}".strip(),
                _number(value.numerator, 0),
                _number(value.denominator, 0),
            ]
            for measure, value in pack["sla"]
        ],
    )
    doc.heading(_("Inspections"))
    doc.key_values(
        [
            (_("inspections completed"), _number(pack["inspections"].get("inspections"), 0)),
            (_("passed"), f"{_number(pack['inspection_pass_pct'])} %"),
        ]
    )
    doc.heading(_("Scorecards"))
    doc.table(
        [_("contract"), _("version"), _("status"), _("score"), _("grade")],
        [
            [c.contract.number, str(c.version), str(c.get_status_display()), _number(c.score), c.grade or "—"]
            for c in pack["scorecards"]
        ]
        or [[_("No scorecard for this month yet."), "", "", "", ""]],
    )
    doc.heading(_("Nonconformances and corrective actions"))
    capa = pack["capa"]
    doc.key_values(
        [
            (_("nonconformances raised"), _number(capa["nonconformances"], 0)),
            (_("of them repeats"), _number(capa["nonconformance_repeats"], 0)),
            (_("corrective actions closed"), _number(capa["scars_closed"], 0)),
            (_("closed on time"), _number(capa["scars_closed_on_time"], 0)),
        ]
    )
    doc.table(
        [_("number"), _("nonconformance"), _("status"), _("to be implemented by")],
        [
            [
                s.number,
                s.nonconformance.title[:40],
                str(s.get_status_display()),
                f"{timezone.localtime(s.due_at):%Y-%m-%d}",
            ]
            for s in pack["open_scars"]
        ]
        or [[_("No open corrective actions."), "", "", ""]],
    )
    doc.heading(_("Complaints"))
    complaints = pack["complaints"]
    doc.key_values(
        [
            (_("complaints received"), _number(complaints["complaints"], 0)),
            (_("praise received"), _number(complaints["praise"], 0)),
            (_("responses due"), _number(complaints["complaints_due"], 0)),
            (_("answered in time"), _number(complaints["complaints_responded_in_time"], 0)),
        ]
    )
    doc.table(
        [_("number"), _("site"), _("status"), _("received at")],
        [
            [
                c.number,
                str(c.site),
                str(c.get_status_display()),
                f"{timezone.localtime(c.received_at):%Y-%m-%d}",
            ]
            for c in pack["open_complaints"]
        ]
        or [[_("No open complaints."), "", "", ""]],
    )
    return doc.render()

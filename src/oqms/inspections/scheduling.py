"""Plans become scheduled inspections; due inspections are reminded and overdue ones flagged.

* **Periodic** plans: every day of the plan's rule (``oqms.engine.recurrence``) up to HORIZON_DAYS ahead, one
  inspection per site of the plan, at the plan's time of day.
* **Random** plans: K inspections per week or month. Their sites (and, if asked, the vendor's people) are
  spread by the seeded draws of ``oqms.engine.draws`` — every site once before any twice — and their times are
  uniform over the contract's business hours in the period: the draw u in [0, 1) of slot i is placed u x B
  business seconds after the period's start, B being the business time in it. Everything a draw used (the
  population of sites and people, the window, B, u) is stored on the inspection, and :func:`verify` draws the
  period again from the seed, so an auditor can check that nothing was picked by hand. A period is drawn once,
  when it is first scheduled; vendors never see a random inspection before it starts.

Inspectors are assigned by site (the plan's inspectors for that site, in turn) or in turn over all of the
plan's inspectors, by the occurrence's number — the same inspector however often the schedule runs.
Scheduling is idempotent: each occurrence (day and site; period and slot) exists at most once.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.engine import draws, recurrence
from oqms.inspections import services
from oqms.inspections.choices import AssignBy, InspectionKind, InspectionStatus, PlanKind, SamplingPeriod
from oqms.inspections.models import Inspection, InspectionPlan

HORIZON_DAYS = 14
DEFAULT_TIME = datetime.time(9, 0)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=_zone())


def period_of(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The week (Monday to Sunday, ISO numbered) or month holding ``day``: first day, last day, label."""
    if kind == SamplingPeriod.WEEK:
        first = day - datetime.timedelta(days=day.weekday())
        year, week, _weekday = first.isocalendar()
        return first, first + datetime.timedelta(days=6), f"{year}-W{week:02d}"
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1), f"{first:%Y-%m}"


def sites_of(plan: InspectionPlan) -> list[Any]:
    chosen = list(plan.sites.order_by("pk"))
    return chosen or list(plan.contract.sites.order_by("pk"))


def inspector_for(plan: InspectionPlan, site: Any, number: int) -> Any:
    """The inspector of occurrence ``number`` at ``site``; None when the plan names nobody (a quality manager
    assigns it, or any inspector picks it up)."""
    rows = [
        row for row in plan.inspectors.select_related("inspector").order_by("pk") if row.inspector.is_active
    ]
    if plan.assign_by == AssignBy.SITE:
        here = [row.inspector for row in rows if row.site_id == site.pk]
        if here:
            return here[number % len(here)]
    pool = [row.inspector for row in rows if row.site_id is None] or [row.inspector for row in rows]
    unique = list({person.pk: person for person in pool}.values())
    return unique[number % len(unique)] if unique else None


def _create(plan: InspectionPlan, occurrence: str, **fields: Any) -> Inspection | None:
    """One occurrence, unless it exists already (also when another worker made it meanwhile)."""
    if Inspection.objects.filter(plan=plan, occurrence=occurrence).exists():
        return None
    try:
        with transaction.atomic():
            return services.create(
                contract=plan.contract, template=plan.template, plan=plan, occurrence=occurrence, **fields
            )
    except IntegrityError:
        return None


def _schedule_periodic(plan: InspectionPlan, first: datetime.date, last: datetime.date) -> int:
    rule = recurrence.parse(plan.rule)
    sites = sites_of(plan)
    made = 0
    days = recurrence.occurrences(rule, plan.start_date, first, last)
    if not days:
        return 0
    earlier = len(recurrence.occurrences(rule, plan.start_date, plan.start_date, days[0])) - 1
    for index, day in enumerate(days):
        at = datetime.datetime.combine(day, plan.time_of_day or DEFAULT_TIME, tzinfo=_zone())
        for position, site in enumerate(sites):
            number = (earlier + index) * len(sites) + position
            made += (
                _create(
                    plan,
                    f"{day.isoformat()}|{site.pk}",
                    kind=InspectionKind.PERIODIC,
                    site=site,
                    scheduled_for=at,
                    due_at=at + datetime.timedelta(hours=plan.window_hours),
                    inspector=inspector_for(plan, site, number),
                )
                is not None
            )
    return made


def _staff_of(plan: InspectionPlan) -> list[Any]:
    return list(
        User.objects.filter(
            vendor_id=plan.contract.vendor_id, role=Role.VENDOR_STAFF, is_active=True
        ).order_by("pk")
    )


def draw(plan: InspectionPlan, label: str, first: datetime.date, last: datetime.date) -> list[dict[str, Any]]:
    """The slots of a random plan's period: for each, the site, the person (or None) and the time, with every
    input of the draw."""
    from oqms.calendars.services import clock_calendar

    sites = [site.pk for site in sites_of(plan)]
    staff = [person.pk for person in _staff_of(plan)] if plan.draw_staff else []
    # Never in the past: a period first drawn part-way through is drawn over what is left of it.
    start = max(_start_of(first), _start_of(plan.start_date), timezone.now().replace(microsecond=0))
    end = _start_of(last + datetime.timedelta(days=1))
    if plan.end_date is not None:
        end = min(end, _start_of(plan.end_date + datetime.timedelta(days=1)))
    count = plan.per_period
    if not sites or count <= 0 or end <= start:
        return []
    timeline = clock_calendar(plan.contract.sla_calendar)
    business = float(timeline.business_seconds(start, end))
    common = {
        "label": label,
        "sites": sites,
        "people": staff,
        "window": [start.isoformat(), end.isoformat()],
        "business_seconds": business,
        "calendar": plan.contract.sla_calendar_id,
        "count": count,
    }
    return [
        common | slot
        for slot in _slots(plan.seed, label, sites, staff, count, start, end, business, timeline)
    ]


def _slots(
    seed: str,
    label: str,
    sites: list[int],
    staff: list[int],
    count: int,
    start: datetime.datetime,
    end: datetime.datetime,
    business: float,
    timeline: Any,
) -> list[dict[str, Any]]:
    """The draw itself: slot i's site and person spread over the populations, its time u x B business seconds
    after the window's start (calendar time when the window holds no business time)."""
    on_site = draws.spread(seed, f"{label}|site", sites, count)
    people = draws.spread(seed, f"{label}|staff", staff, count) if staff else [None] * count
    slots = []
    for slot in range(count):
        u = draws.unit(seed, f"{label}|{slot}|time")
        at = timeline.add(start, u * business) if business > 0 else start + (end - start) * u
        slots.append(
            {"slot": slot, "site": on_site[slot], "staff": people[slot], "at": at.isoformat(), "u": u}
        )
    return slots


def _schedule_random(plan: InspectionPlan, first: datetime.date, last: datetime.date) -> int:
    from oqms.org.models import Site

    made = 0
    day = first
    while day <= last:
        period_first, period_last, label = period_of(plan.period, day)
        if (
            period_last >= plan.start_date
            and not plan.inspections.filter(occurrence__startswith=f"{label}|").exists()
        ):
            slots = draw(plan, label, period_first, period_last)
            sites = {site.pk: site for site in Site.objects.filter(pk__in={s["site"] for s in slots})}
            people = {p.pk: p for p in User.objects.filter(pk__in={s["staff"] for s in slots if s["staff"]})}
            for slot in slots:
                at = datetime.datetime.fromisoformat(slot["at"])
                site = sites[slot["site"]]
                made += (
                    _create(
                        plan,
                        f"{label}|{slot['slot']}",
                        kind=InspectionKind.RANDOM,
                        site=site,
                        staff=people.get(slot["staff"]) if slot["staff"] else None,
                        scheduled_for=at,
                        due_at=at + datetime.timedelta(hours=plan.window_hours),
                        inspector=inspector_for(plan, site, slot["slot"]),
                        draw=slot,
                    )
                    is not None
                )
        day = period_last + datetime.timedelta(days=1)
    return made


def schedule(plan: InspectionPlan, today: datetime.date | None = None, horizon: int = HORIZON_DAYS) -> int:
    """Create the plan's inspections from today up to ``horizon`` days ahead; returns how many were made."""
    today = today or timezone.localdate()
    if not plan.is_active:
        return 0
    first = max(today, plan.start_date)
    last = today + datetime.timedelta(days=horizon)
    if plan.end_date is not None:
        last = min(last, plan.end_date)
    if plan.contract.end_date:
        last = min(last, plan.contract.end_date)
    if last < first:
        return 0
    with transaction.atomic():
        if plan.kind == PlanKind.RANDOM:
            made = _schedule_random(plan, first, last)
        else:
            made = _schedule_periodic(plan, first, last)
        InspectionPlan.objects.filter(pk=plan.pk).update(scheduled_until=last)
    return made


def verify(plan: InspectionPlan, label: str) -> list[dict[str, Any]]:
    """Draw a random plan's period again from its seed and compare with the inspections it made: one row per
    slot with what was stored, what the seed gives, and whether they agree."""
    import re

    if not re.fullmatch(r"\d{4}-(W\d{2}|\d{2})", label or ""):
        return []
    rows_of_period = plan.inspections.filter(kind=InspectionKind.RANDOM, occurrence__startswith=f"{label}|")
    stored = {
        int(row.occurrence.split("|")[1]): row
        for row in rows_of_period.select_related("site")
        if row.draw.get("window") and row.occurrence.split("|")[1].isdigit()
    }
    if not stored:
        return []
    kept = next(iter(stored.values())).draw
    from oqms.calendars.services import clock_calendar

    start, end = (datetime.datetime.fromisoformat(v) for v in kept["window"])
    # The populations and the business time stored with the draw: sites or people added since, or a calendar
    # edited since, do not change a past draw.
    again = _slots(
        plan.seed,
        label,
        kept.get("sites", []),
        kept.get("people", []),
        max(int(kept.get("count", 0) or 0), max(stored) + 1),
        start,
        end,
        float(kept.get("business_seconds", 0)),
        clock_calendar(
            _calendar(kept.get("calendar"))
        ),  # the calendar the draw used, even if the contract's changed
    )
    rows = []
    for slot in range(len(again)):  # a slot drawn but gone from the inspections is reported too
        if slot not in stored:
            rows.append({"slot": slot, "inspection": None, "drawn": again[slot], "agrees": False})
    for slot, inspection in sorted(stored.items()):
        fresh = again[slot] if slot < len(again) else None
        row_draw = inspection.draw
        rows.append(
            {
                "slot": slot,
                "inspection": inspection,
                "drawn": fresh,
                "agrees": fresh is not None
                and fresh["site"] == row_draw.get("site") == inspection.site_id
                and fresh["staff"] == row_draw.get("staff") == inspection.staff_id
                and fresh["at"] == row_draw.get("at")
                and datetime.datetime.fromisoformat(fresh["at"]) == inspection.scheduled_for,
            }
        )
    return sorted(rows, key=lambda row: row["slot"])


def _calendar(pk: Any) -> Any:
    from oqms.calendars.models import Calendar

    return Calendar.objects.filter(pk=pk).first() if pk else None


def run(today: datetime.date | None = None) -> int:
    """Schedule every active plan (a daily job, and after a plan is saved). A plan that cannot be scheduled (its
    checklist unpublished, an inspector no longer one) is logged and skipped: the others are scheduled."""
    import logging

    from oqms.core.errors import DomainError

    made = 0
    for plan in InspectionPlan.objects.filter(is_active=True).select_related("contract", "template"):
        try:
            made += schedule(plan, today)
        except DomainError as exc:
            logging.getLogger(__name__).warning("inspection plan %s not scheduled: %s", plan.pk, exc.message)
    return made


def remind_and_flag(now: datetime.datetime | None = None) -> int:
    """Remind inspectors of inspections starting within their plan's reminder time, and tell them and the
    contract's owner (and the quality managers) once when an inspection is overdue. Random inspections are
    never announced to the vendor."""
    from oqms.notify import services as notify
    from oqms.notify.kinds import Kind

    now = now or timezone.now()
    sent = 0
    open_states = (InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS)
    upcoming = (
        Inspection.objects.filter(
            status=InspectionStatus.SCHEDULED,
            reminded_at__isnull=True,
            inspector__isnull=False,
            scheduled_for__gt=now,
        )
        .select_related("plan", "site", "inspector", "contract")
        .order_by("scheduled_for")
    )
    for row in upcoming[:2000]:
        hours = row.plan.remind_hours if row.plan else 24
        if row.scheduled_for - now > datetime.timedelta(hours=hours):
            continue
        if not Inspection.objects.filter(pk=row.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        sent += len(
            notify.send(
                [row.inspector],
                Kind.INSPECTION_DUE,
                f"inspection-due:{row.pk}",
                _params(row),
                row.get_absolute_url(),
            )
        )
    overdue = Inspection.objects.filter(
        status__in=open_states, due_at__lt=now, overdue_notified_at__isnull=True
    ).select_related("site", "inspector", "contract", "contract__owner")
    managers = list(User.objects.filter(is_active=True, role=Role.QUALITY_MANAGER, vendor__isnull=True))
    for row in overdue[:2000]:
        if not Inspection.objects.filter(pk=row.pk, overdue_notified_at__isnull=True).update(
            overdue_notified_at=now
        ):
            continue  # another worker took it
        people = [row.inspector, row.contract.owner, *managers]
        sent += len(
            notify.send(
                [p for p in people if p is not None],
                Kind.INSPECTION_OVERDUE,
                f"inspection-overdue:{row.pk}",
                _params(row),
                row.get_absolute_url(),
            )
        )
    return sent


def _params(row: Inspection) -> dict[str, Any]:
    return {
        "number": row.number,
        "site": str(row.site),
        "contract": row.contract.number,
        "at": timezone.localtime(row.scheduled_for).strftime("%Y-%m-%d %H:%M"),
        "due": timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M"),
    }


def is_overdue(row: Inspection, now: datetime.datetime | None = None) -> bool:
    return row.is_open and row.due_at < (now or timezone.now())

"""Publishing calendar versions, importing statutory holidays, and the business-time calendars clocks run on.

Every change to a calendar, its days or its closures publishes a new version in the same transaction
(:func:`publish`, called by signal receivers, so pages, the API and jobs all do it). A version is the whole
definition as JSON; :func:`clock_calendar` chains the versions of a calendar into one engine calendar in which each
version rules from its ``effective_from`` on, so an edit changes business time from that moment and never the
past.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from oqms.calendars.models import Calendar, CalendarDay, CalendarVersion, DayKind, HolidayRegion
from oqms.core.errors import DomainError
from oqms.core.publishing import Publisher
from oqms.engine import calendar as engine

ALWAYS_OPEN = {str(day): [["00:00", "24:00"]] for day in range(7)}


def definition(calendar: Calendar) -> dict[str, Any]:
    """The calendar as the engine needs it, in JSON: what a version stores."""
    monday = calendar.hours_on(0)
    holidays: list[str] = []
    workdays: dict[str, list[list[str]]] = {}
    for day in calendar.days.order_by("date"):
        if day.kind == DayKind.HOLIDAY:
            holidays.append(day.date.isoformat())
        else:
            workdays[day.date.isoformat()] = [list(p) for p in (day.hours or monday)]
    closures = [
        [
            c.starts_at.astimezone(datetime.UTC).isoformat(),
            c.ends_at.astimezone(datetime.UTC).isoformat(),
            c.site_id,  # None: every site on the calendar
        ]
        for c in calendar.closures.order_by("starts_at", "pk")
    ]
    covered = calendar.covered_range()
    return {
        "time_zone": calendar.time_zone,
        "weekly": {
            str(k): [list(p) for p in v] for k, v in sorted((calendar.weekly_hours or {}).items()) if v
        },
        "holidays": holidays,
        "workdays": workdays,
        "closures": closures,
        "covered": list(covered) if covered else None,
    }


publisher = Publisher("calendar", Calendar, CalendarVersion, "calendar", definition)


def publish(calendar: Calendar, at: datetime.datetime | None = None) -> CalendarVersion:
    """Make the calendar's current definition the one clocks use from ``at`` (default: now)."""
    return publisher.publish(calendar, at)  # type: ignore[no-any-return]


def _applies(closure: list[Any], site_id: int | None) -> bool:
    return len(closure) < 3 or closure[2] is None or closure[2] == site_id


def engine_calendar(content: dict[str, Any], site_id: int | None = None) -> engine.BusinessCalendar:
    """The engine calendar of one version; closures of other sites than ``site_id`` are left out."""

    def pairs(hours: list[list[str]]) -> list[tuple[str, str]]:
        return [(start, end) for start, end in hours]

    covered = content.get("covered")
    return engine.BusinessCalendar(
        content["time_zone"],
        {int(day): pairs(hours) for day, hours in content["weekly"].items()},
        holidays=[datetime.date.fromisoformat(d) for d in content["holidays"]],
        workdays={datetime.date.fromisoformat(d): pairs(h) for d, h in content["workdays"].items()},
        closures=[
            (datetime.datetime.fromisoformat(closure[0]), datetime.datetime.fromisoformat(closure[1]))
            for closure in content["closures"]
            if _applies(closure, site_id)
        ],
        covered=(datetime.date(covered[0], 1, 1), datetime.date(covered[1], 12, 31)) if covered else None,
    )


_built: dict[tuple[Any, ...], Any] = {}


def clock_calendar(calendar: Calendar | None, site_id: int | None = None) -> Any:
    """The engine calendar for SLA clocks at a site: all published versions of ``calendar`` chained, with the
    closures of the whole calendar and of that site; 24×7 UTC when there is no calendar."""
    if calendar is None:
        return always_open()
    versions = list(
        calendar.versions.order_by("effective_from", "pk").values("pk", "effective_from", "definition")
    )
    if not versions:
        versions = [{"pk": 0, "effective_from": None, "definition": definition(calendar)}]
    if not any(len(c) > 2 and c[2] for v in versions for c in v["definition"]["closures"]):
        site_id = None  # no site closes on its own: one engine calendar serves every site
    # Keyed by every version's identity and start: a cached chain is never used for a different set of versions.
    key = (calendar.pk, site_id, tuple((v["pk"], v["effective_from"]) for v in versions))
    cached = _built.get(key)
    if cached is None:
        chained = [
            (
                None if index == 0 else version["effective_from"],
                engine_calendar(version["definition"], site_id),
            )
            for index, version in enumerate(versions)
        ]
        cached = chained[0][1] if len(chained) == 1 else engine.chain(chained)
        if len(_built) > 256:
            _built.clear()
        _built[key] = cached
    return cached


_always_open: list[Any] = []


def always_open() -> Any:
    if not _always_open:
        _always_open.append(
            engine_calendar(
                {"time_zone": "UTC", "weekly": ALWAYS_OPEN, "holidays": [], "workdays": {}, "closures": []}
            )
        )
    return _always_open[0]


def default_calendar() -> Calendar | None:
    return Calendar.objects.filter(is_default=True).first()


@transaction.atomic
def import_statutory_year(calendar: Calendar, year: int) -> tuple[int, int]:
    """Enter mainland China's statutory holidays and make-up days of ``year`` into the calendar.

    Entries made by hand for the same dates are kept (they win); earlier imports of the year are replaced.
    Returns (days added, days kept as they were)."""
    holidays, workdays, names = engine.china_holidays()
    dates = sorted(d for d in holidays | workdays if d.year == year)
    if year not in engine.CHINA_HOLIDAY_YEARS or not dates:
        known = ", ".join(str(y) for y in engine.CHINA_HOLIDAY_YEARS)
        raise DomainError(
            _("OQMS has no statutory holidays for %(year)s yet (it has %(known)s). Enter them by hand.")
            % {"year": year, "known": known},
            code="no_holiday_data",
        )
    added = kept = 0
    with publisher.deferred():
        CalendarDay.objects.filter(
            calendar=calendar, date__year=year, source=CalendarDay.Source.STATUTORY
        ).delete()
        manual = set(
            CalendarDay.objects.filter(calendar=calendar, date__year=year).values_list("date", flat=True)
        )
        for day in dates:
            if day in manual:
                kept += 1
                continue
            CalendarDay.objects.create(
                calendar=calendar,
                date=day,
                kind=DayKind.HOLIDAY if day in holidays else DayKind.WORKDAY,
                name=names.get(day, ""),
                source=CalendarDay.Source.STATUTORY,
            )
            added += 1
        years = sorted(set(calendar.holiday_years or []) | {year})
        if calendar.region != HolidayRegion.CHINA or years != calendar.holiday_years:
            calendar.holiday_years = years
            calendar.region = HolidayRegion.CHINA
            calendar.save()
        publisher.request(calendar.pk)
    return added, kept

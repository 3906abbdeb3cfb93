"""Business calendars as records: weekly hours, holidays and make-up days, closures, and the published versions
that SLA clocks run on.

A calendar is edited like any record; every change publishes a new :class:`CalendarVersion` that applies from
that moment. SLA clocks chain the versions, so an edit changes business time from now on and never rewrites the
past (``oqms.engine.calendar.chain``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.calendars.hours import format_hours, validate_hours_json
from oqms.core.choices import colour_of
from oqms.core.models import BaseModel, PublishedVersion
from oqms.core.scoping import SHARED
from oqms.core.validators import validate_time_zone

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
OFFICE_HOURS = [["09:00", "12:00"], ["13:00", "18:00"]]


def weekly_text(weekly: Any) -> str | None:
    """Weekly hours as people read them in the audit trail: "Monday 09:00-12:00, 13:00-18:00; Tuesday …"."""
    if weekly is None:
        return None
    if not isinstance(weekly, dict):
        return str(weekly)
    parts = [
        f"{label} {format_hours(weekly.get(str(day)))}" for day, label in WEEKDAYS if weekly.get(str(day))
    ]
    return "; ".join(parts)


def default_weekly() -> dict[str, list[list[str]]]:
    return {str(day): [list(p) for p in OFFICE_HOURS] for day in range(5)}


class HolidayRegion(models.TextChoices):
    NONE = "", _("None (only the days entered here)")
    CHINA = "cn", _("Mainland China statutory holidays")


class Calendar(BaseModel):
    """Working time for SLA clocks: a site's opening hours, a contract's service window, 24×7."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=default_weekly,
        blank=True,
        help_text=_("Per weekday (Monday = 0) a list of [start, end] times; a missing weekday is off."),
    )
    region = models.CharField(
        _("statutory holidays"),
        max_length=8,
        choices=HolidayRegion.choices,
        default=HolidayRegion.CHINA,
        blank=True,
    )
    holiday_years = models.JSONField(
        _("years with complete holidays"),
        default=list,
        blank=True,
        help_text=_("The years whose holidays and make-up days have all been entered (or imported)."),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by sites and contracts that name no calendar."),
    )
    description = models.TextField(_("description"), blank=True)

    vendor_scope_field = SHARED
    audit_display = {"weekly_hours": weekly_text}

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="%(app_label)s_%(class)s_one_default",
                violation_error_message=_("Another calendar is already the default."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        weekly = self.weekly_hours or {}
        if not isinstance(weekly, dict):
            errors["weekly_hours"] = _("Weekly hours must map weekdays to hours.")
        else:
            for key, hours in weekly.items():
                if str(key) not in {str(d) for d in range(7)}:
                    errors["weekly_hours"] = _("%(key)s is not a weekday (0 = Monday … 6 = Sunday).") % {
                        "key": key
                    }
                    break
                try:
                    validate_hours_json(hours)
                except ValidationError as exc:
                    errors["weekly_hours"] = exc.messages
                    break
        years = self.holiday_years or []
        if not isinstance(years, list) or not all(isinstance(y, int) and 1970 <= y <= 2200 for y in years):
            errors["holiday_years"] = _("Give the years as whole numbers, such as 2026.")
        if errors:
            raise ValidationError(errors)

    def hours_on(self, weekday: int) -> list[list[str]]:
        return list((self.weekly_hours or {}).get(str(weekday), []))

    def weekly_display(self) -> list[tuple[Any, str]]:
        return [(label, format_hours(self.hours_on(day))) for day, label in WEEKDAYS]

    def covered_range(self) -> tuple[int, int] | None:
        """The first and last year of holiday data, when the years are contiguous up to the last one."""
        years = sorted(set(self.holiday_years or []))
        if not years:
            return None
        first = years[-1]
        while first - 1 in years:
            first -= 1
        return first, years[-1]

    def missing_years(self, until: datetime.date | None = None) -> list[int]:
        """Years from this one to ``until`` (default: next year) whose holidays are not entered yet.

        Only calendars that follow statutory holidays or list holiday years can miss any."""
        if not self.region and not self.holiday_years:
            return []
        today = timezone.localdate()
        last = (until or today.replace(year=today.year + 1)).year
        known = set(self.holiday_years or [])
        return [year for year in range(today.year, last + 1) if year not in known]

    def latest_version(self) -> CalendarVersion | None:
        return self.versions.order_by("-effective_from", "-pk").first()


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no business time)")
    WORKDAY = "workday", _("Make-up working day")


DayKind.colours = {DayKind.HOLIDAY: "danger", DayKind.WORKDAY: "primary"}  # type: ignore[attr-defined]


class CalendarDay(BaseModel):
    """A date that departs from the weekly hours: a holiday off, or a make-up working day (调休) on."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered")
        STATUTORY = "statutory", _("Statutory import")

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices, default=DayKind.HOLIDAY)
    name = models.CharField(_("name"), max_length=64, blank=True)
    hours = models.JSONField(
        _("hours"),
        default=list,
        blank=True,
        validators=[validate_hours_json],
        help_text=_("For a working day: its hours; empty means the Monday hours."),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"],
                name="%(app_label)s_%(class)s_one_per_date",
                violation_error_message=_("This calendar already has an entry for that date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == DayKind.HOLIDAY and self.hours:
            raise ValidationError({"hours": _("A holiday has no hours; leave them empty.")})

    def kind_colour(self) -> str:
        return colour_of(DayKind, self.kind)

    def hours_display(self) -> str:
        return format_hours(self.hours)


class Closure(BaseModel):
    """A period without business time at short notice: a typhoon, a power cut, a site move."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="closures", verbose_name=_("calendar")
    )
    site = models.ForeignKey(
        "org.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        verbose_name=_("site"),
        help_text=_("Only this site closes; empty: every site whose clocks run on this calendar."),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["calendar", "-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("A closure must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.reason

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A closure must end after it starts.")})


class CalendarVersion(PublishedVersion):
    """A calendar as published at a moment; clocks use it from ``effective_from`` on (``services.publish``)."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="versions", verbose_name=_("calendar")
    )

    vendor_scope_field = SHARED

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")
        ordering = ["calendar", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "number"], name="%(app_label)s_%(class)s_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} v{self.number}"

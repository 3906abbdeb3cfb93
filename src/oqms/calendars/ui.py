from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oqms.calendars.filtersets import CalendarDayFilterSet, CalendarFilterSet, ClosureFilterSet
from oqms.calendars.forms import CalendarDayForm, CalendarForm, ClosureForm, ImportYearForm
from oqms.calendars.models import Calendar, CalendarDay, Closure
from oqms.core.ui import Column, Inline, RecordUI


class CalendarUI(RecordUI):
    model = Calendar
    filterset_class = CalendarFilterSet
    form_class = CalendarForm
    ordering = ("code",)
    icon = "calendar3"
    detail_template = "calendars/detail.html"
    columns = [
        Column("code", link=True),
        Column("name"),
        Column("time_zone"),
        Column("region"),
        Column("holiday_years", label=_("years with complete holidays"), sort=""),
        Column("is_default", label=_("default")),
    ]
    detail_fields = ["code", "name", "time_zone", "region", "is_default", "description"]
    inlines = [
        Inline(
            "closures",
            _("Closures"),
            [Column("starts_at", link=True), Column("ends_at"), Column("site"), Column("reason")],
            "calendars:closure_create",
            "calendar",
        ),
    ]

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from oqms.core.scoping import restrict

        this_year = timezone.localdate().year
        years = sorted({d.year for d in obj.days.dates("date", "year")} | {this_year})
        try:
            year = int(request.GET.get("year", this_year))
        except ValueError:
            year = this_year
        days = restrict(obj.days.filter(date__year=year), request.user, "view")
        return {
            "missing_years": obj.missing_years(),
            "years": years,
            "year": year,
            "days": days,
            "import_form": ImportYearForm(initial={"year": (obj.missing_years() or [this_year])[0]}),
            "import_url": reverse("calendars:calendar_import", args=[obj.pk]),
            "add_day_url": f"{reverse('calendars:calendarday_create')}?calendar={obj.pk}",
            "versions": obj.versions.select_related("published_by").order_by("-number")[:20],
            "can_change_days": request.user.has_perm("calendars.add_calendarday"),
        }


class CalendarDayUI(RecordUI):
    model = CalendarDay
    filterset_class = CalendarDayFilterSet
    form_class = CalendarDayForm
    select_related = ("calendar",)
    ordering = ("calendar", "date")
    icon = "calendar-x"
    columns = [
        Column("date", link=True),
        Column("calendar", sort="calendar__code"),
        Column("kind", badge=True),
        Column("name"),
        Column("hours_display", label=_("hours"), sort=""),
        Column("source"),
    ]
    detail_fields = ["calendar", "date", "kind", "name", ("hours_display", _("hours")), "source"]


class ClosureUI(RecordUI):
    model = Closure
    filterset_class = ClosureFilterSet
    form_class = ClosureForm
    select_related = ("calendar", "site")
    ordering = ("-starts_at",)
    icon = "sign-stop"
    columns = [
        Column("starts_at", link=True),
        Column("ends_at"),
        Column("calendar", sort="calendar__code"),
        Column("site", sort="site__name"),
        Column("reason"),
    ]
    detail_fields = ["calendar", "site", "starts_at", "ends_at", "reason"]

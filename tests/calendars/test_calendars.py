"""Calendars as records: hours editor, days, closures, statutory import, versions, coverage warnings, clocks."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.calendars import services
from oqms.calendars.models import Calendar, CalendarDay, CalendarVersion, Closure
from oqms.core import audit
from tests.core.helpers import api_client, has_chinese, page_client

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def office(db: Any) -> Calendar:
    with audit.audit_context(source="test"):
        return Calendar.objects.create(code="office", name="办公时间", holiday_years=[])


def _page_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "code": "plant",
        "name": "工厂",
        "time_zone": "Asia/Shanghai",
        "region": "cn",
        "description": "",
        "years": "",
        "hours_0": "08:00-12:00, 13:00-17:00",
        "hours_1": "08:00-17:00",
        "hours_2": "",
        "hours_3": "",
        "hours_4": "",
        "hours_5": "",
        "hours_6": "",
    }
    return data | overrides


def test_weekly_hours_editor_saves_and_publishes(cast: Any) -> None:
    response = page_client(cast.qm).post(reverse("calendars:calendar_create"), _page_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = Calendar.objects.get(code="plant")
    assert calendar.weekly_hours == {"0": [["08:00", "12:00"], ["13:00", "17:00"]], "1": [["08:00", "17:00"]]}
    (version,) = calendar.versions.all()
    assert version.number == 1 and version.definition["weekly"] == calendar.weekly_hours
    assert version.published_by == cast.qm


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        ("9-12", "not a time range"),
        ("09:00-25:00", "does not exist"),
        ("12:00-09:00", "ends before"),
        ("09:00-12:00, 11:00-13:00", "overlap"),
        ("24:00-24:00", "does not exist"),
    ],
)
def test_bad_hours_are_field_errors_and_change_nothing(cast: Any, hours: str, fragment: str) -> None:
    response = page_client(cast.qm, "en").post(
        reverse("calendars:calendar_create"), _page_data(hours_2=hours)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["hours_2"]
    assert fragment in " ".join(errors)
    assert not Calendar.objects.filter(code="plant").exists() and not CalendarVersion.objects.exists()


def test_hours_errors_are_translated(cast: Any) -> None:
    response = page_client(cast.qm, "zh-hans").post(
        reverse("calendars:calendar_create"), _page_data(hours_2="x")
    )
    assert has_chinese(response.context["form"].errors["hours_2"][0])


def test_import_statutory_year_on_the_page(cast: Any, office: Calendar) -> None:
    client = page_client(cast.qm)
    response = client.get(office.get_absolute_url())
    assert "coverage-warning" in response.content.decode()  # no holidays for this year or next
    response = client.post(
        reverse("calendars:calendar_import", args=[office.pk]), {"year": 2025}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    days = {d.date: d for d in office.days.filter(date__year=2025)}
    assert days[datetime.date(2025, 1, 26)].kind == "workday"  # Sunday make-up day before Spring Festival
    assert all(days[datetime.date(2025, 1, 28) + datetime.timedelta(n)].kind == "holiday" for n in range(8))
    assert days[datetime.date(2025, 10, 1)].name == "国庆节"
    office.refresh_from_db()
    assert office.holiday_years == [2025] and office.region == "cn"
    assert office.versions.count() == 2  # one version for the whole import, not one per day


def test_import_keeps_days_entered_by_hand_and_can_be_repeated(cast: Any, office: Calendar) -> None:
    with audit.audit_context(actor=cast.qm):
        CalendarDay.objects.create(
            calendar=office, date=datetime.date(2025, 10, 8), kind="workday", name="值班"
        )
        first = services.import_statutory_year(office, 2025)
        again = services.import_statutory_year(office, 2025)
    assert first[1] == 1 and again == first
    assert office.days.get(date=datetime.date(2025, 10, 8)).name == "值班"


def test_import_of_a_year_without_data_says_so(cast: Any, office: Calendar) -> None:
    response = page_client(cast.qm, "en").post(
        reverse("calendars:calendar_import", args=[office.pk]), {"year": 2031}, follow=True
    )
    (message,) = [str(m) for m in response.context["messages"]]
    assert "2031" in message and not office.days.exists()
    response = api_client(cast.qm).post(
        f"/api/calendars/{office.pk}/import-statutory-year/", {"year": 2031}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "no_holiday_data"


def test_versions_keep_the_past(cast: Any, office: Calendar) -> None:
    """A change applies from the moment it is saved: business time before it is counted with the old hours."""
    with audit.audit_context(actor=cast.qm):
        services.publish(office, at=at(2025, 1, 1))
        CalendarVersion.objects.filter(calendar=office).update(effective_from=at(2025, 1, 1))
        office.weekly_hours = {str(d): [["00:00", "24:00"]] for d in range(7)}
        office.save()
        CalendarVersion.objects.filter(calendar=office, number=2).update(effective_from=at(2025, 3, 8, 0, 0))
    clock = services.clock_calendar(office)
    # Friday 2025-03-07 09:00 .. Saturday 2025-03-08 12:00: 8 office hours on Friday, then 12 hours round the clock.
    assert clock.business_seconds(at(2025, 3, 7, 9), at(2025, 3, 8, 12)) == 8 * 3600 + 12 * 3600


def test_closures_and_days_change_the_clock(cast: Any, office: Calendar) -> None:
    with audit.audit_context(actor=cast.qm):
        CalendarVersion.objects.all().delete()
        Closure.objects.create(
            calendar=office, starts_at=at(2025, 3, 4, 13), ends_at=at(2025, 3, 4, 18), reason="台风停工"
        )
        CalendarDay.objects.create(
            calendar=office, date=datetime.date(2025, 3, 5), kind="holiday", name="厂庆"
        )
        CalendarVersion.objects.filter(calendar=office).update(effective_from=at(2000, 1, 1))
    clock = services.clock_calendar(office)
    # Tue 3/4: morning only (3 h); Wed 3/5 off; Thu 3/6 full day (8 h).
    assert clock.business_seconds(at(2025, 3, 4, 0), at(2025, 3, 7, 0)) == 11 * 3600


def test_calendar_api_crud_and_validation(cast: Any) -> None:
    client = api_client(cast.qm)
    body = {
        "code": "night",
        "name": "夜班",
        "time_zone": "Asia/Shanghai",
        "region": "",
        "weekly_hours": {"0": "20:00-24:00", "1": [["00:00", "06:00"]]},
    }
    response = client.post("/api/calendars/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["weekly_hours"] == {"0": [["20:00", "24:00"]], "1": [["00:00", "06:00"]]}
    for bad in ({"7": "09:00-10:00"}, {"0": "10:00-09:00"}, "09:00-17:00", {"0": [["09:00"]]}):
        response = client.post("/api/calendars/", body | {"code": "bad", "weekly_hours": bad}, format="json")
        assert response.status_code == 400 and "weekly_hours" in response.json(), bad
    response = client.post(
        "/api/calendar-days/",
        {
            "calendar": Calendar.objects.get(code="night").pk,
            "date": "2026-05-01",
            "kind": "holiday",
            "hours": "09:00-10:00",
        },
        format="json",
    )
    assert response.status_code == 400 and "hours" in response.json()
    assert not Calendar.objects.filter(code="bad").exists()


def test_one_default_calendar(cast: Any, office: Calendar) -> None:
    with audit.audit_context(actor=cast.qm):
        office.is_default = True
        office.save()
    response = api_client(cast.qm).post(
        "/api/calendars/", {"code": "second", "name": "第二", "is_default": True}, format="json"
    )
    assert response.status_code == 400
    assert services.default_calendar() == office


@pytest.mark.parametrize("user", ["manager_a", "staff_a", "requester"])
def test_only_quality_and_admins_change_calendars(cast: Any, office: Calendar, user: str) -> None:
    client = api_client(getattr(cast, user))
    assert client.patch(f"/api/calendars/{office.pk}/", {"name": "改"}, format="json").status_code in {
        403,
        404,
    }
    assert client.post(
        f"/api/calendars/{office.pk}/import-statutory-year/", {"year": 2025}, format="json"
    ).status_code in {403, 404}
    response = page_client(getattr(cast, user)).post(
        reverse("calendars:calendar_import", args=[office.pk]), {"year": 2025}
    )
    assert response.status_code in {403, 404}
    assert not office.days.exists()


def test_missing_years_and_the_december_alert(cast: Any, office: Calendar) -> None:
    from oqms.calendars.jobs import check_coverage
    from oqms.notify.models import Notification

    this_year = timezone.localdate().year
    assert office.missing_years() == [this_year, this_year + 1]
    office.holiday_years = [this_year]
    office.save()
    assert (
        check_coverage(datetime.date(this_year, 11, 30)) == 0
    )  # this year is there; next year: not yet asked
    assert check_coverage(datetime.date(this_year, 12, 1)) == 1  # December: the admin hears about next year
    assert check_coverage(datetime.date(this_year, 12, 2)) == 0  # once
    (note,) = Notification.objects.filter(recipient=cast.admin)
    assert str(this_year + 1) in note.title and note.url == office.get_absolute_url()


def test_history_reads_weekly_hours_as_text(cast: Any, office: Calendar) -> None:
    from django.utils import translation

    from oqms.core.models import AuditEntry

    with audit.audit_context(actor=cast.qm):
        office.weekly_hours = {"0": [["08:00", "12:00"]], "5": [["09:00", "12:00"]]}
        office.save()
    entry = AuditEntry.objects.filter(object_id=str(office.pk), action="update").latest("pk")
    with translation.override("en"):
        ((label, before, after),) = [row for row in entry.field_changes() if str(row[0]) == "weekly hours"]
    assert after == "Monday 08:00-12:00; Saturday 09:00-12:00"
    assert before.startswith("Monday 09:00-12:00, 13:00-18:00; Tuesday")


def test_a_site_closure_stops_the_clocks_of_that_site_only(cast: Any, office: Calendar) -> None:
    from oqms.org.models import Site

    other = Site.objects.create(code="BJ-01", name="北京园区", org_unit=cast.org_unit, address="北京市")
    with audit.audit_context(actor=cast.qm):
        CalendarVersion.objects.all().delete()
        Closure.objects.create(
            calendar=office,
            site=cast.site,
            starts_at=at(2025, 3, 4, 9),
            ends_at=at(2025, 3, 5, 0),
            reason="上海园区停电",
        )
        CalendarVersion.objects.filter(calendar=office).update(effective_from=at(2000, 1, 1))
    week = (at(2025, 3, 3, 0), at(2025, 3, 8, 0))  # Monday to Friday: 40 office hours
    assert services.clock_calendar(office, cast.site.pk).business_seconds(*week) == 32 * 3600
    assert services.clock_calendar(office, other.pk).business_seconds(*week) == 40 * 3600
    assert services.clock_calendar(office).business_seconds(*week) == 40 * 3600
    response = api_client(cast.qm).get(f"/api/calendar-closures/?site={cast.site.pk}")
    assert [c["reason"] for c in response.json()["results"]] == ["上海园区停电"]

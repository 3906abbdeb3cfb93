"""Business calendars: fixed cases (China 2025, daylight saving, closures, versions, validation, arrays)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from oqms.engine import cn_holidays
from oqms.engine.calendar import (
    CHINA_HOLIDAY_YEARS,
    BusinessCalendar,
    CalendarChain,
    chain,
    china_calendar,
    china_holidays,
)

SHANGHAI, BERLIN, NEW_YORK = (
    ZoneInfo("Asia/Shanghai"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
)
UTC = dt.UTC
HOUR = 3600.0
OFFICE = {day: [("09:00", "12:00"), ("13:00", "18:00")] for day in range(5)}
ALL_DAY = {day: [("00:00", "24:00")] for day in range(7)}
SHARED_CSV = Path("/work/shared/data/calendar_cn/cn_holidays_2024_2026_chinesecalendar.csv")


def at(zone: ZoneInfo, *parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def day_hours(calendar: BusinessCalendar, zone: ZoneInfo, day: dt.date) -> float:
    """Business hours from local midnight to the next local midnight."""
    start = dt.datetime.combine(day, dt.time(), zone)
    return (
        calendar.business_seconds(start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone))
        / HOUR
    )


@pytest.fixture(scope="module")
def china() -> BusinessCalendar:
    return china_calendar()


# --- China 2025 -----------------------------------------------------------------------------------


def test_spring_festival_2025(china: BusinessCalendar) -> None:
    assert day_hours(china, SHANGHAI, dt.date(2025, 1, 26)) == 8  # Sunday, make-up workday
    assert day_hours(china, SHANGHAI, dt.date(2025, 1, 27)) == 8
    assert (
        china.business_seconds(at(SHANGHAI, 2025, 1, 28), at(SHANGHAI, 2025, 2, 5)) == 0
    )  # 28 Jan - 4 Feb off
    assert day_hours(china, SHANGHAI, dt.date(2025, 2, 5)) == 8
    assert day_hours(china, SHANGHAI, dt.date(2025, 2, 8)) == 8  # Saturday, make-up workday
    assert day_hours(china, SHANGHAI, dt.date(2025, 2, 9)) == 0
    # Friday 17:00 plus 25 business hours: 1 h Friday, 8 h on the make-up Sunday, 8 h Monday, 8 h on 5 February.
    assert china.business_seconds(at(SHANGHAI, 2025, 1, 24, 17), at(SHANGHAI, 2025, 2, 6)) == 25 * HOUR
    assert china.add(at(SHANGHAI, 2025, 1, 27, 17), 2 * HOUR) == at(SHANGHAI, 2025, 2, 5, 10)


def test_national_day_2025(china: BusinessCalendar) -> None:
    assert day_hours(china, SHANGHAI, dt.date(2025, 9, 28)) == 8  # Sunday, make-up workday
    assert (
        china.business_seconds(at(SHANGHAI, 2025, 10, 1), at(SHANGHAI, 2025, 10, 9)) == 0
    )  # 1-8 October off
    assert day_hours(china, SHANGHAI, dt.date(2025, 10, 9)) == 8
    assert day_hours(china, SHANGHAI, dt.date(2025, 10, 11)) == 8  # Saturday, make-up workday
    assert day_hours(china, SHANGHAI, dt.date(2025, 10, 12)) == 0
    assert china.add(at(SHANGHAI, 2025, 9, 30, 17), 2 * HOUR) == at(SHANGHAI, 2025, 10, 9, 10)


def test_response_within_two_business_hours(china: BusinessCalendar) -> None:
    # A ticket opened on Friday 24 January 2025 at 17:30 is due on the make-up Sunday at 10:30.
    due = china.add(at(SHANGHAI, 2025, 1, 24, 17, 30), 2 * HOUR)
    assert due == at(SHANGHAI, 2025, 1, 26, 10, 30)
    assert due.tzinfo == SHANGHAI


def test_lunch_break_and_exact_ends(china: BusinessCalendar) -> None:
    monday = dt.date(2025, 3, 3)
    assert china.add(at(SHANGHAI, 2025, 3, 3, 9), 3 * HOUR) == at(SHANGHAI, 2025, 3, 3, 12)  # not 13:00
    assert china.add(at(SHANGHAI, 2025, 3, 3, 9), 3 * HOUR + 1) == at(SHANGHAI, 2025, 3, 3, 13, 0, 1)
    assert china.add(at(SHANGHAI, 2025, 3, 3, 9), 8 * HOUR) == at(
        SHANGHAI, 2025, 3, 3, 18
    )  # not Tuesday 09:00
    assert china.add(at(SHANGHAI, 2025, 3, 3, 12, 30), 0) == at(SHANGHAI, 2025, 3, 3, 12, 30)
    assert china.add(at(SHANGHAI, 2025, 3, 3, 12, 30), 0.5) == at(SHANGHAI, 2025, 3, 3, 13, 0, 0, 500_000)
    assert china.business_seconds(at(SHANGHAI, 2025, 3, 3, 11), at(SHANGHAI, 2025, 3, 3, 14)) == 2 * HOUR
    assert day_hours(china, SHANGHAI, monday) == 8


def test_other_zones_in_and_calendar_zone_out(china: BusinessCalendar) -> None:
    start = at(SHANGHAI, 2025, 3, 3, 17)
    in_utc, in_new_york = start.astimezone(UTC), start.astimezone(NEW_YORK)
    end = at(SHANGHAI, 2025, 3, 4, 10)
    assert china.business_seconds(in_utc, end.astimezone(BERLIN)) == 2 * HOUR
    assert china.business_seconds(in_new_york, end) == 2 * HOUR
    due = china.add(in_new_york, 2 * HOUR)
    assert due == at(SHANGHAI, 2025, 3, 4, 10) and due.tzinfo == SHANGHAI
    zero = china.add(in_utc, 0)
    assert zero == start and zero.tzinfo == SHANGHAI


def test_china_calendar_custom_hours_and_zone() -> None:
    weekly = {day: [("08:00", "20:00")] for day in range(6)}
    calendar = china_calendar(weekly, timezone="Asia/Urumqi")
    assert calendar.timezone == ZoneInfo("Asia/Urumqi")
    urumqi = calendar.timezone
    assert day_hours(calendar, urumqi, dt.date(2025, 1, 26)) == 12  # make-up day works the Monday hours
    assert day_hours(calendar, urumqi, dt.date(2025, 2, 1)) == 0  # a Saturday inside the holiday
    assert day_hours(calendar, urumqi, dt.date(2025, 3, 1)) == 12  # an ordinary Saturday
    assert china_calendar() is china_calendar()  # the default calendar (and its table) is shared


# --- holiday data ---------------------------------------------------------------------------------


def test_holiday_data_years_and_shape() -> None:
    assert CHINA_HOLIDAY_YEARS == (2020, 2021, 2022, 2023, 2024, 2025, 2026)
    assert {int(row[0][:4]) for row in cn_holidays.ROWS} == set(CHINA_HOLIDAY_YEARS)
    assert len({row[0] for row in cn_holidays.ROWS}) == len(cn_holidays.ROWS)
    holidays, workdays, names = china_holidays()
    assert all(day.weekday() >= 5 for day in workdays)  # make-up days are weekend days
    assert not holidays & workdays
    assert set(names) == holidays | workdays
    assert names[dt.date(2025, 1, 29)] == "春节" and names[dt.date(2025, 10, 1)] == "国庆节"
    assert names[dt.date(2025, 10, 6)] == "中秋"
    assert max(holidays).year == 2026  # 2027 is not announced in our data


def test_holiday_facts_2020_to_2023() -> None:
    holidays, workdays, _ = china_holidays()
    assert dt.date(2020, 1, 31) in holidays  # Spring Festival 2020 extended to 2 February
    assert dt.date(2020, 2, 2) in holidays and dt.date(2020, 2, 3) not in holidays
    assert {dt.date(2022, 10, 8), dt.date(2022, 10, 9)} <= workdays
    assert {dt.date(2023, 1, 28), dt.date(2023, 1, 29)} <= workdays
    assert dt.date(2023, 9, 29) in holidays  # Mid-autumn joined to National Day


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="the shared 2024-2026 data file is not on this machine")
def test_holiday_data_agrees_with_the_shared_file() -> None:
    with SHARED_CSV.open(encoding="utf-8") as handle:
        shared = {(row["date"], row["kind"], row["name_zh"]) for row in csv.DictReader(handle)}
    ours = {row for row in cn_holidays.ROWS if row[0] >= "2024"}
    assert ours == shared


def test_china_holidays_returns_a_copy_of_the_names() -> None:
    china_holidays()[2][dt.date(2025, 1, 1)] = "changed"
    assert china_holidays()[2][dt.date(2025, 1, 1)] == "元旦"


# --- daylight saving ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "all_day", "one_to_four"),
    [
        (BERLIN, dt.date(2025, 3, 30), 23, 2),  # 02:00 -> 03:00
        (BERLIN, dt.date(2025, 10, 26), 25, 4),  # 03:00 -> 02:00, 02:00-03:00 twice
        (NEW_YORK, dt.date(2025, 3, 9), 23, 2),  # 02:00 -> 03:00
        (NEW_YORK, dt.date(2025, 11, 2), 25, 4),  # 02:00 -> 01:00, 01:00-02:00 twice
    ],
)
def test_a_day_with_a_clock_change_has_its_real_length(
    zone: ZoneInfo, day: dt.date, all_day: int, one_to_four: int
) -> None:
    sunday = {6: [("00:00", "24:00")]}
    assert day_hours(BusinessCalendar(zone, sunday), zone, day) == all_day
    assert day_hours(BusinessCalendar(zone, {6: [("01:00", "04:00")]}), zone, day) == one_to_four
    assert day_hours(BusinessCalendar(zone, sunday), zone, day - dt.timedelta(days=7)) == 24
    # add() counts the real hours too: the whole day is used up at the next midnight.
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    assert BusinessCalendar(zone, sunday).add(start, all_day * HOUR) == end


def test_hours_inside_a_skipped_hour_start_when_the_clock_jumps() -> None:
    calendar = BusinessCalendar(BERLIN, {6: [("02:00", "02:30"), ("02:30", "04:00")]})
    assert day_hours(calendar, BERLIN, dt.date(2025, 3, 30)) == 1  # 02:00-02:30 never happens; 03:00-04:00
    assert day_hours(calendar, BERLIN, dt.date(2025, 3, 23)) == 2
    start = at(BERLIN, 2025, 3, 30)
    assert calendar.add(start, 1) == dt.datetime(2025, 3, 30, 1, 0, 1, tzinfo=UTC)  # 03:00:01 CEST


def test_times_inside_a_repeated_hour_are_their_first_occurrence() -> None:
    day = dt.date(2025, 11, 2)
    ends_in_it = BusinessCalendar(NEW_YORK, {6: [("00:00", "01:30")]})
    starts_in_it = BusinessCalendar(NEW_YORK, {6: [("01:30", "03:00")]})
    assert day_hours(ends_in_it, NEW_YORK, day) == 1.5  # ends the first time the clock shows 01:30 (EDT)
    assert day_hours(starts_in_it, NEW_YORK, day) == 2.5  # 01:30 EDT to 03:00 EST
    due = starts_in_it.add(at(NEW_YORK, 2025, 11, 2), HOUR)
    assert due.astimezone(UTC) == dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC)  # 01:30 EST, the second pass
    assert due.fold == 1 and due.tzinfo == NEW_YORK


# --- closures -------------------------------------------------------------------------------------


def test_closures_remove_business_time() -> None:
    typhoon = (at(SHANGHAI, 2025, 3, 3, 10), at(SHANGHAI, 2025, 3, 4, 11))
    power_cut = (at(SHANGHAI, 2025, 3, 5, 10, 30).astimezone(UTC), at(SHANGHAI, 2025, 3, 5, 11, 30))
    overlapping = (at(SHANGHAI, 2025, 3, 5, 11), at(SHANGHAI, 2025, 3, 5, 11, 45))
    calendar = BusinessCalendar(SHANGHAI, OFFICE, closures=[power_cut, typhoon, overlapping])
    assert day_hours(calendar, SHANGHAI, dt.date(2025, 3, 3)) == 1  # 09:00-10:00
    assert day_hours(calendar, SHANGHAI, dt.date(2025, 3, 4)) == 6  # 11:00-12:00 and 13:00-18:00
    assert day_hours(calendar, SHANGHAI, dt.date(2025, 3, 5)) == 8 - 1.25  # 10:30-11:45 closed
    assert calendar.add(at(SHANGHAI, 2025, 3, 3, 9, 30), HOUR) == at(SHANGHAI, 2025, 3, 4, 11, 30)
    assert calendar.add(at(SHANGHAI, 2025, 3, 4, 9, 30), HOUR) == at(SHANGHAI, 2025, 3, 4, 12)
    assert calendar.add(at(SHANGHAI, 2025, 3, 5, 10), HOUR) == at(SHANGHAI, 2025, 3, 5, 13, 15)
    assert day_hours(calendar, SHANGHAI, dt.date(2025, 3, 6)) == 8


def test_a_closure_over_everything() -> None:
    calendar = BusinessCalendar(
        UTC.key if hasattr(UTC, "key") else "UTC",
        ALL_DAY,
        closures=[(at(UTC, 2025, 1, 1), at(UTC, 2025, 1, 2))],
    )
    assert calendar.business_seconds(at(UTC, 2024, 12, 31, 12), at(UTC, 2025, 1, 2, 12)) == 24 * HOUR
    assert calendar.add(at(UTC, 2024, 12, 31, 23), HOUR) == at(UTC, 2025, 1, 1)
    assert calendar.add(at(UTC, 2024, 12, 31, 23), HOUR + 1) == at(UTC, 2025, 1, 2, 0, 0, 1)


# --- versions -------------------------------------------------------------------------------------


def test_chain_applies_an_edit_from_its_moment_on() -> None:
    office = BusinessCalendar(SHANGHAI, OFFICE)
    round_the_clock = BusinessCalendar(BERLIN, ALL_DAY)
    edit = at(SHANGHAI, 2025, 3, 5, 12, 30)  # Wednesday, in the lunch break
    versions = chain([(None, office), (edit, round_the_clock)])
    assert isinstance(versions, CalendarChain)
    assert versions.timezone == BERLIN
    monday = at(SHANGHAI, 2025, 3, 3)
    assert versions.business_seconds(monday, edit) == office.business_seconds(monday, edit) == 19 * HOUR
    later = at(SHANGHAI, 2025, 3, 6)
    assert versions.business_seconds(edit, later) == round_the_clock.business_seconds(edit, later)
    assert versions.business_seconds(monday, later) == 19 * HOUR + 11.5 * HOUR
    # 2 hours from Wednesday 11:00: one hour under the old hours, the second from 12:30 round the clock.
    due = versions.add(at(SHANGHAI, 2025, 3, 5, 11), 2 * HOUR)
    assert due == at(SHANGHAI, 2025, 3, 5, 13, 30) and due.tzinfo == BERLIN
    assert versions.add(at(SHANGHAI, 2025, 3, 5, 11), HOUR) == at(SHANGHAI, 2025, 3, 5, 12)
    starts = np.array([monday.astimezone(UTC).replace(tzinfo=None)], "datetime64[us]")
    ends = np.array([later.astimezone(UTC).replace(tzinfo=None)], "datetime64[us]")
    assert versions.business_seconds_array(starts, ends).tolist() == [30.5 * HOUR]


def test_chain_back_to_an_earlier_version_and_finite_versions() -> None:
    office, closed = BusinessCalendar(SHANGHAI, OFFICE), BusinessCalendar(SHANGHAI, {})
    versions = chain([(None, office), (at(SHANGHAI, 2025, 3, 4), closed), (at(SHANGHAI, 2025, 3, 6), office)])
    assert versions.business_seconds(at(SHANGHAI, 2025, 3, 3), at(SHANGHAI, 2025, 3, 7)) == 16 * HOUR
    assert versions.add(at(SHANGHAI, 2025, 3, 3, 17), 2 * HOUR) == at(SHANGHAI, 2025, 3, 6, 10)
    ending = chain([(None, office), (at(SHANGHAI, 2025, 3, 4), closed)])
    with pytest.raises(ValueError, match="no more business time"):
        ending.add(at(SHANGHAI, 2025, 3, 3, 17), 2 * HOUR)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([], "at least one"),
        ([(at(UTC, 2025, 1, 1), BusinessCalendar("UTC", OFFICE))], "since always"),
        (
            [(None, BusinessCalendar("UTC", OFFICE)), (None, BusinessCalendar("UTC", OFFICE))],
            "only the first",
        ),
        (
            [
                (None, BusinessCalendar("UTC", OFFICE)),
                (at(UTC, 2025, 2, 1), BusinessCalendar("UTC", OFFICE)),
                (at(UTC, 2025, 1, 1), BusinessCalendar("UTC", OFFICE)),
            ],
            "later than the previous",
        ),
        (
            [(None, BusinessCalendar("UTC", OFFICE)), (dt.datetime(2025, 1, 1), BusinessCalendar("UTC", {}))],
            "naive",
        ),
        ([(None, "not a calendar")], "not a BusinessCalendar"),
    ],
)
def test_chain_validation(versions: list[tuple[dt.datetime | None, BusinessCalendar]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chain(versions)


# --- coverage -------------------------------------------------------------------------------------


def test_covered_and_uncovered_years(china: BusinessCalendar) -> None:
    assert china.covered == (dt.date(2020, 1, 1), dt.date(2026, 12, 31))
    assert china.uncovered_years(dt.date(2025, 1, 1), dt.date(2026, 12, 31)) == []
    assert china.uncovered_years(dt.date(2026, 12, 1), dt.date(2027, 1, 10)) == [2027]
    assert china.uncovered_years(dt.date(2018, 6, 1), dt.date(2028, 1, 1)) == [2018, 2019, 2027, 2028]
    # Datetimes are read in the calendar's zone: 20:00 UTC on 31 December is already 2027 in Shanghai.
    assert china.uncovered_years(at(UTC, 2026, 12, 31, 10), at(UTC, 2026, 12, 31, 20)) == [2027]
    assert BusinessCalendar("UTC", OFFICE).uncovered_years(dt.date(1999, 1, 1), dt.date(2100, 1, 1)) == []
    partial = BusinessCalendar("UTC", OFFICE, covered=(dt.date(2025, 3, 1), dt.date(2025, 12, 31)))
    assert partial.uncovered_years(dt.date(2025, 1, 1), dt.date(2025, 2, 1)) == [2025]
    assert partial.uncovered_years(dt.date(2025, 4, 1), dt.date(2025, 5, 1)) == []
    with pytest.raises(ValueError, match="before start"):
        china.uncovered_years(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        china.uncovered_years(dt.datetime(2025, 2, 1), dt.date(2025, 3, 1))


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: [("09:00", "13:00"), ("12:00", "18:00")]}, r"Monday: 09:00-13:00 overlaps 12:00-18:00"),
        ({1: [("13:00", "18:00"), ("09:00", "12:00")]}, r"Tuesday: hours are not in order"),
        ({2: [("18:00", "09:00")]}, r"Wednesday: 18:00-09:00 ends at or before its start"),
        ({2: [("09:00", "09:00")]}, r"ends at or before its start"),
        ({3: [("22:00", "00:00")]}, r"end a day with '24:00'"),
        ({4: [("24:00", "24:00")]}, r"'24:00' can only end a day's hours"),
        ({5: [("9h", "12:00")]}, r"'9h' is not a time"),
        ({5: [("09:00", "25:00")]}, r"'25:00' is not a time"),
        ({5: [("09:00", "12:60")]}, r"'12:60' is not a time"),
        ({5: [("09:00", "24:30")]}, r"'24:30' is not a time"),
        ({5: [(9, 12)]}, r"9 is not a time"),
        ({5: [("09:00",)]}, r"is not a \(start, end\) pair"),
        ({6: ("09:00", "18:00")}, r"'09:00' is not a \(start, end\) pair"),
        ({6: [(dt.time(9, tzinfo=UTC), "18:00")]}, r"has a time zone"),
        ({7: [("09:00", "18:00")]}, r"weekday must be an integer from 0 \(Monday\) to 6 \(Sunday\), got 7"),
        ({-1: [("09:00", "18:00")]}, r"got -1"),
        ({"Mon": [("09:00", "18:00")]}, r"got 'Mon'"),
        ({True: [("09:00", "18:00")]}, r"got True"),
    ],
)
def test_bad_weekly_hours(weekly: dict[object, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("UTC", weekly)  # type: ignore[arg-type]


def test_times_as_datetime_time_and_touching_hours() -> None:
    calendar = BusinessCalendar(
        "UTC", {0: [(dt.time(9), dt.time(12, 0, 30)), ("12:30", "13:00"), ("13:00", "24:00")]}
    )
    assert day_hours(calendar, ZoneInfo("UTC"), dt.date(2025, 3, 3)) == (3 * 3600 + 30 + 11.5 * 3600) / HOUR
    assert calendar.add(at(UTC, 2025, 3, 3, 12, 40), 20 * 60) == at(UTC, 2025, 3, 3, 13)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "Europe", "../etc/passwd", 8])
def test_unknown_time_zone(zone: object) -> None:
    with pytest.raises(ValueError, match="time zone|timezone"):
        BusinessCalendar(zone, OFFICE)  # type: ignore[arg-type]


def test_bad_holidays_workdays_closures_and_covered() -> None:
    with pytest.raises(ValueError, match="2025-01-26 is both a holiday and a workday"):
        BusinessCalendar("UTC", OFFICE, [dt.date(2025, 1, 26)], {dt.date(2025, 1, 26): [("09:00", "18:00")]})
    with pytest.raises(ValueError, match="a holiday must be a datetime.date"):
        BusinessCalendar("UTC", OFFICE, [at(UTC, 2025, 1, 1)])
    with pytest.raises(ValueError, match="workday 2025-01-26: 18:00-09:00 ends"):
        BusinessCalendar("UTC", OFFICE, workdays={dt.date(2025, 1, 26): [("18:00", "09:00")]})
    with pytest.raises(ValueError, match="ends at or before its start"):
        BusinessCalendar("UTC", OFFICE, closures=[(at(UTC, 2025, 1, 2), at(UTC, 2025, 1, 1))])
    with pytest.raises(ValueError, match="naive"):
        BusinessCalendar("UTC", OFFICE, closures=[(dt.datetime(2025, 1, 1), at(UTC, 2025, 1, 2))])
    with pytest.raises(ValueError, match=r"covered ends \(2025-01-01\) before it starts"):
        BusinessCalendar("UTC", OFFICE, covered=(dt.date(2025, 2, 1), dt.date(2025, 1, 1)))
    with pytest.raises(ValueError, match="covered must be"):
        BusinessCalendar("UTC", OFFICE, covered=dt.date(2025, 1, 1))  # type: ignore[arg-type]


def test_bad_datetimes_and_seconds(china: BusinessCalendar) -> None:
    start = at(SHANGHAI, 2025, 3, 3, 9)
    with pytest.raises(ValueError, match="start is a naive datetime"):
        china.business_seconds(dt.datetime(2025, 3, 3), start)
    with pytest.raises(ValueError, match="end is a naive datetime"):
        china.business_seconds(start, dt.datetime(2025, 3, 4))
    with pytest.raises(ValueError, match="start is a naive datetime"):
        china.add(dt.datetime(2025, 3, 3), 60)
    with pytest.raises(ValueError, match=r"end 2025-03-03T08:00:00\+08:00 is before start"):
        china.business_seconds(start, at(SHANGHAI, 2025, 3, 3, 8))
    with pytest.raises(ValueError, match="seconds must be >= 0, got -1"):
        china.add(start, -1)
    with pytest.raises(ValueError, match="finite"):
        china.add(start, float("nan"))
    with pytest.raises(ValueError, match="must be a number"):
        china.add(start, "60")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside the supported range"):
        china.business_seconds(start, at(UTC, 2300, 1, 1))
    with pytest.raises(ValueError, match="beyond the supported range"):
        china.add(start, 1e12)


def test_a_calendar_without_weekly_hours_ends() -> None:
    only_one_day = BusinessCalendar("UTC", {}, workdays={dt.date(2025, 3, 8): [("09:00", "10:00")]})
    assert only_one_day.add(at(UTC, 2025, 3, 1), HOUR) == at(UTC, 2025, 3, 8, 10)
    with pytest.raises(ValueError, match="no more business time"):
        only_one_day.add(at(UTC, 2025, 3, 1), HOUR + 1)
    never = BusinessCalendar("UTC", {})
    assert never.business_seconds(at(UTC, 2025, 1, 1), at(UTC, 2026, 1, 1)) == 0
    assert never.add(at(UTC, 2025, 1, 1), 0) == at(UTC, 2025, 1, 1)
    with pytest.raises(ValueError, match="no more business time"):
        never.add(at(UTC, 2025, 1, 1), 1)


# --- the window -----------------------------------------------------------------------------------


def test_the_window_grows_both_ways_and_far(china: BusinessCalendar) -> None:
    calendar = BusinessCalendar(NEW_YORK, OFFICE, [dt.date(2100, 1, 1)])
    fresh = BusinessCalendar(NEW_YORK, OFFICE, [dt.date(2100, 1, 1)])
    assert calendar.business_seconds(at(NEW_YORK, 2025, 3, 3), at(NEW_YORK, 2025, 3, 4)) == 8 * HOUR
    far = calendar.business_seconds(at(NEW_YORK, 1990, 1, 1), at(NEW_YORK, 2100, 1, 8))
    assert far == fresh.business_seconds(at(NEW_YORK, 1990, 1, 1), at(NEW_YORK, 2100, 1, 8))
    weekdays = int(np.busday_count("1990-01-01", "2100-01-08"))
    assert far == (weekdays - 1) * 8 * HOUR  # 1 January 2100 (a Friday) is a holiday
    # 5,000 business hours later: 625 working days, i.e. 125 weeks.
    assert calendar.add(at(NEW_YORK, 2025, 3, 3, 9), 5000 * HOUR) == at(NEW_YORK, 2027, 7, 23, 18)


@pytest.mark.parametrize("zone", [SHANGHAI, NEW_YORK, BERLIN, ZoneInfo("UTC")])
@pytest.mark.parametrize("year", [1700, 1900, 1970, 2200, 2259])
def test_any_year(zone: ZoneInfo, year: int) -> None:
    calendar = BusinessCalendar(zone, OFFICE)
    monday = dt.date(year, 6, 1) + dt.timedelta(days=-dt.date(year, 6, 1).weekday())
    start = dt.datetime.combine(monday, dt.time(), zone)
    assert calendar.business_seconds(start, start.astimezone(UTC) + dt.timedelta(days=7)) == 40 * HOUR
    assert calendar.add(start, 40 * HOUR) == dt.datetime.combine(
        monday + dt.timedelta(days=4), dt.time(18), zone
    )


def test_far_apart_queries_and_the_140_year_limit() -> None:
    calendar = BusinessCalendar(SHANGHAI, OFFICE)
    for year in (2025, 1700, 2250, 2025):  # each far query re-bases the window
        assert calendar.business_seconds(at(UTC, year, 3, 3), at(UTC, year, 3, 17)) == 80 * HOUR
    with pytest.raises(ValueError, match="more than 140 years"):
        calendar.business_seconds(at(UTC, 1700, 1, 1), at(UTC, 2250, 1, 1))
    last_day = np.busday_offset(
        "2025-01-01", 26_100 - 1, roll="forward"
    ).item()  # about a century of workdays
    due = dt.datetime.combine(last_day, dt.time(18), SHANGHAI)
    assert calendar.add(at(SHANGHAI, 2025, 1, 1), 26_100 * 8 * HOUR) == due


def test_dense_closures_fall_back_to_binary_search() -> None:
    # 500 one-minute closures, one every other minute: too many interval ends per bucket for the O(1) lookup.
    day = at(UTC, 2025, 3, 3)
    cuts = [(day + dt.timedelta(minutes=2 * k), day + dt.timedelta(minutes=2 * k + 1)) for k in range(500)]
    calendar = BusinessCalendar("UTC", ALL_DAY, closures=cuts)
    assert calendar.business_seconds(day, day + dt.timedelta(days=1)) == 24 * HOUR - 500 * 60
    assert calendar._table is not None and calendar._table.by_instant.first is None
    assert calendar.add(day, 60) == day + dt.timedelta(minutes=2)  # minute 1 to 2 is the first open one
    assert calendar.add(day, 90) == day + dt.timedelta(minutes=3, seconds=30)
    starts = np.array([day.replace(tzinfo=None)] * 3, "datetime64[s]") + np.array(
        [0, 30, 61], "timedelta64[s]"
    )
    expected = [
        calendar.business_seconds(s.item().replace(tzinfo=UTC), day + dt.timedelta(hours=2)) for s in starts
    ]
    assert (
        calendar.business_seconds_array(starts, np.full(3, np.datetime64("2025-03-03T02:00"))).tolist()
        == expected
    )


def test_round_the_clock_is_one_interval() -> None:
    calendar = BusinessCalendar("Europe/Berlin", ALL_DAY)
    start, end = at(UTC, 2024, 1, 1), at(UTC, 2026, 1, 1, 0, 0, 0, 1)
    assert calendar.business_seconds(start, end) == (end - start).total_seconds()
    assert calendar._table is not None and len(calendar._table.ends) == 1


# --- arrays ---------------------------------------------------------------------------------------


def naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def records() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20250126)
    starts = np.datetime64("2024-12-20", "s") + rng.integers(0, 400 * 86_400, 300).astype("timedelta64[s]")
    ends = starts + rng.integers(0, 30 * 86_400, 300).astype("timedelta64[s]")
    seconds = rng.choice([0, 1, 60, 1800, 3 * 3600, 8 * 3600, 86_400, 7.25 * 86_400], 300)
    starts[[3, 17]], ends[[5, 17]], seconds[[7]] = np.datetime64("NaT"), np.datetime64("NaT"), np.nan
    return starts, ends, seconds


def test_arrays_agree_with_scalars(
    china: BusinessCalendar, records: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    starts, ends, seconds = records
    elapsed = china.business_seconds_array(starts, ends)
    due = china.add_array(starts, seconds)
    assert elapsed.dtype == np.float64 and due.dtype == np.dtype("datetime64[ns]")
    for index in range(len(starts)):
        if np.isnat(starts[index]) or np.isnat(ends[index]):
            assert np.isnan(elapsed[index])
        else:
            start, end = (
                v.astype("datetime64[us]").item().replace(tzinfo=UTC) for v in (starts[index], ends[index])
            )
            assert elapsed[index] == china.business_seconds(start, end)
        if np.isnat(starts[index]) or np.isnan(seconds[index]):
            assert np.isnat(due[index])
        else:
            start = starts[index].astype("datetime64[us]").item().replace(tzinfo=UTC)
            expected = china.add(start, float(seconds[index]))
            assert due[index] == np.datetime64(naive_utc(expected), "ns")


@pytest.mark.parametrize("unit", ["m", "s", "ms", "us", "ns"])
def test_arrays_take_any_unit(china: BusinessCalendar, unit: str) -> None:
    starts = np.array(["2025-03-03T01:00", "2025-01-24T09:30"], f"datetime64[{unit}]")
    ends = np.array(["2025-03-04T02:00", "2025-02-06T00:00"], "datetime64[s]")
    assert (china.business_seconds_array(starts, ends) / HOUR).tolist() == [9, 24.5]
    due = china.add_array(starts, np.array([2 * HOUR, 8 * HOUR]))
    assert due.tolist() == [
        np.datetime64("2025-03-03T03:00", "ns").item(),
        np.datetime64("2025-01-26T09:30", "ns").item(),
    ]


def test_array_shapes_scalars_and_timedeltas(china: BusinessCalendar) -> None:
    starts = np.array(
        [["2025-03-03T01:00", "2025-03-03T02:00"], ["NaT", "2025-03-03T09:00"]], "datetime64[m]"
    )
    assert china.business_seconds_array(starts, starts).shape == (2, 2)
    due = china.add_array(starts, 3600)
    assert due.shape == (2, 2) and np.isnat(due[1, 0]) and due[0, 0] == np.datetime64("2025-03-03T02:00")
    same = china.add_array(starts, np.full((2, 2), 3600, "timedelta64[s]"))
    assert np.array_equal(same, due, equal_nan=True)
    empty = np.array([], "datetime64[ns]")
    assert china.business_seconds_array(empty, empty).shape == (0,)
    assert china.add_array(empty, np.array([])).shape == (0,)
    all_nat = np.array(["NaT", "NaT"], "datetime64[ns]")
    assert np.isnan(china.business_seconds_array(all_nat, all_nat)).all()
    assert np.isnat(china.add_array(all_nat, 5)).all()


def test_array_errors(china: BusinessCalendar) -> None:
    starts = np.array(["2025-03-03T01:00", "2025-03-03T02:00", "NaT"], "datetime64[m]")
    with pytest.raises(ValueError, match=r"starts and ends differ in shape: \(3,\) and \(2,\)"):
        china.business_seconds_array(starts, starts[:2])
    with pytest.raises(ValueError, match=r"starts and seconds differ in shape"):
        china.add_array(starts, np.array([1.0, 2.0]))
    ends = starts.copy()
    ends[1] = np.datetime64("2025-03-03T01:59")
    with pytest.raises(ValueError, match=r"ends before starts in 1 record\(s\), first at index 1"):
        china.business_seconds_array(starts, ends)
    with pytest.raises(ValueError, match=r"seconds must be >= 0; 1 negative, first at index 2"):
        china.add_array(starts[[0, 1, 1]], np.array([1.0, 2.0, -3.0]))
    with pytest.raises(ValueError, match="finite"):
        china.add_array(starts, np.array([1.0, np.inf, 2.0]))
    with pytest.raises(ValueError, match=r"must stay below .* \(140 years\)"):
        china.add_array(starts, np.array([1.0, 1e12, 2.0]))
    with pytest.raises(ValueError, match=r"\(140 years\)"):
        china.add_array(starts, np.array([1, 10**12, 2]))
    with pytest.raises(TypeError, match="datetime64"):
        china.business_seconds_array(np.array([1, 2, 3]), starts)
    with pytest.raises(TypeError, match="numeric or timedelta64"):
        china.add_array(starts, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="outside the supported range"):
        china.add_array(np.array(["2300-01-01"], "datetime64[D]"), 1.0)

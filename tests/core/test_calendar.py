"""Working-day deadlines: the dates an official would check, from 2025 to 2030 and beyond."""

from __future__ import annotations

import doctest
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from services.core import calendar as calendar_module
from services.core.calendar import (
    CalendarNotCovered,
    SpecialDay,
    WorkingCalendar,
    deadline_at,
    default_calendar,
)
from services.core.clock import VIETNAM_TZ

DATA = Path(__file__).parents[2] / "services" / "core" / "calendar_announcements.json"
# Vietnamese lunar calendar (UTC+7): mùng 1 tháng Giêng and 10 tháng Ba. 2030 is one of the
# years it differs from the Chinese calendar (UTC+8), whose New Year is Sunday 3 February.
LUNAR_NEW_YEAR = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 2),
    2031: date(2031, 1, 23),
}
HUNG_KINGS = {
    2025: date(2025, 4, 7),
    2026: date(2026, 4, 26),
    2027: date(2027, 4, 16),
    2028: date(2028, 4, 4),
    2029: date(2029, 4, 23),
    2030: date(2030, 4, 12),
    2031: date(2031, 4, 1),
}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


def days_off_and_weekends_worked(cal: WorkingCalendar, year: int) -> tuple[set[date], set[date]]:
    """Weekdays that are not working days, and Saturdays or Sundays that are."""
    off, worked = set(), set()
    day = date(year, 1, 1)
    while day.year == year:
        weekend = day.weekday() >= 5
        if cal.is_working_day(day) == weekend:
            (worked if weekend else off).add(day)
        day += timedelta(days=1)
    return off, worked


def test_weekends_are_skipped(cal: WorkingCalendar) -> None:
    friday = date(2025, 3, 7)
    assert cal.add_working_days(friday, 1) == date(2025, 3, 10)
    assert cal.add_working_days(friday, 5) == date(2025, 3, 14)
    assert cal.add_working_days(friday, 10) == date(2025, 3, 21)
    assert not cal.is_working_day(date(2025, 3, 8))
    assert not cal.is_working_day(date(2025, 3, 9))
    assert cal.is_working_day(date(2025, 3, 10))


def test_received_on_a_weekend_or_holiday_counts_from_the_next_working_day(
    cal: WorkingCalendar,
) -> None:
    assert cal.add_working_days(date(2025, 3, 8), 5) == date(2025, 3, 14)  # Saturday
    assert cal.add_working_days(date(2025, 3, 9), 1) == date(2025, 3, 10)  # Sunday
    assert cal.add_working_days(date(2025, 1, 29), 1) == date(2025, 2, 3)  # mùng 1 Tết


def test_tet_2025_break_is_skipped(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 7)
    assert cal.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    assert cal.is_working_day(date(2025, 1, 24))
    assert cal.is_working_day(date(2025, 2, 3))
    for offset in range(9):  # 25/1 – 2/2/2025
        assert not cal.is_working_day(date(2025, 1, 25) + timedelta(offset))


def test_tet_2026_and_2027(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # 2027: mùng 1 and mùng 2 fall on Saturday and Sunday, made up on 10 and 11 February.
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)


def test_30_april_and_1_may_are_skipped(cal: WorkingCalendar) -> None:
    # 2025: off 30/4 – 4/5 (Friday 2/5 swapped with Saturday 26/4).
    assert cal.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)
    assert cal.add_working_days(date(2025, 4, 28), 5) == date(2025, 5, 8)
    assert cal.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)


def test_a_swapped_working_saturday_counts(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2025, 4, 26))
    assert cal.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    assert cal.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)


def test_national_day_and_its_adjacent_day_are_skipped(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)  # 1–2/9/2025
    assert cal.add_working_days(date(2027, 9, 1), 1) == date(2027, 9, 6)  # 2–3/9/2027


def test_substitute_days_for_holidays_on_a_weekend(cal: WorkingCalendar) -> None:
    # Giỗ Tổ on Sunday 26/4/2026 -> off Monday 27/4.
    assert cal.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    # 1/5/2027 on a Saturday -> off Monday 3/5.
    assert cal.add_working_days(date(2027, 4, 29), 1) == date(2027, 5, 4)
    # New Year 2026: Friday 2/1 off by swap.
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_working_days_between(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2025, 1, 24), date(2025, 2, 7)) == 5
    assert cal.working_days_between(date(2025, 2, 7), date(2025, 1, 24)) == -5
    assert cal.working_days_between(date(2025, 5, 5), date(2025, 5, 5)) == 0
    start = date(2025, 1, 1)
    for step in range(0, 1000, 7):
        a, b = start + timedelta(step), start + timedelta(step * 3 // 2 % 1000)
        assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
    for n in (1, 5, 10, 30):
        for a in (date(2025, 1, 24), date(2026, 2, 13), date(2027, 4, 29), date(2030, 1, 30)):
            assert cal.working_days_between(a, cal.add_working_days(a, n)) == n


def test_the_announced_years_come_out_day_for_day(cal: WorkingCalendar) -> None:
    """Every weekday off and every weekend day worked, from the decisions (2026's Quốc khánh:
    off 29/8–2/9, Monday 31/8 swapped with Saturday 22/8)."""
    assert days_off_and_weekends_worked(cal, 2025) == (
        {
            date(2025, 1, 1),
            *(date(2025, 1, day) for day in (27, 28, 29, 30, 31)),
            date(2025, 4, 7),
            date(2025, 4, 30),
            date(2025, 5, 1),
            date(2025, 5, 2),
            date(2025, 9, 1),
            date(2025, 9, 2),
        },
        {date(2025, 4, 26)},
    )
    assert days_off_and_weekends_worked(cal, 2026) == (
        {
            date(2026, 1, 1),
            date(2026, 1, 2),
            *(date(2026, 2, day) for day in (16, 17, 18, 19, 20)),
            date(2026, 4, 27),
            date(2026, 4, 30),
            date(2026, 5, 1),
            date(2026, 8, 31),
            date(2026, 9, 1),
            date(2026, 9, 2),
        },
        {date(2026, 1, 10), date(2026, 8, 22)},
    )
    assert days_off_and_weekends_worked(cal, 2027) == (
        {
            date(2027, 1, 1),
            *(date(2027, 2, day) for day in (5, 8, 9, 10, 11)),
            date(2027, 4, 16),
            date(2027, 4, 30),
            date(2027, 5, 3),
            date(2027, 9, 2),
            date(2027, 9, 3),
        },
        set(),
    )


def test_a_year_without_its_decision_is_counted_on_the_law(cal: WorkingCalendar) -> None:
    """2030, as the Labour Code and the Vietnamese lunar calendar give it: Tết from 29 tháng
    Chạp (Thursday 31/1) to mùng 4 (Tuesday 5/2), mùng 1 on Saturday 2/2 made up on Thursday
    31/1 and mùng 2 on Sunday 3/2 on Wednesday 6/2; Giỗ Tổ Friday 12/4; 2/9 on a Monday with
    Tuesday 3/9; Ngày Văn hóa 24/11 on a Sunday, made up on Monday 25/11."""
    assert days_off_and_weekends_worked(cal, 2030) == (
        {
            date(2030, 1, 1),
            date(2030, 1, 31),
            date(2030, 2, 1),
            date(2030, 2, 4),
            date(2030, 2, 5),
            date(2030, 2, 6),
            date(2030, 4, 12),
            date(2030, 4, 30),
            date(2030, 5, 1),
            date(2030, 9, 2),
            date(2030, 9, 3),
            date(2030, 11, 25),
        },
        set(),
    )


def test_a_deadline_across_tet_2030(cal: WorkingCalendar) -> None:
    # Vietnam's mùng 1 Tết Canh Tuất is Saturday 2/2/2030, a day before China's: a calendar
    # on Beijing time would give Thursday 31/1 as a working day and Thursday 7/2 off.
    received = datetime(2030, 1, 30, 10, 0, tzinfo=VIETNAM_TZ)  # Wednesday before Tết
    assert deadline_at(received, 1) == datetime(2030, 2, 7, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert deadline_at(received, 5) == datetime(2030, 2, 13, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert not cal.is_working_day(date(2030, 1, 31))
    assert cal.is_working_day(date(2030, 2, 7))
    assert cal.add_working_days(date(2030, 2, 2), 1) == date(2030, 2, 7)  # received on mùng 1
    assert cal.working_days_between(date(2030, 1, 30), date(2030, 2, 13)) == 5


def test_a_deadline_across_30_april_and_1_may_after_the_data(cal: WorkingCalendar) -> None:
    # 2029: Monday 30/4 and Tuesday 1/5. 2030: Tuesday 30/4 and Wednesday 1/5.
    assert cal.add_working_days(date(2029, 4, 27), 1) == date(2029, 5, 2)
    assert cal.add_working_days(date(2029, 4, 27), 5) == date(2029, 5, 8)
    assert cal.add_working_days(date(2030, 4, 29), 1) == date(2030, 5, 2)
    # 2028: 30/4 on a Sunday, made up on Tuesday 2/5 after Labour Day on the Monday.
    assert cal.add_working_days(date(2028, 4, 28), 1) == date(2028, 5, 3)


def test_national_day_after_the_data(cal: WorkingCalendar) -> None:
    # 2029: 2/9 on a Sunday; Monday 3/9 next to it, Tuesday 4/9 in lieu.
    assert cal.add_working_days(date(2029, 8, 31), 1) == date(2029, 9, 5)
    # 2028: 2/9 on a Saturday; Friday 1/9 next to it, Monday 4/9 in lieu.
    assert cal.add_working_days(date(2028, 8, 31), 1) == date(2028, 9, 5)


def test_a_deadline_across_the_new_year(cal: WorkingCalendar) -> None:
    # From the data into the law: 1/1/2028 is a Saturday, made up on Monday 3/1.
    assert cal.add_working_days(date(2027, 12, 31), 1) == date(2028, 1, 4)
    assert cal.add_working_days(date(2027, 12, 29), 5) == date(2028, 1, 6)
    assert cal.working_days_between(date(2027, 12, 1), date(2028, 1, 5)) == 24
    received = datetime(2029, 12, 31, 15, 0, tzinfo=VIETNAM_TZ)  # Monday
    assert deadline_at(received, 1) == datetime(2030, 1, 2, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert deadline_at(received, 3) == datetime(2030, 1, 4, 23, 59, 59, tzinfo=VIETNAM_TZ)


def test_the_day_of_receipt_turns_at_midnight_in_vietnam() -> None:
    end_of_thursday = datetime(2030, 3, 7, 23, 59, tzinfo=VIETNAM_TZ)
    start_of_friday = datetime(2030, 3, 8, 0, 0, tzinfo=VIETNAM_TZ)
    assert deadline_at(end_of_thursday, 1) == datetime(2030, 3, 8, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert deadline_at(start_of_friday, 1) == datetime(2030, 3, 11, 23, 59, 59, tzinfo=VIETNAM_TZ)
    # The same moments as the tables store them, in UTC.
    assert deadline_at(datetime(2030, 3, 7, 16, 59, tzinfo=UTC), 1) == datetime(
        2030, 3, 8, 16, 59, 59, tzinfo=UTC
    )
    assert deadline_at(datetime(2030, 3, 7, 17, 0, tzinfo=UTC), 1) == datetime(
        2030, 3, 11, 16, 59, 59, tzinfo=UTC
    )
    # New Year's Eve: 23:59 on Monday 31/12/2029 and 00:00 on the holiday are due alike.
    new_years_eve = datetime(2029, 12, 31, 23, 59, tzinfo=VIETNAM_TZ)
    new_year = datetime(2030, 1, 1, 0, 0, tzinfo=VIETNAM_TZ)
    assert deadline_at(new_years_eve, 1) == deadline_at(new_year, 1)
    assert deadline_at(new_year, 1) == datetime(2030, 1, 2, 23, 59, 59, tzinfo=VIETNAM_TZ)


def test_outside_the_covered_years_is_refused_not_guessed(cal: WorkingCalendar) -> None:
    assert cal.covers(date(2025, 1, 1))
    assert cal.covers(date(2027, 12, 31))
    assert cal.covers(date(2028, 1, 1))
    assert cal.covers(date(2100, 12, 31))
    # Before the data: no decisions are kept for 2024 and its worked Saturdays are unknown.
    assert not cal.covers(date(2024, 12, 31))
    # After the last lunar dates the package computes.
    assert not cal.covers(date(2101, 1, 1))
    with pytest.raises(CalendarNotCovered, match="2024"):
        cal.is_working_day(date(2024, 12, 31))
    with pytest.raises(CalendarNotCovered, match="2101"):
        cal.add_working_days(date(2100, 12, 29), 5)
    with pytest.raises(CalendarNotCovered):
        cal.working_days_between(date(2100, 12, 1), date(2101, 1, 5))
    assert cal.is_working_day(date(2100, 12, 31))  # a Friday


def test_days_must_be_positive(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(date(2025, 3, 7), 0)


def test_deadline_is_end_of_day_in_vietnam_time() -> None:
    # 18:00 UTC on Thursday 6/3 is 01:00 on Friday 7/3 in Hà Nội: due Monday, not Friday.
    deadline = deadline_at(datetime(2025, 3, 6, 18, 0, tzinfo=UTC), 1)
    assert deadline == datetime(2025, 3, 10, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert deadline.utcoffset() == timedelta(hours=7)
    assert deadline.astimezone(UTC) == datetime(2025, 3, 10, 16, 59, 59, tzinfo=UTC)
    received = datetime.fromisoformat("2025-01-24T16:30:00+07:00")
    assert deadline_at(received, 5) == datetime(2025, 2, 7, 23, 59, 59, tzinfo=VIETNAM_TZ)
    with pytest.raises(ValueError, match="naive"):
        deadline_at(datetime(2025, 3, 6, 18, 0), 1)


def test_calendar_refuses_inconsistent_data() -> None:
    day = SpecialDay(date(2025, 1, 1), "Tết Dương lịch", "New Year", "holiday", "law")
    with pytest.raises(ValueError, match="twice"):
        WorkingCalendar([day, day], [2025])
    with pytest.raises(ValueError, match="outside"):
        WorkingCalendar([day], [2026])
    monday = SpecialDay(date(2025, 1, 6), "x", "x", "working_weekend", "law")
    with pytest.raises(ValueError, match="weekday"):
        WorkingCalendar([monday], [2025])
    saturday = date(2025, 1, 4)
    for weekday_only in (
        SpecialDay(saturday, "x", "x", "substitute", "law"),
        SpecialDay(saturday, "x", "x", "working_day", "law"),
    ):
        with pytest.raises(ValueError, match="weekend"):
            WorkingCalendar([weekday_only], [2025])
    with pytest.raises(ValueError, match="at least one year"):
        WorkingCalendar([], [])


def test_announcement_data_is_well_formed() -> None:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    assert raw["years"] == [2025, 2026, 2027]
    seen: set[date] = set()
    for entry in raw["days"]:
        assert set(entry) == {"date", "name_vi", "name_en", "kind", "source"}, entry
        day = date.fromisoformat(entry["date"])
        assert 2025 <= day.year <= 2027, entry
        assert day not in seen, entry
        seen.add(day)
        assert entry["kind"] in {"holiday", "substitute", "working_weekend", "working_day"}
        assert entry["name_vi"].strip() and entry["name_en"].strip(), entry
        assert entry["source"].strip(), entry
        if entry["kind"] == "working_day":
            # An override of the package: it must still count that day off, or the entry
            # has outlived its reason.
            assert day in holidays.country_holidays("VN", years=day.year), entry
    assert len(WorkingCalendar.from_json(DATA.read_text(encoding="utf-8")).days) == len(seen)


@pytest.mark.parametrize("year", range(2025, 2032))
def test_every_statutory_holiday_is_a_day_off(cal: WorkingCalendar, year: int) -> None:
    fixed = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    tet = [LUNAR_NEW_YEAR[year] + timedelta(offset) for offset in range(-1, 4)]
    for day in [*fixed, *tet, HUNG_KINGS[year]]:
        assert not cal.is_working_day(day), f"{day} is counted as a working day"
    assert not all(map(cal.is_working_day, [date(year, 9, 1), date(year, 9, 3)]))


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(calendar_module).failed == 0


def test_a_years_decisions_are_read_from_json_as_written() -> None:
    text = json.dumps(
        {
            "years": ["2025"],
            "days": [
                {
                    "date": "2025-01-01",
                    "name_vi": "Tết Dương lịch",
                    "name_en": "New Year's Day",
                    "kind": "holiday",
                    "source": "Bộ luật Lao động 2019, Điều 112",
                },
                {
                    "date": "2025-04-26",
                    "name_vi": "Làm bù ngày 2/5",
                    "name_en": "Make-up for 2 May",
                    "kind": "working_weekend",
                    "source": "Thông báo 6150/TB-BLĐTBXH",
                },
            ],
        }
    )

    cal = WorkingCalendar.from_json(text)

    assert cal.years == {2025}
    assert cal.first_year == 2025
    assert dict(cal.days) == {
        date(2025, 1, 1): SpecialDay(
            date(2025, 1, 1),
            "Tết Dương lịch",
            "New Year's Day",
            "holiday",
            "Bộ luật Lao động 2019, Điều 112",
        ),
        date(2025, 4, 26): SpecialDay(
            date(2025, 4, 26),
            "Làm bù ngày 2/5",
            "Make-up for 2 May",
            "working_weekend",
            "Thông báo 6150/TB-BLĐTBXH",
        ),
    }
    assert cal.is_working_day(date(2025, 4, 26))  # a Saturday worked
    assert not cal.is_working_day(date(2025, 1, 1))


def test_an_unknown_kind_of_day_is_refused_by_its_date() -> None:
    entry = {"date": "2025-01-02", "name_vi": "x", "name_en": "x", "kind": "nghỉ", "source": "x"}

    with pytest.raises(ValueError) as refused:
        WorkingCalendar.from_json(json.dumps({"years": [2025], "days": [entry]}))

    assert str(refused.value) == "unknown kind 'nghỉ' for 2025-01-02"


def test_bad_calendar_data_says_which_day_and_why() -> None:
    new_year = SpecialDay(date(2025, 1, 1), "Tết Dương lịch", "New Year", "holiday", "law")
    saturday_off = SpecialDay(date(2025, 1, 4), "x", "x", "substitute", "law")
    refusals = {
        "2025-01-01 is listed twice": ([new_year, new_year], [2025]),
        "2025-01-01 is outside the years of the decisions": ([new_year], [2026]),
        "2025-01-04 is a substitute on a weekend": ([saturday_off], [2025]),
        "the calendar needs the decisions of at least one year": ([], []),
    }
    for message, (days, years) in refusals.items():
        with pytest.raises(ValueError) as refused:
            WorkingCalendar(days, years)
        assert str(refused.value) == message


def test_a_date_outside_the_calendar_is_refused_with_the_years_it_covers(
    cal: WorkingCalendar,
) -> None:
    with pytest.raises(CalendarNotCovered) as refused:
        cal.is_working_day(date(2024, 12, 31))

    assert refused.value.day == date(2024, 12, 31)
    assert (refused.value.first_year, refused.value.last_year) == (2025, 2100)
    assert str(refused.value) == (
        "no working-day calendar for 2024 (asked about 2024-12-31; the calendar covers 2025–2100)"
    )

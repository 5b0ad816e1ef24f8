"""Working-day deadlines for feedback cases: the dates an official would check."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.feedback.calendar import (
    VIETNAM_TZ,
    CalendarNotCovered,
    SpecialDay,
    WorkingCalendar,
    deadline_at,
    default_calendar,
)

DATA = Path(__file__).parents[2] / "services" / "feedback" / "holidays.json"
# Vietnamese lunar calendar (UTC+7): mùng 1 tháng Giêng and 10 tháng Ba.
LUNAR_NEW_YEAR = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6)}
HUNG_KINGS = {2025: date(2025, 4, 7), 2026: date(2026, 4, 26), 2027: date(2027, 4, 16)}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


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
        for a in (date(2025, 1, 24), date(2026, 2, 13), date(2027, 4, 29)):
            assert cal.working_days_between(a, cal.add_working_days(a, n)) == n


def test_no_holiday_data_is_refused_not_ignored(cal: WorkingCalendar) -> None:
    assert cal.covers(date(2025, 1, 1))
    assert cal.covers(date(2027, 12, 31))
    assert not cal.covers(date(2024, 12, 31))
    assert not cal.covers(date(2028, 1, 1))
    with pytest.raises(CalendarNotCovered, match="2028"):
        cal.add_working_days(date(2027, 12, 29), 5)
    with pytest.raises(CalendarNotCovered, match="2024"):
        cal.is_working_day(date(2024, 12, 31))
    with pytest.raises(CalendarNotCovered):
        cal.working_days_between(date(2027, 12, 1), date(2028, 1, 5))


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


def test_holiday_data_is_complete_and_well_formed() -> None:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    assert raw["years"] == [2025, 2026, 2027]
    seen: set[date] = set()
    holidays: set[date] = set()
    for entry in raw["days"]:
        assert set(entry) == {"date", "name_vi", "name_en", "kind", "source"}, entry
        day = date.fromisoformat(entry["date"])
        assert 2025 <= day.year <= 2027, entry
        assert day not in seen, entry
        seen.add(day)
        assert entry["kind"] in {"holiday", "substitute", "working_weekend"}, entry
        assert entry["name_vi"].strip() and entry["name_en"].strip(), entry
        assert entry["source"].strip(), entry
        if entry["kind"] == "holiday":
            holidays.add(day)
    for year in raw["years"]:
        fixed = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
        tet = [LUNAR_NEW_YEAR[year] + timedelta(offset) for offset in range(-1, 4)]
        for day in [*fixed, *tet, HUNG_KINGS[year]]:
            assert day in holidays, f"{day} missing from {year}"
        assert {date(year, 9, 1), date(year, 9, 3)} & holidays, f"no day next to 2/9/{year}"
    assert len(WorkingCalendar.from_json(DATA.read_text(encoding="utf-8")).days) == len(seen)

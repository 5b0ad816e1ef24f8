"""Vietnamese working-day calendar for feedback deadlines (phản ánh, kiến nghị).

Why: the rules for receiving and handling PAKN give agencies their time limits in *working
days* (ngày làm việc), not calendar days: the days an office is open. Weekends (Saturday,
Sunday) are not working days, nor are the public holidays of the Labour Code 2019 (art. 112)
with their substitute days (ngày nghỉ bù, art. 111(3)) and the days the Government swaps
each year; a Saturday swapped into a working day (ngày làm bù) *is* one. Those days change
every year, so they are data, in ``holidays.json`` next to this module, not code.

Counting rule (``add_working_days``): the day a case is received is day 0; day 1 is the
first working day *after* it. A case received on Friday with 5 working days is due the
following Friday (no holidays in between). A case received on a weekend or a holiday counts
from the next working day, so it is due on the same day as one received on the working day
before. The deadline is the end of that day, 23:59:59 Vietnam time (UTC+7, no DST).

A date in a year that ``holidays.json`` does not list under ``years`` raises
``CalendarNotCovered``: a deadline computed without that year's holidays would be wrong,
and silently so.

Updating the data, once a year (when the Government announces next year's days off,
usually in the autumn; Tết and Quốc khánh are decided by the Prime Minister under art.
112(3)):

1. In ``holidays.json`` add one entry per day: ``{"date": "YYYY-MM-DD", "name_vi": ...,
   "name_en": ..., "kind": ..., "source": ...}`` where ``kind`` is ``"holiday"`` (the
   holiday itself, even on a weekend), ``"substitute"`` (a weekday off in lieu or by swap)
   or ``"working_weekend"`` (a Saturday or Sunday worked in exchange); ``source`` cites the
   decision, or says ``"expected (...)"`` until it is published. Lunar dates (Tết = mùng 1
   tháng Giêng, Giỗ Tổ = 10/3 âm lịch) come from the Vietnamese lunar calendar (UTC+7),
   which can differ from the Chinese one.
2. Add the year to ``years`` only when its entries are complete.
3. Replace ``expected`` entries by the decision when it comes out, then run
   ``pytest tests/feedback/test_calendar.py`` (it checks every covered year has Tết,
   Giỗ Tổ, 30/4, 1/5, 2/9 and 1/1).

>>> from datetime import date, datetime
>>> calendar = default_calendar()
>>> calendar.add_working_days(date(2025, 1, 24), 5)  # Friday before the Tết break
datetime.date(2025, 2, 7)
>>> received = datetime.fromisoformat("2025-04-29T09:30:00+07:00")  # before 30/4-4/5
>>> print(deadline_at(received, 2).isoformat())
2025-05-06T23:59:59+07:00
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Literal, cast

__all__ = [
    "VIETNAM_TZ",
    "CalendarNotCovered",
    "DayKind",
    "SpecialDay",
    "WorkingCalendar",
    "deadline_at",
    "default_calendar",
]

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
"""Vietnam time, UTC+7 all year round."""

DayKind = Literal["holiday", "substitute", "working_weekend"]
_KINDS: frozenset[str] = frozenset({"holiday", "substitute", "working_weekend"})
_DATA = Path(__file__).with_name("holidays.json")
_END_OF_DAY = time(23, 59, 59)


class CalendarNotCovered(LookupError):
    """The calendar has no holiday data for the year of the date asked about."""

    def __init__(self, day: date, years: Iterable[int]) -> None:
        self.day = day
        self.years = tuple(sorted(years))
        covered = ", ".join(map(str, self.years)) or "none"
        super().__init__(
            f"no holiday data for {day.year} (asked about {day.isoformat()}; "
            f"covered years: {covered}); add that year to services/feedback/holidays.json"
        )


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """One entry of ``holidays.json``."""

    date: date
    name_vi: str
    name_en: str
    kind: DayKind
    source: str


class WorkingCalendar:
    """Working days of Vietnamese state agencies for the years in ``years``."""

    def __init__(self, days: Iterable[SpecialDay], years: Iterable[int]) -> None:
        self.years: frozenset[int] = frozenset(years)
        by_date: dict[date, SpecialDay] = {}
        for day in days:
            if day.date in by_date:
                raise ValueError(f"{day.date.isoformat()} is listed twice")
            if day.date.year not in self.years:
                raise ValueError(f"{day.date.isoformat()} is outside the covered years")
            weekend = day.date.weekday() >= 5
            if day.kind == "working_weekend" and not weekend:
                raise ValueError(f"{day.date.isoformat()} is a working weekend but a weekday")
            if day.kind == "substitute" and weekend:
                raise ValueError(f"{day.date.isoformat()} is a substitute day on a weekend")
            by_date[day.date] = day
        self.days: Mapping[date, SpecialDay] = by_date

    @classmethod
    def from_json(cls, text: str) -> WorkingCalendar:
        """Parse the ``holidays.json`` format; raises ``ValueError`` on a malformed entry."""
        raw = json.loads(text)
        years = [int(year) for year in raw["years"]]
        days: list[SpecialDay] = []
        for entry in raw["days"]:
            kind = entry["kind"]
            if kind not in _KINDS:
                raise ValueError(f"unknown kind {kind!r} for {entry['date']}")
            days.append(
                SpecialDay(
                    date=date.fromisoformat(entry["date"]),
                    name_vi=str(entry["name_vi"]),
                    name_en=str(entry["name_en"]),
                    kind=cast(DayKind, kind),
                    source=str(entry["source"]),
                )
            )
        return cls(days, years)

    def covers(self, d: date) -> bool:
        """Whether the data holds that date's year (so its holidays are known)."""
        return d.year in self.years

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday except holidays and substitute days, plus working weekends.

        Raises ``CalendarNotCovered`` outside the covered years.
        """
        if d.year not in self.years:
            raise CalendarNotCovered(d, self.years)
        special = self.days.get(d)
        if special is not None:
            return special.kind == "working_weekend"
        return d.weekday() < 5

    def add_working_days(self, start: datetime | date, days: int) -> date:
        """The date ``days`` working days after ``start`` (day 1 = first working day after it).

        An aware ``datetime`` is taken in Vietnam time first (23:30 UTC is the next day in
        Hà Nội); a naive one is refused. ``days`` must be at least 1.
        """
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        current = _local_date(start)
        left = days
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``: after ``a``, up to and including ``b``.

        Negative when ``b`` is before ``a`` (``between(a, b) == -between(b, a)``); so
        ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        return sum(
            1 for offset in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(offset))
        )


def _local_date(moment: datetime | date) -> date:
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: give an aware one (UTC or Vietnam time)")
    return moment.astimezone(VIETNAM_TZ).date()


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar from the packaged ``holidays.json``, read once on first use."""
    return WorkingCalendar.from_json(_DATA.read_text(encoding="utf-8"))


def deadline_at(
    received_at: datetime, days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    """End (23:59:59 Vietnam time, aware) of the ``days``-th working day after receipt."""
    due = (calendar or default_calendar()).add_working_days(received_at, days)
    return datetime.combine(due, _END_OF_DAY, tzinfo=VIETNAM_TZ)

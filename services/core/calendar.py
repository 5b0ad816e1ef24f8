"""One Vietnamese working-day calendar: feedback deadlines now, dossier deadlines next.

Why working days: the rules for receiving and handling PAKN (and those for dossiers) give
agencies their time limits in *working days* (ngày làm việc), the days a state office is
open. Saturday and Sunday are not working days, nor are the public holidays of the Labour
Code 2019 (art. 112) with their substitute days (ngày nghỉ bù, art. 111(3)), nor the weekdays
the Government gives the civil service off each year; a Saturday worked in exchange (ngày
làm bù) *is* one.

Why a library plus data: the holidays follow rules that hold for any year, fixed dates and
lunar ones, so they are computed by the ``holidays`` package (its ``"VN"``): Tết Dương
lịch 1/1; Tết Nguyên đán, five days from the last day of tháng Chạp to mùng 4; Giỗ Tổ Hùng
Vương, 10/3 âm lịch; 30/4 and 1/5; Quốc khánh 2/9 with a day next to it (Labour Code 2019,
from 2021); Ngày Văn hóa Việt Nam 24/11, which the package counts from 2026; and a weekday off
for each of them that falls on a weekend (for Tết, the package's estimate puts a Saturday's
on the working day before). Its lunar dates are Vietnam's (UTC+7), not China's (UTC+8):
mùng 1 Tết Canh Tuất is Saturday 2 February 2030 in Hà Nội and Sunday 3 February in
Beijing, as that new moon comes shortly after 23:00 Vietnam time. What no rule gives is
each year's decision (the Prime Minister's, art. 112(3), announced by the Ministry of Home
Affairs or the Government Office): which weekdays around Tết, 30/4 and 2/9 are taken off,
which Saturdays are worked for them, which day next to 2/9. Those are data, in
``calendar_announcements.json`` next to this module, each day with its source. A date
listed there is what the data says; any other is a day off if the package says so, and a
working day from Monday to Friday.

Counting rule (``add_working_days``): the day a case is received is day 0; day 1 is the
first working day *after* it. A case received on Friday with 5 working days is due the
following Friday (no holidays in between). A case received on a weekend or a holiday counts
from the next working day, so it is due on the same day as one received on the working day
before. The deadline is the end of that day, 23:59:59 Vietnam time (UTC+7, no DST).

Years covered: from the first year of the data (2025: the portal keeps no older decisions,
and the package knows their days off but not the Saturdays worked for them) to the last
year the package computes (2100). A year whose decision is not in the data yet is counted
on the law as the package computes it: a deadline in 2030 is computed, and is an estimate
until that year's decision comes out and perhaps swaps a weekday next to a holiday with a
Saturday. A date outside the covered years raises ``CalendarNotCovered``: counted without
its year's holidays, a deadline would be wrong, and silently so.

Adding next year's decision, once a year (Tết and 2/9 are usually announced in the autumn
before, a 30/4–1/5 swap sometimes only in the spring):

1. In ``calendar_announcements.json`` add one entry for each day the decision sets, other
   than the statutory holidays themselves: ``{"date": "YYYY-MM-DD", "name_vi": ...,
   "name_en": ..., "kind": ..., "source": ...}``. ``kind`` is ``"substitute"`` (a weekday
   off, in lieu or by swap), ``"working_weekend"`` (a Saturday or Sunday worked in
   exchange), ``"holiday"`` (a holiday day that the decision fixes, such as the day next to
   2/9, or that the package lacks) or ``"working_day"`` (a weekday the package counts off
   that the decision does not: its estimate of a moved Tết day, placed elsewhere by the
   decision, or a holiday not yet in force). ``source`` cites the decision, or says
   ``"expected (...)"`` until it is published; replace those when it is.
2. Add the year to ``years``.
3. Write that year's weekdays off and weekends worked, by hand from the decision, into
   ``tests/core/test_calendar.py`` and run it (it also checks that every ``working_day``
   entry overrides a day the package does count off).

Upgrading ``holidays``: the same test lists, by hand, the days off of a year counted on the
package alone, so a release that changes Vietnam's rules is read before it moves a deadline.

>>> from datetime import date, datetime
>>> calendar = default_calendar()
>>> calendar.add_working_days(date(2025, 1, 24), 5)  # Friday before the Tết break
datetime.date(2025, 2, 7)
>>> received = datetime.fromisoformat("2025-04-29T09:30:00+07:00")  # before 30/4-4/5
>>> print(deadline_at(received, 2).isoformat())
2025-05-06T23:59:59+07:00
>>> calendar.add_working_days(date(2030, 1, 30), 1)  # Tết 2030, not announced: 31/1-6/2 off
datetime.date(2030, 2, 7)
>>> calendar.covers(date(2024, 12, 31)), calendar.covers(date(2101, 1, 1))
(False, False)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Literal, cast

from services.core.clock import VIETNAM_TZ, local_date

__all__ = [
    "CalendarNotCovered",
    "DayKind",
    "SpecialDay",
    "WorkingCalendar",
    "deadline_at",
    "default_calendar",
]

DayKind = Literal["holiday", "substitute", "working_weekend", "working_day"]
_KINDS: frozenset[str] = frozenset({"holiday", "substitute", "working_weekend", "working_day"})
_WORKED: frozenset[str] = frozenset({"working_weekend", "working_day"})
_DATA = Path(__file__).with_name("calendar_announcements.json")
_END_OF_DAY = time(23, 59, 59)


class CalendarNotCovered(LookupError):
    """A date outside the years the calendar counts: before the first year of the data, or
    after the last year the ``holidays`` package computes (its lunar dates end there)."""

    def __init__(self, day: date, first_year: int, last_year: int) -> None:
        self.day = day
        self.first_year = first_year
        self.last_year = last_year
        super().__init__(
            f"no working-day calendar for {day.year} (asked about {day.isoformat()}; "
            f"the calendar covers {first_year}–{last_year})"
        )


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """One day of a year's decision, an entry of ``calendar_announcements.json``."""

    date: date
    name_vi: str
    name_en: str
    kind: DayKind
    source: str


class WorkingCalendar:
    """Working days of Vietnamese state agencies: the law as computed, and the decisions of
    the years in ``years`` on top of it."""

    def __init__(self, days: Iterable[SpecialDay], years: Iterable[int]) -> None:
        self.years: frozenset[int] = frozenset(years)
        if not self.years:
            raise ValueError("the calendar needs the decisions of at least one year")
        by_date: dict[date, SpecialDay] = {}
        for day in days:
            if day.date in by_date:
                raise ValueError(f"{day.date.isoformat()} is listed twice")
            if day.date.year not in self.years:
                raise ValueError(f"{day.date.isoformat()} is outside the years of the decisions")
            weekend = day.date.weekday() >= 5
            if day.kind == "working_weekend" and not weekend:
                raise ValueError(f"{day.date.isoformat()} is a working weekend but a weekday")
            if day.kind in {"substitute", "working_day"} and weekend:
                raise ValueError(f"{day.date.isoformat()} is a {day.kind} on a weekend")
            by_date[day.date] = day
        self.days: Mapping[date, SpecialDay] = by_date
        # Imported here, not at the top: the package costs a few hundred milliseconds to
        # import, which only the first deadline of a Lambda container should pay.
        import holidays

        # Computes each year the first time a date in it is asked about.
        self._holidays = holidays.country_holidays("VN")
        self.first_year: int = min(self.years)
        self.last_year: int = self._holidays.end_year

    @classmethod
    def from_json(cls, text: str) -> WorkingCalendar:
        """Parse the ``calendar_announcements.json`` format; ``ValueError`` on a bad entry."""
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
        """Whether the calendar counts that date's year (see the module's docstring)."""
        return self.first_year <= d.year <= self.last_year

    def is_working_day(self, d: date) -> bool:
        """What the year's decision says of ``d``, else Monday to Friday except holidays.

        Raises ``CalendarNotCovered`` outside the covered years.
        """
        if not self.covers(d):
            raise CalendarNotCovered(d, self.first_year, self.last_year)
        special = self.days.get(d)
        if special is not None:
            return special.kind in _WORKED
        return d.weekday() < 5 and d not in self._holidays

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
    return local_date(moment)


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar of the packaged ``calendar_announcements.json``, built on first use."""
    return WorkingCalendar.from_json(_DATA.read_text(encoding="utf-8"))


def deadline_at(
    received_at: datetime, days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    """End (23:59:59 Vietnam time, aware) of the ``days``-th working day after receipt."""
    due = (calendar or default_calendar()).add_working_days(received_at, days)
    return datetime.combine(due, _END_OF_DAY, tzinfo=VIETNAM_TZ)

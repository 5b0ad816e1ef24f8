"""A moment counts in the month, quarter and year of its day in Vietnam."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.periods import bounds, containing


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 23:59 on 31 March in Hanoi is still the first quarter...
        (datetime(2026, 3, 31, 16, 59, tzinfo=UTC), ["2026-03", "2026-Q1", "2026"]),
        # ...and a minute later it is April, the second.
        (datetime(2026, 3, 31, 17, 0, tzinfo=UTC), ["2026-04", "2026-Q2", "2026"]),
        (datetime(2026, 6, 30, 17, 0, tzinfo=UTC), ["2026-07", "2026-Q3", "2026"]),
        (datetime(2026, 9, 30, 16, 59, tzinfo=UTC), ["2026-09", "2026-Q3", "2026"]),
        (datetime(2026, 10, 1, 0, 0, tzinfo=UTC), ["2026-10", "2026-Q4", "2026"]),
        # New Year comes seven hours earlier in Hanoi than in UTC.
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), ["2027-01", "2027-Q1", "2027"]),
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), ["2027-01", "2027-Q1", "2027"]),
    ],
)
def test_boundaries(moment: datetime, expected: list[str]) -> None:
    assert containing(moment) == expected


def test_a_year_runs_from_its_first_midnight_in_vietnam_to_the_next_ones() -> None:
    start, end = bounds("2026")
    assert start.isoformat() == "2026-01-01T00:00:00+07:00"
    assert end.isoformat() == "2027-01-01T00:00:00+07:00"

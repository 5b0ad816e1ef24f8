"""Reporting periods: the month, quarter and year a moment counts in, in Vietnam time.

Every count the portal keeps per period (feedback statistics, ratings, the reports to come)
files a moment under the same three keys, so that a month, a quarter and a year add up.

>>> from datetime import datetime, UTC
>>> containing(datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 00:00 on 1 April in Hanoi
['2026-04', '2026-Q2', '2026']
>>> containing(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
['2026-12', '2026-Q4', '2026']
"""

from __future__ import annotations

from datetime import datetime

from services.core.clock import VIETNAM_TZ


def containing(moment: datetime) -> list[str]:
    """``[month, quarter, year]`` of ``moment`` as Vietnam counts them."""
    local = moment.astimezone(VIETNAM_TZ)
    return [
        f"{local.year}-{local.month:02d}",
        f"{local.year}-Q{(local.month - 1) // 3 + 1}",
        str(local.year),
    ]


def bounds(period: str) -> tuple[datetime, datetime]:
    """When a period (``2026-04``, ``2026-Q2``, ``2026``) starts and when the next one does,
    at midnight in Vietnam.

    >>> start, end = bounds("2026-Q4")
    >>> start.isoformat(), end.isoformat()
    ('2026-10-01T00:00:00+07:00', '2027-01-01T00:00:00+07:00')
    >>> [moment.isoformat()[:10] for moment in bounds("2026-12")]
    ['2026-12-01', '2027-01-01']
    """
    year = int(period[:4])
    if "-Q" in period:
        first_month, months = (int(period[-1]) - 1) * 3 + 1, 3
    elif "-" in period:
        first_month, months = int(period[5:]), 1
    else:
        first_month, months = 1, 12
    after = first_month - 1 + months
    start = datetime(year, first_month, 1, tzinfo=VIETNAM_TZ)
    return start, datetime(year + after // 12, after % 12 + 1, 1, tzinfo=VIETNAM_TZ)

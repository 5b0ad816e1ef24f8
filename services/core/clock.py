"""The portal's one clock, and Vietnam's time zone.

Every use case asks :func:`now` for the time, so a test sets the time for all of them in
one place (:func:`frozen`, or the ``clock`` fixture in ``tests/conftest.py``) instead of
patching private helpers module by module.

Vietnam keeps UTC+7 all year (no daylight saving): periods, receipt years, working days and
bank timestamps are all counted in it, while tables store UTC.

>>> from datetime import datetime
>>> with frozen(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)):
...     print(now().astimezone(VIETNAM_TZ).isoformat())
2027-01-01T00:30:00+07:00
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "GMT+7")


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_time


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return _source()


def local_date(moment: datetime) -> date:
    """The calendar day ``moment`` falls on in Vietnam."""
    return moment.astimezone(VIETNAM_TZ).date()


def set_source(source: Callable[[], datetime]) -> None:
    """Make :func:`now` answer from ``source``: for tests and benchmarks only."""
    global _source
    _source = source


def reset() -> None:
    set_source(_system_time)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """The clock stands at ``moment`` inside the block."""
    if moment.tzinfo is None:
        raise ValueError("a frozen moment needs its time zone")
    previous = _source
    set_source(lambda: moment)
    try:
        yield
    finally:
        set_source(previous)

"""One clock: every service reads the time the test sets, through one seam."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.core import clock as portal_clock
from tests.conftest import SetClock


def test_the_fixture_sets_the_time_for_every_caller(clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC))
    assert portal_clock.now() == datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)
    assert portal_clock.local_date(portal_clock.now()) == date(2026, 3, 31)
    clock.advance(seconds=1)  # midnight in Hanoi: the second quarter begins
    assert portal_clock.local_date(portal_clock.now()) == date(2026, 4, 1)


def test_vietnam_is_seven_hours_ahead_all_year() -> None:
    for month in (1, 7):
        moment = datetime(2026, month, 1, 12, tzinfo=UTC).astimezone(portal_clock.VIETNAM_TZ)
        assert moment.utcoffset() == timedelta(hours=7)
        assert moment.hour == 19


def test_frozen_restores_the_clock_it_found() -> None:
    before = portal_clock.now()
    with portal_clock.frozen(datetime(2030, 2, 3, tzinfo=UTC)):
        assert portal_clock.now() == datetime(2030, 2, 3, tzinfo=UTC)
    assert portal_clock.now() - before < timedelta(minutes=1)


def test_a_naive_moment_is_refused(clock: SetClock) -> None:
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(ValueError), portal_clock.frozen(datetime(2026, 1, 1)):
        pass

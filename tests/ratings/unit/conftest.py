"""Moments at the edges ratings count across, written out by hand: the last second of a
month, a quarter, a year and a Vietnamese day, and the first moment after it, with the
periods each counts in and the end of a rating window opened at the first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest


@dataclass(frozen=True)
class Edge:
    name: str
    last: datetime
    first: datetime
    periods_before: list[str]
    periods_after: list[str]
    window_end: datetime  # thirty days after ``first``


EDGES = [
    Edge(
        "month",
        datetime.fromisoformat("2025-05-31T23:59:59+07:00"),
        datetime.fromisoformat("2025-06-01T00:00:00+07:00"),
        ["2025-05", "2025-Q2", "2025"],
        ["2025-06", "2025-Q2", "2025"],
        datetime.fromisoformat("2025-07-01T00:00:00+07:00"),
    ),
    Edge(
        "quarter",
        datetime.fromisoformat("2025-06-30T23:59:59+07:00"),
        datetime.fromisoformat("2025-07-01T00:00:00+07:00"),
        ["2025-06", "2025-Q2", "2025"],
        ["2025-07", "2025-Q3", "2025"],
        datetime.fromisoformat("2025-07-31T00:00:00+07:00"),
    ),
    Edge(
        "year",
        datetime.fromisoformat("2025-12-31T23:59:59+07:00"),
        datetime.fromisoformat("2026-01-01T00:00:00+07:00"),
        ["2025-12", "2025-Q4", "2025"],
        ["2026-01", "2026-Q1", "2026"],
        datetime.fromisoformat("2026-01-31T00:00:00+07:00"),
    ),
    # Midnight in Hà Nội while UTC is still on the day before (and the month before).
    Edge(
        "gmt7-midnight",
        datetime.fromisoformat("2026-02-28T16:59:59+00:00"),
        datetime.fromisoformat("2026-02-28T17:00:00+00:00"),
        ["2026-02", "2026-Q1", "2026"],
        ["2026-03", "2026-Q1", "2026"],
        datetime.fromisoformat("2026-03-30T17:00:00+00:00"),
    ),
]


@pytest.fixture(params=EDGES, ids=[edge.name for edge in EDGES])
def edge(request: pytest.FixtureRequest) -> Edge:
    chosen: Edge = request.param
    return chosen

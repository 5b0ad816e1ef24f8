"""Which month, quarter and year a rating or a handled dossier counts in: its day in Hà Nội,
whatever offset the moment was written with."""

from __future__ import annotations

from datetime import UTC

from services.core.periods import containing
from tests.ratings.unit.conftest import Edge


def test_the_last_second_counts_before_the_edge(edge: Edge) -> None:
    assert containing(edge.last) == edge.periods_before
    assert containing(edge.last.astimezone(UTC)) == edge.periods_before


def test_the_first_moment_counts_after_the_edge(edge: Edge) -> None:
    assert containing(edge.first) == edge.periods_after
    assert containing(edge.first.astimezone(UTC)) == edge.periods_after

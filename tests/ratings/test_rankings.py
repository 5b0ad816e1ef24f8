"""Agencies ranked by satisfied_pct, small samples left out, filtered by agency level, with
the on-time share beside."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from services.core import clock
from tests.conftest import body_of
from tests.ratings.conftest import DISSATISFIED, FAIR, LATE, NOW, SATISFIED, Portal


def rate_many(portal: Portal, agency: str, overall: list[str], late: int = 0) -> None:
    for n, level in enumerate(overall):
        completed = LATE if n < late else None
        changes = {"completed_at": completed.isoformat()} if completed else {}
        event = portal.event(agency, **changes)
        portal.known(event)
        portal.rated(event, {"overall": level})


@pytest.fixture(scope="module")
def agencies(client: Client, catalogue_client: Client, auth: Any) -> dict[str, str]:
    # Module-scoped, so the clock fixture (one test's) cannot set it: the clock's own seam.
    with clock.frozen(NOW):
        portal = Portal(client, catalogue_client, auth)
        found = {
            "best": portal.agency("central"),
            "good": portal.agency("central"),
            "tiny": portal.agency("province"),
            "fair": portal.agency("province"),
            "commune": portal.agency("commune"),
        }
        rate_many(portal, found["best"], [SATISFIED, SATISFIED, FAIR])
        rate_many(portal, found["good"], [SATISFIED, FAIR, FAIR, DISSATISFIED], late=1)
        rate_many(portal, found["tiny"], [SATISFIED])
        rate_many(portal, found["fair"], [FAIR, DISSATISFIED, SATISFIED], late=3)
        portal.count_all()
    return found


def ranked(portal: Portal, **query: str) -> list[dict[str, Any]]:
    response = portal.rankings(**query)
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def test_agencies_are_ranked_by_satisfaction(portal: Portal, agencies: dict[str, str]) -> None:
    items = ranked(portal, period="2025-05", min_count="2")
    assert items == [
        {
            "rank": 1,
            "agency_id": agencies["best"],
            "count": 3,
            "satisfied_pct": 100.0,
            "on_time_pct": 100.0,
        },
        {
            "rank": 2,
            "agency_id": agencies["good"],
            "count": 4,
            "satisfied_pct": 75.0,
            "on_time_pct": 75.0,
        },
        {
            "rank": 3,
            "agency_id": agencies["fair"],
            "count": 3,
            "satisfied_pct": 66.67,
            "on_time_pct": 0.0,
        },
    ]
    assert ranked(portal, period="2025", min_count="2") == items
    assert ranked(portal, period="2025-Q2", min_count="2") == items


def test_a_small_sample_does_not_top_the_table(portal: Portal, agencies: dict[str, str]) -> None:
    with_tiny = [row["agency_id"] for row in ranked(portal, period="2025-05", min_count="1")]
    # At 100% with one rating, it comes after the agency at 100% with three.
    assert with_tiny == [agencies["best"], agencies["tiny"], agencies["good"], agencies["fair"]]
    assert [row["agency_id"] for row in ranked(portal, period="2025-05", min_count="4")] == [
        agencies["good"]
    ]
    # The default minimum (30) leaves these few ratings out altogether.
    response = portal.rankings(period="2025-05")
    assert body_of(response)["min_count"] == 30
    assert body_of(response)["items"] == []


def test_rankings_by_agency_level(portal: Portal, agencies: dict[str, str]) -> None:
    province = ranked(portal, period="2025-05", min_count="1", agency_level="province")
    assert [(r["rank"], r["agency_id"]) for r in province] == [
        (1, agencies["tiny"]),
        (2, agencies["fair"]),
    ]
    central = ranked(portal, period="2025-05", min_count="1", agency_level="central")
    assert [r["agency_id"] for r in central] == [agencies["best"], agencies["good"]]
    assert ranked(portal, period="2025-05", min_count="1", agency_level="commune") == []
    assert ranked(portal, period="2025-04", min_count="1") == []


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"period": "2025-5"},
        {"period": "2025", "agency_level": "district"},
        {"period": "2025", "min_count": "0"},
        {"period": "2025", "min_count": "many"},
    ],
)
def test_an_invalid_rankings_query_is_a_422(portal: Portal, query: dict[str, str]) -> None:
    assert portal.rankings(**query).status_code == 422

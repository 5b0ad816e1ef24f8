"""Rating a dossier: its citizen only, once, once it is handled, within the window."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import SetClock, body_of
from tests.ratings.conftest import (
    DISSATISFIED,
    FAIR,
    ON_TIME,
    RATING_QUEUE,
    SATISFIED,
    Portal,
    drain,
)

ALL_ANSWERS = {
    "overall": FAIR,
    "timeliness": SATISFIED,
    "returns": SATISFIED,
    "conduct": DISSATISFIED,
    "information": FAIR,
}


@pytest.fixture
def handled(portal: Portal) -> dict[str, Any]:
    event = portal.event(portal.agency(), official_id="can-bo-01")
    portal.known(event)
    return event


def test_the_citizen_rates_once(portal: Portal, handled: dict[str, Any]) -> None:
    drain(RATING_QUEUE)
    response = portal.rate(handled, ALL_ANSWERS, "Cán bộ tiếp nhận chưa nhiệt tình.")
    assert response.status_code == 201, response.body
    rating = body_of(response)
    assert rating["dossier_code"] == handled["dossier_code"]
    assert rating["answers"] == ALL_ANSWERS
    assert rating["comment"] == "Cán bộ tiếp nhận chưa nhiệt tình."
    assert rating["rated_at"].startswith("2025-05-20T03:00:00")
    # The counting is asked for once.
    asked = [json.loads(b) for b in drain(RATING_QUEUE)]
    assert asked == [
        {"type": "rating.created", "schema_version": 1, "dossier_code": handled["dossier_code"]}
    ]
    again = portal.rate(handled, {"overall": SATISFIED})
    assert again.status_code == 409, again.body
    assert again.headers["Content-Type"].startswith("application/problem+json")
    assert drain(RATING_QUEUE) == []


def test_only_overall_is_required(portal: Portal, handled: dict[str, Any]) -> None:
    assert portal.rate(handled, {"overall": DISSATISFIED}).status_code == 201


@pytest.mark.parametrize(
    ("role", "sub", "status"),
    [
        ("citizen", "someone-else", 403),
        ("official", None, 403),
        ("operator", None, 403),
        ("system", None, 403),
    ],
)
def test_only_the_dossiers_citizen_rates(
    portal: Portal,
    handled: dict[str, Any],
    auth: Any,
    role: str,
    sub: str | None,
    status: int,
) -> None:
    headers = auth(role, sub=sub or f"{role}-1", agency=handled["agency_id"])
    response = portal.rate(handled, {"overall": SATISFIED}, headers=headers)
    assert response.status_code == status, response.body
    # The citizen's own rating is still to come.
    assert portal.rate(handled, {"overall": SATISFIED}).status_code == 201


def test_an_anonymous_rating_is_a_401(portal: Portal, handled: dict[str, Any]) -> None:
    response = portal.rate(handled, headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_an_unknown_dossier_is_a_404(portal: Portal) -> None:
    event = portal.event(portal.agency())  # never sent by its one-stop system
    response = portal.rate(event)
    assert response.status_code == 404, response.body


@pytest.mark.parametrize(
    "answers",
    [
        {"overall": "rat_tot"},
        {"overall": SATISFIED, "speed": SATISFIED},
        {"overall": SATISFIED, "conduct": "Không hài lòng"},
        {"timeliness": SATISFIED, "conduct": SATISFIED},
        {},
    ],
)
def test_unknown_criteria_or_levels_and_a_missing_overall_are_a_422(
    portal: Portal, handled: dict[str, Any], answers: dict[str, str]
) -> None:
    response = portal.rate(handled, answers)
    assert response.status_code == 422, response.body
    assert portal.rate(handled, {"overall": SATISFIED}).status_code == 201


@pytest.mark.parametrize("status", [1, 2, 5, 8])
def test_a_dossier_not_handled_yet_is_a_422(portal: Portal, status: int) -> None:
    event = portal.event(portal.agency(), status=status, completed_at=None)
    portal.known(event)
    response = portal.rate(event)
    assert response.status_code == 422, response.body


def test_the_window_closes_thirty_days_after_completion(
    portal: Portal, handled: dict[str, Any], clock: SetClock
) -> None:
    clock.set(ON_TIME + timedelta(days=30, minutes=1))
    assert portal.rate(handled).status_code == 422
    clock.set(ON_TIME + timedelta(days=29, hours=23))
    assert portal.rate(handled).status_code == 201


def test_the_window_is_configurable(
    portal: Portal, handled: dict[str, Any], clock: SetClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(ON_TIME + timedelta(days=45))
    assert portal.rate(handled).status_code == 422
    monkeypatch.setenv("RATING_WINDOW_DAYS", "60")
    assert portal.rate(handled).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"overall": SATISFIED}},
        {"dossier_code": "x", "answers": {}},
        {"dossier_code": "x", "answers": {"overall": SATISFIED}, "stars": 5},
        {"dossier_code": "x", "answers": {"overall": SATISFIED}, "comment": "x" * 2001},
    ],
)
def test_an_invalid_body_is_a_422(portal: Portal, auth: Any, body: dict[str, Any]) -> None:
    response = portal.client.http.post(
        "/", headers=auth("citizen", sub="c-1"), body=json.dumps(body)
    )
    assert response.status_code == 422, response.body

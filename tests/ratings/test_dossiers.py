"""Dossier events from agencies' one-stop systems, by the HTTP route and by the queue: who
may send them, idempotent per dossier and status, a status never going back, and the on-time
share per agency counted once per dossier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.ratings import service
from tests.conftest import body_of
from tests.ratings.conftest import DUE, LATE, ON_TIME, Portal
from tests.support.faults import transaction_collisions


def rateable(portal: Portal, event: dict[str, Any]) -> bool:
    """Whether the dossier's citizen may rate it now (answers 201, or 422 not handled)."""
    response = portal.rate(event, {"overall": "hai_long"})
    assert response.status_code in (201, 422), response.body
    return bool(response.status_code == 201)


# -- who may send ----------------------------------------------------------------------------
def test_the_agencys_system_and_an_operator_send_events(portal: Portal, auth: Any) -> None:
    agency = portal.agency()
    by_system = portal.event(agency)
    response = portal.post_event(by_system, auth("system", sub="mot-cua", agency=agency))
    assert response.status_code == 200, response.body
    assert body_of(response) == {
        "dossier_code": by_system["dossier_code"],
        "status": 9,
        "applied": True,
    }
    by_operator = portal.event(agency)
    response = portal.post_event(by_operator, auth("operator"))
    assert response.status_code == 200, response.body
    assert body_of(response)["applied"] is True
    assert rateable(portal, by_system) and rateable(portal, by_operator)


@pytest.mark.parametrize(
    ("role", "other_agency", "status"),
    [
        ("system", True, 403),
        ("official", False, 403),
        ("citizen", False, 403),
        (None, False, 401),
    ],
)
def test_others_may_not_send_events(
    portal: Portal, auth: Any, role: str | None, other_agency: bool, status: int
) -> None:
    agency = portal.agency()
    event = portal.event(agency)
    headers = {"Content-Type": "application/json"}
    if role is not None:
        acting_for = portal.agency() if other_agency else agency
        headers = auth(role, sub=f"{role}-1", agency=acting_for)
    response = portal.post_event(event, headers)
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    # Nothing was taken: the dossier is unknown to its citizen.
    assert portal.rate(event).status_code == 404


def test_a_system_may_not_take_over_another_agencys_dossier(portal: Portal, auth: Any) -> None:
    owner, intruder = portal.agency(), portal.agency()
    event = portal.event(owner)
    portal.known(event)
    hijack = {**event, "agency_id": intruder, "status": 10, "citizen_id": "intruder-citizen"}
    response = portal.post_event(hijack, auth("system", sub="mot-cua", agency=intruder))
    assert response.status_code == 403, response.body
    # The dossier still belongs to its agency and its citizen.
    assert portal.rate(event).status_code == 201
    assert portal.summary_of(agency_id=owner, period="2025-05")["completed"] == 1
    assert portal.summary_of(agency_id=intruder, period="2025-05")["completed"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"status": 0},
        {"status": 11},
        {"procedure_code": "1002804"},
        {"agency_id": "Bộ Công an"},
        {"dossier_code": "mã hồ sơ"},
        {"citizen_id": ""},
        {"received_at": "hôm qua"},
        {"due_at": "2025-05-17T10:00:00"},  # no offset: which day would it be due?
        # Valid ISO 8601 whose UTC form does not exist, or lies outside the portal's years.
        {"received_at": "0001-01-01T00:00:00+14:00"},
        {"due_at": "9999-12-31T23:59:59-12:00"},
        {"completed_at": "1800-01-01T00:00:00+07:00"},
        {"surprise": True},
    ],
)
def test_an_invalid_event_is_a_422(portal: Portal, changes: dict[str, Any]) -> None:
    agency = portal.agency()
    event = {**portal.event(agency), **changes}
    # The system's own token is well formed: only the event is at fault.
    response = portal.post_event(event, portal.auth("system", sub="mot-cua", agency=agency))
    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_missing_field_is_a_422(portal: Portal) -> None:
    event = portal.event(portal.agency())
    del event["citizen_id"]
    assert portal.post_event(event).status_code == 422


# -- idempotent, and never back --------------------------------------------------------------
def test_the_same_event_twice_applies_once(portal: Portal) -> None:
    agency = portal.agency()
    event = portal.event(agency)
    assert portal.known(event)["applied"] is True
    assert portal.known(event)["applied"] is False
    assert portal.summary_of(agency_id=agency, period="2025-05")["completed"] == 1


def test_a_dossier_is_rated_only_once_handled(portal: Portal) -> None:
    agency = portal.agency()
    event = portal.event(agency, status=4, completed_at=None)
    assert portal.known(event)["applied"] is True
    refused = portal.rate(event)
    assert refused.status_code == 422
    assert portal.known({**event, "status": 9, "completed_at": ON_TIME.isoformat()})["applied"]
    assert portal.rate(event).status_code == 201


def test_an_earlier_status_never_overwrites_a_later_one(portal: Portal) -> None:
    agency = portal.agency()
    event = portal.event(agency, status=10)
    assert portal.known(event)["applied"] is True
    for earlier in (9, 5, 1):
        late = {**event, "status": earlier}
        if earlier < 9:
            del late["completed_at"]
        assert portal.known(late)["applied"] is False
    assert portal.known(event)["applied"] is False
    # Still handled: its citizen may rate it.
    assert portal.rate(event).status_code == 201


def test_a_passing_collision_on_the_agencys_counters_is_retried(portal: Portal) -> None:
    from services.core import aws

    agency = portal.agency()
    event = portal.event(agency)
    with transaction_collisions(aws.dynamodb_client(), times=2) as collisions:
        assert portal.known(event)["applied"] is True
    assert collisions.injected == 2
    assert portal.summary_of(agency_id=agency, period="2025-05")["completed"] == 1


# -- the dossier-events queue ----------------------------------------------------------------
def test_a_batch_is_taken_and_a_malformed_message_fails_nothing(portal: Portal) -> None:
    agency = portal.agency()
    events = [portal.event(agency) for _ in range(3)]
    bodies = [json.dumps(e) for e in events]
    bodies.insert(1, "{not json")
    bodies.insert(3, json.dumps({**portal.event(agency), "status": 42}))
    payload, _ids = portal.deliver_events(bodies)
    assert payload == {"batchItemFailures": []}
    assert all(rateable(portal, e) for e in events)
    # Redelivered, the batch changes nothing.
    payload, _ids = portal.deliver_events(bodies)
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["completed"] == 3


def test_a_failure_mid_batch_fails_that_message_alone(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = portal.agency()
    events = [portal.event(agency) for _ in range(4)]
    unlucky = events[2]["dossier_code"]
    take = service.take_event

    def flaky(event: Any) -> bool:
        if event.dossier_code == unlucky:
            raise RuntimeError("the table is throttling")
        return take(event)

    monkeypatch.setattr(service, "take_event", flaky)
    payload, ids = portal.deliver_events([json.dumps(e) for e in events])
    assert payload == {"batchItemFailures": [{"itemIdentifier": ids[2]}]}
    assert portal.summary_of(agency_id=agency, period="2025-05")["completed"] == 3
    assert portal.rate(events[2]).status_code == 404  # not taken yet
    monkeypatch.setattr(service, "take_event", take)
    # The queue gives the whole batch back (here: redelivery of every message).
    payload, _ids = portal.deliver_events([json.dumps(e) for e in events])
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["completed"] == 4
    assert all(rateable(portal, e) for e in events)


def test_a_cold_consumer_takes_events(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    """In AWS the queue's Lambda serves no HTTP request before its first batch."""
    from services.ratings.app import app

    monkeypatch.delattr(app, "lambda_context", raising=False)
    event = portal.event(portal.agency())
    payload, _ = portal.deliver_events([json.dumps(event)])
    assert payload == {"batchItemFailures": []}
    assert rateable(portal, event)


def test_the_queue_and_the_route_agree_on_order(portal: Portal) -> None:
    agency = portal.agency()
    event = portal.event(agency, status=10)
    payload, _ = portal.deliver_events([json.dumps(event)])
    assert payload == {"batchItemFailures": []}
    assert portal.known({**event, "status": 9})["applied"] is False
    payload, _ = portal.deliver_events([json.dumps({**event, "status": 3})])
    assert payload == {"batchItemFailures": []}
    assert rateable(portal, event)


# -- on time ---------------------------------------------------------------------------------
def test_the_on_time_share_counts_each_handled_dossier_once(portal: Portal) -> None:
    agency = portal.agency()
    on_time = portal.event(agency)
    late = portal.event(agency, completed_at=LATE.isoformat())
    exactly_due = portal.event(agency, completed_at=DUE.isoformat())
    open_dossier = portal.event(agency, status=6, completed_at=None)
    # Handled twice over: 9 repeated, then 10, by the route and by the queue.
    for event in (on_time, late, exactly_due):
        portal.known(event)
        portal.known(event)
        portal.deliver_events([json.dumps(event), json.dumps({**event, "status": 10})])
        portal.known({**event, "status": 10})
    portal.known(open_dossier)
    found = portal.summary_of(agency_id=agency, period="2025-05")
    assert found["completed"] == 3
    assert found["on_time_pct"] == 66.67
    for period in ("2025-Q2", "2025"):
        again = portal.summary_of(agency_id=agency, period=period)
        assert (again["completed"], again["on_time_pct"]) == (3, 66.67)
    assert portal.summary_of(agency_id=agency, period="2025-04")["completed"] is None
    # Beside satisfaction: nobody rated yet.
    assert (found["count"], found["satisfied_pct"]) == (0, None)


def test_a_dossier_returned_without_being_reported_handled_counts_once(portal: Portal) -> None:
    agency = portal.agency()
    event = portal.event(agency, status=10, completed_at=LATE.isoformat())
    portal.known(event)
    portal.known({**event, "status": 9})
    found = portal.summary_of(agency_id=agency, period="2025-05")
    assert (found["completed"], found["on_time_pct"]) == (1, 0.0)


def test_a_handled_dossier_must_say_when_it_was_completed(portal: Portal) -> None:
    agency = portal.agency()
    event = {k: v for k, v in portal.event(agency, status=10).items() if k != "completed_at"}
    response = portal.post_event(event)
    assert response.status_code == 422
    assert "completed_at" in response.body.decode()

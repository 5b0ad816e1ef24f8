"""Counting ratings through the rating-events queue: exactly once per rating whatever the
queue does, summaries per agency, procedure and official and period, each read from one
item, officials' summaries to their agency and operators only, and the sweep that asks again
when a message was lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.core import dynamo
from services.ratings import service, storage
from tests.conftest import SetClock, documented_statuses
from tests.ratings.conftest import (
    DISSATISFIED,
    FAIR,
    FEEDBACK_QUEUE,
    RATING_QUEUE,
    SATISFIED,
    Portal,
    drain,
)
from tests.support.faults import transaction_collisions
from tests.support.metrics import emitted_metrics

PERIODS = ("2025-05", "2025-Q2", "2025")


def rated_dossiers(
    portal: Portal, agency: str, procedure: str, answers: list[tuple[str | None, dict[str, str]]]
) -> list[dict[str, Any]]:
    """One handled dossier per (official, answers), each rated by its citizen."""
    events = []
    for official, given in answers:
        event = portal.event(agency, procedure_code=procedure, official_id=official)
        portal.known(event)
        portal.rated(event, given)
        events.append(event)
    return events


RATINGS: list[tuple[str | None, dict[str, str]]] = [
    ("can-bo-01", {"overall": SATISFIED, "conduct": SATISFIED}),
    ("can-bo-01", {"overall": FAIR, "conduct": DISSATISFIED, "timeliness": FAIR}),
    ("can-bo-01", {"overall": DISSATISFIED, "conduct": DISSATISFIED}),
    ("can-bo-02", {"overall": SATISFIED}),
    (None, {"overall": DISSATISFIED, "timeliness": DISSATISFIED}),
]


def expect_exact(portal: Portal, agency: str, procedure: str, auth: Any) -> None:
    operator = auth("operator")
    for period in PERIODS:
        for query in ({"agency_id": agency}, {"procedure_code": procedure}):
            found = portal.summary_of(None, period=period, **query)
            assert found["count"] == 5
            assert found["satisfied_pct"] == 60.0
            assert found["by_criterion"] == {
                "overall": {SATISFIED: 2, FAIR: 1, DISSATISFIED: 2},
                "conduct": {SATISFIED: 1, DISSATISFIED: 2},
                "timeliness": {FAIR: 1, DISSATISFIED: 1},
            }
        first = portal.summary_of(
            operator, agency_id=agency, official_id="can-bo-01", period=period
        )
        assert (first["count"], first["satisfied_pct"]) == (3, 66.67)
        assert first["by_criterion"]["overall"] == {SATISFIED: 1, FAIR: 1, DISSATISFIED: 1}
        second = portal.summary_of(
            operator, agency_id=agency, official_id="can-bo-02", period=period
        )
        assert (second["count"], second["satisfied_pct"]) == (1, 100.0)
    for other in ("2025-04", "2025-Q1", "2024"):
        nothing = portal.summary_of(agency_id=agency, period=other)
        assert (nothing["count"], nothing["satisfied_pct"], nothing["by_criterion"]) == (
            0,
            None,
            {},
        )


def test_nothing_is_counted_before_the_queue_delivers(portal: Portal) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    rated_dossiers(portal, agency, procedure, RATINGS[:2])
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 0
    portal.count_all(times=1)
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 2


def test_a_queue_invocation_emits_its_business_metrics_when_it_ends(
    portal: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS[:3])
    bodies = drain(RATING_QUEUE)
    capsys.readouterr()
    payload, _ = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": []}
    # Flushed by the invocation itself, not left for a later request to carry out.
    assert emitted_metrics(capsys.readouterr().out)["RatingsCounted"] == 3


def test_each_message_delivered_twice_counts_once(portal: Portal, auth: Any) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS)
    bodies = portal.count_all(times=2)
    assert len(bodies) == 5
    expect_exact(portal, agency, procedure, auth)
    # And again, later, as a queue that redelivers long after.
    payload, _ = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": []}
    expect_exact(portal, agency, procedure, auth)


def test_a_batch_repeating_a_message_counts_it_once_and_asks_one_case(
    portal: Portal, auth: Any
) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    drain(FEEDBACK_QUEUE)
    events = rated_dossiers(portal, agency, procedure, RATINGS)
    bodies = drain(RATING_QUEUE)
    nobody = json.dumps({"type": "rating.created", "dossier_code": "H01.22-250510-9999"})

    # Each message twice in one batch, beside one for a dossier nobody rated.
    payload, _ = portal.deliver_ratings([*bodies, nobody, *bodies[:4]])
    assert payload == {"batchItemFailures": []}
    payload, _ = portal.deliver_ratings([bodies[4]])
    assert payload == {"batchItemFailures": []}

    expect_exact(portal, agency, procedure, auth)
    asked = [json.loads(body)["dossier_code"] for body in drain(FEEDBACK_QUEUE)]
    # One case asked for each of RATINGS' two dissatisfied overall answers.
    assert sorted(asked) == sorted([events[2]["dossier_code"], events[4]["dossier_code"]])


def test_a_failure_mid_batch_comes_back_and_counts_once(
    portal: Portal, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    events = rated_dossiers(portal, agency, procedure, RATINGS)
    unlucky = events[2]["dossier_code"]
    count = service.count
    failed: list[str] = []

    def once_failing(code: str) -> bool:
        if code == unlucky and not failed:
            failed.append(code)
            raise RuntimeError("throttled")
        return count(code)

    monkeypatch.setattr(service, "count", once_failing)
    bodies = drain(RATING_QUEUE)
    assert len(bodies) == 5
    position = [json.loads(b)["dossier_code"] for b in bodies].index(unlucky)
    payload, ids = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": [{"itemIdentifier": ids[position]}]}
    mid = portal.summary_of(agency_id=agency, period="2025-05")
    assert mid["count"] == 4
    # The failed message comes back, and the whole batch is delivered once more for good
    # measure: every rating counted exactly once.
    payload, _ = portal.deliver_ratings([bodies[position]])
    assert payload == {"batchItemFailures": []}
    payload, _ = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": []}
    expect_exact(portal, agency, procedure, auth)


def test_a_failed_transaction_mid_count_leaves_nothing_half_counted(
    portal: Portal, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure inside counting itself (after the rating was read, at the write)."""
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS)
    transact = dynamo.transact
    calls: list[int] = []

    def third_fails(operations: list[dict[str, Any]]) -> None:
        calls.append(len(operations))
        if len(calls) == 3:
            raise RuntimeError("the connection dropped")
        transact(operations)

    monkeypatch.setattr(dynamo, "transact", third_fails)
    bodies = drain(RATING_QUEUE)
    payload, ids = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": [{"itemIdentifier": ids[2]}]}
    assert portal.summary_of(agency_id=agency, period="2025")["count"] == 4
    for _ in range(2):
        payload, _ = portal.deliver_ratings(bodies)
        assert payload == {"batchItemFailures": []}
    expect_exact(portal, agency, procedure, auth)
    drain("portal-test-feedback-intake")


def test_a_passing_collision_on_the_counters_still_counts_once(portal: Portal) -> None:
    """Ratings of one agency add to the same counters: in AWS their transactions collide."""
    from services.core import aws

    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS[:2])
    bodies = drain(RATING_QUEUE)
    with transaction_collisions(aws.dynamodb_client(), times=3) as collisions:
        payload, _ = portal.deliver_ratings(bodies)
    assert collisions.injected == 3
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 2


def test_collisions_outlasting_the_retries_bring_the_message_back(portal: Portal) -> None:
    """Not taken for "counted already": the rating is counted when the message returns."""
    from services.core import aws

    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS[:2])
    bodies = drain(RATING_QUEUE)
    # Every attempt of the first message collides; the second one's first attempt passes.
    with transaction_collisions(aws.dynamodb_client(), times=dynamo.TRANSACTION_ATTEMPTS):
        payload, ids = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": [{"itemIdentifier": ids[0]}]}
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 1
    payload, _ = portal.deliver_ratings(bodies[:1])
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 2


def test_a_cold_consumer_counts(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    """In AWS the queue's Lambda serves no HTTP request before its first batch."""
    from services.ratings.app import app

    agency = portal.agency()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, portal.procedure(), RATINGS[:1])
    monkeypatch.delattr(app, "lambda_context", raising=False)
    portal.count_all(times=1)
    assert portal.summary_of(agency_id=agency, period="2025")["count"] == 1


def test_malformed_and_foreign_messages_fail_nothing_else(portal: Portal) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, procedure, RATINGS[:2])
    bodies = drain(RATING_QUEUE)
    batch = [
        bodies[0],
        "{not json",
        "[]",
        json.dumps({"type": "rating.deleted", "dossier_code": "x"}),
        json.dumps({"type": "rating.created", "dossier_code": "never-rated"}),
        bodies[1],
    ]
    payload, _ids = portal.deliver_ratings(batch)
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 2


# -- who reads an official's summary ---------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "same_agency", "status"),
    [
        ("operator", False, 200),
        ("official", True, 200),
        ("official", False, 403),
        ("citizen", False, 403),
        ("system", True, 403),
        (None, False, 401),
    ],
)
def test_an_officials_summary_goes_to_their_agency_and_operators(
    portal: Portal, auth: Any, role: str | None, same_agency: bool, status: int
) -> None:
    agency = portal.agency()
    rated_dossiers(portal, agency, portal.procedure(), RATINGS[:1])
    portal.count_all()
    headers: dict[str, str] = {}
    if role:
        headers = auth(role, sub="x", agency=agency if same_agency else portal.agency())
    response = portal.summary(headers, agency_id=agency, official_id="can-bo-01", period="2025")
    assert response.status_code == status, response.body
    # The summary is otherwise public; its refusals must still be in the document.
    assert status in documented_statuses(portal.client, "GET", "/summary")
    if status == 200:
        assert json.loads(response.body)["count"] == 1


def test_agency_and_procedure_summaries_are_public(portal: Portal) -> None:
    agency, procedure = portal.agency(), portal.procedure()
    rated_dossiers(portal, agency, procedure, RATINGS[:1])
    portal.count_all()
    assert portal.summary_of(agency_id=agency, period="2025-Q2")["count"] == 1
    assert portal.summary_of(procedure_code=procedure, period="2025-Q2")["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"period": "2025"},
        {"agency_id": "bo-cong-an", "procedure_code": "1.002804", "period": "2025"},
        {"official_id": "can-bo-01", "period": "2025"},
        {"agency_id": "bo-cong-an"},
        {"agency_id": "bo-cong-an", "period": "2025-13"},
        {"agency_id": "bo-cong-an", "period": "2025-Q5"},
        {"agency_id": "bo-cong-an", "period": "25"},
        {"agency_id": "Bộ", "period": "2025"},
    ],
)
def test_an_invalid_summary_query_is_a_422(
    portal: Portal, auth: Any, query: dict[str, str]
) -> None:
    response = portal.summary(auth("operator"), **query)
    assert response.status_code == 422, response.body


# -- one item read ---------------------------------------------------------------------------
class Reads:
    """The ratings table, counting what a summary asks of it."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.calls: list[str] = []

    def get_item(self, **kwargs: Any) -> Any:
        self.calls.append("get_item")
        return self.table.get_item(**kwargs)

    def query(self, **kwargs: Any) -> Any:
        self.calls.append("query")
        return self.table.query(**kwargs)

    def scan(self, **kwargs: Any) -> Any:
        self.calls.append("scan")
        return self.table.scan(**kwargs)


def test_a_summary_reads_one_item_for_one_or_many_ratings(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, many = portal.agency(), portal.agency()
    procedure = portal.procedure()
    rated_dossiers(portal, one, procedure, [(None, {"overall": SATISFIED})])
    rated_dossiers(portal, many, procedure, [(None, {"overall": FAIR})] * 6)
    portal.count_all(times=1)
    reads = Reads(storage.table())
    monkeypatch.setattr(storage, "table", lambda: reads)
    assert portal.summary_of(agency_id=one, period="2025")["count"] == 1
    assert reads.calls == ["get_item"]
    reads.calls.clear()
    assert portal.summary_of(agency_id=many, period="2025")["count"] == 6
    assert reads.calls == ["get_item"]
    reads.calls.clear()
    assert portal.summary_of(procedure_code=procedure, period="2025-05")["count"] == 7
    assert reads.calls == ["get_item"]


# -- the sweep -------------------------------------------------------------------------------
def test_the_sweep_asks_again_for_a_rating_whose_message_was_lost(
    portal: Portal, clock: SetClock
) -> None:
    agency = portal.agency()
    drain(RATING_QUEUE)
    rated_dossiers(portal, agency, portal.procedure(), RATINGS[:2])
    drain(RATING_QUEUE)  # lost
    sweep_event = portal.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    clock.advance(minutes=1)  # too soon: the message may still be on its way
    portal.client.lambda_.invoke("sweep-ratings", sweep_event)
    assert drain(RATING_QUEUE) == []
    clock.advance(minutes=2)
    portal.client.lambda_.invoke("sweep-ratings", sweep_event)
    asked = [json.loads(b)["dossier_code"] for b in drain(RATING_QUEUE)]
    assert len(asked) == 2
    payload, _ = portal.deliver_ratings(
        [json.dumps({"type": "rating.created", "dossier_code": code}) for code in asked]
    )
    assert payload == {"batchItemFailures": []}
    assert portal.summary_of(agency_id=agency, period="2025-05")["count"] == 2
    # Counted: not asked again.
    clock.advance(minutes=5)
    portal.client.lambda_.invoke("sweep-ratings", sweep_event)
    assert drain(RATING_QUEUE) == []

"""The rating-events contract: what ratings sends on its queue once ``POST /ratings`` is
accepted is what its ``count-ratings`` consumer reads, and the rating is counted.

The message is taken from the queue in moto as SQS holds it, not built by the test, so a
producer and a consumer that drift apart fail here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from services.core.messages import RATING_EVENTS, RatingCreated
from tests.conftest import Headers, SetClock, body_of
from tests.support.catalogue import publish_procedure

AGENCY = "so-tu-phap-contract-rating"
DOSSIER = "000.00.12.H26-250520-0001"
CITIZEN = "001190012345"
RATED_AT = datetime(2025, 5, 20, 3, 0, tzinfo=UTC)  # 10:00 on 20 May 2025 in Hà Nội

pytestmark = pytest.mark.usefixtures("moto_world")


@pytest.fixture(scope="module")
def ratings(moto_world: None) -> Iterator[Client]:
    from services.ratings.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module")
def catalogue(moto_world: None) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as client:
        yield client


def received(queue: str) -> list[dict[str, Any]]:
    """Every message the queue holds (body and attributes), removed from it."""
    from services.core import aws

    sqs, url = aws.sqs(), aws.queue_url(queue)
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        for message in batch:
            found.append(dict(message))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_a_rating_accepted_asks_its_consumer_to_count_it(
    ratings: Client, catalogue: Client, auth: Headers, clock: SetClock
) -> None:
    from services.core.settings import get_settings

    queue = get_settings().rating_events_queue
    clock.set(RATED_AT)
    agency = catalogue.http.put(
        f"/agencies/{AGENCY}",
        headers=auth("operator"),
        body=json.dumps({"name": "Sở Tư pháp (hợp đồng)", "level": "province"}),
    )
    assert agency.status_code in (200, 201), agency.body
    publish_procedure(catalogue, auth("operator"), "1.001234", [AGENCY])
    event = {
        "dossier_code": DOSSIER,
        "procedure_code": "1.001234",
        "agency_id": AGENCY,
        "citizen_id": CITIZEN,
        "status": 10,
        "received_at": "2025-05-12T08:00:00+07:00",
        "due_at": "2025-05-19T17:00:00+07:00",
        "completed_at": "2025-05-19T09:30:00+07:00",
    }
    taken = ratings.http.post(
        "/dossiers", headers=auth("system", sub="mot-cua", agency=AGENCY), body=json.dumps(event)
    )
    assert taken.status_code == 200, taken.body
    received(queue)

    rating = {"dossier_code": DOSSIER, "answers": {"overall": "hai_long"}}
    accepted = ratings.http.post("/", headers=auth("citizen", sub=CITIZEN), body=json.dumps(rating))
    assert accepted.status_code == 201, accepted.body

    sent = received(queue)
    assert len(sent) == 1
    # What the consumer's inbox reads, and the type a subscription filter would route on.
    assert RATING_EVENTS.parse(sent[0]["Body"]) == RatingCreated(dossier_code=DOSSIER)
    assert sent[0]["MessageAttributes"]["type"]["StringValue"] == "rating.created"

    sqs_event = ratings.events.generate_sqs_event(
        message_bodies=[sent[0]["Body"]], queue_name=queue
    )
    result = ratings.lambda_.invoke("count-ratings", sqs_event)
    assert result.payload == {"batchItemFailures": []}
    summary = ratings.http.get(f"/summary?agency_id={AGENCY}&period=2025-05")
    assert summary.status_code == 200, summary.body
    assert body_of(summary)["count"] == 1
    assert body_of(summary)["by_criterion"] == {"overall": {"hai_long": 1}}

"""The dossier-events contract, and the dissatisfied rating ratings sends feedback.

- A one-stop system puts the contract's dossier-event body on ``dossier-events`` as it is
  written in CONTRACT.md, without ``type`` or ``schema_version``: the ratings consumer
  takes it, and the dossier's citizen may rate it.
- A dissatisfied rating sends ``rating.dissatisfied`` to the feedback intake queue: the
  message drained from that queue in moto is one ``core.messages.FEEDBACK_INTAKE`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from services.core.messages import FEEDBACK_INTAKE, RatingDissatisfied
from tests.conftest import Headers, SetClock, body_of
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

AGENCY = "ubnd-phuong-contract-dossier"
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 09:00 on 10 November 2026 in Hà Nội
COMMENT = "Hẹn trả kết quả ba lần vẫn chưa có."

pytestmark = pytest.mark.usefixtures("moto_world")


@pytest.fixture(scope="module")
def ratings(moto_world: None) -> Iterator[Client]:
    from services.ratings.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def agency(moto_world: None, auth: Headers) -> None:
    from services.catalogue.app import app

    with Client(app) as catalogue:
        response = catalogue.http.put(
            f"/agencies/{AGENCY}",
            headers=auth("operator"),
            body=json.dumps({"name": "UBND phường (hợp đồng)", "level": "commune"}),
        )
        assert response.status_code in (200, 201), response.body
        publish_procedure(catalogue, auth("operator"), "2.000815", [AGENCY])


def contract_event(dossier_code: str, citizen_id: str) -> dict[str, object]:
    """The Ratings section's body, every field named there, as a one-stop system writes it."""
    return {
        "dossier_code": dossier_code,
        "procedure_code": "2.000815",
        "agency_id": AGENCY,
        "official_id": "can-bo-mot-cua-03",
        "citizen_id": citizen_id,
        "status": 9,
        "received_at": "2026-11-02T08:00:00+07:00",
        "due_at": "2026-11-09T17:00:00+07:00",
        "completed_at": "2026-11-06T10:00:00+07:00",
    }


def deliver(ratings: Client, handler: str, queue: str, bodies: list[str]) -> None:
    event = ratings.events.generate_sqs_event(message_bodies=bodies, queue_name=queue)
    assert ratings.lambda_.invoke(handler, event).payload == {"batchItemFailures": []}


def test_a_one_stop_systems_event_without_type_or_version_is_taken(
    ratings: Client, auth: Headers, clock: SetClock
) -> None:
    from services.core import aws
    from services.core.settings import get_settings

    clock.set(NOW)
    queue = get_settings().dossier_events_queue
    event = contract_event("H55.242-261102-0007", "079123456789")
    assert "type" not in event and "schema_version" not in event
    aws.sqs().send_message(QueueUrl=aws.queue_url(queue), MessageBody=json.dumps(event))
    deliver(ratings, "take-dossier-events", queue, drain(queue))

    summary = ratings.http.get(f"/summary?agency_id={AGENCY}&period=2026-11")
    assert body_of(summary)["completed"] == 1
    assert body_of(summary)["on_time_pct"] == 100.0
    body = {"dossier_code": event["dossier_code"], "answers": {"overall": "rat_hai_long"}}
    rated = ratings.http.post(
        "/", headers=auth("citizen", sub="079123456789"), body=json.dumps(body)
    )
    assert rated.status_code == 201, rated.body


def test_the_dissatisfied_rating_sent_to_feedback_is_what_its_inbox_reads(
    ratings: Client, auth: Headers, clock: SetClock
) -> None:
    from services.core.settings import get_settings

    clock.set(NOW)
    settings = get_settings()
    event = contract_event("H55.242-261102-0008", "079123456790")
    taken = ratings.http.post(
        "/dossiers", headers=auth("system", sub="mot-cua", agency=AGENCY), body=json.dumps(event)
    )
    assert taken.status_code == 200, taken.body
    drain(settings.rating_events_queue)
    drain(settings.feedback_intake_queue)
    body = {
        "dossier_code": "H55.242-261102-0008",
        "answers": {"overall": "khong_hai_long"},
        "comment": COMMENT,
    }
    rated = ratings.http.post(
        "/", headers=auth("citizen", sub="079123456790"), body=json.dumps(body)
    )
    assert rated.status_code == 201, rated.body
    deliver(
        ratings,
        "count-ratings",
        settings.rating_events_queue,
        drain(settings.rating_events_queue),
    )

    sent = drain(settings.feedback_intake_queue)
    assert len(sent) == 1
    assert FEEDBACK_INTAKE.parse(sent[0]) == RatingDissatisfied(
        dossier_code="H55.242-261102-0008",
        agency_id=AGENCY,
        procedure_code="2.000815",
        comment=COMMENT,
    )
    assert "079123456790" not in sent[0]

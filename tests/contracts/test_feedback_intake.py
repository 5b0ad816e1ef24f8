"""The feedback-intake queue: what its two producers send, feedback's consumer accepts.

Feedback asks itself to route a case it just received (``CaseReceived``); ratings asks it
to open a case for a dissatisfied rating (``RatingDissatisfied``). Each body here is made
the way its producer makes it, and goes through the consumer as SQS would deliver it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from services.core import queues
from services.core.messages import RatingDissatisfied
from services.core.settings import get_settings
from tests.conftest import Headers, body_of
from tests.feedback.conftest import case_body
from tests.support.queues import drain

AGENCY = "so-xay-dung-da-nang"
QUEUE = "portal-test-feedback-intake"
_people = itertools.count(1)


@pytest.fixture(scope="module")
def client(moto_world: None, auth: Headers) -> Iterator[Client]:
    from services.catalogue.app import app as catalogue
    from services.feedback.app import app

    with Client(catalogue) as catalogue_client:
        answer = catalogue_client.http.put(
            f"/agencies/{AGENCY}",
            headers=auth("operator"),
            body=json.dumps({"name": "Sở Xây dựng Đà Nẵng", "level": "province"}),
        )
        assert answer.status_code == 200, answer.body
    with Client(app) as feedback:
        yield feedback


def submit(client: Client) -> str:
    """A case for the agency, from a submitter of its own; its tracking code."""
    n = next(_people)
    body = case_body(
        procedure_code=None,
        agency_id=AGENCY,
        submitter={"name": f"Người gửi {n}", "phone": f"0988{n:06d}"},
    )
    answer = client.http.post(
        "/cases", headers={"Content-Type": "application/json"}, body=json.dumps(body)
    )
    assert answer.status_code == 202, answer.body
    return str(body_of(answer)["tracking_code"])


def deliver(client: Client, bodies: list[str]) -> dict[str, Any]:
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
    for n, record in enumerate(event["Records"]):
        record["messageId"] = f"message-{n}"  # the test client gives every record one id
    return dict(client.lambda_.invoke("route-feedback-cases", event).payload)


def agency_cases(client: Client, auth: Headers) -> list[dict[str, Any]]:
    answer = client.http.get(f"/agencies/{AGENCY}/cases", headers=auth("official", agency=AGENCY))
    assert answer.status_code == 200, answer.body
    return list(body_of(answer)["items"])


def as_official(client: Client, auth: Headers, code: str) -> dict[str, Any]:
    answer = client.http.get(f"/cases/{code}", headers=auth("official", agency=AGENCY))
    assert answer.status_code == 200, answer.body
    return dict(body_of(answer))


def test_what_intake_sends_is_what_the_consumer_routes(client: Client, auth: Headers) -> None:
    drain(QUEUE)
    code = submit(client)

    sent = drain(QUEUE)

    assert len(sent) == 1
    assert json.loads(sent[0]) == {
        "type": "case.received",
        "schema_version": 1,
        "tracking_code": code,
    }
    assert deliver(client, sent) == {"batchItemFailures": []}
    case = as_official(client, auth, code)
    assert case["agency_id"] == AGENCY
    assert [step["action"] for step in case["timeline"]] == ["submit", "route"]


def test_a_dissatisfied_rating_as_ratings_builds_it_opens_a_case(
    client: Client, auth: Headers
) -> None:
    drain(QUEUE)
    rating = {  # what ratings holds of a rating when it tells feedback
        "dossier_code": "000.00.12.H26-261122-0001",
        "agency_id": AGENCY,
        "procedure_code": "1.002804",
        "comment": "Tôi phải đi lại ba lần mới nộp đủ hồ sơ.",
    }
    queues.send(
        get_settings().feedback_intake_queue,
        RatingDissatisfied(
            dossier_code=rating["dossier_code"],
            agency_id=rating["agency_id"],
            procedure_code=rating["procedure_code"],
            comment=rating.get("comment"),
        ),
    )

    assert deliver(client, drain(QUEUE)) == {"batchItemFailures": []}

    (listed,) = [
        item for item in agency_cases(client, auth) if "000.00.12.H26-261122-0001" in item["title"]
    ]
    case = as_official(client, auth, listed["tracking_code"])
    assert case["dossier_code"] == "000.00.12.H26-261122-0001"
    assert case["procedure_code"] == "1.002804"
    assert case["content"] == "Tôi phải đi lại ba lần mới nộp đủ hồ sơ."
    assert case["status"] == "received"


@pytest.mark.parametrize(
    "unreadable",
    [
        "not json at all",
        json.dumps({"type": "case.received"}),  # no tracking code
        json.dumps({"type": "rating.dissatisfied", "dossier_code": "D-1"}),  # no agency
        json.dumps({"type": "payment.settled", "order_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
        json.dumps({"type": "case.received", "schema_version": 2, "tracking_code": "PA-2"}),
    ],
)
def test_an_unreadable_body_is_dropped_not_retried(
    client: Client, auth: Headers, unreadable: str
) -> None:
    drain(QUEUE)
    code = submit(client)

    # In one batch with a good message: the bad one fails nothing and does not come back.
    assert deliver(client, [unreadable, *drain(QUEUE)]) == {"batchItemFailures": []}

    assert as_official(client, auth, code)["agency_id"] == AGENCY

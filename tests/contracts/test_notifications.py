"""The notifications queue: what the dossiers service (an apology) and the feedback service
(an answer) send is what the one consumer, registered in the dossiers app, reads and sends
through SES; a body that is no notification is dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

from services.core.messages import NOTIFICATIONS, NotificationRequested
from tests.dossiers.conftest import sent_emails
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

QUEUE = "portal-test-notifications"
AGENCY = "000.00.41.H26"
PROCEDURE = "1.004411"


@pytest.fixture(scope="module")
def catalogue(moto_world: None, auth: Any) -> None:
    from services.catalogue.app import app

    with Client(app) as client:
        client.http.put(
            f"/agencies/{AGENCY}",
            headers=auth("operator"),
            body=json.dumps({"name": "Sở Tài nguyên (hợp đồng)", "level": "province"}),
        )
        publish_procedure(client, auth("operator"), PROCEDURE, [AGENCY])


@pytest.fixture(scope="module")
def dossiers(catalogue: None) -> Iterator[Client]:
    from services.dossiers.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module")
def feedback(catalogue: None) -> Iterator[Client]:
    from services.feedback.app import app

    with Client(app) as client:
        assert client.http.get("/health").status_code == 200
        yield client


def _deliver(dossiers: Client, bodies: list[str]) -> Any:
    event = dossiers.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
    return dossiers.lambda_.invoke("send-notifications", event).payload


def _sent(bodies: list[str]) -> list[NotificationRequested]:
    return [NOTIFICATIONS.parse(body) for body in bodies]


def test_an_apology_notification_is_what_the_consumer_sends(dossiers: Client, auth: Any) -> None:
    code = f"{AGENCY}-260316-0001"
    system = auth("system", sub="mot-cua", agency=AGENCY)
    body = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "online",
        "applicant": {"citizen_id": "079100200300", "name": "Ngô Bảo", "email": "bao@example.vn"},
        "received_at": "2026-03-02T08:00:00+07:00",
        "status": 4,
        "status_at": "2026-03-03T08:00:00+07:00",
    }
    assert dossiers.http.put(f"/{code}", headers=system, body=json.dumps(body)).status_code == 201
    drain(QUEUE)
    apology = dossiers.http.post(
        f"/{code}/apologies",
        headers=auth("official", sub="cb-1", agency=AGENCY),
        body=json.dumps({"reason": "Chờ đo đạc", "new_due_at": "2099-01-05T17:00:00+07:00"}),
    )
    assert apology.status_code == 201, apology.body
    bodies = drain(QUEUE)
    [message] = _sent(bodies)
    assert (message.id, message.channel, message.recipient, message.about.kind) == (
        f"apology:{code}:PXL-2026-000001",
        "email",
        "bao@example.vn",
        "apology",
    )
    before = len(sent_emails())
    assert _deliver(dossiers, bodies) == {"batchItemFailures": []}
    assert [e.subject for e in sent_emails()[before:]] == [message.subject]


def test_a_feedback_answer_notification_is_what_the_consumer_sends(
    dossiers: Client, feedback: Client, auth: Any
) -> None:
    receipt = json.loads(
        feedback.http.post(
            "/cases",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {
                    "title": "Hỏi về thời hạn cấp giấy chứng nhận",
                    "content": "Xin hỏi thời hạn cấp giấy chứng nhận quyền sử dụng đất là bao lâu?",
                    "procedure_code": PROCEDURE,
                    "submitter": {"name": "Lý Thu", "email": "ly.thu@example.vn"},
                }
            ),
        ).body
    )
    intake = boto3.client("sqs")
    url = intake.get_queue_url(QueueName="portal-test-feedback-intake")["QueueUrl"]
    routed = []
    while batch := intake.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for item in batch:
            routed.append(item["Body"])
            intake.delete_message(QueueUrl=url, ReceiptHandle=item["ReceiptHandle"])
    event = feedback.events.generate_sqs_event(
        message_bodies=routed, queue_name="portal-test-feedback-intake"
    )
    assert feedback.lambda_.invoke("route-feedback-cases", event).payload == {
        "batchItemFailures": []
    }
    code = receipt["tracking_code"]
    official = auth("official", agency=AGENCY)
    for step in ({"action": "accept"}, {"action": "answer", "answer": "Ba mươi ngày."}):
        answered = feedback.http.post(
            f"/cases/{code}/actions", headers=official, body=json.dumps(step)
        )
        assert answered.status_code == 200, answered.body
    bodies = drain(QUEUE)
    [message] = _sent(bodies)
    assert (message.channel, message.recipient, message.about.kind) == (
        "email",
        "ly.thu@example.vn",
        "feedback-answer",
    )
    before = len(sent_emails())
    assert _deliver(dossiers, bodies + bodies) == {"batchItemFailures": []}
    assert [e.destinations["ToAddresses"] for e in sent_emails()[before:]] == [
        ["ly.thu@example.vn"]
    ]


def test_a_body_that_is_no_notification_is_dropped(dossiers: Client) -> None:
    wrong = [json.dumps({"type": "notification.requested", "id": "x"}), "{}", "nope"]
    assert _deliver(dossiers, wrong) == {"batchItemFailures": []}

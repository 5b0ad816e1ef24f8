"""The local stack's stand-ins for Lambda's event sources: SQS polling and schedules.

A tiny Chalice app of the test's own registers the handlers, on the template's queues in
moto, so these semantics are pinned before any service has a queue handler.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from chalice.app import Chalice, Cron, Rate, SQSEvent

from infra import local_events
from infra.local_events import EventSources, QueueConsumer, schedule_period

STAGE = "test"
TEMPLATE_QUEUE = f"portal-{STAGE}-dossier-events"

pytestmark = pytest.mark.usefixtures("moto_world")


class Recorder:
    """A queue handler whose behaviour each test sets, remembering what it was given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []
        self.answer: Callable[[list[dict[str, Any]]], Any] = lambda records: None
        self.received = threading.Event()

    def __call__(self, event: SQSEvent) -> Any:
        records = [record.to_dict() for record in event]
        self.events.append(event.to_dict())
        self.contexts.append(event.context)
        try:
            return self.answer(records)
        finally:
            self.received.set()


@pytest.fixture
def sqs() -> Any:
    return boto3.client("sqs")


@dataclass(frozen=True)
class Queue:
    short_name: str
    name: str
    url: str
    dlq_url: str


@pytest.fixture
def queue(sqs: Any) -> Queue:
    """A fresh queue per test (SQS allows one purge a minute), with the template's redrive
    policy and visibility timeout, so dead-lettering follows the template."""
    template_url = sqs.get_queue_url(QueueName=TEMPLATE_QUEUE)["QueueUrl"]
    template = sqs.get_queue_attributes(QueueUrl=template_url, AttributeNames=["All"])["Attributes"]
    short_name = f"unit-{uuid.uuid4().hex[:8]}"
    name = f"portal-{STAGE}-{short_name}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.loads(template["RedrivePolicy"])
    redrive["deadLetterTargetArn"] = dlq_arn
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": template["VisibilityTimeout"],
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return Queue(short_name, name, url, dlq_url)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def consumer(recorder: Recorder, sqs: Any, queue: Queue) -> QueueConsumer:
    app = Chalice(app_name="events-test")

    @app.on_sqs_message(queue=queue.name, batch_size=10)
    def dossier_events(event: SQSEvent) -> Any:
        return recorder(event)

    sources = EventSources([app], stage=STAGE, sqs=sqs)
    assert len(sources.consumers) == 1
    return sources.consumers[0]


def _send(sqs: Any, url: str, *bodies: str) -> list[str]:
    return [
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": "dossier.updated"}},
        )["MessageId"]
        for body in bodies
    ]


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages on the queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def _poll(consumer: QueueConsumer, sqs: Any, url: str) -> int:
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return consumer.poll_once(url, arn)


def test_a_batch_arrives_as_lambda_builds_it_and_is_deleted(
    consumer: QueueConsumer, recorder: Recorder, sqs: Any, queue: Queue
) -> None:
    ids = _send(sqs, queue.url, json.dumps({"dossier_code": "000.00.01.H01-250101-0001"}), "ừ")

    assert _poll(consumer, sqs, queue.url) == 2

    (event,) = recorder.events
    records = event["Records"]
    assert [r["messageId"] for r in records] == ids
    assert records[1]["body"] == "ừ"
    first = records[0]
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"].endswith(f":{queue.name}")
    assert first["awsRegion"] == "ap-southeast-1"
    assert first["receiptHandle"]
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["messageAttributes"]["type"]["stringValue"] == "dossier.updated"
    assert first["messageAttributes"]["type"]["dataType"] == "String"
    context = recorder.contexts[0]
    assert context.function_name == "events-test-test-dossier_events"
    assert context.invoked_function_arn.endswith(":function:events-test-test-dossier_events")
    assert context.aws_request_id
    assert context.memory_limit_in_mb > 0
    assert context.get_remaining_time_in_millis() > 0
    assert _counts(sqs, queue.url) == (0, 0)


def test_only_the_reported_failures_stay_on_the_queue(
    consumer: QueueConsumer, recorder: Recorder, sqs: Any, queue: Queue
) -> None:
    recorder.answer = lambda records: {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in records if r["body"] == "bad"
        ]
    }
    _send(sqs, queue.url, "good", "bad", "good too")

    _poll(consumer, sqs, queue.url)

    assert _counts(sqs, queue.url) == (0, 1)


def test_a_handler_that_raises_deletes_nothing_and_logs_no_personal_data(
    consumer: QueueConsumer,
    recorder: Recorder,
    sqs: Any,
    queue: Queue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(records: list[dict[str, Any]]) -> None:
        raise RuntimeError("citizen 012345678901 not found")

    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        local_events.log, "error", lambda message, extra: logged.append((message, extra))
    )
    recorder.answer = fail
    _send(sqs, queue.url, "one", "two")

    _poll(consumer, sqs, queue.url)

    assert _counts(sqs, queue.url) == (0, 2)
    assert [message for message, _ in logged] == ["queue handler failed"]
    assert "012345678901" not in json.dumps(logged)


def test_an_unknown_failure_identifier_fails_the_whole_batch(
    consumer: QueueConsumer, recorder: Recorder, sqs: Any, queue: Queue
) -> None:
    recorder.answer = lambda records: {"batchItemFailures": [{"itemIdentifier": "no-such-id"}]}
    _send(sqs, queue.url, "one", "two")

    _poll(consumer, sqs, queue.url)

    assert _counts(sqs, queue.url) == (0, 2)


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(
    consumer: QueueConsumer, recorder: Recorder, sqs: Any, queue: Queue
) -> None:
    recorder.answer = lambda records: {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]
    }
    # Redelivery at once instead of after the template's visibility timeout.
    sqs.set_queue_attributes(QueueUrl=queue.url, Attributes={"VisibilityTimeout": "0"})
    (message_id,) = _send(sqs, queue.url, "poison")
    for _ in range(10):
        if not _poll(consumer, sqs, queue.url):
            break
    dead = sqs.receive_message(QueueUrl=queue.dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in dead] == [message_id]
    assert len(recorder.events) == 5  # the template's maxReceiveCount


def test_threads_deliver_until_stopped(recorder: Recorder, sqs: Any, queue: Queue) -> None:
    app = Chalice(app_name="events-test")

    @app.on_sqs_message(queue=queue.short_name)  # a short name resolves per stage
    def dossier_events(event: SQSEvent) -> Any:
        return recorder(event)

    sources = EventSources([app], stage=STAGE, sqs=sqs)
    sources.start()
    try:
        _send(sqs, queue.url, "hello")
        assert recorder.received.wait(10)
    finally:
        started = time.monotonic()
        sources.stop()
    assert time.monotonic() - started < local_events.WAIT_SECONDS + 3
    assert all(not t.is_alive() for t in threading.enumerate() if t.name.startswith("sqs:"))
    deadline = time.monotonic() + 5
    while _counts(sqs, queue.url) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _counts(sqs, queue.url) == (0, 0)


def test_a_schedule_runs_on_its_period_and_survives_errors() -> None:
    calls: list[dict[str, Any]] = []
    ran_twice = threading.Event()

    app = Chalice(app_name="events-test")

    @app.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
    def tick(event: Any) -> None:
        calls.append(event.to_dict())
        if len(calls) >= 2:
            ran_twice.set()
        if len(calls) == 1:
            raise RuntimeError("first run fails")

    sources = EventSources([app], stage=STAGE, region="ap-southeast-1", period=lambda _: 0.05)
    sources.start()
    try:
        assert ran_twice.wait(5)
    finally:
        sources.stop()
    assert calls[0]["detail-type"] == "Scheduled Event"
    assert calls[0]["source"] == "aws.events"
    assert calls[0]["resources"][0].endswith(":rule/events-test-test-tick")


def test_schedule_periods() -> None:
    assert schedule_period(Rate(1, unit=Rate.MINUTES)) == 60
    assert schedule_period(Rate(2, unit=Rate.HOURS)) == 7200
    assert schedule_period(Rate(1, unit=Rate.DAYS)) == 86400
    assert schedule_period("rate(5 minutes)") == 300
    assert schedule_period("rate(1 hour)") == 3600
    assert schedule_period(Cron(0, 12, "*", "*", "?", "*")) == 60
    assert schedule_period("cron(0 12 * * ? *)") == 60


def test_the_catalogue_relay_schedule_is_found() -> None:
    from services.catalogue.app import app

    sources = EventSources([app], stage=STAGE, region="ap-southeast-1")
    assert [(j.config.name, j.period) for j in sources.jobs] == [("relay-procedure-changes", 60)]
    assert sources.consumers == []

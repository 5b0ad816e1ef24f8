"""What Lambda's event sources do in AWS, done by threads in the local stack.

Every ``@app.on_sqs_message`` handler gets a thread that long-polls its queue in moto and
calls the handler with the event Lambda would build; every ``@app.schedule`` handler gets a
thread that calls it on its period, as EventBridge would. Handlers are found generically in
``app.event_sources``, so a handler added to any service is served without touching this file.

Semantics follow Lambda's SQS event source with ``ReportBatchItemFailures``: messages a
handler lists in ``batchItemFailures`` stay on the queue, the others are deleted; a handler
that raises deletes nothing, so the batch comes back after the visibility timeout and, after
``maxReceiveCount`` receives, moto's redrive policy moves it to the dead-letter queue.
"""

from __future__ import annotations

import base64
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from chalice.app import (
    Chalice,
    Rate,
    ScheduledEventConfig,
    ScheduleExpression,
    SQSEventConfig,
)
from chalice.local import LambdaContext

from services.core import observability

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

LOCAL_ACCOUNT = "123456789012"  # moto's default account: ARNs then match what moto returns
WAIT_SECONDS = 1
"""Long-poll wait: short enough that a stop is noticed within about a second."""
HANDLER_TIMEOUT_MS = 60_000
HANDLER_MEMORY_MB = 512

Handler = Callable[[dict[str, Any], Any], Any]
log = observability.logger("local-stack")


def lambda_context(function_name: str, region: str) -> LambdaContext:
    """The context object a handler receives, as Lambda's Python runtime shapes it."""
    context = LambdaContext(
        function_name=function_name,
        memory_size=HANDLER_MEMORY_MB,
        max_runtime_ms=HANDLER_TIMEOUT_MS,
    )
    context.invoked_function_arn = (
        f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{function_name}"
    )
    return context


def function_name(app: Chalice, handler_name: str, stage: str) -> str:
    # Chalice names deployed functions ``<app>-<stage>-<handler>``; logs read the same locally.
    return f"{app.app_name}-{stage}-{handler_name}"


# -- queues ----------------------------------------------------------------------------------
def queue_name(config: SQSEventConfig, stage: str) -> str:
    """The queue a handler consumes. Handlers name either the full queue (resolved from
    settings, ``portal-<stage>-<short>``), a short name, or an ARN."""
    if config.queue:
        if config.queue.startswith("portal-"):
            return config.queue
        return f"portal-{stage}-{config.queue}"
    if config.queue_arn:
        return config.queue_arn.rsplit(":", 1)[-1]
    raise ValueError(f"SQS handler {config.name} names no queue")


def _message_attributes(message: MessageTypeDef) -> dict[str, Any]:
    """SQS's ``MessageAttributes`` in the lower-camel shape Lambda passes to handlers."""
    converted: dict[str, Any] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        entry: dict[str, Any] = {
            "dataType": value["DataType"],
            "stringListValues": [],
            "binaryListValues": [],
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        converted[name] = entry
    return converted


def sqs_event(messages: Iterable[MessageTypeDef], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source hands a function for one batch."""
    records = []
    for message in messages:
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message.get("Body", ""),
                "attributes": {str(k): v for k, v in message.get("Attributes", {}).items()},
                "messageAttributes": _message_attributes(message),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def failed_message_ids(result: Any, batch_ids: set[str]) -> set[str]:
    """The messages to keep, from a handler's partial batch response.

    As in Lambda: no answer or no ``batchItemFailures`` means all succeeded; an identifier
    that is empty or not in the batch makes Lambda treat the whole batch as failed.
    """
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if not failures:
        return set()
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return set(batch_ids)
        failed.add(str(identifier))
    return failed


@dataclass
class QueueConsumer:
    """One SQS handler and the queue it reads: what an event source mapping is in AWS."""

    app: Chalice
    config: SQSEventConfig
    handler: Handler
    stage: str
    sqs: SQSClient
    region: str

    @property
    def queue(self) -> str:
        return queue_name(self.config, self.stage)

    def _queue_url_and_arn(self) -> tuple[str, str]:
        url = self.sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, attributes["Attributes"]["QueueArn"]

    def poll_once(self, url: str, arn: str) -> int:
        """Receive one batch and deliver it; how many messages were received."""
        received = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(self.config.batch_size, 10)),
            WaitTimeSeconds=WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if messages:
            self.deliver(messages, url, arn)
        return len(messages)

    def deliver(self, messages: list[MessageTypeDef], url: str, arn: str) -> None:
        name = function_name(self.app, self.config.name, self.stage)
        batch_ids = {m["MessageId"] for m in messages}
        try:
            result = self.handler(
                sqs_event(messages, arn, self.region), lambda_context(name, self.region)
            )
        except Exception as error:
            # Nothing is deleted: the batch is redelivered, then dead-lettered, as in AWS.
            # Only where it failed is logged; the message may quote personal data.
            log.error(
                "queue handler failed",
                extra={
                    "handler": name,
                    "messages": len(messages),
                    "trace": observability.safe_trace(error),
                },
            )
            return
        failed = failed_message_ids(result, batch_ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        if failed:
            log.warning(
                "queue handler reported failures",
                extra={"handler": name, "failed": len(failed), "messages": len(messages)},
            )
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )

    def run(self, stop: threading.Event) -> None:
        try:
            url, arn = self._queue_url_and_arn()
        except Exception as error:
            log.error(
                "queue not found; handler not served",
                extra={"queue": self.queue, "trace": observability.safe_trace(error)},
            )
            return
        while not stop.is_set():
            try:
                self.poll_once(url, arn)
            except Exception as error:
                if stop.is_set():
                    return  # moto is going away under us during shutdown
                log.error(
                    "queue poll failed",
                    extra={"queue": self.queue, "trace": observability.safe_trace(error)},
                )
                stop.wait(1)


# -- schedules -------------------------------------------------------------------------------
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$", re.IGNORECASE)
_SECONDS = {"MINUTE": 60, "HOUR": 3600, "DAY": 86400}


def schedule_period(expression: str | ScheduleExpression) -> float:
    """Seconds between runs: a rate's own period; a cron runs every minute, which is often
    enough for local work without parsing cron."""
    if isinstance(expression, Rate):
        return float(expression.value * _SECONDS[expression.unit.upper().rstrip("S")])
    if not isinstance(expression, str):  # a Cron, or any other expression
        return 60.0
    match = _RATE.match(expression.strip())
    if match:
        return float(int(match.group(1)) * _SECONDS[match.group(2).upper().rstrip("S")])
    return 60.0


def scheduled_event(rule_name: str, region: str) -> dict[str, Any]:
    """The EventBridge ``Scheduled Event`` Lambda receives (chalice's CloudWatchEvent)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{LOCAL_ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }


@dataclass
class ScheduledJob:
    app: Chalice
    config: ScheduledEventConfig
    handler: Handler
    stage: str
    region: str
    period: float

    def run_once(self) -> None:
        name = function_name(self.app, self.config.name, self.stage)
        try:
            self.handler(scheduled_event(name, self.region), lambda_context(name, self.region))
        except Exception as error:
            log.error(
                "scheduled handler failed",
                extra={"handler": name, "trace": observability.safe_trace(error)},
            )

    def run(self, stop: threading.Event) -> None:
        # EventBridge first fires one period after the rule exists, not at once.
        while not stop.wait(self.period):
            self.run_once()


# -- wiring ----------------------------------------------------------------------------------
class EventSources:
    """Every queue consumer and schedule of some apps, on threads that one event stops."""

    def __init__(
        self,
        apps: Iterable[Chalice],
        *,
        stage: str,
        region: str | None = None,
        sqs: SQSClient | None = None,
        period: Callable[[str | ScheduleExpression], float] = schedule_period,
    ) -> None:
        self.sqs: SQSClient = sqs or boto3.client("sqs", region_name=region)
        self.region = region or self.sqs.meta.region_name
        self.consumers: list[QueueConsumer] = []
        self.jobs: list[ScheduledJob] = []
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        for app in apps:
            for source in app.event_sources:
                handler = app.handler_map[source.name]
                if isinstance(source, SQSEventConfig):
                    self.consumers.append(
                        QueueConsumer(app, source, handler, stage, self.sqs, self.region)
                    )
                elif isinstance(source, ScheduledEventConfig):
                    self.jobs.append(
                        ScheduledJob(
                            app,
                            source,
                            handler,
                            stage,
                            self.region,
                            period(source.schedule_expression),
                        )
                    )

    def start(self) -> None:
        workers: list[tuple[str, Callable[[threading.Event], None]]] = []
        workers.extend((f"sqs:{c.queue}", c.run) for c in self.consumers)
        workers.extend((f"schedule:{j.config.name}", j.run) for j in self.jobs)
        for name, target in workers:
            thread = threading.Thread(
                target=target, args=(self.stop_event,), name=name, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every worker to stop and wait for them ``timeout`` seconds in all, not each:
        with some twenty consumers and schedules, waiting for each in turn made a stack busy
        on a loaded machine take longer to stop than a supervisor's SIGTERM grace. A worker
        still in a call after that is a daemon thread and ends with the process."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

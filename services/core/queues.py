"""Sending typed messages, and consuming a queue with partial batch failures.

Producers call :func:`send` or :func:`send_batch` with :mod:`services.core.messages`
models; consumers hand their Lambda event to :func:`consume` with the queue's inbox and a
handler of parsed messages. A message whose handler raises is reported alone
(``batchItemFailures``) and comes back; a body the inbox cannot read is dropped with a log
line, since it would come back unreadable forever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from services.core import aws
from services.core.messages import Inbox, Message, Unreadable, attributes, encode

Received = TypeVar("Received")

BATCH_SIZE = 10  # SendMessageBatch's limit


def send(queue_name: str, message: Message) -> None:
    aws.sqs().send_message(
        QueueUrl=aws.queue_url(queue_name),
        MessageBody=encode(message),
        MessageAttributes=attributes(message),
    )


def send_batch(queue_name: str, messages: Sequence[tuple[str, Message]]) -> list[str]:
    """Send ``(id, message)`` pairs, ten to a request; the ids the queue took. It stops at
    the first request the queue refuses in part: the rest is for a later attempt."""
    queue = aws.queue_url(queue_name)
    taken: list[str] = []
    for start in range(0, len(messages), BATCH_SIZE):
        batch = messages[start : start + BATCH_SIZE]
        answer = aws.sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[
                {
                    "Id": entry_id,
                    "MessageBody": encode(message),
                    "MessageAttributes": attributes(message),
                }
                for entry_id, message in batch
            ],
        )
        taken.extend(done["Id"] for done in answer.get("Successful", []))
        if answer.get("Failed"):
            break
    return taken


def consume(
    event: dict[str, Any],
    context: Any,
    inbox: Inbox[Received],
    handle: Callable[[Received], None],
    log: Any,
) -> dict[str, Any]:
    """Run ``handle`` on each message of an SQS event, with Powertools' batch processing."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def one(record: SQSRecord) -> None:
        log.set_correlation_id(record.message_id)
        try:
            message = inbox.parse(record.body)
        except Unreadable:
            log.error(
                "message refused", extra={"queue": inbox.queue, "message_id": record.message_id}
            )
            return
        handle(message)

    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=one,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )

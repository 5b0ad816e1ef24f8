"""Queue consumers, with Powertools batch processing: a message that fails is reported back
alone (partial batch response) and redelivered; the others are done."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from services.core import observability

log = observability.logger("payments")


def issue_receipts(
    event: dict[str, Any], context: Any, issue: Callable[[dict[str, Any]], str | None]
) -> dict[str, Any]:
    def handle(record: SQSRecord) -> None:
        log.set_correlation_id(record.message_id)
        issued = issue(json.loads(record.body))
        log.info("receipt", extra={"issued": issued is not None})

    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )

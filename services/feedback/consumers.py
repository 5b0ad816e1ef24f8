"""The intake queue's consumer, with Powertools batch processing: a message that fails is
reported alone (partial batch response) and comes back; routing is idempotent per case."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from services.core import observability
from services.feedback import domain, service

log = observability.logger("feedback")


def route_cases(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def handle(record: SQSRecord) -> None:
        log.set_correlation_id(record.message_id)
        message = json.loads(record.body)
        if message.get("type") == "rating.dissatisfied":
            opened = service.open_from_rating(
                str(message["dossier_code"]),
                str(message["agency_id"]),
                message.get("procedure_code"),
                message.get("comment"),
            )
            log.info("case from a rating", extra={"opened_now": opened})
            return
        code = str(message.get("tracking_code", ""))
        if message.get("type") != "case.received" or not domain.is_tracking_code(code):
            log.warning("intake message ignored", extra={"type": str(message.get("type"))[:40]})
            return
        routed = service.route(code)
        log.info("case routed", extra={"tracking_code": code, "routed_now": routed})

    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )

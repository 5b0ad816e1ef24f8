"""The ratings queues' consumers, with Powertools batch processing: a failed message is
reported alone (partial batch response) and comes back; both handlers are idempotent."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from services.core import observability
from services.ratings import service
from services.ratings.models import DossierEvent

log = observability.logger("ratings")


def _process(event: dict[str, Any], context: Any, handle: Any) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )


def dossier_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def handle(record: SQSRecord) -> None:
        log.set_correlation_id(record.message_id)
        try:
            dossier = DossierEvent.model_validate_json(record.body)
        except ValidationError:
            # A malformed event will not get better by coming back; say where, not what.
            log.error("dossier event refused", extra={"message_id": record.message_id})
            return
        applied = service.take_event(dossier)
        log.info("dossier event", extra={"status": dossier.status, "applied": applied})

    return _process(event, context, handle)


def rating_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def handle(record: SQSRecord) -> None:
        log.set_correlation_id(record.message_id)
        try:
            message = json.loads(record.body)
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "rating.created":
            # Not a counting request, and it will not become one by coming back.
            log.warning("rating event ignored", extra={"message_id": record.message_id})
            return
        counted = service.count(str(message.get("dossier_code", "")))
        log.info("rating counted", extra={"counted_now": counted})

    return _process(event, context, handle)

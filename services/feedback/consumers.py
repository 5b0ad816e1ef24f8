"""The intake queue's consumer: feedback's own routing requests and ratings' dissatisfied
ratings, read through core's inbox for the queue. A message that fails is reported alone
(partial batch response) and comes back; routing and opening are idempotent per case; a
body that is none of the queue's messages is dropped with a log line."""

from __future__ import annotations

from typing import Any

from services.core import observability, queues
from services.core.messages import FEEDBACK_INTAKE, CaseReceived, RatingDissatisfied
from services.feedback import domain, service

log = observability.logger("feedback")


def route_cases(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return queues.consume(event, context, FEEDBACK_INTAKE, _take, log)


def _take(message: CaseReceived | RatingDissatisfied) -> None:
    if isinstance(message, RatingDissatisfied):
        opened = service.open_from_rating(
            message.dossier_code, message.agency_id, message.procedure_code, message.comment
        )
        log.info("case from a rating", extra={"opened_now": opened})
        return
    code = message.tracking_code
    if not domain.is_tracking_code(code):
        # No case ever has such a code, and the message will not come to have one.
        log.warning("intake message ignored", extra={"type": message.type})
        return
    routed = service.route(code)
    log.info("case routed", extra={"tracking_code": code, "routed_now": routed})

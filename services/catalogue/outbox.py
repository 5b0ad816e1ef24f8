"""Relays procedure changes from the table's change feed to the procedure-changes queue.

The change item is written in the same transaction as the change itself, so a change is
never lost: it is sent right after the commit and, should that fail, by the schedule.
Consumers key on ``(code, version)``, so a change sent twice is applied once.
"""

from __future__ import annotations

import json
from typing import Any

from services.catalogue import storage
from services.core import aws
from services.core.settings import get_settings


def message(change: dict[str, Any]) -> dict[str, Any]:
    kind = "procedure.abolished" if change["status"] == "abolished" else "procedure.published"
    return {
        "type": kind,
        "code": change["code"],
        "version": change["version"],
        "occurred_at": change["sk"].split("#", 1)[0],
    }


def relay(limit: int = 100) -> int:
    """Send every change still in the outbox; returns how many were sent."""
    pending = storage.pending_outbox(limit)
    if not pending:
        return 0
    queue = aws.queue_url(get_settings().procedure_changes_queue)
    for start in range(0, len(pending), 10):
        batch = pending[start : start + 10]
        aws.sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": json.dumps(message(change)),
                    "MessageAttributes": {
                        "type": {"DataType": "String", "StringValue": message(change)["type"]}
                    },
                }
                for i, change in enumerate(batch)
            ],
        )
        for change in batch:
            storage.mark_relayed(change["sk"])
    return len(pending)

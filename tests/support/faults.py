"""Faults DynamoDB produces that moto never does, injected at the client's own seam.

moto applies transactions one at a time, so two transactions never collide there; in AWS a
``TransactWriteItems`` that meets another transaction on one of its items is cancelled with
``TransactionConflict`` and succeeds when tried again. :func:`transaction_collisions` makes
the next ``times`` transactions of a client fail exactly as DynamoDB answers that, through
botocore's ``before-call`` event (the call never reaches moto), and lets the rest through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class _Status:
    status_code: int = 400
    headers: dict[str, str] | None = None


@dataclass
class Collisions:
    remaining: int
    injected: int = 0


@contextmanager
def transaction_collisions(client: Any, times: int = 1) -> Iterator[Collisions]:
    """The next ``times`` TransactWriteItems calls of ``client`` collide with another
    transaction; what follows reaches moto as usual."""
    collisions = Collisions(times)

    def collide(params: dict[str, Any], **_: Any) -> tuple[_Status, dict[str, Any]] | None:
        if collisions.remaining <= 0:
            return None
        collisions.remaining -= 1
        collisions.injected += 1
        # ``params`` is the serialized request: its body names the items, one reason each.
        items = json.loads(params.get("body") or b"{}").get("TransactItems", [])
        reasons = [{"Code": "TransactionConflict"} for _ in items]
        return _Status(), {
            "Error": {
                "Code": "TransactionCanceledException",
                "Message": "Transaction cancelled, please refer cancellation reasons for "
                "specific reasons [TransactionConflict]",
            },
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    event = "before-call.dynamodb.TransactWriteItems"
    client.meta.events.register(event, collide, unique_id="test-transaction-collisions")
    try:
        yield collisions
    finally:
        client.meta.events.unregister(event, unique_id="test-transaction-collisions")

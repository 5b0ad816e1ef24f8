"""What every storage module does with DynamoDB the same way: transactions, conditional
writes, and the text form of times and numbers.

- :func:`transact` runs one ``TransactWriteItems``. A failed condition is a
  :class:`Conflict` at once: the state the caller read is gone, and only the caller knows
  what that means. A collision with another transaction on the same item (DynamoDB's
  ``TransactionConflict``, common on shared counters) is not the caller's fault and passes
  in milliseconds, so it is retried a bounded number of times with growing jitter, the same
  for every service.
- :func:`update_if` and :func:`put_if` are one conditional write whose failed condition
  answers ``False`` instead of raising.
- :func:`iso` and :func:`moment` are how times are stored: ISO 8601 in UTC.
- :func:`plain` turns what boto3 reads (``Decimal``) back into ints and floats.
- :func:`scan_segment` reads one segment of a parallel scan, for backfills (``portal reports
  rebuild``): never on a request's path.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from services.core import aws

TRANSACTION_ATTEMPTS = 6
"""How often a transaction that collided with another is tried in all: six attempts wait
about a second in total, far longer than a collision on one counter lasts."""

_CONDITION_FAILED = "ConditionalCheckFailedException"


class Conflict(Exception):
    """The state a write expected is gone: another request changed it first, or the work
    was done already. ``reasons`` are DynamoDB's cancellation codes, one per operation."""

    def __init__(self, reasons: list[str] | None = None) -> None:
        self.reasons = list(reasons or [])
        super().__init__(",".join(self.reasons) or "condition failed")


def _cancellation_reasons(error: ClientError) -> list[str]:
    return [str(r.get("Code", "None")) for r in error.response.get("CancellationReasons", [])]


def transact(operations: list[dict[str, Any]], *, attempts: int = TRANSACTION_ATTEMPTS) -> None:
    """Apply ``operations`` together or not at all; :class:`Conflict` when a condition
    fails, or when collisions outlast ``attempts``."""
    for attempt in range(attempts):
        try:
            aws.dynamodb_client().transact_write_items(TransactItems=operations)
            return
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == _CONDITION_FAILED:
                raise Conflict([code]) from None
            if code != "TransactionCanceledException":
                raise
            reasons = _cancellation_reasons(error)
            if "ConditionalCheckFailed" in reasons or attempt == attempts - 1:
                raise Conflict(reasons) from None
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter


def condition_failed(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == _CONDITION_FAILED)


def update_if(table: Any, key: dict[str, Any], **update: Any) -> bool:
    """One ``UpdateItem`` with its ``ConditionExpression``; False when the condition fails.

    ``update`` takes the ``update_item`` keywords (``UpdateExpression``,
    ``ConditionExpression``, ``ExpressionAttributeNames``, ``ExpressionAttributeValues``).
    """
    try:
        table.update_item(Key=key, **update)
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def put_if(table: Any, item: dict[str, Any], condition: str = "attribute_not_exists(pk)") -> bool:
    """One ``PutItem`` under ``condition`` (by default: the item is new); False when it
    fails."""
    try:
        table.put_item(Item=item, ConditionExpression=condition)
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def shard_of(key: str, shards: int) -> int:
    """Which of ``shards`` partitions ``key`` goes to: stable across processes and
    releases (CRC-32, not Python's salted ``hash``), and even over random ids."""
    return zlib.crc32(key.encode()) % shards


def iso(moment: datetime | None) -> str | None:
    """How a moment is stored: ISO 8601 in UTC, so that text order is time order."""
    return moment.astimezone(UTC).isoformat() if moment else None


def moment(text: Any) -> datetime | None:
    """A stored moment read back (None for a missing one)."""
    return datetime.fromisoformat(str(text)) if text else None


def plain(value: Any) -> Any:
    """``value`` as read from a table with its ``Decimal`` numbers made ints (or floats)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def scan_segment(table: Any, segment: int, segments: int, sk: str) -> Iterator[dict[str, Any]]:
    """Every item of one segment of a parallel scan whose sort key is ``sk``, page by page.
    Eventually consistent (half the read units): a backfill that runs beside live writes
    is as fresh as its slowest page anyway, and the messages correct what it missed."""
    kwargs: dict[str, Any] = {
        "Segment": segment,
        "TotalSegments": segments,
        "FilterExpression": "sk = :sk",
        "ExpressionAttributeValues": {":sk": sk},
    }
    while True:
        page = table.scan(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

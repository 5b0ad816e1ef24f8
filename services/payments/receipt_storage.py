"""Storage of the receipt book in the payments table: per agency and year, a counter and
the receipts.

- ``RECEIPTS#<agency>#<year>`` / ``COUNTER``: the last number issued;
- ``RECEIPTS#<agency>#<year>`` / ``NO#<number>``: the receipt itself, and the order gets
  ``receipt_no`` in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from services.core.dynamo import iso, transact
from services.core.settings import get_settings
from services.payments.domain import Order
from services.payments.storage import order_key, paid_day_partition, table


def _counter_key(agency_id: str, year: int) -> dict[str, str]:
    return {"pk": f"RECEIPTS#{agency_id}#{year}", "sk": "COUNTER"}


def last_receipt_number(agency_id: str, year: int) -> int:
    item = table().get_item(Key=_counter_key(agency_id, year), ConsistentRead=True).get("Item")
    return int(item["last"]) if item else 0


_ORDER_WITHOUT_RECEIPT = "attribute_exists(pk) AND attribute_not_exists(receipt_no)"


def issue_receipt(order: Order, year: int, seen: int, receipt_no: str, now: datetime) -> None:
    """Take number ``seen + 1`` for ``order`` in one transaction: the counter moves only if
    no one else took that number, and the order takes a receipt only once; so numbers have
    no gaps and no order has two."""
    assert order.paid_at is not None
    paid_at = order.paid_at
    table = get_settings().payments_table
    counter: dict[str, Any] = {
        "TableName": table,
        "Key": _counter_key(order.agency_id, year),
        "UpdateExpression": "SET #last = :next",
        "ExpressionAttributeNames": {"#last": "last"},
        "ExpressionAttributeValues": {":next": seen + 1},
    }
    if seen == 0:
        counter["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        counter["ConditionExpression"] = "#last = :seen"
        counter["ExpressionAttributeValues"][":seen"] = seen
    transact(
        [
            {"Update": counter},
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        "pk": f"RECEIPTS#{order.agency_id}#{year}",
                        "sk": f"NO#{seen + 1:09d}",
                        "receipt_no": receipt_no,
                        "order_id": order.order_id,
                        "procedure_code": order.procedure_code,
                        "dossier_code": order.dossier_code,
                        "amount_vnd": order.amount_vnd,
                        "issued_at": iso(now),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": order_key(order.order_id),
                    # With its receipt the order leaves the outbox for its day of payment.
                    "UpdateExpression": "SET receipt_no = :no, receipt_issued_at = :at,"
                    " gsi1pk = :day, gsi1sk = :paid_sk",
                    "ConditionExpression": _ORDER_WITHOUT_RECEIPT,
                    "ExpressionAttributeValues": {
                        ":no": receipt_no,
                        ":at": iso(now),
                        ":day": paid_day_partition(paid_at),
                        ":paid_sk": f"{iso(paid_at)}#{order.order_id}",
                    },
                }
            },
        ]
    )


def receipts(agency_id: str, year: int) -> list[dict[str, Any]]:
    answer = table().query(
        KeyConditionExpression=Key("pk").eq(f"RECEIPTS#{agency_id}#{year}")
        & Key("sk").begins_with("NO#"),
        ConsistentRead=True,
    )
    return list(answer["Items"])

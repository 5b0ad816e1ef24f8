"""Storage of the receipt book in the payments table: per agency and year, a counter and
the receipts.

- ``RECEIPTS#<agency>#<year>`` / ``COUNTER``: the last number issued;
- ``RECEIPTS#<agency>#<year>`` / ``NO#<number>``: the receipt itself, written once with
  everything it says (the agency's name, the fees, the payer's reference, the time), and
  the order gets ``receipt_no`` in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from services.core.dynamo import iso, moment, plain, transact
from services.core.settings import get_settings
from services.payments import domain
from services.payments.domain import FeeLine, Order, Receipt
from services.payments.storage import order_key, paid_day_partition, table


def _counter_key(agency_id: str, year: int) -> dict[str, str]:
    return {"pk": f"RECEIPTS#{agency_id}#{year}", "sk": "COUNTER"}


def last_receipt_number(agency_id: str, year: int) -> int:
    item = table().get_item(Key=_counter_key(agency_id, year), ConsistentRead=True).get("Item")
    return int(item["last"]) if item else 0


_ORDER_WITHOUT_RECEIPT = "attribute_exists(pk) AND attribute_not_exists(receipt_no)"


def _receipt_key(agency_id: str, year: int, sequence: int) -> dict[str, str]:
    return {"pk": f"RECEIPTS#{agency_id}#{year}", "sk": f"NO#{sequence:09d}"}


def issue_receipt(
    order: Order,
    year: int,
    seen: int,
    receipt_no: str,
    now: datetime,
    *,
    agency_name: str,
    procedure_name: str,
) -> None:
    """Take number ``seen + 1`` for ``order`` in one transaction: the counter moves only if
    no one else took that number, and the order takes a receipt only once; so numbers have
    no gaps and no order has two. What the receipt says is written with it, never again."""
    assert order.paid_at is not None
    paid_at = order.paid_at
    fees = order.fees or (FeeLine(procedure_name, order.amount_vnd),)
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
                        **_receipt_key(order.agency_id, year, seen + 1),
                        "receipt_no": receipt_no,
                        "form": domain.RECEIPT_FORM,
                        "serial": domain.receipt_serial(year),
                        "order_id": order.order_id,
                        "agency_id": order.agency_id,
                        "agency_name": agency_name,
                        "procedure_code": order.procedure_code,
                        "procedure_name": procedure_name,
                        "dossier_code": order.dossier_code,
                        "fees": [{"name": f.name, "amount_vnd": f.amount_vnd} for f in fees],
                        "amount_vnd": order.amount_vnd,
                        "payer_reference": domain.payer_reference(order.owner),
                        "paid_at": iso(paid_at),
                        "provider": order.provider,
                        "bank_transaction_no": order.bank_transaction_no,
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


def receipt_of(order: Order) -> Receipt | None:
    """The receipt issued for ``order``, as it was issued; None if it has none (yet)."""
    if not order.receipt_no or order.paid_at is None:
        return None
    year = int(order.receipt_no.rsplit("/", 2)[1])
    sequence = domain.receipt_sequence(order.receipt_no)
    key = _receipt_key(order.agency_id, year, sequence)
    item = table().get_item(Key=key, ConsistentRead=True).get("Item")
    if not item or item.get("order_id") != order.order_id:
        return None
    record = plain(item)
    fees = tuple(FeeLine(str(f["name"]), int(f["amount_vnd"])) for f in record.get("fees", []))
    paid_at = moment(record.get("paid_at")) or order.paid_at
    return Receipt(
        receipt_no=str(record["receipt_no"]),
        form=str(record.get("form", domain.RECEIPT_FORM)),
        serial=str(record.get("serial", domain.receipt_serial(year))),
        number=f"{sequence:07d}",
        order_id=order.order_id,
        agency_id=order.agency_id,
        agency_name=str(record.get("agency_name") or order.agency_id),
        procedure_code=order.procedure_code,
        procedure_name=str(record.get("procedure_name") or order.procedure_name),
        dossier_code=order.dossier_code,
        fees=fees or (FeeLine(order.procedure_name or order.procedure_code, order.amount_vnd),),
        total_vnd=int(record.get("amount_vnd", order.amount_vnd)),
        payer_reference=str(record.get("payer_reference") or domain.payer_reference(order.owner)),
        paid_at=paid_at,
        issued_at=moment(record["issued_at"]) or paid_at,
        provider=order.provider,
        bank_transaction_no=order.bank_transaction_no,
        refunded_at=order.refunded_at,
    )

"""The payments table: orders, their notices, the dossier lock, receipts and the outbox.

Items (``pk`` / ``sk``):

- ``ORDER#<id>`` / ``ORDER``: the order, with the notice that settled it. Its place in gsi1
  follows its life: ``PENDING#<shard>`` by expiry while pending (the expiry sweep), then
  ``OUTBOX#<shard>`` once paid, by when its settled event is (next) due, until its receipt
  is issued, then ``PAID#<day in GMT+7>`` by payment time for good (reconciliation).
- ``ORDER#<id>`` / ``NOTICE#<received at>#<uuid>``: every other notification received for
  that order id; written once, never changed. With the settling notice on the order, the
  order's partition is the whole audit trail. Notices whose order id is malformed go under
  ``NOTICE#MALFORMED``.
- ``DOSSIER#<code>#<owner>`` / ``PAYMENT``: which of the citizen's orders holds the dossier,
  so that it never has two live orders; a new order replaces a holder no longer pending.
- ``RECEIPTS#...``: e-receipts, see :mod:`services.payments.receipt_storage`.

Every state change is conditional on the state it expects, so two notices racing for one
order cannot both apply; a notice settles an order in one write.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from services.core import aws, clock, dynamo
from services.core.dynamo import condition_failed, iso, moment, plain, transact, update_if
from services.core.settings import get_settings
from services.payments.domain import FeeLine, Order

PENDING_SHARDS = 8  # spreads the expiry and outbox indexes over partitions at national volumes
OUTBOX = "OUTBOX"


def table() -> Any:
    return aws.table(get_settings().payments_table)


def _shard(order_id: str) -> int:
    return dynamo.shard_of(order_id, PENDING_SHARDS)


def order_key(order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": "ORDER"}


def order_item(order: Order) -> dict[str, Any]:
    item: dict[str, Any] = {
        **order_key(order.order_id),
        "order_id": order.order_id,
        "procedure_code": order.procedure_code,
        "dossier_code": order.dossier_code,
        "provider": order.provider,
        "amount_vnd": order.amount_vnd,
        "charge": charge(order.provider, order.amount_vnd),
        "agency_id": order.agency_id,
        "owner": order.owner,
        "status": order.status,
        "created_at": iso(order.created_at),
        "pay_by": iso(order.expires_at),
        "pay_url": order.pay_url,
    }
    if order.procedure_name:
        item["procedure_name"] = order.procedure_name
    if order.fees:
        item["fees"] = [{"name": f.name, "amount_vnd": f.amount_vnd} for f in order.fees]
    optional = {
        "paid_at": iso(order.paid_at),
        "settled_at": iso(order.settled_at),
        "bank_transaction_no": order.bank_transaction_no,
        "receipt_no": order.receipt_no,
        "refunded_at": iso(order.refunded_at),
        "refund_reason": order.refund_reason,
        "flagged": order.flagged,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    if order.status == "pending":
        item["gsi1pk"] = f"PENDING#{_shard(order.order_id)}"
        item["gsi1sk"] = f"{item['pay_by']}#{order.order_id}"
    return item


def order_from(item: dict[str, Any]) -> Order:
    settling = json.loads(item["accepted_notice"]) if item.get("accepted_notice") else {}
    return Order(
        order_id=item["order_id"],
        procedure_code=item["procedure_code"],
        dossier_code=item["dossier_code"],
        provider=item["provider"],
        amount_vnd=int(item["amount_vnd"]),
        agency_id=item["agency_id"],
        owner=item["owner"],
        status=item["status"],
        created_at=moment(item["created_at"]),  # type: ignore[arg-type]
        expires_at=moment(item["pay_by"]),  # type: ignore[arg-type]
        pay_url=item.get("pay_url", ""),
        paid_at=moment(item.get("paid_at") or settling.get("paid_at")),
        settled_at=moment(item.get("settled_at") or settling.get("received_at")),
        bank_transaction_no=item.get("bank_transaction_no") or settling.get("transaction_no"),
        receipt_no=item.get("receipt_no"),
        refunded_at=moment(item.get("refunded_at")),
        refund_reason=item.get("refund_reason"),
        flagged=item.get("flagged"),
        procedure_name=str(item.get("procedure_name", "")),
        fees=tuple(
            FeeLine(str(fee["name"]), int(plain(fee["amount_vnd"])))
            for fee in item.get("fees") or []
        ),
    )


def load_order(order_id: str, *, consistent: bool = True) -> Order | None:
    item = table().get_item(Key=order_key(order_id), ConsistentRead=consistent).get("Item")
    return order_from(item) if item else None


def load_orders(order_ids: list[str]) -> list[Order]:
    """Many orders by id, a hundred keys per request."""
    client = aws.dynamodb_client()
    table = get_settings().payments_table
    found: list[Order] = []
    unique = sorted(set(order_ids))
    for start in range(0, len(unique), 100):
        request: dict[str, Any] = {
            table: {"Keys": [order_key(i) for i in unique[start : start + 100]]}
        }
        while request:
            answer = client.batch_get_item(RequestItems=request)
            found.extend(order_from(item) for item in answer["Responses"].get(table, []))
            request = answer.get("UnprocessedKeys") or {}
    return found


def _lock_key(dossier_code: str, owner: str) -> dict[str, str]:
    return {"pk": f"DOSSIER#{dossier_code}#{owner}", "sk": "PAYMENT"}


def dossier_holder(dossier_code: str, owner: str) -> str | None:
    """The citizen's order that holds the dossier, if any."""
    item = table().get_item(Key=_lock_key(dossier_code, owner), ConsistentRead=True).get("Item")
    return str(item["order_id"]) if item else None


# -- writes -----------------------------------------------------------------------------------
def _put_new_order(order: Order) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": get_settings().payments_table,
            "Item": order_item(order),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _dossier_lock(order: Order) -> dict[str, Any]:
    return _lock_key(order.dossier_code, order.owner)


def create_order(order: Order, replacing: str | None) -> None:
    """Write a new pending order and make it the dossier's holder; ``replacing`` is the
    holder seen (an order no longer pending), or None when the dossier had none."""
    table = get_settings().payments_table
    lock: dict[str, Any] = {
        "TableName": table,
        "Item": {**_dossier_lock(order), "order_id": order.order_id},
    }
    if replacing is None:
        lock["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        lock["ConditionExpression"] = "order_id = :seen"
        lock["ExpressionAttributeValues"] = {":seen": replacing}
    transact([_put_new_order(order), {"Put": lock}])


class Refused(Exception):
    """The order was not in the state a notice needs; ``order`` is what it is (None: absent)."""

    def __init__(self, order: Order | None) -> None:
        super().__init__("refused")
        self.order = order


# Every check of the provider's rules in one condition: the order exists and is pending
# (a missing item has no status), it is this provider's and this amount (``charge``), and
# its time has not run out. It accepts exactly the notices ``domain.decide`` answers 00:
# tests/payments/unit/settlement_cases.py is the one table both are tested against.
_SETTLEABLE = "#status = :pending AND charge = :charge AND pay_by > :now"


def charge(provider: str, amount_vnd: int) -> str:
    return f"{provider}#{amount_vnd}"


def settle_on_notice(
    order_id: str,
    *,
    provider: str,
    amount_vnd: int,
    paid: tuple[str, datetime] | None,
    notice: dict[str, Any],
    now: datetime,
    event_due: datetime | None = None,
) -> Order:
    """Apply a notice to a pending order in ONE conditional write, the notice kept on the
    order as the one that settled it, and answer the order as it now is. The condition is
    every check the provider's rules make: of any number of notices racing, exactly one
    write succeeds; the others raise :class:`Refused` with the order as it stands, for the
    caller to say why. ``now`` is the moment the order's time is judged at.

    A paid order moves from the expiry index to the outbox index in the same write, due at
    ``event_due`` (``now`` by default): its settled event is sent by the caller at once,
    and by the relay if that send never happened. The write is kept narrow (the notice as
    one JSON string): it is the whole cost of a bank's notification; the order comes back
    with it, not read again.
    """
    values: dict[str, Any] = {
        ":pending": "pending",
        ":charge": charge(provider, amount_vnd),
        ":now": iso(now),
        ":notice": json.dumps(notice, ensure_ascii=False),
    }
    if paid is not None:
        transaction_no, paid_at = paid
        # The bank's transaction and time travel inside the notice: two fewer attributes to
        # write, read back by ``order_from``.
        values[":notice"] = json.dumps(
            {**notice, "transaction_no": transaction_no, "paid_at": iso(paid_at)},
            ensure_ascii=False,
        )
        # The order moves from its expiry shard to the outbox; its receipt files it under
        # its day of payment. Four attributes: this write is the whole cost of a bank's
        # notification.
        update = "SET #status = :paid, accepted_notice = :notice, gsi1pk = :outbox, gsi1sk = :due"
        values |= {
            ":paid": "paid",
            ":outbox": f"{OUTBOX}#{_shard(order_id)}",
            ":due": f"{iso(event_due or now)}#{order_id}",
        }
    else:
        # Without its partition key the order leaves gsi1, the expiry sweep's index.
        update = "SET #status = :failed, accepted_notice = :notice REMOVE gsi1pk"
        values[":failed"] = "failed"
    try:
        answer = table().update_item(
            Key=order_key(order_id),
            UpdateExpression=update,
            ConditionExpression=_SETTLEABLE,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if condition_failed(error):
            raise Refused(load_order(order_id)) from None
        raise
    return order_from(answer["Attributes"])


def expire(order_id: str, now: datetime) -> bool:
    """Pending to expired, if still pending; the dossier's lock is left for the next order
    of the dossier to replace."""
    return update_if(
        table(),
        order_key(order_id),
        UpdateExpression="SET #status = :expired, settled_at = :now REMOVE gsi1pk, gsi1sk",
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":expired": "expired", ":pending": "pending", ":now": iso(now)},
    )


def notice_item(
    order_id: str | None, provider: str, fields: dict[str, Any], outcome: str, now: datetime
) -> dict[str, Any]:
    """The audit record of one notification: what came (no secret ever does) and what the
    portal answered."""
    return {
        "pk": f"ORDER#{order_id}" if order_id else "NOTICE#MALFORMED",
        "sk": f"NOTICE#{iso(now)}#{uuid.uuid4().hex}",
        "provider": provider,
        "fields": fields,
        "outcome": outcome,
        "received_at": iso(now),
    }


def keep_notice(item: dict[str, Any]) -> None:
    table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")


def notices(order_id: str) -> list[dict[str, Any]]:
    answer = table().query(
        KeyConditionExpression=Key("pk").eq(f"ORDER#{order_id}") & Key("sk").begins_with("NOTICE#"),
        ConsistentRead=True,
    )
    return list(answer["Items"])


def refund(order: Order, reason: str, now: datetime) -> None:
    """Paid to refunded, and the dossier may be paid again: one transaction."""
    table = get_settings().payments_table
    transact(
        [
            {
                "Update": {
                    "TableName": table,
                    "Key": order_key(order.order_id),
                    "UpdateExpression": "SET #status = :refunded, refund_reason = :reason,"
                    " refunded_at = :now",
                    "ConditionExpression": "#status = :paid",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":refunded": "refunded",
                        ":paid": "paid",
                        ":reason": reason,
                        ":now": iso(now),
                    },
                }
            },
            {
                "Delete": {
                    "TableName": table,
                    "Key": _dossier_lock(order),
                    "ConditionExpression": "attribute_not_exists(pk) OR order_id = :mine",
                    "ExpressionAttributeValues": {":mine": order.order_id},
                }
            },
        ]
    )


def overdue(now: datetime, limit: int = 100) -> list[Order]:
    """Pending orders past their time, oldest first, across the shards."""
    found: list[Order] = []
    for shard in range(PENDING_SHARDS):
        answer = table().query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(f"PENDING#{shard}")
            & Key("gsi1sk").lt(f"{iso(now)}#"),
            Limit=limit,
        )
        for item in answer["Items"]:
            order = load_order(str(item["order_id"]))
            if order is not None and order.status == "pending":
                found.append(order)
    return found


def paid_on(day: str) -> list[Order]:
    """Orders paid on ``day`` (YYYY-MM-DD, GMT+7), for reconciliation: those the relay has
    filed under the day, and those still waiting in the outbox."""
    orders: list[Order] = []
    kwargs: dict[str, Any] = {
        "IndexName": "gsi1",
        "KeyConditionExpression": Key("gsi1pk").eq(f"PAID#{day}"),
    }
    while True:
        answer = table().query(**kwargs)
        orders.extend(order_from(item) for item in answer["Items"])
        if "LastEvaluatedKey" not in answer:
            break
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    waiting = [
        o for o in in_outbox() if o.paid_at and clock.local_date(o.paid_at).isoformat() == day
    ]
    return orders + waiting


def flag(order_id: str, reason: str) -> bool:
    """Mark a pending order for an operator: the bank says paid, the portal never heard.
    False when the order is no longer pending."""
    return update_if(
        table(),
        order_key(order_id),
        UpdateExpression="SET flagged = :reason",
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":reason": reason, ":pending": "pending"},
    )


# -- outbox -----------------------------------------------------------------------------------
RESEND_AFTER = timedelta(minutes=15)
"""An order stays in the outbox until its receipt exists; its event is sent again this
long after the last time, so a message lost to the dead-letter queue still ends in a
receipt."""


def outbox(now: datetime, limit: int = 100) -> list[Order]:
    """Paid orders whose settled event is due (never sent, or sent ``RESEND_AFTER`` ago
    with no receipt since), up to ``limit`` per shard."""
    found: list[Order] = []
    for shard in range(PENDING_SHARDS):
        answer = table().query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(f"{OUTBOX}#{shard}")
            & Key("gsi1sk").lt(f"{iso(now)}#"),
            Limit=limit,
        )
        found.extend(order_from(item) for item in answer["Items"])
    return found


def in_outbox() -> list[Order]:
    """Every order in the outbox, due or not (reconciliation counts them as paid)."""
    found: list[Order] = []
    for shard in range(PENDING_SHARDS):
        answer = table().query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"{OUTBOX}#{shard}")
        )
        found.extend(order_from(item) for item in answer["Items"])
    return found


def event_sent(order: Order, now: datetime) -> None:
    """Not due again before ``RESEND_AFTER``, unless its receipt takes it out first."""
    # A refused condition means its receipt was issued meanwhile: out of the outbox already.
    update_if(
        table(),
        order_key(order.order_id),
        UpdateExpression="SET gsi1sk = :next",
        ConditionExpression="begins_with(gsi1pk, :outbox)",
        ExpressionAttributeValues={
            ":outbox": OUTBOX,
            ":next": f"{iso(now + RESEND_AFTER)}#{order.order_id}",
        },
    )


def event_due_now(order_id: str, now: datetime) -> bool:
    """Make a paid order's settled event due at once, for the next relay: its first send
    failed. False when the order left the outbox meanwhile (its receipt exists)."""
    return update_if(
        table(),
        order_key(order_id),
        UpdateExpression="SET gsi1sk = :due",
        ConditionExpression="begins_with(gsi1pk, :outbox)",
        ExpressionAttributeValues={":outbox": OUTBOX, ":due": f"{iso(now)}#{order_id}"},
    )


def paid_day_partition(paid_at: datetime) -> str:
    return f"PAID#{clock.local_date(paid_at).isoformat()}"

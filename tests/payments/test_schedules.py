"""The payments schedule, invoked as Lambda would invoke it (through the app's own handler),
and what a citizen notices afterwards: an order past its time is expired, and a paid order
whose settled event never left gets its receipt."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalice.test import Client

from tests.conftest import SetClock
from tests.payments.conftest import FEES, Bank, Citizen

SCHEDULE = "expire-payment-orders"


def _tick(client: Client) -> None:
    """One run of the one-minute schedule, as EventBridge delivers it."""
    client.lambda_.invoke(
        SCHEDULE,
        client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        ),
    )


def _drain_into_receipts(client: Client) -> int:
    """What the relay put on the payment-settled queue, delivered to the receipt consumer."""
    from services.core import aws
    from services.core.settings import get_settings

    sqs, url = aws.sqs(), aws.queue_url(get_settings().payment_settled_queue)
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    if bodies:
        event = client.events.generate_sqs_event(
            message_bodies=bodies, queue_name=get_settings().payment_settled_queue
        )
        assert client.lambda_.invoke("issue-receipts", event).payload == {"batchItemFailures": []}
    return len(bodies)


def test_the_schedule_expires_an_order_past_its_time_and_its_grace(
    client: Client, citizen: Citizen, clock: SetClock
) -> None:
    start = clock.set(clock.now())
    order = json.loads(citizen.order("SCHED-EXPIRE-1").body)
    assert order["status"] == "pending"
    clock.set(start + timedelta(minutes=15 + 4))  # past its 15 minutes, within the grace
    _tick(client)
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"
    clock.set(start + timedelta(minutes=15 + 6))
    _tick(client)
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "expired"


def test_the_schedule_relays_a_settled_event_that_was_never_sent(
    client: Client, citizen: Citizen, bank: Bank, monkeypatch: Any
) -> None:
    from services.core import queues

    order = json.loads(citizen.order("SCHED-RELAY-1").body)
    # The queue refuses everything while the bank's notice is taken: nothing leaves at once.
    monkeypatch.setattr(queues, "send_batch", lambda *args, **kwargs: [])
    monkeypatch.setattr(queues, "send", _refuse)
    assert bank.send(bank.notice(order["order_id"], sum(FEES)))["RspCode"] == "00"
    _drain_into_receipts(client)
    assert json.loads(citizen.get(order["order_id"]).body)["receipt_no"] is None
    monkeypatch.undo()
    _tick(client)  # the relay sends what was missed
    assert _drain_into_receipts(client) >= 1
    receipt = json.loads(citizen.get(order["order_id"]).body)["receipt_no"]
    assert receipt is not None and receipt.startswith("BO-CONG-AN/")


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise ConnectionError("the queue is unreachable")

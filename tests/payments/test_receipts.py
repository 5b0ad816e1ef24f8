"""E-receipts: one per paid order, numbered per agency and year without gaps, exactly once
even when settlement messages are delivered twice or a batch fails halfway."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from services.core.clock import VIETNAM_TZ
from tests.conftest import SetClock
from tests.payments.conftest import FEES, Bank, Citizen


def _this_year() -> int:
    """Receipts are numbered per year of payment, in Vietnam's time."""
    return datetime.now(VIETNAM_TZ).year


def _paid_order(citizen: Citizen, bank: Bank, dossier: str) -> str:
    order = json.loads(citizen.order(dossier).body)
    assert bank.send(bank.notice(order["order_id"], sum(FEES)))["RspCode"] == "00"
    return str(order["order_id"])


def _settled(order_id: str) -> str:
    """A settled event naming the order. The consumer reads everything else from the order
    itself; what the relay really sends is tests/contracts/test_payment_settled.py's."""
    return json.dumps(
        {
            "type": "payment.settled",
            "schema_version": 1,
            "order_id": order_id,
            "agency_id": "bo-cong-an",
            "procedure_code": "1.002804",
            "dossier_code": "RCPT-ANY",
            "amount_vnd": 150_000,
            "paid_at": "2026-05-01T08:30:00+07:00",
            "bank_transaction_no": "14000001",
        }
    )


def _deliver(client: Client, order_ids: list[str]) -> Any:
    event = client.events.generate_sqs_event(
        message_bodies=[_settled(o) for o in order_ids],
        queue_name="portal-test-payment-settled",
    )
    return client.lambda_.invoke("issue-receipts", event)


def test_each_paid_order_gets_one_receipt_numbered_without_gaps(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    from services.payments import receipt_storage

    orders = [_paid_order(citizen, bank, f"RCPT-{n}") for n in range(5)]
    before = receipt_storage.last_receipt_number("bo-cong-an", _this_year())
    _deliver(client, orders)
    _deliver(client, list(reversed(orders)))  # every message delivered twice
    numbers = [json.loads(citizen.get(o).body)["receipt_no"] for o in orders]
    assert len(set(numbers)) == 5
    sequence = sorted(int(n.rsplit("/", 1)[1]) for n in numbers)
    assert sequence == list(range(before + 1, before + 6))
    assert all(n.startswith("BO-CONG-AN/") for n in numbers)
    assert receipt_storage.last_receipt_number("bo-cong-an", _this_year()) == before + 5
    issued = receipt_storage.receipts("bo-cong-an", _this_year())
    assert sorted(r["order_id"] for r in issued if r["order_id"] in orders) == sorted(orders)


def test_a_receipt_whose_transaction_collides_once_still_gets_its_number(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    from services.core import aws
    from services.payments import receipt_storage
    from tests.support.faults import transaction_collisions

    order_id = _paid_order(citizen, bank, "RCPT-COLLIDE")
    year = _this_year()
    before = receipt_storage.last_receipt_number("bo-cong-an", year)
    with transaction_collisions(aws.dynamodb_client(), times=1) as collisions:
        result = _deliver(client, [order_id])
    assert collisions.injected == 1
    assert result.payload["batchItemFailures"] == []
    # The next number, no gap: the collided attempt took nothing.
    expected = f"BO-CONG-AN/{year}/{before + 1:07d}"
    assert json.loads(citizen.get(order_id).body)["receipt_no"] == expected
    assert receipt_storage.last_receipt_number("bo-cong-an", year) == before + 1


def test_a_failure_mid_batch_redelivers_only_what_failed(
    client: Client, citizen: Citizen, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.payments import service

    orders = [_paid_order(citizen, bank, f"FAULT-{n}") for n in range(4)]
    real = service.issue_receipt
    failing = orders[2]

    def flaky(order_id: str) -> str | None:
        if order_id == failing:
            raise RuntimeError("the table went away")
        return real(order_id)

    monkeypatch.setattr(service, "issue_receipt", flaky)
    result = _deliver(client, orders)
    failures = result.payload["batchItemFailures"]
    assert len(failures) == 1
    assert json.loads(citizen.get(failing).body)["receipt_no"] is None
    monkeypatch.setattr(service, "issue_receipt", real)
    # Lambda redelivers the failed message; an at-least-once queue may repeat the rest too.
    assert _deliver(client, orders).payload["batchItemFailures"] == []
    numbers = [json.loads(citizen.get(o).body)["receipt_no"] for o in orders]
    assert None not in numbers
    assert len(set(numbers)) == 4
    assert sorted(int(n.rsplit("/", 1)[1]) for n in numbers) == list(
        range(
            min(int(n.rsplit("/", 1)[1]) for n in numbers),
            min(int(n.rsplit("/", 1)[1]) for n in numbers) + 4,
        )
    )


def test_an_unpaid_order_gets_no_receipt(client: Client, citizen: Citizen) -> None:
    order = json.loads(citizen.order("RCPT-UNPAID").body)
    assert _deliver(client, [order["order_id"]]).payload["batchItemFailures"] == []
    assert json.loads(citizen.get(order["order_id"]).body)["receipt_no"] is None


def test_a_settled_event_lost_for_good_is_sent_again_until_the_receipt_exists(
    client: Client, citizen: Citizen, bank: Bank, clock: SetClock
) -> None:
    import boto3

    from services.payments import service

    order_id = _paid_order(citizen, bank, "RCPT-LOST")
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="portal-test-payment-settled")["QueueUrl"]

    def drain() -> list[str]:
        ids = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                ids.append(json.loads(message["Body"])["order_id"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return ids

    # The notice that paid sent the event at once...
    assert order_id in drain()  # ...and it was lost: say it went to the dead-letter queue
    assert service.relay_quietly() == 0  # not due again yet
    clock.advance(minutes=16)
    assert service.relay_quietly() >= 1
    assert order_id in drain()
    _deliver(client, [order_id])
    assert json.loads(citizen.get(order_id).body)["receipt_no"]
    even_later = clock.advance(minutes=16)
    from services.payments import storage

    assert order_id not in [order.order_id for order in storage.outbox(even_later)]

"""The payment-settled queue: what payments sends is what the receipt consumer reads. The
bodies are the ones the notice that paid sent at once (the relay sends the same, built by
the same code, for what that send missed), drained from the queue after a bank's notice; a
body the consumer cannot read is dropped with a log line, not retried forever."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

from services.core.clock import VIETNAM_TZ
from tests.payments.conftest import FEES, Bank, Citizen, catalogue, client  # noqa: F401

QUEUE = "portal-test-payment-settled"


@pytest.fixture(scope="module")
def bank(client: Client) -> Bank:  # noqa: F811
    return Bank(client)


@pytest.fixture
def citizen(client: Client, auth: Any) -> Citizen:  # noqa: F811
    return Citizen(client, auth, sub="citizen-contract-settled")


def _drain() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        for message in batch:
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def _deliver(client: Client, bodies: list[str]) -> Any:  # noqa: F811
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
    return client.lambda_.invoke("issue-receipts", event)


def test_what_payments_sends_the_receipt_consumer_accepts(
    client: Client,  # noqa: F811
    citizen: Citizen,
    bank: Bank,
) -> None:
    from services.payments import service

    order = json.loads(citizen.order("CONTRACT-SETTLED-1").body)
    notice = bank.notice(order["order_id"], sum(FEES))
    assert bank.send(notice)["RspCode"] == "00"
    sent = _drain()  # sent by the notice that paid, with no relay run
    assert service.relay_quietly() == 0
    assert len(sent) == 1
    body = json.loads(sent[0]["Body"])
    paid_at = datetime.strptime(notice["vnp_PayDate"], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
    assert datetime.fromisoformat(body.pop("paid_at")) == paid_at
    assert body == {
        "type": "payment.settled",
        "schema_version": 1,
        "order_id": order["order_id"],
        "agency_id": "bo-cong-an",
        "procedure_code": "1.002804",
        "dossier_code": "CONTRACT-SETTLED-1",
        "amount_vnd": 150_000,
        "bank_transaction_no": notice["vnp_TransactionNo"],
    }
    # The type also travels as an attribute, for a subscription filter to route on.
    assert sent[0]["MessageAttributes"]["type"]["StringValue"] == "payment.settled"

    result = _deliver(client, [sent[0]["Body"]])
    assert result.payload["batchItemFailures"] == []
    receipt = json.loads(citizen.get(order["order_id"]).body)["receipt_no"]
    assert receipt == f"BO-CONG-AN/{paid_at.year}/0000001"


def test_an_unreadable_body_is_dropped_and_the_rest_of_the_batch_is_done(
    client: Client,  # noqa: F811
    citizen: Citizen,
    bank: Bank,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from services.payments import service

    order = json.loads(citizen.order("CONTRACT-SETTLED-2").body)
    assert bank.send(bank.notice(order["order_id"], sum(FEES)))["RspCode"] == "00"
    good = [message["Body"] for message in _drain()]
    assert len(good) == 1
    assert service.relay_quietly() == 0
    unreadable = [
        "not json at all",
        json.dumps({"type": "payment.settled", "order_id": order["order_id"]}),  # fields gone
        json.dumps({"type": "payment.refunded", "order_id": "079123456789"}),  # not this queue's
    ]
    caplog.clear()
    result = _deliver(client, [*unreadable, *good])
    # Dropped, not reported as failures: they would come back unreadable until the
    # dead-letter queue, holding up nothing but costing every redelivery.
    assert result.payload["batchItemFailures"] == []
    refused = [record for record in caplog.records if record.getMessage() == "message refused"]
    assert len(refused) == 3
    assert all(getattr(record, "queue", None) == "payment-settled" for record in refused)
    assert "079123456789" not in repr([vars(record) for record in caplog.records])  # no body
    assert json.loads(citizen.get(order["order_id"]).body)["receipt_no"]

"""The settled event leaves with the notice that paid, so the e-receipt exists within
seconds; the relay is there only for what that send missed, and a send that fails never
changes the bank's answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from tests.conftest import SetClock
from tests.payments.conftest import FEES, Bank, Citizen

AMOUNT = sum(FEES)
QUEUE = "portal-test-payment-settled"
REPORTS = "portal-test-report-events"


def _drain(queue: str = QUEUE) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@contextmanager
def _queue_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SQS unreachable, as an outage would make it."""
    from services.core import aws

    def unreachable(name: str) -> str:
        raise ConnectionError("the queue cannot be reached")

    with monkeypatch.context() as patched:
        patched.setattr(aws, "queue_url", unreachable)
        yield


def _order(citizen: Citizen, dossier: str) -> str:
    return str(json.loads(citizen.order(dossier).body)["order_id"])


def test_the_paying_notice_sends_the_settled_event_itself(citizen: Citizen, bank: Bank) -> None:
    from services.payments import service

    _drain()
    order_id = _order(citizen, "EVT-0001")
    notice = bank.notice(order_id, AMOUNT)
    assert bank.send(notice)["RspCode"] == "00"
    (event,) = _drain()  # no relay has run
    assert (event["type"], event["order_id"]) == ("payment.settled", order_id)
    assert event["bank_transaction_no"] == notice["vnp_TransactionNo"]
    assert event["dossier_code"] == "EVT-0001"
    assert service.relay_quietly() == 0  # nothing missed, nothing to send again
    assert bank.send(notice)["RspCode"] == "02"  # a repeat sends nothing
    assert _drain() == []


def test_a_failed_payment_sends_no_event(citizen: Citizen, bank: Bank) -> None:
    _drain()
    order_id = _order(citizen, "EVT-0002")
    assert bank.send(bank.notice(order_id, AMOUNT, response="24", status="02"))["RspCode"] == "00"
    assert _drain() == []


def test_a_send_that_fails_is_picked_up_by_the_relay(
    citizen: Citizen, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.payments import service

    _drain(), _drain(REPORTS)
    order_id = _order(citizen, "EVT-0003")
    with _queue_down(monkeypatch):
        answer = bank.send(bank.notice(order_id, AMOUNT))
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}  # the bank's answer stands
    assert json.loads(citizen.get(order_id).body)["status"] == "paid"
    assert _drain() == []
    assert service.relay_quietly() == 1  # the next run of the schedule
    assert [event["order_id"] for event in _drain()] == [order_id]
    # Reports hears of it from the relay too (the index counts settled payments).
    assert [event["order_id"] for event in _drain(REPORTS)] == [order_id]
    assert service.relay_quietly() == 0


def test_when_even_marking_it_due_fails_the_relay_takes_it_after_the_grace(
    citizen: Citizen, bank: Bank, monkeypatch: pytest.MonkeyPatch, clock: SetClock
) -> None:
    from services.payments import service, storage

    _drain()
    order_id = _order(citizen, "EVT-0004")

    def table_down(order_id: str, now: Any) -> bool:
        raise ConnectionError("the table cannot be reached")

    with _queue_down(monkeypatch), monkeypatch.context() as patched:
        patched.setattr(storage, "event_due_now", table_down)
        assert bank.send(bank.notice(order_id, AMOUNT))["RspCode"] == "00"
    assert service.relay_quietly() == 0  # the notice may still be sending it
    clock.advance(seconds=61)
    # Due now, with every paid order of this module whose receipt is still missing.
    assert service.relay_quietly() >= 1
    assert order_id in [event["order_id"] for event in _drain()]

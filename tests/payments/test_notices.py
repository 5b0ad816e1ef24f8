"""VNPAY's IPN: every RspCode, every transition, the audit trail, and exactly-once
settlement under 64 identical notices at once."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from chalice.test import Client

from infra.sandbox_bank import vnpay_sign
from tests.conftest import SetClock
from tests.payments.conftest import FEES, Bank, Citizen
from tests.support.metrics import emitted_metrics

AMOUNT = sum(FEES)


def _order(citizen: Citizen, dossier: str) -> dict[str, Any]:
    response = citizen.order(dossier)
    assert response.status_code in (200, 201), response.body
    return dict(json.loads(response.body))


def _items(pk: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table("portal-test-payments")
    return list(
        table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk})[
            "Items"
        ]
    )


def _notices(order_id: str) -> list[dict[str, Any]]:
    """The refused notices, kept beside the order."""
    return [i for i in _items(f"ORDER#{order_id}") if i["sk"].startswith("NOTICE#")]


def _settling_notice(order_id: str) -> dict[str, Any] | None:
    order = next(i for i in _items(f"ORDER#{order_id}") if i["sk"] == "ORDER")
    kept = order.get("accepted_notice")
    return json.loads(kept) if kept else None


def test_a_successful_notice_pays_the_order_once(citizen: Citizen, bank: Bank) -> None:
    order = _order(citizen, "IPN-0001")
    notice = bank.notice(order["order_id"], AMOUNT)
    assert bank.send(notice) == {"RspCode": "00", "Message": "Confirm Success"}
    shown = json.loads(citizen.get(order["order_id"]).body)
    assert shown["status"] == "paid"
    assert shown["bank_transaction_no"] == notice["vnp_TransactionNo"]
    assert shown["paid_at"]
    assert shown["pay_url"] is None
    # The same notice again, and a later failure notice, change nothing.
    assert bank.send(notice)["RspCode"] == "02"
    assert (
        bank.send(bank.notice(order["order_id"], AMOUNT, response="24", status="02"))["RspCode"]
        == "02"
    )
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "paid"
    settling = _settling_notice(order["order_id"])
    assert settling is not None
    assert settling["fields"]["vnp_TransactionNo"] == notice["vnp_TransactionNo"]
    assert [n["outcome"] for n in _notices(order["order_id"])] == ["02", "02"]


def test_a_failed_payment_marks_the_order_failed_and_frees_the_dossier(
    citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "IPN-0002")
    assert (
        bank.send(bank.notice(order["order_id"], AMOUNT, response="24", status="02"))["RspCode"]
        == "00"
    )
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "failed"
    again = citizen.order("IPN-0002")
    assert again.status_code == 201
    assert json.loads(again.body)["order_id"] != order["order_id"]


@pytest.mark.parametrize(
    ("response", "status"), [("00", "01"), ("07", "00"), ("51", "02"), ("00", "")]
)
def test_only_both_codes_00_mean_paid(
    citizen: Citizen, bank: Bank, response: str, status: str
) -> None:
    order = _order(citizen, f"IPN-PAIR-{response}-{status or 'none'}")
    assert (
        bank.send(bank.notice(order["order_id"], AMOUNT, response=response, status=status))[
            "RspCode"
        ]
        == "00"
    )
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "failed"


def test_refusals_in_the_providers_order(citizen: Citizen, bank: Bank) -> None:
    order = _order(citizen, "IPN-0003")
    order_id = order["order_id"]
    forged = bank.notice(order_id, AMOUNT)
    forged["vnp_Amount"] = "100"  # changed after signing
    assert bank.send(forged) == {"RspCode": "97", "Message": "Invalid signature"}
    bank.profile, saved = {**bank.profile, "tmn_code": "OTHER01"}, bank.profile
    try:
        assert bank.send(bank.notice(order_id, AMOUNT))["RspCode"] == "97"
    finally:
        bank.profile = saved
    assert bank.send(bank.notice("ZZZZZZZZZZZZZZZZZZZZ", AMOUNT))["RspCode"] == "01"
    assert bank.send(bank.notice("not-ours", AMOUNT))["RspCode"] == "01"
    # A bad signature is checked before the order: an unknown order with a bad hash is 97.
    unknown = bank.notice("ZZZZZZZZZZZZZZZZZZZZ", AMOUNT)
    unknown["vnp_SecureHash"] = "0" * 128
    assert bank.send(unknown)["RspCode"] == "97"
    assert bank.send(bank.notice(order_id, AMOUNT + 1))["RspCode"] == "04"
    broken = {k: v for k, v in bank.notice(order_id, AMOUNT).items() if k != "vnp_SecureHash"}
    broken["vnp_PayDate"] = "not-a-date"
    broken["vnp_SecureHash"] = vnpay_sign(bank.profile["hash_secret"], broken)
    assert bank.send(broken)["RspCode"] == "99"
    # None of that moved the order; every notice was kept, without the hash secret.
    assert json.loads(citizen.get(order_id).body)["status"] == "pending"
    kept = _notices(order_id)
    assert sorted(n["outcome"] for n in kept) == ["04", "97", "97", "99"]
    assert bank.profile["hash_secret"] not in json.dumps(kept, default=str)


def test_a_payment_after_the_orders_time_expires_it_instead_of_paying_it(
    citizen: Citizen, bank: Bank, clock: SetClock
) -> None:
    order = _order(citizen, "IPN-0004")
    later = clock.advance(minutes=16)
    late = bank.notice(order["order_id"], AMOUNT, paid_at=later)  # the bank took it late
    assert bank.send(late)["RspCode"] == "02"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "expired"


def test_a_payment_in_time_notified_late_still_pays(
    citizen: Citizen, bank: Bank, clock: SetClock
) -> None:
    order = _order(citizen, "IPN-0004B")
    in_time = clock.now() + timedelta(minutes=14)
    clock.advance(minutes=16)  # the notice arrives after the order's time
    assert bank.send(bank.notice(order["order_id"], AMOUNT, paid_at=in_time))["RspCode"] == "00"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "paid"


def test_the_schedule_expires_overdue_orders_after_a_grace(
    citizen: Citizen, clock: SetClock
) -> None:
    from services.payments import service

    order = _order(citizen, "IPN-0005")
    fresh = _order(citizen, "IPN-0006")
    assert service.expire_overdue() == 0
    clock.advance(minutes=16)
    assert service.expire_overdue() == 0  # a notice of a payment made in time may be coming
    clock.advance(minutes=5)
    assert service.expire_overdue() >= 2
    for made in (order, fresh):
        assert json.loads(citizen.get(made["order_id"]).body)["status"] == "expired"
    assert service.expire_overdue() == 0


def test_paid_without_a_transaction_number_is_99_and_changes_nothing(
    citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "IPN-NOTXN")
    notice = {k: v for k, v in bank.notice(order["order_id"], AMOUNT).items()}
    notice["vnp_TransactionNo"] = ""
    notice["vnp_SecureHash"] = vnpay_sign(bank.profile["hash_secret"], notice)
    assert bank.send(notice)["RspCode"] == "99"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"


def test_a_notice_is_answered_200_whatever_else_it_carries(
    citizen: Citizen, bank: Bank, client: Client
) -> None:
    order = _order(citizen, "IPN-HEADERS")
    notice = bank.notice(order["order_id"], AMOUNT)
    response = client.http.get(
        "/callbacks/vnpay/ipn?" + urlencode(notice),
        headers={"Authorization": "Basic YmFuazpzZWNyZXQ="},  # meant for a proxy, not us
    )
    assert response.status_code == 200
    assert json.loads(response.body)["RspCode"] == "00"
    odd = {**bank.notice(order["order_id"], AMOUNT), "vnp_SecureHash": "é" * 128}
    response = client.http.get("/callbacks/vnpay/ipn?" + urlencode(odd))
    assert response.status_code == 200
    assert json.loads(response.body)["RspCode"] == "97"
    back = client.http.get("/callbacks/vnpay/return?" + urlencode(odd))
    assert back.status_code == 200
    assert json.loads(back.body)["signature_valid"] is False


def test_sixty_four_identical_notices_settle_once(
    citizen: Citizen, bank: Bank, client: Client
) -> None:
    from services.payments import storage

    order = _order(citizen, "IPN-RACE")
    notice = bank.notice(order["order_id"], AMOUNT)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: bank.send(notice)["RspCode"], range(64)))
    assert Counter(answers) == {"00": 1, "02": 63}
    assert _settling_notice(order["order_id"]) is not None
    assert len(_notices(order["order_id"])) == 63
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "paid"
    from services.payments import service

    # The notice that paid sent the settled event itself: the relay has nothing to send.
    assert service.relay_quietly() == 0
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="portal-test-payment-settled")["QueueUrl"]
    events = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert [e["order_id"] for e in events].count(order["order_id"]) == 1
    assert storage.outbox(datetime.now(UTC)) == []  # sent: not due again for a while


def test_refused_callbacks_are_counted_for_the_rejection_alarm(
    citizen: Citizen,
    bank: Bank,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    order = _order(citizen, "IPN-METRICS")
    capsys.readouterr()
    forged = bank.notice(order["order_id"], AMOUNT)
    forged["vnp_Amount"] = "100"
    assert bank.send(forged)["RspCode"] == "97"
    assert bank.send(bank.notice(order["order_id"], AMOUNT + 1))["RspCode"] == "04"
    notice = bank.notice(order["order_id"], AMOUNT)
    assert bank.send(notice)["RspCode"] == "00"
    for _ in range(2):
        assert bank.send(notice)["RspCode"] == "02"  # a repeat is not a refusal
    counted = emitted_metrics(capsys.readouterr().out)
    assert counted["CallbacksRejected"] == 2
    assert counted["OrdersPaid"] == 1


def test_during_a_secret_rotation_notices_signed_with_either_secret_are_taken(
    citizen: Citizen, bank: Bank
) -> None:
    from aws_lambda_powertools.utilities import parameters

    from tests.payments.conftest import query_of

    secrets = boto3.client("secretsmanager")
    name = "portal-test/payments/vnpay"
    original = dict(bank.profile)
    rotated = {**original, "hash_secret": "N" * 32, "hash_secret_previous": original["hash_secret"]}
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps(rotated))
    parameters.clear_caches()
    try:
        late = _order(citizen, "IPN-ROTATE-OLD")
        # A notice the bank signed before its switch arrives after ours: still taken.
        assert bank.send(bank.notice(late["order_id"], AMOUNT))["RspCode"] == "00"
        fresh = _order(citizen, "IPN-ROTATE-NEW")
        query = query_of(fresh["pay_url"])
        # What the portal signs uses the new secret only.
        assert query["vnp_SecureHash"] == vnpay_sign(rotated["hash_secret"], query)
        bank.profile = rotated
        assert bank.send(bank.notice(fresh["order_id"], AMOUNT))["RspCode"] == "00"
        # Once the previous secret is dropped, its signatures are refused.
        done = {k: v for k, v in rotated.items() if k != "hash_secret_previous"}
        secrets.put_secret_value(SecretId=name, SecretString=json.dumps(done))
        parameters.clear_caches()
        stale = _order(citizen, "IPN-ROTATE-STALE")
        bank.profile = original
        assert bank.send(bank.notice(stale["order_id"], AMOUNT))["RspCode"] == "97"
    finally:
        bank.profile = original
        secrets.put_secret_value(SecretId=name, SecretString=json.dumps(original))
        parameters.clear_caches()


FULL_WIDTH_AMOUNT = "\uff11\uff15\uff10\uff10\uff10\uff10\uff10\uff10"  # １５００００００
ARABIC_INDIC_AMOUNT = "\u0661\u0665\u0660\u0660\u0660\u0660\u0660\u0660"  # ١٥٠٠٠٠٠٠


def _signed(bank: Bank, notice: dict[str, str], **changes: str) -> dict[str, str]:
    """``notice`` with ``changes``, signed again by the bank: the bank vouches for them."""
    fields = {k: v for k, v in notice.items() if k != "vnp_SecureHash"} | changes
    return {**fields, "vnp_SecureHash": vnpay_sign(bank.profile["hash_secret"], fields)}


@pytest.mark.parametrize("amount", [FULL_WIDTH_AMOUNT, ARABIC_INDIC_AMOUNT])
def test_an_amount_signed_in_other_digits_is_an_invalid_amount(
    citizen: Citizen, bank: Bank, amount: str
) -> None:
    order = _order(citizen, f"IPN-DIGITS-{ord(amount[0]):x}")
    notice = _signed(bank, bank.notice(order["order_id"], AMOUNT), vnp_Amount=amount)
    assert bank.send(notice) == {"RspCode": "04", "Message": "Invalid amount"}
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"
    assert [n["outcome"] for n in _notices(order["order_id"])] == ["04"]
    assert bank.send(bank.notice(order["order_id"], AMOUNT))["RspCode"] == "00"


def test_a_pay_date_signed_in_other_digits_is_malformed(citizen: Citizen, bank: Bank) -> None:
    """VNPAY's rules name no code for a malformed field of a genuine notice: it is 99 ("any
    other error"), not 97, which says the signature is wrong, and it is not."""
    order = _order(citizen, "IPN-DIGITS-DATE")
    notice = bank.notice(order["order_id"], AMOUNT)
    full_width = "".join(chr(0xFF10 + int(d)) for d in notice["vnp_PayDate"])
    assert bank.send(_signed(bank, notice, vnp_PayDate=full_width))["RspCode"] == "99"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"
    assert [n["outcome"] for n in _notices(order["order_id"])] == ["99"]

"""The dossier-payments queue: once payments has issued a settled order's receipt, it sends
``dossier.paid``; what it sends is what the dossiers consumer reads, and the dossier the
portal holds is marked paid online by that message, never by a write into its table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from services.core.messages import DOSSIER_PAYMENTS, DossierPaid
from tests.conftest import body_of
from tests.payments.conftest import FEES, Bank, Citizen, catalogue, client  # noqa: F401
from tests.support.queues import drain

SETTLED = "portal-test-payment-settled"
PAYMENTS = "portal-test-dossier-payments"
APPLICANT = "079166000321"
CODE = "HS-BCA-PAID-0001"


@pytest.fixture(scope="module")
def bank(client: Client) -> Bank:  # noqa: F811
    return Bank(client)


@pytest.fixture(scope="module")
def dossiers(catalogue: None) -> Iterator[Client]:  # noqa: F811
    from services.dossiers.app import app

    with Client(app) as test_client:
        yield test_client


def _deliver(app_client: Client, handler: str, queue: str, bodies: list[str]) -> Any:
    event = app_client.events.generate_sqs_event(message_bodies=bodies, queue_name=queue)
    return app_client.lambda_.invoke(handler, event).payload


def test_a_settled_payment_marks_the_dossier_paid_online(
    client: Client,  # noqa: F811
    dossiers: Client,
    bank: Bank,
    auth: Any,
) -> None:
    from services.payments import service

    synced = dossiers.http.put(
        f"/{CODE}",
        headers=auth("system", sub="mot-cua-bca", agency="bo-cong-an"),
        body=json.dumps(
            {
                "procedure_code": "1.002804",
                "agency_id": "bo-cong-an",
                "channel": "online",
                "applicant": {"citizen_id": APPLICANT, "name": "Hoàng Thu Trang"},
                "received_at": "2026-03-16T08:00:00+07:00",
                "status": 6,
                "status_at": "2026-03-16T09:00:00+07:00",
                "paid_online": False,
            }
        ),
    )
    assert synced.status_code == 201, synced.body
    order = body_of(Citizen(client, auth, sub=APPLICANT).order(CODE))
    assert bank.send(bank.notice(order["order_id"], sum(FEES)))["RspCode"] == "00"
    assert service.relay_quietly() == 0  # the paying notice sent the settled event itself
    assert _deliver(client, "issue-receipts", SETTLED, drain(SETTLED)) == {"batchItemFailures": []}

    sent = drain(PAYMENTS)
    assert len(sent) == 1
    message = DOSSIER_PAYMENTS.parse(sent[0])
    assert message == DossierPaid(
        dossier_code=CODE,
        procedure_code="1.002804",
        agency_id="bo-cong-an",
        order_id=order["order_id"],
        amount_vnd=150_000,
        paid_at=message.paid_at,
    )
    # Delivered twice, as SQS may: marked once.
    assert _deliver(dossiers, "mark-paid", PAYMENTS, [sent[0], sent[0]]) == {
        "batchItemFailures": []
    }
    seen = body_of(dossiers.http.get(f"/{CODE}", headers=auth("operator")))
    assert seen["paid_online"] is True
    # A later copy from the one-stop system that has not heard of it does not undo it.
    later = {
        "procedure_code": "1.002804",
        "agency_id": "bo-cong-an",
        "channel": "online",
        "applicant": {"citizen_id": APPLICANT, "name": "Hoàng Thu Trang"},
        "received_at": "2026-03-16T08:00:00+07:00",
        "status": 4,
        "status_at": "2026-03-17T09:00:00+07:00",
        "paid_online": False,
    }
    dossiers.http.put(
        f"/{CODE}",
        headers=auth("system", sub="mot-cua-bca", agency="bo-cong-an"),
        body=json.dumps(later),
    )
    assert body_of(dossiers.http.get(f"/{CODE}", headers=auth("operator")))["paid_online"] is True


def test_a_payment_for_a_dossier_not_held_changes_nothing(dossiers: Client) -> None:
    body = DossierPaid(
        dossier_code="HS-NOT-HELD-9",
        procedure_code="1.002804",
        agency_id="bo-cong-an",
        order_id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
        amount_vnd=150_000,
        paid_at="2026-03-16T09:00:00+07:00",  # type: ignore[arg-type]
    ).model_dump_json()
    assert _deliver(dossiers, "mark-paid", PAYMENTS, [body, "not json"]) == {
        "batchItemFailures": []
    }

"""Fee orders: the amount comes from the catalogue, one pending order per dossier, and the
payment URL is a VNPAY 2.1.0 URL the bank accepts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalice.test import Client

from infra.sandbox_bank import vnpay_sign
from services.core.clock import VIETNAM_TZ
from tests.conftest import documented_statuses
from tests.payments.conftest import (
    DRAFT_PROCEDURE,
    FEES,
    FREE_PROCEDURE,
    Citizen,
    merchant,
    query_of,
)


def test_an_order_charges_the_published_fees_and_points_at_the_bank(citizen: Citizen) -> None:
    response = citizen.order("HS-0001", amount_vnd=1)  # the caller's amount is refused
    assert response.status_code == 422
    response = citizen.order("HS-0001")
    assert response.status_code == 201, response.body
    order = json.loads(response.body)
    assert order["status"] == "pending"
    assert order["amount_vnd"] == sum(FEES)
    params = query_of(order["pay_url"])
    profile = merchant("vnpay")
    assert order["pay_url"].startswith(profile["pay_url"] + "?")
    assert params["vnp_Version"] == "2.1.0"
    assert params["vnp_Command"] == "pay"
    assert params["vnp_TmnCode"] == profile["tmn_code"]
    assert params["vnp_Amount"] == str(sum(FEES) * 100)
    assert params["vnp_CurrCode"] == "VND"
    assert params["vnp_TxnRef"] == order["order_id"]
    assert params["vnp_OrderInfo"].isascii()
    assert params["vnp_Locale"] == "vn"
    assert params["vnp_OrderType"]
    assert params["vnp_ReturnUrl"].endswith("/payments/callbacks/vnpay/return")
    assert params["vnp_IpAddr"]
    created = datetime.strptime(params["vnp_CreateDate"], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
    expires = datetime.strptime(params["vnp_ExpireDate"], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
    assert expires - created == timedelta(minutes=15)
    assert abs(datetime.fromisoformat(order["expires_at"]) - expires) < timedelta(seconds=1)
    assert params["vnp_SecureHash"] == vnpay_sign(profile["hash_secret"], params)


def test_asking_again_for_the_dossier_answers_the_pending_order(
    citizen: Citizen, client: Client, auth: Any
) -> None:
    first = json.loads(citizen.order("HS-0002").body)
    again = citizen.order("HS-0002")
    assert again.status_code == 200
    # Found by fuzzing the local stack: the document promised 201 only.
    assert 200 in documented_statuses(client, "POST", "/orders")
    assert json.loads(again.body)["order_id"] == first["order_id"]
    # Another citizen naming the same dossier code neither blocks it nor sees its order.
    stranger = Citizen(client, auth, sub="someone-else")
    theirs = stranger.order("HS-0002")
    assert theirs.status_code == 201
    assert json.loads(theirs.body)["order_id"] != first["order_id"]
    assert json.loads(citizen.order("HS-0002").body)["order_id"] == first["order_id"]
    # The same dossier for another procedure while this order waits: refused, not confused.
    assert citizen.order("HS-0002", provider="momo").status_code == 409


def test_orders_are_refused_for_procedures_without_a_published_fee(citizen: Citizen) -> None:
    for procedure in (FREE_PROCEDURE, DRAFT_PROCEDURE, "9.999999"):
        response = citizen.order("HS-0003", procedure=procedure)
        assert response.status_code == 422, procedure
        assert response.headers["Content-Type"] == "application/problem+json"


def test_only_citizens_open_orders(client: Client, auth: Any) -> None:
    body = json.dumps({"procedure_code": "1.002804", "dossier_code": "HS-0004"})
    assert (
        client.http.post(
            "/orders", body=body, headers={"Content-Type": "application/json"}
        ).status_code
        == 401
    )
    official = auth("official", agency="bo-cong-an")
    assert client.http.post("/orders", body=body, headers=official).status_code == 403


def test_an_order_is_shown_to_its_citizen_and_operators_only(
    citizen: Citizen, client: Client, auth: Any
) -> None:
    order = json.loads(citizen.order("HS-0005").body)
    assert citizen.get(order["order_id"]).status_code == 200
    other = Citizen(client, auth, sub="another-citizen")
    assert other.get(order["order_id"]).status_code == 404
    operator = client.http.get(f"/orders/{order['order_id']}", headers=auth("operator"))
    assert json.loads(operator.body)["amount_vnd"] == sum(FEES)
    assert client.http.get(f"/orders/{order['order_id']}").status_code == 401
    assert citizen.get("not-an-order").status_code == 404


def test_an_idempotency_key_replays_the_first_answer(
    citizen: Citizen, client: Client, auth: Any
) -> None:
    key = {"Idempotency-Key": "8d9f3c1e-order-HS-0100"}
    first = citizen.order("HS-0100", headers=key)
    assert first.status_code == 201
    again = citizen.order("HS-0100", headers=key)
    assert again.status_code == 201  # the first answer, status included
    assert json.loads(again.body) == json.loads(first.body)
    other_body = citizen.order("HS-0101", headers=key)
    assert other_body.status_code == 422
    assert other_body.headers["Content-Type"] == "application/problem+json"
    # Keys are per citizen: another citizen's identical key is another request.
    stranger = Citizen(client, auth, sub="stranger-with-same-key")
    assert stranger.order("HS-0102", headers=key).status_code == 201
    assert citizen.order("HS-0103", headers={"Idempotency-Key": "has space"}).status_code == 400

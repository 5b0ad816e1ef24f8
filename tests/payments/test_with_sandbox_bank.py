"""Paying, returning and refunding against the sandbox bank, which signs with its own code:
VNPAY and MoMo end to end, the provider boundary proven by both."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from chalice.test import Client

from tests.payments.conftest import FEES, Citizen, merchant, query_of

AMOUNT = sum(FEES)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _press(url: str, form: Mapping[str, str]) -> tuple[int, str]:
    """A browser pressing a button on the bank's page: (status, where it is sent)."""
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST")
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def _open(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def sandbox(client: Client) -> Iterator[str]:
    """The sandbox bank on a free port; its calls to the portal go to the test client."""
    from aws_lambda_powertools.utilities import parameters

    from infra.sandbox_bank import SandboxBank, serve, stop

    def _portal_path(url: str) -> str:
        parts = urlsplit(url)
        path = parts.path.removeprefix("/payments")
        return f"{path}?{parts.query}" if parts.query else path

    def get(url: str) -> tuple[int, bytes]:
        response = client.http.get(_portal_path(url))
        return response.status_code, response.body

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        response = client.http.post(_portal_path(url), body=body, headers=dict(headers))
        return response.status_code, response.body

    vnpay, momo = merchant("vnpay"), merchant("momo")
    bank = SandboxBank("http://127.0.0.1:8000", vnpay, momo, http_post=post, http_get=get)
    server, base = serve(bank)
    secrets = boto3.client("secretsmanager")
    vnpay |= {
        "pay_url": f"{base}/sandbox-bank/vnpay/pay",
        "api_url": f"{base}/sandbox-bank/vnpay/api",
    }
    momo |= {"api_url": f"{base}/sandbox-bank/momo"}
    secrets.put_secret_value(SecretId="portal-test/payments/vnpay", SecretString=json.dumps(vnpay))
    secrets.put_secret_value(SecretId="portal-test/payments/momo", SecretString=json.dumps(momo))
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield base
    stop(server)


def _pay_vnpay(base: str, pay_url: str, action: str = "pay") -> dict[str, str]:
    status, page = _open(pay_url)
    assert status == 200, page
    assert "150.000" in page  # the amount the citizen is about to pay
    status, location = _press(
        f"{base}/sandbox-bank/vnpay/pay", {"action": action, "q": urlsplit(pay_url).query}
    )
    assert status == 302
    return query_of(location)


def test_a_citizen_pays_with_vnpay_and_comes_back(
    sandbox: str, citizen: Citizen, client: Client
) -> None:
    order = json.loads(citizen.order("SBX-0001").body)
    back = _pay_vnpay(sandbox, order["pay_url"])
    assert back["vnp_TxnRef"] == order["order_id"]
    shown = json.loads(citizen.get(order["order_id"]).body)
    assert shown["status"] == "paid"
    returned = json.loads(client.http.get("/callbacks/vnpay/return?" + urlencode(back)).body)
    assert returned == {"order_id": order["order_id"], "signature_valid": True, "status": "paid"}
    back["vnp_Amount"] = "1"
    forged = json.loads(client.http.get("/callbacks/vnpay/return?" + urlencode(back)).body)
    assert forged["signature_valid"] is False
    assert forged["status"] is None


def test_a_cancelled_vnpay_payment_fails_the_order(sandbox: str, citizen: Citizen) -> None:
    order = json.loads(citizen.order("SBX-0002").body)
    _pay_vnpay(sandbox, order["pay_url"], action="cancel")
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "failed"


def test_an_operator_refunds_a_vnpay_payment(
    sandbox: str, citizen: Citizen, client: Client, auth: Any
) -> None:
    order = json.loads(citizen.order("SBX-0003").body)
    refund = f"/orders/{order['order_id']}/refund"
    body = json.dumps({"reason": "Hồ sơ bị từ chối, hoàn lệ phí"})
    assert (
        client.http.post(refund, headers=auth("operator"), body=body).status_code == 409
    )  # unpaid
    _pay_vnpay(sandbox, order["pay_url"])
    assert client.http.post(refund, headers=citizen.headers, body=body).status_code == 403
    response = client.http.post(refund, headers=auth("operator"), body=body)
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["status"] == "refunded"
    assert json.loads(response.body)["refunded_at"]
    again = client.http.post(refund, headers=auth("operator"), body=body)
    assert json.loads(again.body)["status"] == "refunded"
    # The dossier may be paid again after a refund.
    assert citizen.order("SBX-0003").status_code == 201


def test_a_refund_whose_transaction_collides_once_is_refunded_not_refused(
    sandbox: str, citizen: Citizen, client: Client, auth: Any
) -> None:
    from services.core import aws
    from tests.support.faults import transaction_collisions

    order = json.loads(citizen.order("SBX-COLLIDE").body)
    _pay_vnpay(sandbox, order["pay_url"])
    body = json.dumps({"reason": "Hồ sơ bị từ chối, hoàn lệ phí"})
    # Another transaction on the order or the dossier's lock passes in milliseconds: it is
    # no reason to tell the operator that only a paid order can be refunded.
    with transaction_collisions(aws.dynamodb_client(), times=1) as collisions:
        response = client.http.post(
            f"/orders/{order['order_id']}/refund", headers=auth("operator"), body=body
        )
    assert collisions.injected == 1
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["status"] == "refunded"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "refunded"


def test_momo_orders_pay_through_momo(
    sandbox: str, citizen: Citizen, client: Client, auth: Any
) -> None:
    response = citizen.order("SBX-MOMO", provider="momo")
    assert response.status_code == 201, response.body
    order = json.loads(response.body)
    assert order["provider"] == "momo"
    assert order["pay_url"].startswith(f"{sandbox}/sandbox-bank/momo/pay")
    status, page = _open(order["pay_url"])
    assert status == 200
    assert "150.000" in page
    token = query_of(order["pay_url"])["t"]
    status, location = _press(f"{sandbox}/sandbox-bank/momo/pay", {"action": "pay", "t": token})
    assert status == 302
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "paid"
    returned = json.loads(
        client.http.get("/callbacks/momo/return?" + urlsplit(location).query).body
    )
    assert returned["signature_valid"] is True
    assert returned["status"] == "paid"
    response = client.http.post(
        f"/orders/{order['order_id']}/refund",
        headers=auth("operator"),
        body=json.dumps({"reason": "Nộp nhầm lệ phí"}),
    )
    assert json.loads(response.body)["status"] == "refunded"


def test_a_forged_momo_notice_changes_nothing(
    sandbox: str, citizen: Citizen, client: Client
) -> None:
    order = json.loads(citizen.order("SBX-MOMO-2", provider="momo").body)
    forged = {
        "partnerCode": "PORTAL01",
        "orderId": order["order_id"],
        "requestId": order["order_id"],
        "amount": AMOUNT,
        "orderInfo": "x",
        "orderType": "momo_wallet",
        "transId": 1,
        "resultCode": 0,
        "message": "Successful.",
        "payType": "qr",
        "responseTime": 1,
        "extraData": "",
        "signature": "0" * 64,
    }
    response = client.http.post(
        "/callbacks/momo/ipn", body=json.dumps(forged), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 204
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"


def test_an_unreachable_provider_is_a_502_and_changes_nothing(
    sandbox: str, citizen: Citizen, client: Client, auth: Any
) -> None:
    from aws_lambda_powertools.utilities import parameters

    paid = json.loads(citizen.order("SBX-DOWN-PAID").body)
    _pay_vnpay(sandbox, paid["pay_url"])
    secrets = boto3.client("secretsmanager")
    saved = {p: merchant(p) for p in ("vnpay", "momo")}
    nowhere = "http://127.0.0.1:9/unreachable"
    try:
        for provider, profile in saved.items():
            secrets.put_secret_value(
                SecretId=f"portal-test/payments/{provider}",
                SecretString=json.dumps({**profile, "api_url": nowhere}),
            )
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        down = citizen.order("SBX-DOWN", provider="momo")
        assert down.status_code == 502
        assert down.headers["Content-Type"] == "application/problem+json"
        refund = client.http.post(
            f"/orders/{paid['order_id']}/refund",
            headers=auth("operator"),
            body=json.dumps({"reason": "Hoàn lệ phí thử"}),
        )
        assert refund.status_code == 502
        assert json.loads(citizen.get(paid["order_id"]).body)["status"] == "paid"
    finally:
        for provider, profile in saved.items():
            secrets.put_secret_value(
                SecretId=f"portal-test/payments/{provider}", SecretString=json.dumps(profile)
            )
        parameters.clear_caches()  # type: ignore[no-untyped-call]
    # Nothing was held: once MoMo answers again, the dossier gets its order.
    assert citizen.order("SBX-DOWN", provider="momo").status_code == 201


def _momo_order(citizen: Citizen, dossier: str) -> dict[str, Any]:
    response = citizen.order(dossier, provider="momo")
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def _kept_outcomes(order_id: str) -> list[str]:
    table = boto3.resource("dynamodb").Table("portal-test-payments")
    items = table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"ORDER#{order_id}"}
    )["Items"]
    return [str(i["outcome"]) for i in items if str(i["sk"]).startswith("NOTICE#")]


def _momo_ipn(order: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A MoMo IPN for ``order`` as MoMo signs it, with ``changes`` signed too."""
    from infra.sandbox_bank import momo_sign
    from infra.sandbox_bank.signing import MOMO_IPN_FIELDS

    profile = merchant("momo")
    ipn: dict[str, Any] = {
        "partnerCode": profile["partner_code"],
        "orderId": order["order_id"],
        "requestId": order["order_id"],
        "amount": AMOUNT,
        "orderInfo": "Le phi",
        "orderType": "momo_wallet",
        "transId": 4088878653,
        "resultCode": 0,
        "message": "Thành công.",
        "payType": "qr",
        "responseTime": 1777624200000,
        "extraData": "",
        **changes,
    }
    signed = {**ipn, "accessKey": profile["access_key"]}
    return {**ipn, "signature": momo_sign(profile["secret_key"], signed, MOMO_IPN_FIELDS)}


@pytest.mark.parametrize(
    ("dossier", "changes", "outcome"),
    [
        ("SBX-FW-AMOUNT", {"amount": "\uff11\uff15\uff10\uff10\uff10\uff10"}, "04"),  # １５００００
        ("SBX-AI-AMOUNT", {"amount": "\u0661\u0665\u0660\u0660\u0660\u0660"}, "04"),  # ١٥٠٠٠٠
        ("SBX-FW-TIME", {"responseTime": "\uff11\uff17\uff17\uff17"}, "99"),
    ],
)
def test_a_momo_notice_with_numbers_in_other_digits_pays_nothing(
    sandbox: str,
    citizen: Citizen,
    client: Client,
    dossier: str,
    changes: dict[str, Any],
    outcome: str,
) -> None:
    order = _momo_order(citizen, dossier)
    response = client.http.post(
        "/callbacks/momo/ipn",
        body=json.dumps(_momo_ipn(order, **changes)),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 204  # MoMo is always answered 204; the notice is kept
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"
    assert _kept_outcomes(order["order_id"]) == [outcome]


def test_a_citizen_who_refuses_in_momo_is_told_so_and_may_pay_again(
    sandbox: str, citizen: Citizen, client: Client
) -> None:
    order = _momo_order(citizen, "SBX-MOMO-REFUSED")
    token = query_of(order["pay_url"])["t"]
    status, location = _press(f"{sandbox}/sandbox-bank/momo/pay", {"action": "cancel", "t": token})
    assert status == 302
    assert query_of(location)["resultCode"] == "1006"  # MoMo's "user has denied to confirm"
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "failed"
    page = client.http.get(
        "/callbacks/momo/return?" + urlsplit(location).query, headers={"Accept": "text/html"}
    ).body.decode()
    assert "<h1>Bạn đã hủy thanh toán</h1>" in page
    assert ">Thanh toán lại</button>" in page
    again = client.http.post("/callbacks/momo/pay-again?" + urlsplit(location).query, body="")
    assert again.status_code == 303
    assert again.headers["Location"].startswith(f"{sandbox}/sandbox-bank/momo/pay?t=")
    assert again.headers["Location"] != order["pay_url"]

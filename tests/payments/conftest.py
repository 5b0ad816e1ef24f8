"""Payments fixtures: a moto world with published procedures, and a bank that signs its
notifications with the sandbox bank's signer (infra/sandbox_bank/signing.py), written
independently of the service's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
from chalice.test import Client

from infra.sandbox_bank import vnpay_notice
from services.core.clock import VIETNAM_TZ

FEE_PROCEDURE = "1.002804"
FREE_PROCEDURE = "1.000001"
DRAFT_PROCEDURE = "1.000002"
FEES = [135_000, 15_000]


def _procedure(name: str, fees: list[int]) -> dict[str, Any]:
    return {
        "name": name,
        "field": "Đường bộ",
        "agency_ids": ["bo-cong-an"],
        "agency_level": "central",
        "service_level": "full",
        "processing_days": 5,
        "fees": [{"name": f"Lệ phí {n}", "amount_vnd": fee} for n, fee in enumerate(fees)],
        "documents": [{"name": "Đơn đề nghị", "copies": 1}],
        "legal_bases": ["Thông tư 01/2025/TT-BCA"],
        "result": "Giấy phép",
        "online_payment": True,
        "e_result": True,
    }


@pytest.fixture(scope="module")
def catalogue(moto_world: None, auth: Any) -> None:
    from services.catalogue.app import app

    with Client(app) as client:
        operator = auth("operator")
        client.http.put(
            "/agencies/bo-cong-an",
            headers=operator,
            body=json.dumps({"name": "Bộ Công an", "level": "central"}),
        )
        for code, name, fees, publish in (
            (FEE_PROCEDURE, "Đổi giấy phép lái xe", FEES, True),
            (FREE_PROCEDURE, "Đăng ký khai tử", [], True),
            (DRAFT_PROCEDURE, "Cấp lại giấy phép lái xe", FEES, False),
        ):
            response = client.http.put(
                f"/procedures/{code}", headers=operator, body=json.dumps(_procedure(name, fees))
            )
            assert response.status_code in (200, 201), response.body
            if publish:
                response = client.http.post(
                    f"/procedures/{code}/publish", headers=operator, body="{}"
                )
                assert response.status_code == 200, response.body


@pytest.fixture(scope="module")
def client(catalogue: None) -> Iterator[Client]:
    from services.payments.app import app

    with Client(app) as test_client:
        yield test_client


def merchant(provider: str) -> dict[str, Any]:
    secrets = boto3.client("secretsmanager")
    value = secrets.get_secret_value(SecretId=f"portal-test/payments/{provider}")
    return dict(json.loads(value["SecretString"]))


# -- the bank's side: the sandbox bank's signer, written apart from the service's ----------
class Bank:
    """Builds VNPAY notifications for an order, as the bank would send them."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.profile = merchant("vnpay")
        self.transaction = 14_000_000

    def notice(
        self,
        order_id: str,
        amount_vnd: int,
        *,
        response: str = "00",
        status: str = "00",
        paid_at: datetime | None = None,
    ) -> dict[str, str]:
        self.transaction += 1
        return vnpay_notice(
            tmn_code=self.profile["tmn_code"],
            hash_secret=self.profile["hash_secret"],
            txn_ref=order_id,
            amount=str(amount_vnd * 100),
            transaction_no=str(self.transaction),
            paid_at=paid_at or datetime.now(VIETNAM_TZ),  # the bank's own clock
            response_code=response,
            transaction_status=status,
        )

    def send(self, params: dict[str, str]) -> dict[str, str]:
        response = self.client.http.get("/callbacks/vnpay/ipn?" + urlencode(params))
        assert response.status_code == 200
        return dict(json.loads(response.body))


@pytest.fixture(scope="module")
def bank(client: Client) -> Bank:
    return Bank(client)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


class Citizen:
    def __init__(self, client: Client, auth: Any, sub: str) -> None:
        self.client = client
        self.headers = auth("citizen", sub=sub)

    def order(
        self,
        dossier: str,
        procedure: str = FEE_PROCEDURE,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Any:
        body = {"procedure_code": procedure, "dossier_code": dossier, **extra}
        return self.client.http.post(
            "/orders", headers={**self.headers, **(headers or {})}, body=json.dumps(body)
        )

    def get(self, order_id: str) -> Any:
        return self.client.http.get(f"/orders/{order_id}", headers=self.headers)


@pytest.fixture
def citizen(client: Client, auth: Any, request: pytest.FixtureRequest) -> Citizen:
    return Citizen(client, auth, sub=f"citizen-{request.node.name}")


def now_utc() -> datetime:
    return datetime.now(UTC)

"""Catalogue fixtures: a test client on a moto world with a few agencies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

AGENCIES = [
    ("bo-cong-an", {"name": "Bộ Công an", "level": "central"}),
    ("bo-tu-phap", {"name": "Bộ Tư pháp", "level": "central"}),
    ("ubnd-ha-noi", {"name": "UBND thành phố Hà Nội", "level": "province", "locality": "Hà Nội"}),
    (
        "so-xay-dung-ha-noi",
        {
            "name": "Sở Xây dựng Hà Nội",
            "level": "province",
            "parent_id": "ubnd-ha-noi",
            "locality": "Hà Nội",
        },
    ),
]


def procedure_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Đổi giấy phép lái xe do ngành Công an cấp",
        "field": "Đường bộ",
        "agency_ids": ["bo-cong-an"],
        "agency_level": "central",
        "service_level": "full",
        "processing_days": 5,
        "fees": [{"name": "Lệ phí cấp đổi giấy phép lái xe", "amount_vnd": 135000}],
        "documents": [{"name": "Đơn đề nghị đổi giấy phép lái xe", "copies": 1}],
        "legal_bases": ["Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15"],
        "result": "Giấy phép lái xe",
        "online_payment": True,
        "e_result": True,
    }
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def client(moto_world: None, auth: Any) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as test_client:
        for agency_id, agency in AGENCIES:
            response = test_client.http.put(
                f"/agencies/{agency_id}", headers=auth("operator"), body=json.dumps(agency)
            )
            assert response.status_code == 200, response.body
        yield test_client


class Catalogue:
    """Steps a test takes through the API, as an operator unless told otherwise."""

    def __init__(self, client: Client, auth: Any) -> None:
        self.client = client
        self.auth = auth

    def put(self, code: str, headers: dict[str, str] | None = None, **changes: Any) -> Any:
        # Each code gets its own name unless the test is about names: the catalogue refuses
        # to publish two procedures with the same name at the same level.
        changes.setdefault("name", f"Đổi giấy phép lái xe mẫu số {code}")
        return self.client.http.put(
            f"/procedures/{code}",
            headers=headers or self.auth("operator"),
            body=json.dumps(procedure_body(**changes)),
        )

    def publish(self, code: str, force: bool | None = None) -> Any:
        body = {} if force is None else {"force": force}
        return self.client.http.post(
            f"/procedures/{code}/publish", headers=self.auth("operator"), body=json.dumps(body)
        )

    def abolish(self, code: str, reason: str = "Hết hiệu lực") -> Any:
        return self.client.http.post(
            f"/procedures/{code}/abolish",
            headers=self.auth("operator"),
            body=json.dumps({"reason": reason}),
        )

    def published(self, code: str, **changes: Any) -> dict[str, Any]:
        assert self.put(code, **changes).status_code == 200
        response = self.publish(code)
        assert response.status_code == 200, response.body
        return json.loads(response.body)  # type: ignore[no-any-return]

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.http.get(path, headers=headers or {})


@pytest.fixture(scope="module")
def catalogue(client: Client, auth: Any) -> Catalogue:
    return Catalogue(client, auth)

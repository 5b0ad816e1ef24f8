"""Feedback fixtures: a moto world with agencies and a published procedure, the feedback
app's test client, and steps a test takes as a submitter, an official or the queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client

PROCEDURE = "1.002804"  # implemented by bo-cong-an
AGENCIES = {
    "bo-cong-an": {"name": "Bộ Công an", "level": "central"},
    "bo-xay-dung": {"name": "Bộ Xây dựng", "level": "central"},
    "van-phong-chinh-phu": {"name": "Văn phòng Chính phủ", "level": "central"},
}
PERSON = {
    "name": "Nguyễn Thị Hồng Nhung",
    "phone": "0912345678",
    "email": "hong.nhung@example.vn",
    "national_id": "001190012345",
    "address": "Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm, Hà Nội",
}


@pytest.fixture(scope="module")
def catalogue(moto_world: None, auth: Any) -> None:
    from services.catalogue.app import app

    operator = auth("operator")
    with Client(app) as client:
        for agency_id, agency in AGENCIES.items():
            client.http.put(f"/agencies/{agency_id}", headers=operator, body=json.dumps(agency))
        body = {
            "name": "Đổi giấy phép lái xe",
            "field": "Đường bộ",
            "agency_ids": ["bo-cong-an"],
            "agency_level": "central",
            "service_level": "full",
            "processing_days": 5,
            "fees": [{"name": "Lệ phí", "amount_vnd": 135000}],
            "documents": [{"name": "Đơn đề nghị", "copies": 1}],
            "legal_bases": ["Thông tư 01/2025/TT-BCA"],
            "result": "Giấy phép lái xe",
            "online_payment": True,
            "e_result": True,
        }
        client.http.put(f"/procedures/{PROCEDURE}", headers=operator, body=json.dumps(body))
        published = client.http.post(
            f"/procedures/{PROCEDURE}/publish", headers=operator, body="{}"
        )
        assert published.status_code == 200, published.body


@pytest.fixture(scope="module")
def client(catalogue: None) -> Iterator[Client]:
    from services.feedback.app import app

    with Client(app) as test_client:
        yield test_client


def case_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Chậm trả kết quả đổi giấy phép lái xe",
        "content": "Tôi nộp hồ sơ đổi giấy phép lái xe từ tháng trước nhưng chưa nhận được "
        "kết quả, quá thời hạn giải quyết đã hẹn.",
        "procedure_code": PROCEDURE,
        "submitter": dict(PERSON),
    }
    body.update(changes)
    return body


class Desk:
    """What tests do to the feedback service, through its routes and its queue."""

    def __init__(self, client: Client, auth: Any) -> None:
        self.client = client
        self.auth = auth
        self.address = 0

    def submit(self, headers: dict[str, str] | None = None, **changes: Any) -> Any:
        # Each anonymous submission from its own address: the rate limit is tested apart.
        self.address += 1
        request_headers = {"Content-Type": "application/json", **(headers or {})}
        return self.client.http.post(
            "/cases", headers=request_headers, body=json.dumps(case_body(**changes))
        )

    def submitted(self, **changes: Any) -> dict[str, Any]:
        response = self.submit(**changes)
        assert response.status_code == 202, response.body
        return dict(json.loads(response.body))

    def route_all(self, times: int = 1) -> list[str]:
        """Deliver what the intake queue holds to the consumer, each message ``times``."""
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName="portal-test-feedback-intake")["QueueUrl"]
        bodies: list[str] = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                bodies.append(message["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        for _ in range(times):
            if bodies:
                event = self.client.events.generate_sqs_event(
                    message_bodies=bodies, queue_name="portal-test-feedback-intake"
                )
                result = self.client.lambda_.invoke("route-feedback-cases", event)
                assert result.payload == {"batchItemFailures": []}
        return bodies

    def case(self, code: str, **query: str) -> Any:
        path = f"/cases/{code}"
        headers = query.pop("headers", None)
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.http.get(path, headers=headers or {})

    def by_key(self, receipt: dict[str, Any]) -> dict[str, Any]:
        response = self.case(receipt["tracking_code"], access_key=receipt["access_key"])
        assert response.status_code == 200, response.body
        return dict(json.loads(response.body))

    def act(self, code: str, agency: str = "bo-cong-an", **body: Any) -> Any:
        return self.client.http.post(
            f"/cases/{code}/actions",
            headers=self.auth("official", agency=agency),
            body=json.dumps(body),
        )


@pytest.fixture
def desk(client: Client, auth: Any) -> Desk:
    return Desk(client, auth)

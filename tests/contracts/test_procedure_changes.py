"""procedure-changes: what the catalogue sends after a publication and an abolition is what
a consumer of the queue reads, through ``core.messages.PROCEDURE_CHANGES``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from services.core import aws
from services.core.clock import VIETNAM_TZ
from services.core.messages import PROCEDURE_CHANGES, ProcedureAbolished, ProcedurePublished
from services.core.settings import get_settings
from tests.conftest import Headers, SetClock


@pytest.fixture(scope="module")
def client(moto_world: None, auth: Headers) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as test_client:
        answer = test_client.http.put(
            "/agencies/so-tu-phap-can-tho",
            headers=auth("operator"),
            body=json.dumps({"name": "Sở Tư pháp Cần Thơ", "level": "province"}),
        )
        assert answer.status_code == 200, answer.body
        yield test_client


def sent_bodies() -> list[str]:
    """Every body on the queue, as a consumer receives it, taken off the queue."""
    url = aws.queue_url(get_settings().procedure_changes_queue)
    bodies: list[str] = []
    while (
        batch := aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ):
        for message in batch:
            bodies.append(message["Body"])
            aws.sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def post(client: Client, auth: Headers, path: str, body: dict[str, Any]) -> None:
    answer = client.http.post(path, headers=auth("operator"), body=json.dumps(body))
    assert answer.status_code == 200, answer.body


def test_a_publication_and_an_abolition_reach_the_consumer_as_typed_changes(
    client: Client, auth: Headers, clock: SetClock
) -> None:
    sent_bodies()
    draft = {
        "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "field": "Chứng thực",
        "agency_ids": ["so-tu-phap-can-tho"],
        "agency_level": "province",
        "service_level": "partial",
        "processing_days": 1,
        "fees": [{"name": "Lệ phí chứng thực", "amount_vnd": 2000}],
        "documents": [],
        "legal_bases": [],
        "result": "Bản sao được chứng thực",
        "online_payment": False,
        "e_result": True,
    }
    answer = client.http.put(
        "/procedures/2.000815", headers=auth("operator"), body=json.dumps(draft)
    )
    assert answer.status_code == 200, answer.body
    clock.set(datetime(2026, 3, 2, 8, 30, tzinfo=VIETNAM_TZ))
    post(client, auth, "/procedures/2.000815/publish", {})
    clock.advance(minutes=5)
    post(client, auth, "/procedures/2.000815/abolish", {"reason": "Hợp nhất thủ tục"})

    published, abolished = (PROCEDURE_CHANGES.parse(body) for body in sent_bodies())

    assert isinstance(published, ProcedurePublished)
    assert (published.code, published.version) == ("2.000815", 2)
    assert isinstance(abolished, ProcedureAbolished)
    assert (abolished.code, abolished.version) == ("2.000815", 3)
    assert published.occurred_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert abolished.occurred_at == datetime(2026, 3, 2, 1, 35, tzinfo=UTC)

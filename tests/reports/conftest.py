"""Reports fixtures: a moto world with agencies in the catalogue, the reports app's client,
and messages built by hand as the producers build them, delivered through the consumer."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import body_of

QUEUE = "portal-test-report-events"
_agencies = itertools.count(1)
_messages = itertools.count(1)


@pytest.fixture(scope="module")
def catalogue_client(moto_world: None) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module")
def client(catalogue_client: Client) -> Iterator[Client]:
    from services.reports.app import app

    with Client(app) as test_client:
        yield test_client


def at(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


class Reports:
    def __init__(self, client: Client, catalogue: Client, auth: Any) -> None:
        self.client = client
        self.catalogue = catalogue
        self.auth = auth

    def agency(self, level: str = "province") -> str:
        agency_id = f"000.00.{next(_agencies):02d}.H{10 + next(_agencies) % 80}"
        response = self.catalogue.http.put(
            f"/agencies/{agency_id}",
            headers=self.auth("operator"),
            body=json.dumps({"name": f"Cơ quan {agency_id}", "level": level}),
        )
        assert response.status_code in (200, 201), response.body
        return agency_id

    def deliver(self, *messages: dict[str, Any]) -> dict[str, Any]:
        return self.deliver_bodies([json.dumps(m) for m in messages])

    def deliver_bodies(self, bodies: list[str]) -> dict[str, Any]:
        if len(bodies) > 10:
            self.deliver_bodies(bodies[10:])
            bodies = bodies[:10]
        event = self.client.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
        for record in event["Records"]:
            record["messageId"] = f"m-{next(_messages)}"
        return self.client.lambda_.invoke("count-report-events", event).payload  # type: ignore[no-any-return]

    def index(self, agency_id: str, period: str) -> dict[str, Any]:
        response = self.client.http.get(f"/index?agency_id={agency_id}&period={period}")
        assert response.status_code == 200, response.body
        return body_of(response)  # type: ignore[no-any-return]


@pytest.fixture
def reports(client: Client, catalogue_client: Client, auth: Any) -> Reports:
    return Reports(client, catalogue_client, auth)


def dossier(agency_id: str, code: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    message = {
        "type": "report.dossier",
        "dossier_code": code,
        "version": version,
        "agency_id": agency_id,
        "procedure_code": "1.001234",
        "channel": "online",
        "received_at": "2026-05-04T09:00:00+07:00",
        "due_at": "2026-05-11T17:00:00+07:00",
        "status": 2,
        "status_at": "2026-05-04T09:00:00+07:00",
        "late": False,
        "apologies": 0,
        "digitized": False,
        "paid_online": False,
    }
    return message | changes


def indicators(found: dict[str, Any]) -> dict[str, tuple[int, int, float]]:
    return {
        ind["id"]: (ind["numerator"], ind["denominator"], ind["points"])
        for group in found["groups"]
        for ind in group["indicators"]
    }


def groups(found: dict[str, Any]) -> dict[str, float]:
    return {group["id"]: group["points"] for group in found["groups"]}

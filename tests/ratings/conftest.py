"""Ratings fixtures: a moto world with agencies of each level in the catalogue, the ratings
app's test client, the portal's clock set to ``NOW``, and the steps a test takes as an
agency's one-stop system, a citizen, the queues and the schedule."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from services.core.identifiers import NATIONAL_CODE_PATTERN, is_agency_id
from tests.conftest import SetClock, body_of
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

NOW = datetime(2025, 5, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, May 2025 (Q2)
RECEIVED = datetime(2025, 5, 10, 2, 0, tzinfo=UTC)
DUE = datetime(2025, 5, 17, 10, 0, tzinfo=UTC)
ON_TIME = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)
LATE = datetime(2025, 5, 18, 8, 0, tzinfo=UTC)

SATISFIED = "rat_hai_long"
FAIR = "hai_long"
DISSATISFIED = "khong_hai_long"

RATING_QUEUE = "portal-test-rating-events"
DOSSIER_QUEUE = "portal-test-dossier-events"
FEEDBACK_QUEUE = "portal-test-feedback-intake"

_agencies = itertools.count(1)
_dossiers = itertools.count(1)
_procedures = itertools.count(1)
_messages = itertools.count(1)


@pytest.fixture(scope="module")
def catalogue_client(moto_world: None) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module")
def client(catalogue_client: Client) -> Iterator[Client]:
    from services.ratings.app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def feedback_client(moto_world: None) -> Iterator[Client]:
    from services.feedback.app import app

    with Client(app) as test_client:
        # The feedback app's consumer reads ``app.lambda_context``, which Chalice sets only
        # once an HTTP request has been served: serve one first (see the ratings report).
        assert test_client.http.get("/health").status_code == 200
        yield test_client


def sqs_event(client: Client, bodies: list[str], queue: str) -> tuple[dict[str, Any], list[str]]:
    """An SQS event whose records have ids of their own (the test client gives them all the
    same id, which would hide which message of a batch failed)."""
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=queue)
    ids = []
    for record in event["Records"]:
        record["messageId"] = f"m-{next(_messages)}"
        ids.append(record["messageId"])
    return event, ids


class Portal:
    """What tests do to the ratings service: as a one-stop system, a citizen, the queues."""

    def __init__(self, client: Client, catalogue: Client, auth: Any) -> None:
        self.client = client
        self.catalogue = catalogue
        self.auth = auth
        self.implemented: dict[str, set[str]] = {}  # procedure code -> its agencies

    def implement(self, procedure_code: str, agency_id: str) -> None:
        """Publish ``procedure_code`` with ``agency_id`` among its agencies, as the
        catalogue must say before a one-stop system reports a dossier of it."""
        agencies = self.implemented.setdefault(procedure_code, set())
        if agency_id in agencies:
            return
        agencies.add(agency_id)
        publish_procedure(self.catalogue, self.auth("operator"), procedure_code, sorted(agencies))

    # -- the world ----------------------------------------------------------------------
    def agency(self, level: str = "central") -> str:
        """A new agency of its own in the catalogue, so each test's aggregates are its own."""
        agency_id = f"co-quan-{level}-{next(_agencies)}"
        response = self.catalogue.http.put(
            f"/agencies/{agency_id}",
            headers=self.auth("operator"),
            body=json.dumps({"name": f"Cơ quan {agency_id}", "level": level}),
        )
        assert response.status_code in (200, 201), response.body
        return agency_id

    @staticmethod
    def procedure() -> str:
        return f"2.{next(_procedures):06d}"

    @staticmethod
    def event(agency_id: str, **changes: Any) -> dict[str, Any]:
        """A handled dossier's event (status 9, completed on time) unless changed."""
        n = next(_dossiers)
        body: dict[str, Any] = {
            "dossier_code": f"H01.22-250510-{n:04d}",
            "procedure_code": "1.002804",
            "agency_id": agency_id,
            "citizen_id": f"0011900{n:05d}",
            "status": 9,
            "received_at": RECEIVED.isoformat(),
            "due_at": DUE.isoformat(),
            "completed_at": ON_TIME.isoformat(),
        }
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    # -- one-stop systems ---------------------------------------------------------------
    def post_event(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        procedure, agency = body.get("procedure_code"), body.get("agency_id")
        # A well-formed pair is made true in the catalogue first; a malformed one is sent
        # as it is, for the route to refuse.
        well_formed = (
            isinstance(procedure, str)
            and isinstance(agency, str)
            and re.fullmatch(NATIONAL_CODE_PATTERN, procedure) is not None
            and is_agency_id(agency)
        )
        if well_formed:
            self.implement(str(procedure), str(agency))
        if headers is None:
            headers = self.auth("system", sub="mot-cua", agency=body.get("agency_id"))
        return self.client.http.post("/dossiers", headers=headers, body=json.dumps(body))

    def known(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post_event(body)
        assert response.status_code == 200, response.body
        return dict(body_of(response))

    def deliver_events(self, bodies: list[str]) -> tuple[dict[str, Any], list[str]]:
        event, ids = sqs_event(self.client, bodies, DOSSIER_QUEUE)
        result = self.client.lambda_.invoke("take-dossier-events", event)
        return dict(result.payload), ids

    # -- citizens -----------------------------------------------------------------------
    def rate(
        self,
        event: dict[str, Any],
        answers: dict[str, str] | None = None,
        comment: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        body: dict[str, Any] = {
            "dossier_code": event["dossier_code"],
            "answers": answers if answers is not None else {"overall": SATISFIED},
        }
        if comment is not None:
            body["comment"] = comment
        if headers is None:
            headers = self.auth("citizen", sub=event["citizen_id"])
        return self.client.http.post("/", headers=headers, body=json.dumps(body))

    def rated(
        self, event: dict[str, Any], answers: dict[str, str], comment: str | None = None
    ) -> dict[str, Any]:
        response = self.rate(event, answers, comment)
        assert response.status_code == 201, response.body
        return dict(body_of(response))

    # -- counting -----------------------------------------------------------------------
    def deliver_ratings(self, bodies: list[str]) -> tuple[dict[str, Any], list[str]]:
        event, ids = sqs_event(self.client, bodies, RATING_QUEUE)
        result = self.client.lambda_.invoke("count-ratings", event)
        return dict(result.payload), ids

    def count_all(self, times: int = 2) -> list[str]:
        """Deliver what the rating-events queue holds to the consumer, each batch ``times``."""
        bodies = drain(RATING_QUEUE)
        for start in range(0, len(bodies), 10):
            for _ in range(times):
                payload, _ids = self.deliver_ratings(bodies[start : start + 10])
                assert payload == {"batchItemFailures": []}
        return bodies

    # -- reports ------------------------------------------------------------------------
    def summary(self, headers: dict[str, str] | None = None, **query: str) -> Any:
        path = "/summary?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.http.get(path, headers=headers or {})

    def summary_of(self, headers: dict[str, str] | None = None, **query: str) -> dict[str, Any]:
        response = self.summary(headers, **query)
        assert response.status_code == 200, response.body
        return dict(body_of(response))

    def rankings(self, **query: str) -> Any:
        path = "/rankings?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.http.get(path)


@pytest.fixture
def portal(client: Client, catalogue_client: Client, auth: Any, clock: SetClock) -> Portal:
    clock.set(NOW)
    return Portal(client, catalogue_client, auth)

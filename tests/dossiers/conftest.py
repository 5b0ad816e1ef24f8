"""Dossiers fixtures: a moto world with agencies and procedures of each test's own in the
catalogue, the dossiers app's test client, the portal's clock, and the steps a test takes as
a one-stop system, an official, a citizen, the queues and the schedule.

Times are written as Hà Nội sees them (UTC+7), as the people handling dossiers would."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import SetClock, body_of
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=HANOI)  # Monday 16 March 2026, 10:00 in Hà Nội
RECEIVED = datetime(2026, 3, 16, 8, 0, tzinfo=HANOI)
CITIZEN = "079123456789"
APPLICANT = {
    "citizen_id": CITIZEN,
    "name": "Trần Thị Mai",
    "phone": "0912 345 678",
    "email": "tran.mai@example.vn",
}

_agencies = itertools.count(1)
_procedures = itertools.count(1)
_dossiers = itertools.count(1)
_messages = itertools.count(1)


def hanoi(text: str) -> datetime:
    """``2026-03-20 23:59:59`` in Hà Nội."""
    return datetime.fromisoformat(text).replace(tzinfo=HANOI)


def at(moment: datetime) -> str:
    return moment.isoformat()


def same_moment(text: str, expected: datetime) -> bool:
    return datetime.fromisoformat(text) == expected


@pytest.fixture(scope="module")
def catalogue_client(moto_world: None) -> Iterator[Client]:
    from services.catalogue.app import app

    with Client(app) as client:
        yield client


@pytest.fixture(scope="module")
def client(catalogue_client: Client) -> Iterator[Client]:
    from services.dossiers.app import app

    with Client(app) as test_client:
        yield test_client


def sent_emails() -> list[Any]:
    """What moto's SES has sent, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages)


def sent_sms() -> list[tuple[str, str]]:
    """(number, text) of what moto's SNS has sent, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sms_messages.values())


class Desk:
    """What tests do to the dossiers service: as the catalogue's operator, a one-stop system,
    an official, a citizen, the queues and the schedule."""

    def __init__(self, client: Client, catalogue: Client, auth: Any, clock: SetClock) -> None:
        self.client = client
        self.catalogue = catalogue
        self.auth = auth
        self.clock = clock

    # -- the catalogue --------------------------------------------------------------------
    def agency(
        self, name: str | None = None, parent: str | None = None, locality: str | None = None
    ) -> str:
        agency_id = f"000.{next(_agencies):02d}.31.H26"
        body: dict[str, Any] = {"name": name or f"Cơ quan {agency_id}", "level": "province"}
        if parent:
            body["parent_id"] = parent
        if locality:
            body["locality"] = locality
        response = self.catalogue.http.put(
            f"/agencies/{agency_id}", headers=self.auth("operator"), body=json.dumps(body)
        )
        assert response.status_code in (200, 201), response.body
        return agency_id

    def procedure(
        self, agencies: list[str], processing_days: int = 5, name: str | None = None
    ) -> str:
        code = f"1.{next(_procedures) + 900000:06d}"
        publish_procedure(
            self.catalogue,
            self.auth("operator"),
            code,
            agencies,
            name=name,
            processing_days=processing_days,
        )
        return code

    # -- one-stop systems -----------------------------------------------------------------
    @staticmethod
    def code(agency_id: str) -> str:
        return f"{agency_id}-260316-{next(_dossiers):04d}"

    @staticmethod
    def body(agency_id: str, procedure_code: str, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "procedure_code": procedure_code,
            "agency_id": agency_id,
            "channel": "online",
            "applicant": dict(APPLICANT),
            "received_at": at(RECEIVED),
            "status": 2,
            "status_at": at(RECEIVED),
        }
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    def system(self, agency_id: str) -> dict[str, str]:
        return self.auth("system", sub=f"mot-cua-{agency_id}", agency=agency_id)

    def official(self, agency_id: str, sub: str = "can-bo-01") -> dict[str, str]:
        return self.auth("official", sub=sub, agency=agency_id)

    def citizen(self, sub: str = CITIZEN) -> dict[str, str]:
        return self.auth("citizen", sub=sub)

    def put(self, code: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        headers = headers if headers is not None else self.system(str(body.get("agency_id")))
        return self.client.http.put(f"/{code}", headers=headers, body=json.dumps(body))

    def synced(self, code: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.put(code, body)
        assert response.status_code in (200, 201), response.body
        return dict(body_of(response))

    def batch(self, agency_id: str, items: list[dict[str, Any]]) -> Any:
        return self.client.http.post(
            "/batch", headers=self.system(agency_id), body=json.dumps({"items": items})
        )

    def progress(
        self, code: str, step: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Any:
        agency = code.split("-")[0]
        return self.client.http.post(
            f"/{code}/progress",
            headers=headers if headers is not None else self.system(agency),
            body=json.dumps(step),
        )

    # -- reading --------------------------------------------------------------------------
    def get(self, code: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.http.get(f"/{code}", headers=headers or {})

    def dossier(self, code: str) -> dict[str, Any]:
        response = self.get(code, self.auth("operator"))
        assert response.status_code == 200, response.body
        return dict(body_of(response))

    def listing(self, agency_id: str, headers: dict[str, str] | None = None, **query: Any) -> Any:
        path = f"/agencies/{agency_id}/dossiers"
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.http.get(path, headers=headers or self.official(agency_id))

    def listed(self, agency_id: str, **query: Any) -> list[str]:
        """Every dossier code of the list, page after page."""
        codes: list[str] = []
        cursor = None
        while True:
            extra = {**query, **({"cursor": cursor} if cursor else {})}
            response = self.listing(agency_id, **extra)
            assert response.status_code == 200, response.body
            page = body_of(response)
            codes.extend(item["dossier_code"] for item in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return codes

    # -- officials ------------------------------------------------------------------------
    def apologise(
        self,
        code: str,
        reason: str,
        new_due_at: datetime,
        headers: dict[str, str] | None = None,
    ) -> Any:
        agency = code.split("-")[0]
        return self.client.http.post(
            f"/{code}/apologies",
            headers=headers if headers is not None else self.official(agency),
            body=json.dumps({"reason": reason, "new_due_at": at(new_due_at)}),
        )

    # -- queues and the schedule ----------------------------------------------------------
    def deliver(self, handler: str, queue: str, bodies: list[str]) -> dict[str, Any]:
        """The handler's partial batch response. A batch whose every message failed raises
        (Powertools' way of failing it whole, as Lambda then retries it): reported here as
        every message failed."""
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        event = self.client.events.generate_sqs_event(message_bodies=bodies, queue_name=queue)
        for record in event["Records"]:
            record["messageId"] = f"m-{next(_messages)}"
        try:
            return dict(self.client.lambda_.invoke(handler, event).payload)
        except BatchProcessingError:
            return {
                "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]
            }

    def notify_all(self, times: int = 1) -> list[str]:
        """Deliver what the notifications queue holds to its consumer, each batch ``times``."""
        from services.core.settings import get_settings

        queue = get_settings().notifications_queue
        bodies = drain(queue)
        for start in range(0, len(bodies), 10):
            for _ in range(times):
                payload = self.deliver("send-notifications", queue, bodies[start : start + 10])
                assert payload == {"batchItemFailures": []}, payload
        return bodies

    def sweep(self) -> None:
        """The every-minute schedule, once."""
        event = self.client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        self.client.lambda_.invoke("sweep-dossiers", event)


@pytest.fixture
def desk(client: Client, catalogue_client: Client, auth: Any, clock: SetClock) -> Desk:
    clock.set(NOW)
    return Desk(client, catalogue_client, auth, clock)

"""The dossier-events queue, fed by the dossiers service: a synced dossier that reaches 9
sends ratings the Ratings section's event, which the ratings consumer takes, so its citizen
can rate it without the one-stop system posting twice. Its due_at is the date before any
apology, as on-time handling is counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from services.core.clock import VIETNAM_TZ
from services.core.messages import DOSSIER_EVENTS, DossierEvent
from tests.conftest import SetClock
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

QUEUE = "portal-test-dossier-events"
AGENCY = "000.00.43.H26"
PROCEDURE = "1.004413"
CITIZEN = "079100200302"


@pytest.fixture(scope="module")
def clients(moto_world: None, auth: Any) -> Iterator[tuple[Client, Client]]:
    from services.catalogue.app import app as catalogue_app
    from services.dossiers.app import app as dossiers_app
    from services.ratings.app import app as ratings_app

    with Client(catalogue_app) as catalogue:
        catalogue.http.put(
            f"/agencies/{AGENCY}",
            headers=auth("operator"),
            body=json.dumps({"name": "UBND xã (hợp đồng)", "level": "commune"}),
        )
        publish_procedure(catalogue, auth("operator"), PROCEDURE, [AGENCY], processing_days=3)
    with Client(dossiers_app) as dossiers, Client(ratings_app) as ratings:
        yield dossiers, ratings


def test_a_handled_dossier_reaches_ratings_and_its_citizen_rates_it(
    clients: tuple[Client, Client], auth: Any, clock: SetClock
) -> None:
    clock.set(datetime(2026, 3, 18, 16, 0, tzinfo=VIETNAM_TZ))
    dossiers, ratings = clients
    code = f"{AGENCY}-260316-0001"
    system = auth("system", sub="mot-cua", agency=AGENCY)
    copy = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "counter",
        "applicant": {"citizen_id": CITIZEN, "name": "Trịnh Hòa"},
        "received_at": "2026-03-16T08:00:00+07:00",
        "status": 4,
        "status_at": "2026-03-16T09:00:00+07:00",
        "official_id": "cb-xa-01",
    }
    assert dossiers.http.put(f"/{code}", headers=system, body=json.dumps(copy)).status_code == 201
    assert drain(QUEUE) == []  # not handled yet: nothing for ratings
    step = {"status": 9, "at": "2026-03-18T15:00:00+07:00", "official_id": "cb-xa-01"}
    done = dossiers.http.post(f"/{code}/progress", headers=system, body=json.dumps(step))
    assert done.status_code == 200, done.body
    sent = drain(QUEUE)
    assert len(sent) == 1
    event = DOSSIER_EVENTS.parse(sent[0])
    assert event == DossierEvent(
        dossier_code=code,
        procedure_code=PROCEDURE,
        agency_id=AGENCY,
        official_id="cb-xa-01",
        citizen_id=CITIZEN,
        status=9,
        received_at="2026-03-16T08:00:00+07:00",  # type: ignore[arg-type]
        due_at="2026-03-19T23:59:59+07:00",  # type: ignore[arg-type]
        completed_at="2026-03-18T15:00:00+07:00",  # type: ignore[arg-type]
    )
    delivery = ratings.events.generate_sqs_event(message_bodies=sent, queue_name=QUEUE)
    assert ratings.lambda_.invoke("take-dossier-events", delivery).payload == {
        "batchItemFailures": []
    }
    rating = {"dossier_code": code, "answers": {"overall": "rat_hai_long"}}
    rated = ratings.http.post("/", headers=auth("citizen", sub=CITIZEN), body=json.dumps(rating))
    assert rated.status_code == 201, rated.body
    # The same step again sends nothing more.
    dossiers.http.post(f"/{code}/progress", headers=system, body=json.dumps(step))
    assert drain(QUEUE) == []

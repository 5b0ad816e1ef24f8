"""The producers feed reports: a procedure published in the catalogue and dossiers synced by
a one-stop system reach the index through the report-events queue, and delivering the
queue's messages twice counts them once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import SetClock
from tests.reports.conftest import QUEUE, Reports, indicators
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

APPLICANT = {"citizen_id": "079123456789", "name": "Trần Thị Mai", "phone": "0912 345 678"}


@pytest.fixture(scope="module")
def dossiers_client(catalogue_client: Client) -> Iterator[Client]:
    from services.dossiers.app import app

    with Client(app) as client:
        yield client


def test_catalogue_and_dossiers_feed_the_index(
    reports: Reports, dossiers_client: Client, auth: Any, clock: SetClock
) -> None:
    from datetime import datetime

    clock.set(datetime.fromisoformat("2026-03-20T10:00:00+07:00"))
    agency = reports.agency()
    publish_procedure(reports.catalogue, auth("operator"), "1.777001", [agency])
    system = auth("system", sub="mot-cua", agency=agency)

    def sync(code: str, **changes: Any) -> None:
        body = {
            "procedure_code": "1.777001",
            "agency_id": agency,
            "channel": "online",
            "applicant": APPLICANT,
            "received_at": "2026-03-16T08:00:00+07:00",
            "status": 2,
            "status_at": "2026-03-16T08:00:00+07:00",
            "digitized": True,
        } | changes
        answer = dossiers_client.http.put(f"/{code}", headers=system, body=json.dumps(body))
        assert answer.status_code in (200, 201), answer.body

    sync(f"{agency}-1")
    sync(f"{agency}-2", channel="counter", digitized=False)
    sync(f"{agency}-1", status=4, status_at="2026-03-17T08:00:00+07:00")
    sync(
        f"{agency}-2",
        channel="counter",
        digitized=False,
        status=3,
        status_at="2026-03-17T08:00:00+07:00",
    )
    bodies = drain(QUEUE)
    assert len(bodies) >= 5  # the procedure, and each dossier's two states
    reports.deliver_bodies(bodies)
    reports.deliver_bodies(bodies)  # delivered twice: counted once
    found = indicators(reports.index(agency, "2026-03"))
    assert found["ho_so_truc_tuyen"] == (1, 2, 6.0)
    assert found["ho_so_so_hoa"] == (1, 2, 11.0)
    assert found["ho_so_dung_han"] == (1, 1, 20.0)  # the refused one is out of tien_do
    assert found["thu_tuc_dvc_truc_tuyen"] == (1, 1, 6.0)  # published as "partial"

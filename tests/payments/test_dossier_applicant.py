"""A payment order for a dossier the portal holds is created only by its applicant (before,
two citizens could each pay the same dossier); a dossier the portal does not hold is paid as
before. Payments reads the dossiers table through core's dossier view only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import body_of
from tests.payments.conftest import FEE_PROCEDURE, Citizen

APPLICANT_ID = "079188000123"


@pytest.fixture(scope="module")
def dossiers(catalogue: None) -> Iterator[Client]:
    from services.dossiers.app import app

    with Client(app) as client:
        yield client


def synced(dossiers: Client, auth: Any, code: str) -> None:
    body = {
        "procedure_code": FEE_PROCEDURE,
        "agency_id": "bo-cong-an",
        "channel": "online",
        "applicant": {"citizen_id": APPLICANT_ID, "name": "Phạm Văn Dũng"},
        "received_at": "2026-03-16T08:00:00+07:00",
        "status": 2,
        "status_at": "2026-03-16T08:00:00+07:00",
    }
    response = dossiers.http.put(
        f"/{code}",
        headers=auth("system", sub="mot-cua-bca", agency="bo-cong-an"),
        body=json.dumps(body),
    )
    assert response.status_code == 201, response.body


def test_only_the_applicant_opens_an_order_for_a_dossier_the_portal_holds(
    client: Client, dossiers: Client, auth: Any
) -> None:
    synced(dossiers, auth, "HS-BCA-PAY-0001")
    stranger = Citizen(client, auth, sub="079188000999").order("HS-BCA-PAY-0001")
    assert stranger.status_code == 403, stranger.body
    assert stranger.headers["Content-Type"].startswith("application/problem+json")
    applicant = Citizen(client, auth, sub=APPLICANT_ID).order("HS-BCA-PAY-0001")
    assert applicant.status_code == 201, applicant.body
    assert body_of(applicant)["amount_vnd"] == 150_000
    # The stranger still gets nothing, now that an order is pending.
    again = Citizen(client, auth, sub="079188000999").order("HS-BCA-PAY-0001")
    assert again.status_code == 403


def test_a_dossier_the_portal_does_not_hold_is_paid_as_before(client: Client, auth: Any) -> None:
    response = Citizen(client, auth, sub="079188000555").order("HS-BCA-NOT-HELD-01")
    assert response.status_code == 201, response.body

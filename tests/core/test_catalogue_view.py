"""The view other services read the catalogue through sees what the catalogue published."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from services.core import catalogue_view
from tests.conftest import Headers

pytestmark = pytest.mark.usefixtures("moto_world")


@pytest.fixture(scope="module")
def client(moto_world: None) -> Any:
    from services.catalogue.app import app

    with Client(app) as test_client:
        yield test_client


def _put(client: Any, auth: Headers, path: str, body: dict[str, Any]) -> None:
    import json

    answer = client.http.put(path, headers=auth("operator"), body=json.dumps(body))
    assert answer.status_code == 200, answer.body


def test_a_published_procedure_and_its_agency(client: Any, auth: Headers) -> None:
    import json

    _put(
        client,
        auth,
        "/agencies/so-tu-phap-da-nang",
        {"name": "Sở Tư pháp Đà Nẵng", "level": "province", "locality": "Đà Nẵng"},
    )
    procedure = {
        "name": "Cấp phiếu lý lịch tư pháp",
        "field": "Lý lịch tư pháp",
        "agency_ids": ["so-tu-phap-da-nang"],
        "agency_level": "province",
        "service_level": "full",
        "processing_days": 10,
        "fees": [{"name": "Lệ phí", "amount_vnd": 200000}, {"name": "Phí", "amount_vnd": 5000}],
        "documents": [],
        "legal_bases": [],
        "result": "Phiếu lý lịch tư pháp",
        "online_payment": True,
        "e_result": True,
    }
    _put(client, auth, "/procedures/2.000488", procedure)
    assert catalogue_view.procedure("2.000488") is None  # a draft is not public
    published = client.http.post(
        "/procedures/2.000488/publish", headers=auth("operator"), body="{}"
    )
    assert published.status_code == 200, published.body

    found = catalogue_view.published_procedure("2.000488", consistent=True)
    assert found is not None
    assert found.name == "Cấp phiếu lý lịch tư pháp"
    assert found.fee_total_vnd == 205000
    assert found.agency_ids == ("so-tu-phap-da-nang",)
    assert found.processing_days == 10
    assert found.field == "Lý lịch tư pháp"
    assert found.implemented_by("so-tu-phap-da-nang")
    assert not found.implemented_by("so-tu-phap-ha-noi")

    agency = catalogue_view.agency("so-tu-phap-da-nang")
    assert agency is not None
    assert (agency.name, agency.level, agency.parent_id) == (
        "Sở Tư pháp Đà Nẵng",
        "province",
        None,
    )

    abolished = client.http.post(
        "/procedures/2.000488/abolish",
        headers=auth("operator"),
        body=json.dumps({"reason": "Hợp nhất"}),
    )
    assert abolished.status_code == 200, abolished.body
    assert catalogue_view.published_procedure("2.000488", consistent=True) is None
    still = catalogue_view.procedure("2.000488", consistent=True)
    assert still is not None and still.status == "abolished"


def test_unknown_codes_and_agencies_are_none() -> None:
    assert catalogue_view.procedure("9.999999") is None
    assert catalogue_view.agency("khong-ton-tai") is None

"""The catalogue speaks the identifiers the national systems send: agencies by their
Decision 20/2020 identifier or a one-stop system's code, procedures by their local code too."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from tests.conftest import body_of

HANOI = "000.00.00.H26"
JUSTICE_DEPARTMENT = "000.00.12.H26"
COMMUNE = "H55.242"


def _put_agency(client: Client, auth: Any, agency_id: str, **body: Any) -> Any:
    return client.http.put(
        f"/agencies/{agency_id}", headers=auth("operator"), body=json.dumps(body)
    )


def test_agencies_of_the_national_form_are_registered_and_read_as_written(
    client: Client, auth: Any
) -> None:
    assert (
        _put_agency(
            client, auth, HANOI, name="Ủy ban nhân dân thành phố Hà Nội", level="province"
        ).status_code
        == 200
    )
    assert (
        _put_agency(
            client,
            auth,
            JUSTICE_DEPARTMENT,
            name="Sở Tư pháp thành phố Hà Nội",
            level="province",
            parent_id=HANOI,
        ).status_code
        == 200
    )
    assert (
        _put_agency(
            client, auth, COMMUNE, name="Ủy ban nhân dân xã Phú Lương", level="commune"
        ).status_code
        == 200
    )
    read = body_of(client.http.get(f"/agencies/{JUSTICE_DEPARTMENT}"))
    assert (read["agency_id"], read["parent_id"]) == (JUSTICE_DEPARTMENT, HANOI)
    assert body_of(client.http.get(f"/agencies/{COMMUNE}"))["agency_id"] == COMMUNE
    children = body_of(client.http.get(f"/agencies?parent_id={HANOI}"))["items"]
    assert [a["agency_id"] for a in children] == [JUSTICE_DEPARTMENT]
    # Compared exactly as written: another case is another agency.
    assert client.http.get("/agencies/000.00.00.h26").status_code == 404


def test_a_procedure_of_such_an_agency_is_found_by_its_local_code(
    client: Client, auth: Any
) -> None:
    _put_agency(client, auth, HANOI, name="Ủy ban nhân dân thành phố Hà Nội", level="province")
    _put_agency(
        client,
        auth,
        JUSTICE_DEPARTMENT,
        name="Sở Tư pháp thành phố Hà Nội",
        level="province",
        parent_id=HANOI,
    )
    draft = {
        "name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản mẫu",
        "field": "Chứng thực",
        "agency_ids": [JUSTICE_DEPARTMENT],
        "agency_level": "province",
        "service_level": "partial",
        "processing_days": 1,
        "fees": [{"name": "Phí chứng thực", "amount_vnd": 2000}],
        "documents": [],
        "legal_bases": ["Nghị định 23/2015/NĐ-CP"],
        "result": "Bản sao được chứng thực",
        "online_payment": True,
        "e_result": False,
    }
    official = auth("official", agency=JUSTICE_DEPARTMENT)
    # A one-stop system or a front end may name the procedure by its local code.
    put = client.http.put(
        f"/procedures/2.000815.{JUSTICE_DEPARTMENT}", headers=official, body=json.dumps(draft)
    )
    assert put.status_code == 200, put.body
    assert body_of(put)["code"] == "2.000815"
    published = client.http.post(
        "/procedures/2.000815/publish", headers=auth("operator"), body="{}"
    )
    assert published.status_code == 200, published.body
    for path in (f"/procedures/2.000815.{JUSTICE_DEPARTMENT}", "/procedures/2.000815"):
        found = body_of(client.http.get(path))
        assert (found["code"], found["agency_ids"]) == ("2.000815", [JUSTICE_DEPARTMENT])
    versions = body_of(client.http.get(f"/procedures/2.000815.{JUSTICE_DEPARTMENT}/versions"))
    assert [v["code"] for v in versions["items"]] == ["2.000815"]
    listed = body_of(client.http.get(f"/procedures?agency_id={JUSTICE_DEPARTMENT}"))
    assert [p["code"] for p in listed["items"]] == ["2.000815"]

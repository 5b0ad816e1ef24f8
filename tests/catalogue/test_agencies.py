"""Agencies: public to read, operators maintain them, the hierarchy stays a tree."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from tests.conftest import body_of


def put(client: Client, auth: Any, agency_id: str, **body: Any) -> Any:
    return client.http.put(
        f"/agencies/{agency_id}", headers=auth("operator"), body=json.dumps(body)
    )


def test_anyone_reads_an_agency(client: Client) -> None:
    agency = body_of(client.http.get("/agencies/so-xay-dung-ha-noi"))
    assert agency["name"] == "Sở Xây dựng Hà Nội"
    assert agency["parent_id"] == "ubnd-ha-noi"
    assert client.http.get("/agencies/khong-ton-tai").status_code == 404


def test_agencies_list_pages_through_everything(client: Client) -> None:
    first = body_of(client.http.get("/agencies?limit=2"))
    second = body_of(client.http.get(f"/agencies?limit=10&cursor={first['next_cursor']}"))
    ids = [a["agency_id"] for a in first["items"] + second["items"]]
    assert {"bo-cong-an", "bo-tu-phap", "ubnd-ha-noi", "so-xay-dung-ha-noi"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_children_of_an_agency(client: Client) -> None:
    children = body_of(client.http.get("/agencies?parent_id=ubnd-ha-noi"))["items"]
    assert [a["agency_id"] for a in children] == ["so-xay-dung-ha-noi"]


def test_only_operators_maintain_agencies(client: Client, auth: Any) -> None:
    body = json.dumps({"name": "Bộ Y tế", "level": "central"})
    official = client.http.put(
        "/agencies/bo-y-te", headers=auth("official", agency="bo-cong-an"), body=body
    )
    assert official.status_code == 403
    anonymous = client.http.put(
        "/agencies/bo-y-te", headers={"Content-Type": "application/json"}, body=body
    )
    assert anonymous.status_code == 401


def test_a_parent_must_exist(client: Client, auth: Any) -> None:
    response = put(
        client, auth, "so-y-te-hue", name="Sở Y tế Huế", level="province", parent_id="ubnd-hue"
    )
    assert response.status_code == 422
    assert body_of(response)["errors"][0]["field"] == "parent_id"


def test_the_hierarchy_cannot_loop(client: Client, auth: Any) -> None:
    assert put(client, auth, "loop-a", name="A", level="province").status_code == 200
    assert (
        put(client, auth, "loop-b", name="B", level="commune", parent_id="loop-a").status_code
        == 200
    )
    looped = put(client, auth, "loop-a", name="A", level="province", parent_id="loop-b")
    assert looped.status_code == 422
    itself = put(client, auth, "loop-a", name="A", level="province", parent_id="loop-a")
    assert itself.status_code == 422


def test_a_bad_agency_id_is_422(client: Client, auth: Any) -> None:
    response = put(client, auth, "Bo_Y_Te", name="Bộ Y tế", level="central")
    assert response.status_code == 422

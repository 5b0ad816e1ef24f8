"""The criteria: public, the default set until an operator changes it, ``overall`` always."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.conftest import body_of
from tests.ratings.conftest import Portal

LEVELS = ["Rất hài lòng", "Hài lòng", "Không hài lòng"]


def criteria(client: Client) -> list[dict[str, Any]]:
    response = client.http.get("/criteria")
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def test_the_default_criteria_are_public(client: Client) -> None:
    items = criteria(client)
    assert [c["id"] for c in items] == [
        "overall",
        "timeliness",
        "returns",
        "conduct",
        "information",
    ]
    for criterion in items:
        assert criterion["title"]
        assert [level["title"] for level in criterion["levels"]] == LEVELS
        assert [level["id"] for level in criterion["levels"]] == [
            "rat_hai_long",
            "hai_long",
            "khong_hai_long",
        ]


NEW = [
    {
        "id": "overall",
        "title": "Bị thay thế?",
        "levels": [{"id": "tot", "title": "Tốt"}, {"id": "xau", "title": "Xấu"}],
    },
    {
        "id": "online",
        "title": "Mức độ thuận tiện khi nộp hồ sơ trực tuyến",
        "levels": [
            {"id": "thuan_tien", "title": "Thuận tiện"},
            {"id": "binh_thuong", "title": "Bình thường"},
            {"id": "kho_khan", "title": "Khó khăn"},
        ],
    },
]


@pytest.mark.parametrize(
    ("role", "status"), [("official", 403), ("citizen", 403), ("system", 403), (None, 401)]
)
def test_only_an_operator_changes_the_criteria(
    client: Client, auth: Any, role: str | None, status: int
) -> None:
    before = criteria(client)
    headers = (
        auth(role, sub="someone", agency="bo-cong-an")
        if role
        else {"Content-Type": "application/json"}
    )
    response = client.http.put("/criteria", headers=headers, body=json.dumps({"items": NEW}))
    assert response.status_code == status, response.body
    assert criteria(client) == before


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"id": "Online", "title": "x", "levels": NEW[1]["levels"]}],
        [{"id": "online", "title": "x", "levels": [{"id": "one", "title": "Một"}]}],
        [{"id": "online", "title": "", "levels": NEW[1]["levels"]}],
        [NEW[1], NEW[1]],
    ],
)
def test_invalid_criteria_are_a_422(client: Client, auth: Any, items: list[Any]) -> None:
    before = criteria(client)
    response = client.http.put(
        "/criteria", headers=auth("operator"), body=json.dumps({"items": items})
    )
    assert response.status_code == 422, response.body
    assert criteria(client) == before


def test_an_operator_replaces_the_criteria_but_overall_stays(
    portal: Portal, client: Client, auth: Any
) -> None:
    overall = criteria(client)[0]
    response = client.http.put(
        "/criteria", headers=auth("operator"), body=json.dumps({"items": NEW})
    )
    assert response.status_code == 200, response.body
    assert body_of(response)["items"] == [overall, NEW[1]]
    assert criteria(client) == [overall, NEW[1]]
    # Ratings follow the new set: the new criterion is accepted, a removed one refused.
    agency = portal.agency()
    first, second = portal.event(agency), portal.event(agency)
    portal.known(first)
    portal.known(second)
    removed = portal.rate(first, {"overall": "hai_long", "timeliness": "hai_long"})
    assert removed.status_code == 422
    assert portal.rate(first, {"overall": "tot"}).status_code == 422  # overall's own levels
    assert portal.rate(first, {"overall": "hai_long", "online": "kho_khan"}).status_code == 201
    # A set without overall keeps it too.
    response = client.http.put(
        "/criteria", headers=auth("operator"), body=json.dumps({"items": [NEW[1]]})
    )
    assert response.status_code == 200
    assert [c["id"] for c in criteria(client)] == ["overall", "online"]
    assert portal.rate(second, {"online": "thuan_tien"}).status_code == 422  # overall missing

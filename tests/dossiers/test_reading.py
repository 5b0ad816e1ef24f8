"""Reading dossiers: the whole dossier for its applicant, its agency's officials and
operators (404 for anyone else); the public status with no personal data; a citizen's own
dossiers newest first; an agency's lists soonest due first, filtered and paged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import body_of
from tests.dossiers.conftest import APPLICANT, CITIZEN, Desk, at, hanoi


@pytest.fixture
def held(desk: Desk) -> tuple[str, str, str]:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5, name="Cấp hộ chiếu phổ thông")
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    return agency, procedure, code


def test_the_applicant_officials_of_its_agency_and_operators_read_the_dossier(
    desk: Desk, held: tuple[str, str, str]
) -> None:
    agency, _procedure, code = held
    for headers in (desk.citizen(), desk.official(agency), desk.auth("operator")):
        response = desk.get(code, headers)
        assert response.status_code == 200, response.body
        seen = body_of(response)
        assert seen["applicant"]["citizen_id"] == CITIZEN
        assert seen["procedure_name"] == "Cấp hộ chiếu phổ thông"
        assert seen["apologies"] == [] and seen["results"] == []


@pytest.mark.parametrize("who", ["another-citizen", "other-official", "own-system", "other-system"])
def test_anyone_else_is_told_there_is_no_such_dossier(
    desk: Desk, held: tuple[str, str, str], who: str
) -> None:
    agency, _, code = held
    other = desk.agency()
    headers = {
        "another-citizen": desk.citizen("079000000001"),
        "other-official": desk.official(other),
        "own-system": desk.system(agency),
        "other-system": desk.system(other),
    }[who]
    response = desk.get(code, headers)
    assert response.status_code == 404
    assert CITIZEN not in response.body.decode()


def test_reading_a_dossier_needs_a_token(desk: Desk, held: tuple[str, str, str]) -> None:
    assert desk.get(held[2], {}).status_code == 401


def test_an_unknown_dossier_is_404(desk: Desk) -> None:
    assert desk.get("000.99.31.H26-260316-9999", desk.auth("operator")).status_code == 404


def test_the_public_status_shows_no_personal_data(desk: Desk, held: tuple[str, str, str]) -> None:
    agency, procedure, code = held
    response = desk.client.http.get(f"/{code}/status")
    assert response.status_code == 200
    assert body_of(response) == {
        "dossier_code": code,
        "procedure_code": procedure,
        "procedure_name": "Cấp hộ chiếu phổ thông",
        "agency_id": agency,
        "status": 2,
        "status_name": "Được tiếp nhận",
        "received_at": "2026-03-16T08:00:00+07:00",
        "due_at": "2026-03-23T23:59:59+07:00",
        "overdue": False,
    }
    text = response.body.decode()
    for personal in (CITIZEN, APPLICANT["name"], "0912", APPLICANT["email"]):
        assert personal not in text
    assert desk.client.http.get("/000.99.31.H26-260316-9998/status").status_code == 404


def test_a_citizen_lists_their_own_dossiers_newest_first_page_by_page(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency])
    citizen = "079555000111"
    codes = []
    for day in (10, 12, 11, 13, 9):
        code = desk.code(agency)
        when = at(hanoi(f"2026-03-{day:02d} 09:00:00"))
        applicant = {**APPLICANT, "citizen_id": citizen}
        desk.synced(
            code,
            desk.body(agency, procedure, received_at=when, status_at=when, applicant=applicant),
        )
        codes.append((day, code))
    desk.synced(desk.code(agency), desk.body(agency, procedure))  # somebody else's
    newest_first = [code for _, code in sorted(codes, reverse=True)]
    first = desk.client.http.get("/mine?limit=3", headers=desk.citizen(citizen))
    assert first.status_code == 200
    page = body_of(first)
    assert [d["dossier_code"] for d in page["items"]] == newest_first[:3]
    second = desk.client.http.get(
        f"/mine?limit=3&cursor={page['next_cursor']}", headers=desk.citizen(citizen)
    )
    assert [d["dossier_code"] for d in body_of(second)["items"]] == newest_first[3:]
    assert body_of(second)["next_cursor"] is None
    assert page["items"][0]["status_name"] == "Được tiếp nhận"


def test_mine_is_for_citizens(desk: Desk) -> None:
    assert desk.client.http.get("/mine", headers=desk.auth("operator")).status_code == 403
    assert desk.client.http.get("/mine").status_code == 401


def test_an_altered_cursor_is_400(desk: Desk) -> None:
    response = desk.client.http.get("/mine?cursor=AAAAAAAAAAAAAAAA", headers=desk.citizen())
    assert response.status_code == 400


# -- an agency's lists ------------------------------------------------------------------------
@pytest.fixture
def agency_with_dossiers(desk: Desk) -> tuple[str, dict[str, str]]:
    """An agency with dossiers due on several weeks, in several statuses, some overdue."""
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    codes: dict[str, str] = {}
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("due-mar-06", "2026-02-27 09:00:00", {"status": 4}),  # overdue (due Fri 6 March)
        ("due-mar-13", "2026-03-06 09:00:00", {"status": 4}),  # overdue (due Fri 13 March)
        ("due-mar-23", "2026-03-16 09:00:00", {"status": 2}),
        ("due-mar-27", "2026-03-20 09:00:00", {"status": 4}),
        ("due-apr-03", "2026-03-27 09:00:00", {"status": 5}),
        ("handled", "2026-03-02 09:00:00", {"status": 9}),  # due Mon 9 March, done on time
    ]
    for name, received, change in plan:
        code = desk.code(agency)
        desk.synced(
            code,
            desk.body(
                agency, procedure, received_at=at(hanoi(received)), status_at=at(hanoi(received))
            ),
        )
        if change["status"] != 2:
            desk.progress(
                code, {"status": change["status"], "at": at(hanoi(received).replace(hour=15))}
            )
        codes[name] = code
    desk.sweep()
    return agency, codes


def test_the_agency_list_is_soonest_due_first_across_weeks_and_pages(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]]
) -> None:
    agency, codes = agency_with_dossiers
    expected = [
        codes[n]
        for n in ("due-mar-06", "handled", "due-mar-13", "due-mar-23", "due-mar-27", "due-apr-03")
    ]
    assert desk.listed(agency, limit=2) == expected
    assert desk.listed(agency) == expected
    page = body_of(desk.listing(agency, limit=1))
    assert page["items"][0] == {
        "dossier_code": codes["due-mar-06"],
        "procedure_code": page["items"][0]["procedure_code"],
        "procedure_name": page["items"][0]["procedure_name"],
        "agency_id": agency,
        "channel": "online",
        "status": 4,
        "status_name": "Đang xử lý",
        "received_at": "2026-02-27T09:00:00+07:00",
        "due_at": "2026-03-06T23:59:59+07:00",
        "overdue": True,
        "apologised": False,
        "completed_at": None,
    }


def test_the_agency_list_by_status_and_by_overdue(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]]
) -> None:
    agency, codes = agency_with_dossiers
    assert desk.listed(agency, status=4) == [
        codes["due-mar-06"],
        codes["due-mar-13"],
        codes["due-mar-27"],
    ]
    assert desk.listed(agency, status=5) == [codes["due-apr-03"]]
    assert desk.listed(agency, status=9) == [codes["handled"]]
    assert desk.listed(agency, overdue="true") == [codes["due-mar-06"], codes["due-mar-13"]]
    assert desk.listed(agency, overdue="true", apologised="false", limit=1) == [
        codes["due-mar-06"],
        codes["due-mar-13"],
    ]
    # Filters no list of its own serves, read through the nearest one.
    assert desk.listed(agency, status=4, overdue="false") == [codes["due-mar-27"]]
    assert desk.listed(agency, overdue="false") == [
        codes["handled"],
        codes["due-mar-23"],
        codes["due-mar-27"],
        codes["due-apr-03"],
    ]
    assert desk.listed(agency, apologised="true") == []


def test_the_agency_list_is_for_its_officials_and_operators(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]]
) -> None:
    agency, _codes = agency_with_dossiers
    other = desk.agency()
    assert desk.listing(agency, desk.auth("operator")).status_code == 200
    assert desk.listing(agency, desk.official(other)).status_code == 403
    assert desk.listing(agency, desk.citizen()).status_code == 403
    assert desk.listing(agency, desk.system(agency)).status_code == 403
    assert desk.client.http.get(f"/agencies/{agency}/dossiers").status_code == 401


def test_a_cursor_belongs_to_its_own_list(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]]
) -> None:
    agency, _ = agency_with_dossiers
    cursor = body_of(desk.listing(agency, limit=1))["next_cursor"]
    assert desk.listing(agency, limit=1, cursor=cursor).status_code == 200
    assert desk.listing(agency, limit=1, status=4, cursor=cursor).status_code == 400


@pytest.mark.parametrize("query", ["status=0", "status=11", "overdue=maybe", "limit=101"])
def test_bad_list_filters_are_422(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]], query: str
) -> None:
    agency, _ = agency_with_dossiers
    response = desk.client.http.get(
        f"/agencies/{agency}/dossiers?{query}", headers=desk.official(agency)
    )
    assert response.status_code == 422


def test_lists_hold_no_personal_data(
    desk: Desk, agency_with_dossiers: tuple[str, dict[str, str]]
) -> None:
    agency, _ = agency_with_dossiers
    text = json.dumps(body_of(desk.listing(agency)), ensure_ascii=False)
    for personal in (CITIZEN, APPLICANT["name"], APPLICANT["email"]):
        assert personal not in text


@pytest.mark.parametrize(
    "path",
    [
        "/000.01.31.H26-1/apologies/" + "x" * 1500,
        "/000.01.31.H26-1/results/" + "y" * 1500,
        "/results/" + "a" * 3000,
        "/" + "z" * 70,
    ],
)
def test_a_path_naming_nothing_is_404_whatever_its_length(desk: Desk, path: str) -> None:
    response = desk.client.http.get(path, headers=desk.auth("operator"))
    assert response.status_code in (403, 404), response.body


def test_an_agency_id_that_is_none_is_422(desk: Desk) -> None:
    response = desk.client.http.get(
        "/agencies/" + "a" * 3000 + "/dossiers", headers=desk.auth("operator")
    )
    assert response.status_code == 422

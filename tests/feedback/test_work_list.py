"""An agency's work list: its open cases, soonest deadline first, by status, a page at a time."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.core.clock import VIETNAM_TZ, frozen
from tests.conftest import body_of, documented_statuses
from tests.feedback.conftest import Desk

AGENCY = "bo-xay-dung"
TODAY = datetime(2026, 6, 10, 10, 0, tzinfo=VIETNAM_TZ)  # no holiday in the weeks before


@pytest.fixture(scope="module")
def cases(client: Any, auth: Any) -> dict[str, str]:
    """Cases at bo-xay-dung received on different days (so with different deadlines), in
    every status; by name."""
    from services.feedback import app

    desk = Desk(client, auth)
    codes: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        for n, (name, days_ago) in enumerate(
            # A week apart: distinct deadlines whatever the weekday or holiday.
            [
                ("newest", 0),
                ("oldest", 28),
                ("middle", 14),
                ("older", 21),
                ("newer", 7),
                ("accepted", 0),
                ("rejected", 0),
                ("answered", 0),
                ("elsewhere", 0),
            ]
        ):
            patch.setattr(app, "_client_ip", lambda n=n: f"192.0.2.{n}")
            with frozen(TODAY - timedelta(days=days_ago)):
                receipt = desk.submitted(
                    title=f"Kiến nghị số {n} về cấp phép xây dựng",
                    content=f"Nội dung kiến nghị số {n} về thủ tục cấp giấy phép xây dựng nhà ở.",
                    procedure_code=None,
                    agency_id=AGENCY if name != "elsewhere" else "bo-cong-an",
                    submitter={"name": f"Người gửi {n}", "phone": f"0955{n:06d}"},
                )
            codes[name] = receipt["tracking_code"]
    with frozen(TODAY):
        desk.route_all()
        for name, steps in {
            "accepted": [{"action": "accept"}],
            "rejected": [{"action": "reject", "note": "Không thuộc thẩm quyền."}],
            "answered": [{"action": "accept"}, {"action": "answer", "answer": "Đã trả lời."}],
        }.items():
            for step in steps:
                assert desk.act(codes[name], agency=AGENCY, **step).status_code == 200
    return codes


def listing(client: Any, auth: Any, query: str = "", agency: str = AGENCY) -> Any:
    return client.http.get(
        f"/agencies/{agency}/cases{query}", headers=auth("official", agency=agency)
    )


def test_open_cases_soonest_deadline_first(client: Any, auth: Any, cases: Any) -> None:
    response = listing(client, auth)

    assert response.status_code == 200, response.body
    page = body_of(response)
    codes = [item["tracking_code"] for item in page["items"]]
    received = [cases[n] for n in ("oldest", "older", "middle", "newer", "newest")]
    assert codes == [*received, cases["accepted"]]
    deadlines = [datetime.fromisoformat(item["deadline"]) for item in page["items"]]
    assert deadlines[:5] == sorted(deadlines[:5])
    assert deadlines[0] < deadlines[4]
    assert page["next_cursor"] is None
    first = page["items"][0]
    assert first["status"] == "received" and first["channel"] == "web"
    assert first["overdue"] is False and first["title"]


def test_finished_cases_and_other_agencies_cases_are_not_listed(
    client: Any, auth: Any, cases: Any
) -> None:
    codes = {item["tracking_code"] for item in body_of(listing(client, auth))["items"]}

    assert not codes & {cases["rejected"], cases["answered"], cases["elsewhere"]}
    other = body_of(listing(client, auth, agency="bo-cong-an"))["items"]
    assert [item["tracking_code"] for item in other] == [cases["elsewhere"]]


@pytest.mark.parametrize(
    "status, names",
    [
        ("received", ["oldest", "older", "middle", "newer", "newest"]),
        ("accepted", ["accepted"]),
        ("transferred", []),
    ],
)
def test_the_status_filter(
    client: Any, auth: Any, cases: Any, status: str, names: list[str]
) -> None:
    page = body_of(listing(client, auth, f"?status={status}"))

    assert [item["tracking_code"] for item in page["items"]] == [cases[n] for n in names]
    assert all(item["status"] == status for item in page["items"])


@pytest.mark.parametrize("query", ["?status=answered", "?status=closed", "?limit=0", "?limit=101"])
def test_invalid_filters_are_422(client: Any, auth: Any, cases: Any, query: str) -> None:
    assert listing(client, auth, query).status_code == 422


def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: Any, auth: Any, cases: Any
) -> None:
    whole = [i["tracking_code"] for i in body_of(listing(client, auth, "?limit=100"))["items"]]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = body_of(listing(client, auth, query))
        assert len(page["items"]) <= 2
        seen += [item["tracking_code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == whole
    assert len(whole) == 6


def test_a_tampered_cursor_is_400(client: Any, auth: Any, cases: Any) -> None:
    cursor = body_of(listing(client, auth, "?limit=2"))["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-3] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()

    for bad in (tampered, "garbage", cursor[:-4]):
        response = listing(client, auth, f"?limit=2&cursor={bad}")
        assert response.status_code == 400, response.body
        assert response.headers["Content-Type"].startswith("application/problem+json")
    # Clients generated from the document expect it (the fuzzer found it missing).
    assert 400 in documented_statuses(client, "GET", "/agencies/{agency_id}/cases")


def test_a_cursor_of_another_list_is_400(client: Any, auth: Any, cases: Any) -> None:
    cursor = body_of(listing(client, auth, "?limit=2"))["next_cursor"]

    by_status = listing(client, auth, f"?status=received&limit=2&cursor={cursor}")
    other_agency = client.http.get(
        f"/agencies/bo-cong-an/cases?limit=2&cursor={cursor}", headers=auth("operator")
    )

    assert by_status.status_code == 400
    assert other_agency.status_code == 400


def test_operators_see_any_agencys_list(client: Any, auth: Any, cases: Any) -> None:
    response = client.http.get(f"/agencies/{AGENCY}/cases", headers=auth("operator"))

    assert response.status_code == 200
    assert len(body_of(response)["items"]) == 6


@pytest.mark.parametrize(
    "role, agency, status",
    [
        (None, None, 401),
        ("citizen", None, 403),
        ("system", AGENCY, 403),
        ("official", "bo-cong-an", 403),
    ],
)
def test_nobody_else_sees_the_list(
    client: Any, auth: Any, cases: Any, role: str | None, agency: str | None, status: int
) -> None:
    headers = auth(role, agency=agency) if role else {}

    response = client.http.get(f"/agencies/{AGENCY}/cases", headers=headers)

    assert response.status_code == status
    assert cases["newest"] not in response.body.decode()

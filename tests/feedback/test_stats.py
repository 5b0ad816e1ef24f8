"""GET /stats: an agency's cases in a month, quarter or year, by status and channel, and the
share finished on time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.clock import frozen
from tests.conftest import body_of
from tests.feedback.conftest import Desk

_people = itertools.count(1)
# 17:30 UTC on 31 March is 00:30 on 1 April in Hanoi: the cases count in April, in the
# second quarter, as Vietnam counts them.
RECEIVED = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
MONTH, QUARTER, YEAR = "2026-04", "2026-Q2", "2026"


@pytest.fixture(scope="module")
def counted(client: Any, auth: Any) -> dict[str, str]:
    """At bo-xay-dung: 2 web cases received, one accepted, one rejected, one answered, a
    phone and a letter case entered by an official, and one transferred to bo-cong-an.
    At bo-cong-an nothing else: every case there goes through the catalogue's procedure
    and none is submitted in this module but the transferred one."""
    with frozen(RECEIVED):
        return _count_cases(Desk(client, auth), auth)


def _count_cases(desk: Desk, auth: Any) -> dict[str, str]:
    official = auth("official", agency="bo-xay-dung")
    codes: dict[str, str] = {}
    plan = [
        ("received-1", "web"),
        ("received-2", "web"),
        ("accepted", "web"),
        ("rejected", "web"),
        ("answered", "web"),
        ("phone", "phone"),
        ("letter", "letter"),
        ("transferred", "web"),
    ]
    for name, channel in plan:
        n = next(_people)
        receipt = desk.submitted(
            headers=official if channel != "web" else auth("citizen", sub=f"cd-{n}"),
            channel=channel,
            procedure_code=None,
            agency_id="bo-xay-dung",
            title=f"Kiến nghị thống kê số {n}",
            content=f"Nội dung thống kê số {n} về thủ tục xây dựng và quy hoạch.",
            submitter={"name": f"Người gửi {n}", "phone": f"0933{n:06d}"},
        )
        codes[name] = receipt["tracking_code"]
    desk.route_all(times=2)  # redelivered: still counted once
    steps = {
        "accepted": [{"action": "accept"}],
        "rejected": [{"action": "reject", "note": "Không thuộc thẩm quyền."}],
        "answered": [{"action": "accept"}, {"action": "answer", "answer": "Đã trả lời."}],
        "transferred": [{"action": "transfer", "to_agency_id": "bo-cong-an"}],
    }
    for name, actions in steps.items():
        for step in actions:
            response = desk.act(codes[name], agency="bo-xay-dung", **step)
            assert response.status_code == 200, response.body
    return codes


def get_stats(client: Any, agency: str, period: str) -> dict[str, Any]:
    response = client.http.get(f"/stats?agency_id={agency}&period={period}")
    assert response.status_code == 200, response.body
    return dict(body_of(response))


@pytest.mark.parametrize("period", [MONTH, QUARTER, YEAR], ids=["month", "quarter", "year"])
def test_counts_by_status_and_channel_in_every_period(
    client: Any, counted: Any, period: str
) -> None:
    stats = get_stats(client, "bo-xay-dung", period)

    assert stats["agency_id"] == "bo-xay-dung" and stats["period"] == period
    assert stats["total"] == 7  # the transferred case counts where it went
    assert stats["by_status"] == {"received": 4, "accepted": 1, "rejected": 1, "answered": 1}
    assert stats["by_channel"] == {"web": 5, "phone": 1, "letter": 1}
    assert stats["finished"] == 2
    assert stats["finished_on_time"] == 2
    assert stats["on_time_share"] == 1.0


def test_a_transferred_case_counts_at_the_agency_holding_it(client: Any, counted: Any) -> None:
    stats = get_stats(client, "bo-cong-an", YEAR)

    assert stats["total"] == 1
    assert stats["by_status"] == {"transferred": 1}
    assert stats["by_channel"] == {"web": 1}
    assert stats["finished"] == 0
    assert stats["on_time_share"] is None  # nothing finished: no share, not 0 %


def test_an_agency_or_period_without_cases_is_all_zero(client: Any, counted: Any) -> None:
    for agency, period in (
        ("van-phong-chinh-phu", YEAR),
        ("bo-xay-dung", "2026-03"),  # the UTC month of the cases: not how Vietnam counts
        ("bo-xay-dung", "2026-Q1"),
        ("bo-xay-dung", "2020"),
    ):
        stats = get_stats(client, agency, period)
        assert stats["total"] == 0
        assert stats["by_status"] == {} and stats["by_channel"] == {}
        assert stats["on_time_share"] is None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?agency_id=bo-xay-dung",
        "?period=2026",
        "?agency_id=bo-xay-dung&period=2026-13",
        "?agency_id=bo-xay-dung&period=2026-Q5",
        "?agency_id=Bộ&period=2026",
    ],
)
def test_stats_need_an_agency_and_a_period(client: Any, counted: Any, query: str) -> None:
    response = client.http.get(f"/stats{query}")

    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")

"""The reports dashboard in a real browser on a phone's width, on the local stack with the
demo data: the score of a demo agency as the index API gives it, a period switched by the
keyboard, axe finding nothing, nothing fetched from outside the portal."""

from __future__ import annotations

import json
import time as time_module
import urllib.request
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from services.core import periods
from services.core.clock import VIETNAM_TZ
from tests.browser.conftest import axe_violations, screenshot
from tests.e2e.test_local_stack import Stack, _token, running

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

AGENCY = "000.00.01.H01"  # Công an thành phố Hà Nội in infra/demo
# Its demo procedures (infra/demo/procedures.jsonl): five, all online, four with online
# payment, three with an electronic result: 6 + 6 × 4/5 + 6 × 3/5 points.
PUBLIC_POINTS = 14.4
# Its demo dossiers (infra/demo/dossiers.jsonl): received so many days before the stack
# started, at 09:00 in Hanoi, and how they were received.
DEMO_DOSSIERS = ((2, "online"), (20, "counter"), (25, "online"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-reports-dashboard")) as started:
        yield started


def _index(stack: Stack, period: str) -> dict[str, Any]:
    url = f"{stack.base_url}/reports/index?agency_id={AGENCY}&period={period}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return dict(json.loads(answer.read()))


def _online(period: str) -> tuple[int, int]:
    """Of the demo dossiers received in ``period``, how many online and how many in all."""
    today = datetime.now(VIETNAM_TZ).date()
    received = [
        (
            periods.containing(datetime.combine(today - timedelta(days=days), time(9), VIETNAM_TZ)),
            channel,
        )
        for days, channel in DEMO_DOSSIERS
    ]
    inside = [channel for keys, channel in received if period in keys]
    return inside.count("online"), len(inside)


def _cell(page: Any, row: str, column: int) -> str:
    return str(page.locator(f"#{row} td").nth(column).inner_text()).strip()


def test_the_dashboard_reads_an_agencys_score_switches_period_and_passes_axe(
    stack: Stack, page: Any
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(stack.base_url) else None,
    )
    _, quarter, year = periods.containing(datetime.now(VIETNAM_TZ))
    # The demo's facts reach reports through the queue: wait for them to be counted.
    deadline = time_module.monotonic() + 60
    while _index(stack, year)["groups"][2]["indicators"][0]["denominator"] < _online(year)[1]:
        assert time_module.monotonic() < deadline, "the demo dossiers were never counted"
        time_module.sleep(1)

    page.goto(f"{stack.base_url}/reports/dashboard?agency_id={AGENCY}&period={quarter}")
    assert page.get_attribute("html", "lang") == "vi"
    assert "Công an thành phố Hà Nội" in page.title()
    assert _cell(page, "group-cong_khai", 0) == str(PUBLIC_POINTS)
    assert [_cell(page, "indicator-thu_tuc_thanh_toan_truc_tuyen", n) for n in (0, 1, 2)] == [
        "4",
        "5",
        "4.8",
    ]
    online, received = _online(quarter)
    assert [_cell(page, "indicator-ho_so_truc_tuyen", n) for n in (0, 1)] == [
        str(online),
        str(received),
    ]
    shown = float(page.locator("#score").get_attribute("data-score"))
    assert shown == _index(stack, quarter)["score"]  # the page and the API agree
    assert page.locator("svg[role=img]").count() == 2
    for landmark in ("header", "main", "footer"):
        assert page.locator(landmark).count() == 1
    assert axe_violations(page) == []
    screenshot(page, "reports-dashboard-phone")

    # Switch to the year: the period chosen, then Tab to the button and Enter.
    page.focus("#period")
    page.select_option("#period", year)
    page.keyboard.press("Tab")
    # Waited for as a navigation: a URL pattern of the year ("period=2026") also matches
    # the quarter's page it leaves ("period=2026-Q4").
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"period={year}"), page.url
    online, received = _online(year)
    assert [_cell(page, "indicator-ho_so_truc_tuyen", n) for n in (0, 1)] == [
        str(online),
        str(received),
    ]
    assert float(page.locator("#score").get_attribute("data-score")) == _index(stack, year)["score"]
    assert axe_violations(page) == []
    assert outside == []


def test_an_official_opens_the_dossiers_behind_a_number_with_a_token_passed_in(
    stack: Stack, page: Any
) -> None:
    token = _token(stack, "--role", "official", "--agency", AGENCY)
    _, _, year = periods.containing(datetime.now(VIETNAM_TZ))
    page.goto(f"{stack.base_url}/reports/dashboard?agency_id={AGENCY}&period={year}#token={token}")
    # The token is on the page, and no longer in the address bar or the history.
    assert page.input_value("#token") == token
    assert "token" not in page.url
    page.locator("#indicator-ho_so_truc_tuyen button").focus()
    page.keyboard.press("Enter")
    result = page.locator("#dossiers-result")
    result.get_by_text("000.00.01.H01-DEMO-0001").wait_for(timeout=15_000)
    assert "000.00.01.H01-DEMO-0002" in result.inner_text()
    assert "Nguyễn Văn An" not in result.inner_text()  # codes, statuses and dates only
    assert axe_violations(page) == []
    screenshot(page, "reports-dashboard-dossiers")

    # Another agency's official sees none of them.
    page.goto(f"{stack.base_url}/reports/dashboard?agency_id={AGENCY}&period={year}")
    page.fill("#token", _token(stack, "--role", "official", "--agency", "000.00.10.H01"))
    page.locator("#indicator-ho_so_truc_tuyen button").click()
    page.wait_for_function(
        "document.getElementById('dossiers-result').textContent.length > 0"
        " && !document.getElementById('dossiers-result').textContent.startsWith('Đang')"
    )
    assert "DEMO-0001" not in result.inner_text()

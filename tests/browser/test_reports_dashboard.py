"""The reports dashboard in a real browser on a phone's width, on the local stack with the
demo data: the score of a demo agency as the index API gives it, a period switched by the
keyboard, axe finding nothing, nothing fetched from outside the portal."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from services.core import periods
from services.core.clock import VIETNAM_TZ
from tests.browser.conftest import axe_violations, screenshot
from tests.e2e.test_local_stack import Stack, running

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

AGENCY = "000.00.01.H01"  # three demo dossiers in infra/demo/dossiers.jsonl


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-reports-dashboard")) as started:
        yield started


def _index(stack: Stack, period: str) -> dict[str, Any]:
    url = f"{stack.base_url}/reports/index?agency_id={AGENCY}&period={period}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return dict(json.loads(answer.read()))


def test_the_dashboard_reads_an_agencys_score_switches_period_and_passes_axe(
    stack: Stack, page: Any
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(stack.base_url) else None,
    )
    _, quarter, year = periods.containing(datetime.now(VIETNAM_TZ))
    # The demo's dossiers reach reports through the queue: wait for them to be counted.
    deadline = time.monotonic() + 60
    while _index(stack, year)["groups"][1]["indicators"][0]["denominator"] < 3:
        assert time.monotonic() < deadline, "the demo dossiers were never counted"
        time.sleep(1)
    expected = _index(stack, quarter)
    page.goto(f"{stack.base_url}/reports/dashboard?agency_id={AGENCY}&period={quarter}")
    assert page.get_attribute("html", "lang") == "vi"
    assert float(page.locator("#score").get_attribute("data-score")) == expected["score"]
    assert page.locator("svg[role=img]").count() == 2
    for landmark in ("header", "main", "footer"):
        assert page.locator(landmark).count() == 1
    assert axe_violations(page) == []
    screenshot(page, "reports-dashboard-phone")

    # Switch to the year: the period chosen, then Tab to the button and Enter.
    page.focus("#period")
    page.select_option("#period", year)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**period={year}**")
    assert float(page.locator("#score").get_attribute("data-score")) == _index(stack, year)["score"]
    assert axe_violations(page) == []
    assert outside == []

"""The pages of the dossiers flow a person reads, in a real browser on a phone's width and
printed: the apology letter (Form 04 of Circular 01/2018/TT-VPCP) as its applicant opens it,
and the local stack's outbox where the e-mail telling them of it arrives. axe finds nothing
on either; nothing is fetched from outside the portal."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.core.clock import VIETNAM_TZ
from tests.browser.conftest import axe_violations, screenshot, tab_order
from tests.e2e.test_local_stack import Stack, _token, running

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

AGENCY = "000.00.10.H01"  # in infra/demo/agencies.jsonl, under 000.00.00.H01
PROCEDURE = "2.000488"  # Cấp Phiếu lý lịch tư pháp, 10 working days, by AGENCY
REASON = "Chờ kết quả tra cứu thông tin lý lịch tư pháp từ Công an tỉnh Thái Bình."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-dossier-pages")) as started:
        yield started


def _send(stack: Stack, method: str, path: str, body: dict[str, Any], token: str) -> Any:
    request = urllib.request.Request(
        stack.base_url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def letter(stack: Stack) -> dict[str, str]:
    """A late dossier of the demo's Sở Tư pháp, apologised for; its applicant's token."""
    code = "000.00.10.H01-PAGE-" + uuid.uuid4().hex[:6].upper()
    citizen = "0011" + str(uuid.uuid4().int)[:8]
    received = datetime.now(VIETNAM_TZ) - timedelta(days=30)
    copy = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "online",
        "applicant": {
            "citizen_id": citizen,
            "name": "Đặng Thị Hồng Nhung",
            "email": f"page-{citizen}@example.vn",
        },
        "received_at": received.isoformat(),
        "status": 4,
        "status_at": (received + timedelta(hours=3)).isoformat(),
    }
    system = _token(stack, "--role", "system", "--agency", AGENCY)
    _send(stack, "PUT", f"/dossiers/{code}", copy, system)
    official = _token(stack, "--role", "official", "--sub", "can-bo-ltp", "--agency", AGENCY)
    new_due = (datetime.now(VIETNAM_TZ) + timedelta(days=5)).replace(hour=16, minute=30)
    issued = _send(
        stack,
        "POST",
        f"/dossiers/{code}/apologies",
        {"reason": REASON, "new_due_at": new_due.isoformat()},
        official,
    )
    return {
        "code": code,
        "letter_no": issued["letter_no"],
        "token": _token(stack, "--role", "citizen", "--sub", citizen),
        "email": copy["applicant"]["email"],  # type: ignore[index]
    }


def _outside(stack: Stack, page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda request: (
            seen.append(request.url) if not request.url.startswith(stack.base_url) else None
        ),
    )
    return seen


def test_the_apology_letter_reads_as_form_04_and_passes_axe(
    stack: Stack, page: Any, letter: dict[str, str]
) -> None:
    outside = _outside(stack, page)
    page.set_extra_http_headers({"Authorization": f"Bearer {letter['token']}"})
    page.goto(f"{stack.base_url}/dossiers/{letter['code']}/apologies/{letter['letter_no']}")
    assert page.title() == f"Phiếu xin lỗi và hẹn lại ngày trả kết quả số {letter['letter_no']}"
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("main h1").inner_text().lower() == (
        "phiếu xin lỗi và hẹn lại ngày trả kết quả"
    )
    text = page.locator("main").inner_text()
    for shown in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "SỞ TƯ PHÁP THÀNH PHỐ HÀ NỘI",
        f"Số: {letter['letter_no']}",
        "Kính gửi: Ông/Bà Đặng Thị Hồng Nhung",
        letter["code"],
        f"Lý do: {REASON}",
        "16 giờ 30 phút",
    ):
        assert shown in text, shown
    for landmark in ("header", "main", "footer"):
        assert page.locator(landmark).count() == 1
    assert tab_order(page, 1) == ["A:Bỏ qua, đến nội dung chính"]
    assert axe_violations(page) == []
    screenshot(page, "apology-letter-phone")
    # Printed: the site's banner and the print button stay off the paper.
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator("button", has_text="In phiếu").is_visible()
    assert page.locator("h1").is_visible()
    page.emulate_media(media="screen")
    assert outside == []


def test_the_outbox_shows_the_apology_email_and_passes_axe(
    stack: Stack, page: Any, letter: dict[str, str]
) -> None:
    outside = _outside(stack, page)
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{stack.base_url}/outbox")
        if letter["email"] in page.locator("main").inner_text():
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the apology e-mail did not arrive\n{stack.log()}")
        time.sleep(0.5)
    assert page.get_attribute("html", "lang") == "vi"
    email = page.locator("main article", has_text=letter["email"])
    assert email.count() == 1
    assert f"hồ sơ {letter['code']}" in email.locator("h3").inner_text()
    assert REASON in email.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "outbox-phone")
    assert outside == []

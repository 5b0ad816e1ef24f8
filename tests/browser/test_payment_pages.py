"""A citizen paying a fee in a real browser, on a phone's width, with the keyboard alone:
the order over HTTP, the sandbox bank's pay page, the portal's return page with the
receipt number, a cancel that offers to pay again, and the e-receipt itself. Every page
passes axe (WCAG 2.1 A and AA); screenshots are kept under ``.portal/screenshots/``."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import PHONE, axe_violations, screenshot
from tests.e2e.test_local_stack import PORTAL, PROJECT_ROOT, Stack, running

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

# The demo catalogue's driving-licence procedure (infra/demo/procedures.jsonl).
PROCEDURE = "1.002804"
PROCEDURE_NAME = "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp"
AMOUNT = "135.000\u00a0₫"
AGENCY_NAME = "Công an thành phố Hà Nội"
RECEIPT_WITHIN_SECONDS = 5


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("portal-payments-browser")) as started:
        yield started


def citizen_token(stack: Stack, sub: str) -> str:
    minted = subprocess.run(
        [*PORTAL, "token", "--role", "citizen", "--sub", sub],
        cwd=PROJECT_ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return minted.stdout.strip()


def create_order(stack: Stack, token: str, dossier: str) -> dict[str, Any]:
    request = urllib.request.Request(
        stack.base_url + "/payments/orders",
        data=json.dumps({"procedure_code": PROCEDURE, "dossier_code": dossier}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))


def tab_to(page: Any, text: str, presses: int = 12) -> None:
    """Press Tab until the focused element reads ``text``, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => (document.activeElement.innerText || document.activeElement.value || '').trim()"
        )
        if focused == text:
            return
    pytest.fail(f"the keyboard never reached {text!r}")


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def test_a_citizen_pays_with_the_keyboard_and_reads_the_receipt_number(
    stack: Stack, page: Any
) -> None:
    token = citizen_token(stack, "079300000001")
    order = create_order(stack, token, "000.00.01.H01-260501-0001")
    page.goto(order["pay_url"])

    # The bank's page: who is paid, for what, how much; in Vietnamese, on a phone.
    assert page.get_attribute("html", "lang") == "vi"
    card = page.locator("main").inner_text()
    assert "Cổng Dịch vụ công quốc gia" in card
    assert PROCEDURE_NAME in card
    assert AGENCY_NAME in card
    amount = page.locator(".amount")
    assert amount.inner_text() == AMOUNT
    # One line: the ₫ never wraps away from its number; nothing runs off the screen.
    assert amount.evaluate("e => e.getClientRects().length") == 1
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "payment-bank-pay")

    tab_to(page, "Thanh toán / Pay")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(stack.base_url + "/payments/callbacks/vnpay/return?")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("main h1").inner_text() == "Thanh toán thành công"
    assert page.locator('[data-field="procedure"]').inner_text() == PROCEDURE_NAME
    assert page.locator('[data-field="amount"]').inner_text() == AMOUNT
    assert page.locator('[data-field="dossier"]').inner_text() == "000.00.01.H01-260501-0001"
    assert axe_violations(page) == []
    screenshot(page, "payment-return-paid")

    # The receipt is issued within seconds of the bank's notice; look again until then.
    deadline = time.monotonic() + RECEIPT_WITHIN_SECONDS
    while page.locator('[data-field="receipt"]').count() == 0:
        assert time.monotonic() < deadline, "no receipt number within 5 seconds"
        time.sleep(0.2)
        page.reload()
    receipt_no = page.locator('[data-field="receipt"]').inner_text()
    assert re.fullmatch(r"[A-Z0-9.-]+/20[0-9]{2}/[0-9]{7}", receipt_no), receipt_no
    assert axe_violations(page) == []
    screenshot(page, "payment-return-receipt")

    # The e-receipt itself, as the citizen's front end fetches it with the token.
    page.set_extra_http_headers({"Authorization": f"Bearer {token}"})
    page.goto(f"{stack.base_url}/payments/orders/{order['order_id']}/receipt")
    assert page.locator("main h1").inner_text() == "Biên lai thu phí, lệ phí"
    assert page.locator('[data-field="receipt-no"]').inner_text() == receipt_no
    assert page.locator('[data-field="total"]').inner_text() == AMOUNT
    assert page.locator('[data-field="words"]').inner_text() == "Một trăm ba mươi lăm nghìn đồng"
    assert page.locator('[data-field="agency"]').inner_text() == AGENCY_NAME
    assert "079300000001" not in page.content()
    assert fits_the_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "payment-receipt")


def test_a_cancel_at_the_bank_says_so_and_offers_to_pay_again(stack: Stack, page: Any) -> None:
    token = citizen_token(stack, "079300000002")
    order = create_order(stack, token, "000.00.01.H01-260501-0002")
    page.goto(order["pay_url"])
    tab_to(page, "Hủy / Cancel")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(stack.base_url + "/payments/callbacks/vnpay/return?")
    assert page.locator("main h1").inner_text() == "Bạn đã hủy thanh toán"
    assert page.locator('[data-field="procedure"]').inner_text() == PROCEDURE_NAME
    assert page.locator('[data-field="amount"]').inner_text() == AMOUNT
    assert axe_violations(page) == []
    screenshot(page, "payment-return-cancelled")

    tab_to(page, "Thanh toán lại")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # A new order for the same dossier, at the bank again.
    assert page.url.startswith(stack.base_url + "/sandbox-bank/vnpay/pay?")
    again = dict(parse_qsl(urlsplit(page.url).query))["vnp_TxnRef"]
    assert again != order["order_id"]
    assert page.locator(".amount").inner_text() == AMOUNT


def test_the_return_page_in_english(stack: Stack, chromium: Any) -> None:
    context = chromium.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()
    try:
        token = citizen_token(stack, "079300000003")
        order = create_order(stack, token, "000.00.01.H01-260501-0003")
        page.goto(order["pay_url"])
        tab_to(page, "Thanh toán / Pay")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator("main h1").inner_text() == "Payment received"
        assert page.locator('[data-field="procedure"]').inner_text() == PROCEDURE_NAME
        assert axe_violations(page) == []
        screenshot(page, "payment-return-paid-en")
    finally:
        context.close()

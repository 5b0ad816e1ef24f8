"""The citizen's browser back from the bank: a page, in Vietnamese or English, that says what
happened to the order as the portal holds it, tells a cancel from a failure, offers to pay
again, warns about a link that is not the bank's, and never changes an order."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

from infra.sandbox_bank import vnpay_sign
from tests.payments.conftest import FEES, Bank, Citizen, query_of

AMOUNT = sum(FEES)
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROCEDURE_NAME = "Đổi giấy phép lái xe"  # tests/payments/conftest.py publishes it


def _order(citizen: Citizen, dossier: str) -> dict[str, Any]:
    response = citizen.order(dossier)
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def _back(client: Client, query: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    return client.http.get(
        "/callbacks/vnpay/return?" + urlencode(query), headers={**BROWSER, **(headers or {})}
    )


def _text(response: Any) -> str:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return str(response.body.decode())


def _headline(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, page
    return found[1].strip()


def test_a_paid_order_shows_the_procedure_the_amount_the_dossier_and_the_receipt(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    from services.payments import service

    order = _order(citizen, "RET-PAID")
    notice = bank.notice(order["order_id"], AMOUNT)
    assert bank.send(notice)["RspCode"] == "00"

    page = _text(_back(client, notice))
    assert '<html lang="vi">' in page
    assert "<title>Thanh toán thành công — Thanh toán lệ phí</title>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<main id="content"' in page and "<header" in page and "<footer" in page
    assert '<a class="skip" href="#content">' in page
    assert _headline(page) == "Thanh toán thành công"
    assert f'data-field="procedure">{PROCEDURE_NAME}</dd>' in page
    assert 'data-field="amount">150.000\u00a0₫</dd>' in page
    assert "Một trăm năm mươi nghìn đồng" in page
    assert 'data-field="dossier">RET-PAID</dd>' in page
    # No receipt yet: it is on its way, and the page can be looked at again.
    assert "Biên lai điện tử đang được phát hành" in page
    assert f'href="?{urlencode(notice)}"'.replace("&", "&amp;") in page

    assert service.issue_receipt(order["order_id"])
    receipt_no = json.loads(citizen.get(order["order_id"]).body)["receipt_no"]
    again = _text(_back(client, notice))
    assert f'data-field="receipt">{receipt_no}</dd>' in again
    assert "đang được phát hành" not in again
    assert "Xem lại kết quả" not in again


def test_in_english_when_the_browser_asks_for_it(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "RET-EN")
    notice = bank.notice(order["order_id"], AMOUNT)
    bank.send(notice)
    response = _back(client, notice, {"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"})
    page = _text(response)
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in page
    assert "<title>Payment received — Fee payment</title>" in page
    assert "Skip to the main content" in page
    assert "The e-receipt is being issued" in page
    # The procedure keeps its Vietnamese name, marked as Vietnamese.
    assert f'<dd lang="vi" data-field="procedure">{PROCEDURE_NAME}</dd>' in page


def test_a_cancel_at_the_bank_is_told_apart_from_a_failure_and_both_offer_to_pay_again(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    cancelled = _order(citizen, "RET-CANCEL")
    cancel = bank.notice(cancelled["order_id"], AMOUNT, response="24", status="02")
    assert bank.send(cancel)["RspCode"] == "00"
    page = _text(_back(client, cancel))
    assert _headline(page) == "Bạn đã hủy thanh toán"
    assert "không có khoản tiền nào bị trừ" in page
    assert f'action="pay-again?{urlencode(cancel)}"'.replace("&", "&amp;") in page
    assert ">Thanh toán lại</button>" in page

    refused = _order(citizen, "RET-FAIL")
    failure = bank.notice(refused["order_id"], AMOUNT, response="51", status="02")
    assert bank.send(failure)["RspCode"] == "00"
    page = _text(_back(client, failure))
    assert _headline(page) == "Thanh toán không thành công"
    assert "Ngân hàng đã từ chối" in page
    assert ">Thanh toán lại</button>" in page


def test_paying_again_opens_a_new_order_for_the_same_dossier(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    first = _order(citizen, "RET-AGAIN")
    cancel = bank.notice(first["order_id"], AMOUNT, response="24", status="02")
    bank.send(cancel)
    # What a browser sends when the form's button is pressed: no body, a form's type.
    pressed = client.http.post(
        "/callbacks/vnpay/pay-again?" + urlencode(cancel),
        headers={**BROWSER, "Content-Type": "application/x-www-form-urlencoded"},
        body="",
    )
    assert pressed.status_code == 303
    pay_url = pressed.headers["Location"]
    new_order_id = query_of(pay_url)["vnp_TxnRef"]
    assert new_order_id != first["order_id"]
    # The dossier's order is now the new one, waiting; the cancelled one is as it was.
    current = citizen.order("RET-AGAIN")
    assert current.status_code == 200
    assert json.loads(current.body)["order_id"] == new_order_id
    assert json.loads(current.body)["pay_url"] == pay_url
    assert json.loads(citizen.get(first["order_id"]).body)["status"] == "failed"
    # Pressed twice (a double click), it is the same new order.
    twice = client.http.post("/callbacks/vnpay/pay-again?" + urlencode(cancel), body="")
    assert (twice.status_code, twice.headers["Location"]) == (303, pay_url)


def test_paying_again_needs_the_banks_link_and_an_order_not_paid(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "RET-AGAIN-NO")
    cancel = bank.notice(order["order_id"], AMOUNT, response="24", status="02")
    forged = {**cancel, "vnp_Amount": "100"}
    refused = client.http.post("/callbacks/vnpay/pay-again?" + urlencode(forged), body="")
    assert refused.status_code == 400
    assert refused.headers["Content-Type"] == "application/problem+json"
    page = client.http.post(
        "/callbacks/vnpay/pay-again?" + urlencode(forged),
        headers={**BROWSER, "Content-Type": "application/x-www-form-urlencoded"},
        body="",
    )
    assert page.status_code == 400
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "không mang chữ ký hợp lệ của ngân hàng" in page.body.decode()

    paid = _order(citizen, "RET-AGAIN-PAID")
    notice = bank.notice(paid["order_id"], AMOUNT)
    bank.send(notice)
    again = client.http.post("/callbacks/vnpay/pay-again?" + urlencode(notice), body="")
    assert again.status_code == 409
    assert json.loads(citizen.get(paid["order_id"]).body)["status"] == "paid"


def test_a_link_the_bank_did_not_sign_warns_and_shows_nothing_it_says(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "RET-FORGED")
    notice = bank.notice(order["order_id"], AMOUNT)
    forged = {**notice, "vnp_OrderInfo": "<b>Đã thanh toán</b> Trả lại tiền tại ngân hàng ABC"}
    page = _text(_back(client, forged))
    assert _headline(page) == "Không xác minh được kết quả thanh toán"
    assert 'class="notice outcome warn"' in page
    for unvouched in (order["order_id"], "RET-FORGED", "ABC", "Đã thanh toán", "150.000"):
        assert unvouched not in page
    assert "Thanh toán lại" not in page
    # Nothing changed: the order is still waiting for the bank's notification.
    assert json.loads(citizen.get(order["order_id"]).body)["status"] == "pending"


def test_the_return_never_changes_an_order(client: Client, citizen: Citizen, bank: Bank) -> None:
    order = _order(citizen, "RET-EARLY")
    # The browser comes back before the bank's notification: the bank's own signed word
    # that it took the money is shown as on its way, and the order stays pending.
    notice = bank.notice(order["order_id"], AMOUNT)
    page = _text(_back(client, notice))
    assert _headline(page) == "Ngân hàng đã nhận thanh toán, Cổng đang xác nhận"
    assert "Xem lại kết quả" in page
    cancel = bank.notice(order["order_id"], AMOUNT, response="24", status="02")
    assert _headline(_text(_back(client, cancel))) == "Bạn đã hủy thanh toán"
    shown = json.loads(citizen.get(order["order_id"]).body)
    assert (shown["status"], shown["paid_at"]) == ("pending", None)
    assert bank.send(notice)["RspCode"] == "00"  # the notification still pays it


def test_other_callers_still_get_json(client: Client, citizen: Citizen, bank: Bank) -> None:
    order = _order(citizen, "RET-JSON")
    notice = bank.notice(order["order_id"], AMOUNT)
    bank.send(notice)
    for accept in (None, "application/json", "*/*", "text/html;q=0.5, application/json"):
        headers = {"Accept": accept} if accept else {}
        response = client.http.get("/callbacks/vnpay/return?" + urlencode(notice), headers=headers)
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.body) == {
            "order_id": order["order_id"],
            "signature_valid": True,
            "status": "paid",
        }


def test_a_signed_return_for_an_order_the_portal_does_not_have(client: Client, bank: Bank) -> None:
    notice = bank.notice("ZZZZZZZZZZZZZZZZZZZZ", AMOUNT)
    page = _text(_back(client, notice))
    assert _headline(page) == "Không tìm thấy đơn thanh toán"
    assert "ZZZZZZZZZZZZZZZZZZZZ" not in page


def test_the_return_and_pay_again_routes_are_documented(client: Client) -> None:
    document = json.loads(client.http.get("/openapi.json").body)
    for path in ("/callbacks/vnpay/return", "/callbacks/momo/return"):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/html"}
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ReturnView"}
    again = document["paths"]["/callbacks/vnpay/pay-again"]["post"]["responses"]
    assert {"303", "400", "404", "409"} <= set(again)


def test_a_tilde_in_the_banks_fields_verifies(client: Client, citizen: Citizen, bank: Bank) -> None:
    """VNPAY signs ``~`` as ``%7E`` (PHP's urlencode): such a notice is the bank's."""
    order = _order(citizen, "RET-TILDE")
    notice = {k: v for k, v in bank.notice(order["order_id"], AMOUNT).items()}
    del notice["vnp_SecureHash"]
    notice["vnp_OrderInfo"] = "Le phi ~ ho so RET-TILDE"
    notice["vnp_SecureHash"] = vnpay_sign(bank.profile["hash_secret"], notice)
    assert bank.send(notice)["RspCode"] == "00"
    assert json.loads(client.http.get("/callbacks/vnpay/return?" + urlencode(notice)).body) == {
        "order_id": order["order_id"],
        "signature_valid": True,
        "status": "paid",
    }


def test_what_the_signature_does_not_cover_is_neither_shown_nor_carried_on(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    order = _order(citizen, "RET-EXTRA")
    notice = bank.notice(order["order_id"], AMOUNT)  # paid at the bank, IPN not yet here
    # Only vnp_* fields are signed: anyone can add others to the link.
    page = _text(_back(client, {**notice, "note": "Hoàn tiền tại quầy XYZ"}))
    assert _headline(page) == "Ngân hàng đã nhận thanh toán, Cổng đang xác nhận"
    assert "XYZ" not in page and "note=" not in page
    assert f'href="?{urlencode(notice)}"'.replace("&", "&amp;") in page

"""GET /orders/{order_id}/receipt: the e-receipt (biên lai điện tử) as a page or as JSON,
with what Decree 11/2020/NĐ-CP and Circular 78/2021/TT-BTC require it to carry, for its
citizen and operators only."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from chalice.test import Client

from services.core.clock import VIETNAM_TZ
from tests.payments.conftest import FEES, Bank, Citizen

AMOUNT = sum(FEES)


def _paid(citizen: Citizen, bank: Bank, dossier: str) -> tuple[str, dict[str, str]]:
    order = json.loads(citizen.order(dossier).body)
    notice = bank.notice(order["order_id"], AMOUNT)
    assert bank.send(notice)["RspCode"] == "00"
    return str(order["order_id"]), notice


def _receipt(client: Client, order_id: str, headers: dict[str, str]) -> Any:
    return client.http.get(f"/orders/{order_id}/receipt", headers=headers)


def test_the_receipt_carries_what_a_bien_lai_must(
    client: Client, citizen: Citizen, bank: Bank
) -> None:
    from services.payments import service

    order_id, notice = _paid(citizen, bank, "BL-0001")
    assert service.issue_receipt(order_id)
    receipt_no = json.loads(citizen.get(order_id).body)["receipt_no"]
    response = _receipt(client, order_id, citizen.headers)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/json"
    receipt = json.loads(response.body)
    paid_at = datetime.strptime(notice["vnp_PayDate"], "%Y%m%d%H%M%S")
    sequence = receipt_no.rsplit("/", 1)[1]
    assert receipt["receipt_no"] == receipt_no
    assert receipt["form"] == "01BLP0-001"
    assert receipt["serial"] == f"DV-{paid_at.year % 100:02d}E"
    assert receipt["number"] == sequence and re.fullmatch(r"[0-9]{7}", sequence)
    assert (receipt["agency_id"], receipt["agency_name"]) == ("bo-cong-an", "Bộ Công an")
    assert receipt["procedure_code"] == "1.002804"
    assert receipt["procedure_name"] == "Đổi giấy phép lái xe"
    assert receipt["dossier_code"] == "BL-0001"
    assert receipt["fees"] == [
        {"name": "Lệ phí 0", "amount_vnd": 135_000},
        {"name": "Lệ phí 1", "amount_vnd": 15_000},
    ]
    assert receipt["total_vnd"] == 150_000
    assert receipt["total_in_words"] == "Một trăm năm mươi nghìn đồng"
    # The time of payment is the bank's, in Vietnam time.
    assert receipt["paid_at"] == paid_at.strftime("%Y-%m-%dT%H:%M:%S+07:00")
    assert receipt["provider"] == "vnpay"
    assert receipt["bank_transaction_no"] == notice["vnp_TransactionNo"]
    # The payer is a pseudonymous reference: never the citizen's identifier.
    assert re.fullmatch(r"NNT-[A-Z2-7]{5}-[A-Z2-7]{5}", receipt["payer_reference"])
    assert "citizen-" not in json.dumps(receipt)


def test_one_citizens_receipts_share_their_payer_reference(
    client: Client, citizen: Citizen, bank: Bank, auth: Any
) -> None:
    from services.payments import service

    first, _ = _paid(citizen, bank, "BL-0002")
    second, _ = _paid(citizen, bank, "BL-0003")
    other = Citizen(client, auth, sub="079200001234")
    third, _ = _paid(other, bank, "BL-0004")
    for order_id in (first, second, third):
        service.issue_receipt(order_id)
    references = [
        json.loads(_receipt(client, o, c.headers).body)["payer_reference"]
        for o, c in ((first, citizen), (second, citizen), (third, other))
    ]
    assert references[0] == references[1] != references[2]
    assert "079200001234" not in _receipt(client, third, other.headers).body.decode()


def test_the_receipt_as_a_printable_page(client: Client, citizen: Citizen, bank: Bank) -> None:
    from services.payments import service

    order_id, _ = _paid(citizen, bank, "BL-PAGE")
    service.issue_receipt(order_id)
    receipt = json.loads(_receipt(client, order_id, citizen.headers).body)
    response = _receipt(client, order_id, {**citizen.headers, "Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.body.decode()
    assert '<html lang="vi">' in page
    assert (
        f"<title>Biên lai thu phí, lệ phí {receipt['serial']} {receipt['number']}</title>" in page
    )
    assert "<h1>Biên lai thu phí, lệ phí</h1>" in page
    assert 'data-field="form">01BLP0-001</strong>' in page
    assert f'data-field="serial">{receipt["serial"]}</strong>' in page
    assert f'data-field="number">{receipt["number"]}</strong>' in page
    assert 'data-field="agency">Bộ Công an</dd>' in page
    assert '<td lang="vi">Lệ phí 0</td><td class="amount">135.000\u00a0₫</td>' in page
    assert '<td lang="vi">Lệ phí 1</td><td class="amount">15.000\u00a0₫</td>' in page
    assert 'data-field="total">150.000\u00a0₫</td>' in page
    assert 'data-field="words">Một trăm năm mươi nghìn đồng</dd>' in page
    assert f'data-field="payer">{receipt["payer_reference"]}</dd>' in page
    paid_at = datetime.fromisoformat(receipt["paid_at"]).astimezone(VIETNAM_TZ)
    assert f'data-field="paid-at">{paid_at:%H:%M %d/%m/%Y} (giờ Việt Nam)</dd>' in page
    assert "@media print" in page and 'onclick="window.print()"' in page
    english = _receipt(
        client, order_id, {**citizen.headers, "Accept": "text/html", "Accept-Language": "en"}
    ).body.decode()
    assert '<html lang="en">' in english and "Receipt for fees and charges" in english


def test_who_may_see_a_receipt_and_when(
    client: Client, citizen: Citizen, bank: Bank, auth: Any
) -> None:
    from services.payments import service

    order_id, _ = _paid(citizen, bank, "BL-WHO")
    # Paid, its receipt a moment from issued: 409, with when to look again.
    waiting = _receipt(client, order_id, citizen.headers)
    assert waiting.status_code == 409
    assert waiting.headers["Content-Type"] == "application/problem+json"
    assert waiting.headers["Retry-After"] == "2"
    service.issue_receipt(order_id)
    assert _receipt(client, order_id, citizen.headers).status_code == 200
    assert _receipt(client, order_id, auth("operator")).status_code == 200
    stranger = Citizen(client, auth, sub="someone-else")
    assert _receipt(client, order_id, stranger.headers).status_code == 404
    assert _receipt(client, order_id, {}).status_code == 401
    assert _receipt(client, order_id, auth("official", agency="bo-cong-an")).status_code == 403
    assert _receipt(client, "ZZZZZZZZZZZZZZZZZZZZ", citizen.headers).status_code == 404
    unpaid = json.loads(citizen.order("BL-UNPAID").body)
    refused = _receipt(client, unpaid["order_id"], citizen.headers)
    assert refused.status_code == 409
    assert "Retry-After" not in refused.headers


def test_the_receipt_route_is_documented_as_a_page_and_as_json(client: Client) -> None:
    document = json.loads(client.http.get("/openapi.json").body)
    operation = document["paths"]["/orders/{order_id}/receipt"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/html"}
    assert {"401", "403", "404", "409"} <= set(operation["responses"])

"""The create and refund requests the portal posts to MoMo, field by field, signed over
MoMo's documented field order (developers.momo.vn, "One-time payment" and "Refund")."""

from __future__ import annotations

import hashlib
import hmac

from services.payments import momo


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_a_create_request_carries_the_order_and_signs_momos_ten_fields() -> None:
    body = momo.create_request(
        partner_code="PORTAL01",
        access_key="AK",
        secret_key="SK",
        order_id="PAY-0007",
        amount_vnd=150000,
        order_info="Le phi cap ho chieu",
        redirect_url="https://portal.example/payments/return",
        ipn_url="https://portal.example/payments/momo/ipn",
    )
    signed = (
        "accessKey=AK&amount=150000&extraData="
        "&ipnUrl=https://portal.example/payments/momo/ipn&orderId=PAY-0007"
        "&orderInfo=Le phi cap ho chieu&partnerCode=PORTAL01"
        "&redirectUrl=https://portal.example/payments/return&requestId=PAY-0007"
        "&requestType=captureWallet"
    )
    assert body == {
        "partnerCode": "PORTAL01",
        "accessKey": "AK",
        "requestId": "PAY-0007",
        "amount": 150000,
        "orderId": "PAY-0007",
        "orderInfo": "Le phi cap ho chieu",
        "redirectUrl": "https://portal.example/payments/return",
        "ipnUrl": "https://portal.example/payments/momo/ipn",
        "requestType": "captureWallet",
        "extraData": "",
        "lang": "vi",
        "signature": _hmac("SK", signed),
    }


def test_a_create_request_in_english_is_signed_the_same() -> None:
    common = {
        "partner_code": "P",
        "access_key": "AK",
        "secret_key": "SK",
        "order_id": "A1",
        "amount_vnd": 1000,
        "order_info": "x",
        "redirect_url": "r",
        "ipn_url": "i",
    }
    english = momo.create_request(**common, lang="en")
    vietnamese = momo.create_request(**common)
    assert english["lang"] == "en"
    assert english["signature"] == vietnamese["signature"]


def test_a_refund_request_is_a_new_order_signed_over_momos_seven_fields() -> None:
    body = momo.refund_request(
        partner_code="PORTAL01",
        access_key="AK",
        secret_key="SK",
        request_id="RF-0007",
        amount_vnd=150000,
        trans_id="4088878653",
        description="Hoan phi PAY-0007",
    )
    signed = (
        "accessKey=AK&amount=150000&description=Hoan phi PAY-0007&orderId=RF-0007"
        "&partnerCode=PORTAL01&requestId=RF-0007&transId=4088878653"
    )
    assert body == {
        "partnerCode": "PORTAL01",
        "accessKey": "AK",
        "orderId": "RF-0007",
        "requestId": "RF-0007",
        "amount": 150000,
        "transId": "4088878653",
        "lang": "vi",
        "description": "Hoan phi PAY-0007",
        "signature": _hmac("SK", signed),
    }


def test_a_signature_in_capitals_is_still_momos_and_a_missing_one_is_not() -> None:
    ipn = {"partnerCode": "P", "orderId": "A1", "requestId": "A1", "amount": 1000}
    signature = momo.sign_ipn(ipn, "AK", "SK")
    assert momo.ipn_is_genuine({**ipn, "signature": signature.upper()}, "AK", "SK")
    assert not momo.ipn_is_genuine(ipn, "AK", "SK")
    assert not momo.ipn_is_genuine({**ipn, "signature": signature}, "AK", "other secret")


def test_a_field_missing_from_an_ipn_is_signed_as_empty() -> None:
    ipn = {"partnerCode": "P", "orderId": "A1", "requestId": "A1", "amount": 1000}
    signed = (
        "accessKey=AK&amount=1000&extraData=&message=&orderId=A1&orderInfo=&orderType="
        "&partnerCode=P&payType=&requestId=A1&responseTime=&resultCode=&transId="
    )
    assert momo.sign_ipn(ipn, "AK", "SK") == _hmac("SK", signed)

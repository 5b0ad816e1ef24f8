"""The portal's VNPAY signer against VNPAY's own published example and an independent
signer; MoMo's against its documented field order."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from infra.sandbox_bank import vnpay_sign
from services.payments import momo, vnpay

# From VNPAY's integration guide (sandbox.vnpayment.vn/apis/docs/huong-dan-tich-hop/): the
# example payment URL. Its merchant secret is not published, so the hash cannot be checked;
# the signed text, which is the part an encoding mistake breaks, can.
PUBLISHED_URL = (
    "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=1806000&vnp_Command=pay"
    "&vnp_CreateDate=20210801153333&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210"
    "&vnp_TxnRef=5&vnp_Version=2.1.0&vnp_SecureHash=3e0d61a0c0534b2e36680b3f7277743e8784cc4e1d"
    "68fa7d276e79c23be7d6318d338b477910a27992f5057bb1582bd44bd82ae8009ffaf6d141219218625c42"
)


def test_the_signed_text_is_vnpays_published_example() -> None:
    query = urlsplit(PUBLISHED_URL).query
    params = dict(parse_qsl(query))
    assert params["vnp_OrderInfo"] == "Thanh toan don hang :5"  # decoded, as a bank sends it
    assert vnpay.canonical(params) == query.split("&vnp_SecureHash=")[0]


def test_the_signature_matches_an_independent_signer_and_rejects_any_change() -> None:
    params = dict(parse_qsl(urlsplit(PUBLISHED_URL).query))
    del params["vnp_SecureHash"]
    params["vnp_OrderInfo"] = "Lệ phí: đổi giấy phép lái xe & cấp lại"
    secret = "SECRETKEYFORTESTSONLY0123456789"
    signature = vnpay.sign(params, secret)
    assert signature == vnpay_sign(secret, params)
    assert vnpay.verify({**params, "vnp_SecureHash": signature}, secret)
    assert vnpay.verify({**params, "vnp_SecureHash": signature.upper()}, secret)
    assert not vnpay.verify({**params, "vnp_SecureHash": signature, "vnp_Amount": "1"}, secret)
    assert not vnpay.verify({**params, "vnp_SecureHash": signature}, secret + "x")
    assert not vnpay.verify(params, secret)  # no hash at all
    # The hash type is not signed (2.1.0 no longer sends it, older banks still may).
    assert vnpay.verify({**params, "vnp_SecureHash": signature, "vnp_SecureHashType": "x"}, secret)


SECRET = "SECRETKEYFORTESTSONLY0123456789"
NOTICE = {
    "vnp_TxnRef": "0123456789ABCDEFGHJK",
    "vnp_Amount": "15000000",
    "vnp_OrderInfo": "Le phi ho so HS-01",
    "vnp_ResponseCode": "00",
}


def test_the_signature_is_the_hmac_sha512_of_the_sorted_encoded_text() -> None:
    assert vnpay.canonical(NOTICE) == (
        "vnp_Amount=15000000&vnp_OrderInfo=Le+phi+ho+so+HS-01&vnp_ResponseCode=00"
        "&vnp_TxnRef=0123456789ABCDEFGHJK"
    )
    # openssl dgst -sha512 -hmac SECRETKEYFORTESTSONLY0123456789 over that text:
    assert vnpay.sign(NOTICE, SECRET) == (
        "f6f597eaf203ef771c61d2803d8f93aebf99456880bb0bd8215dd7a4127bb5b"
        "b239b20d96f9bc35ba3643a173a62f10141b7efa1f26ba49f77a9694af4f9fe2d"
    )
    # Only vnp_* parameters are signed, and never the hash itself.
    assert vnpay.canonical({**NOTICE, "utm_source": "x", "vnp_SecureHash": "y"}) == (
        vnpay.canonical(NOTICE)
    )


def test_the_refund_request_is_signed_over_its_fields_joined_with_bars() -> None:
    request = vnpay.refund_request(
        tmn_code="PORTAL01",
        secret=SECRET,
        request_id="RF1",
        order_id="0123456789ABCDEFGHJK",
        amount_vnd=150_000,
        transaction_no="14000001",
        paid_at=datetime(2026, 5, 1, 1, 30, tzinfo=UTC),
        created_by="operator-1",
        reason="Hoàn lệ phí",
        client_ip="127.0.0.1",
        now=datetime(2026, 5, 2, 2, 0, tzinfo=UTC),
    )
    assert request["vnp_TransactionDate"] == "20260501083000"  # GMT+7
    assert request["vnp_CreateDate"] == "20260502090000"
    assert request["vnp_OrderInfo"] == "Hoan le phi"
    # openssl over "RF1|2.1.0|refund|PORTAL01|02|0123456789ABCDEFGHJK|15000000|14000001|
    # 20260501083000|operator-1|20260502090000|127.0.0.1|Hoan le phi":
    assert request["vnp_SecureHash"] == (
        "14c46ae322de5bd095b11511f1c4578b58ebe5bb89ac28e6e0d757fa3f4fd35f"
        "6ea87ab70a4090f2b55377222d404d9eb51156d99287f960650a47b75909c2be"
    )


def test_vnpay_times_are_written_in_vietnam() -> None:
    new_year = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert vnpay.vnp_time(new_year) == "20270101003000"
    assert vnpay.parse_vnp_time("20270101003000") == new_year


def test_order_info_has_no_diacritics_or_marks() -> None:
    assert vnpay.order_info("Lệ phí Đổi GPLX: hồ sơ #12/2026") == "Le phi Doi GPLX ho so 12 2026"


def test_momo_signs_its_ipn_fields_in_its_order() -> None:
    ipn = {
        "partnerCode": "PORTAL01",
        "orderId": "ABC",
        "requestId": "ABC",
        "amount": 150000,
        "orderInfo": "Le phi",
        "orderType": "momo_wallet",
        "transId": 4088878653,
        "resultCode": 0,
        "message": "Thành công.",
        "payType": "qr",
        "responseTime": 1721720663942,
        "extraData": "",
    }
    raw = (
        "accessKey=AK&amount=150000&extraData=&message=Thành công.&orderId=ABC"
        "&orderInfo=Le phi&orderType=momo_wallet&partnerCode=PORTAL01&payType=qr"
        "&requestId=ABC&responseTime=1721720663942&resultCode=0&transId=4088878653"
    )
    expected = hmac.new(b"SK", raw.encode(), hashlib.sha256).hexdigest()
    assert momo.sign_ipn(ipn, "AK", "SK") == expected
    assert momo.ipn_is_genuine({**ipn, "signature": expected}, "AK", "SK")
    assert not momo.ipn_is_genuine({**ipn, "amount": 1, "signature": expected}, "AK", "SK")


def test_the_modules_examples_run() -> None:
    import doctest

    for module in (vnpay, momo):
        assert doctest.testmod(module).failed == 0


def test_the_bank_accepts_a_pay_url_the_portal_signed_over_a_tilde() -> None:
    """Two signers written apart agree on ``~`` (``%7E``), as VNPAY's PHP does."""
    from infra.sandbox_bank import SandboxBank

    url = vnpay.payment_url(
        base_url="http://bank.example/sandbox-bank/vnpay/pay",
        tmn_code="PORTAL01",
        secret=SECRET,
        order_id="0123456789ABCDEFGHJK",
        amount_vnd=150_000,
        description="Le phi 1.002804 ho so HS-01 tai bo-cong-an Doi giay phep",
        return_url="http://portal.example/~ho-so/payments/callbacks/vnpay/return",
        client_ip="127.0.0.1",
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
    )
    assert "vnp_ReturnUrl=http%3A%2F%2Fportal.example%2F%7Eho-so%2F" in url
    bank = SandboxBank(
        "http://portal.example",
        {"tmn_code": "PORTAL01", "hash_secret": SECRET},
        {"partner_code": "PORTAL01", "access_key": "ak", "secret_key": "sk"},
        http_get=lambda url: (404, b""),
    )
    status, _, page = bank.handle("GET", "/sandbox-bank/vnpay/pay", urlsplit(url).query, {}, None)
    assert status == 200, page.decode()
    assert "Thanh toán / Pay" in page.decode()


def test_a_refund_answer_is_genuine_only_over_vnpays_thirteen_fields_in_order() -> None:
    answer = {
        "vnp_ResponseId": "R9",
        "vnp_Command": "refund",
        "vnp_ResponseCode": "00",
        "vnp_Message": "Refund success",
        "vnp_TmnCode": "PORTAL01",
        "vnp_TxnRef": "0123456789ABCDEFGHJK",
        "vnp_Amount": "15000000",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20260501083000",
        "vnp_TransactionNo": "14000001",
        "vnp_TransactionType": "02",
        "vnp_TransactionStatus": "05",
        "vnp_OrderInfo": "Hoan le phi",
    }
    text = (
        "R9|refund|00|Refund success|PORTAL01|0123456789ABCDEFGHJK|15000000|NCB"
        "|20260501083000|14000001|02|05|Hoan le phi"
    )
    signature = hmac.new(SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()
    assert vnpay.refund_answer_is_genuine({**answer, "vnp_SecureHash": signature}, SECRET)
    assert vnpay.refund_answer_is_genuine({**answer, "vnp_SecureHash": signature.upper()}, SECRET)
    assert not vnpay.refund_answer_is_genuine(answer, SECRET)
    assert not vnpay.refund_answer_is_genuine(
        {**answer, "vnp_Amount": "1500000", "vnp_SecureHash": signature}, SECRET
    )
    assert not vnpay.refund_answer_is_genuine({**answer, "vnp_SecureHash": signature}, "other")


def test_a_pay_url_carries_the_fee_in_hundredths_of_a_dong_and_its_expiry() -> None:
    url = vnpay.payment_url(
        base_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        tmn_code="PORTAL01",
        secret=SECRET,
        order_id="0123456789ABCDEFGHJK",
        amount_vnd=1_500_000,
        description="Lệ phí cấp đổi giấy phép lái xe",
        return_url="https://portal.example/payments/callbacks/vnpay/return",
        client_ip="203.113.1.2",
        created_at=datetime(2026, 5, 1, 1, 30, tzinfo=UTC),  # 08:30 in Hà Nội
        expires_at=datetime(2026, 5, 1, 1, 45, tzinfo=UTC),
    )

    base, query = url.split("?", 1)
    params = dict(parse_qsl(query))
    signature = params.pop("vnp_SecureHash")
    assert base == "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    assert params == {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": "PORTAL01",
        "vnp_Amount": "150000000",
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": "0123456789ABCDEFGHJK",
        "vnp_OrderInfo": "Le phi cap doi giay phep lai xe",
        "vnp_OrderType": "billpayment",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": "https://portal.example/payments/callbacks/vnpay/return",
        "vnp_IpAddr": "203.113.1.2",
        "vnp_CreateDate": "20260501083000",
        "vnp_ExpireDate": "20260501084500",
    }
    assert signature == vnpay_sign(SECRET, params)


def test_order_info_is_cut_to_vnpays_255_characters() -> None:
    long = "Lệ phí hồ sơ " + "a" * 300

    assert vnpay.order_info(long) == "Le phi ho so " + "a" * 242


def test_a_refund_answer_without_a_bank_code_is_signed_over_an_empty_field() -> None:
    answer = {
        "vnp_ResponseId": "R9",
        "vnp_Command": "refund",
        "vnp_ResponseCode": "00",
        "vnp_Message": "Refund success",
        "vnp_TmnCode": "PORTAL01",
        "vnp_TxnRef": "0123456789ABCDEFGHJK",
        "vnp_Amount": "15000000",
        "vnp_PayDate": "20260501083000",
        "vnp_TransactionNo": "14000001",
        "vnp_TransactionType": "02",
        "vnp_TransactionStatus": "05",
        "vnp_OrderInfo": "Hoan le phi",
    }
    text = (
        "R9|refund|00|Refund success|PORTAL01|0123456789ABCDEFGHJK|15000000|"
        "|20260501083000|14000001|02|05|Hoan le phi"
    )
    signature = hmac.new(SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()

    assert vnpay.refund_answer_is_genuine({**answer, "vnp_SecureHash": signature}, SECRET)


@pytest.mark.parametrize(
    "text", ["2026050108300", "２０２６０５０１０８３０００", "2026-05-01 08:30"]
)
def test_a_vnpay_time_not_in_its_form_is_refused_saying_the_form(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        vnpay.parse_vnp_time(text)

    assert str(refused.value) == "vnp time is yyyyMMddHHmmss in ASCII digits"

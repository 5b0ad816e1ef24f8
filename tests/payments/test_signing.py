"""The portal's VNPAY signer against VNPAY's own published example and an independent
signer; MoMo's against its documented field order."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

from services.payments import momo, vnpay
from tests.payments.conftest import vnpay_hash

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
    assert signature == vnpay_hash(params, secret)
    assert vnpay.verify({**params, "vnp_SecureHash": signature}, secret)
    assert vnpay.verify({**params, "vnp_SecureHash": signature.upper()}, secret)
    assert not vnpay.verify({**params, "vnp_SecureHash": signature, "vnp_Amount": "1"}, secret)
    assert not vnpay.verify({**params, "vnp_SecureHash": signature}, secret + "x")
    assert not vnpay.verify(params, secret)  # no hash at all
    # The hash type is not signed (2.1.0 no longer sends it, older banks still may).
    assert vnpay.verify({**params, "vnp_SecureHash": signature, "vnp_SecureHashType": "x"}, secret)


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

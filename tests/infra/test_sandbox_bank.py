"""The sandbox bank over HTTP: VNPAY's pay page, IPN and refund API, MoMo's create, pay
page, IPN and refund, against a fake portal that records what the bank sends it.

VNPAY's signatures are made with the bank's signing module, the one every test that plays
the bank uses; it is held here to VNPAY's rules by literal values (an openssl HMAC over
text written out). MoMo's are checked with a signer written here from MoMo's documented
raw strings, not with the bank's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import http.client
import json
import re
import string
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from infra import sandbox_bank
from infra.local_gateway import Portal, PortalHTTPServer
from infra.sandbox_bank import SandboxBank
from services.core.clock import VIETNAM_TZ

VNPAY_SECRET = "TESTVNPAYSECRET0123456789ABCDEFG"
MOMO_SECRET = "TESTMOMOSECRET0123456789abcdefgh"
MOMO_ACCESS_KEY = "portal-local"


# ---------------------------------------------------------------------------- test signers
def vnpay_signature(params: dict[str, str]) -> str:
    return sandbox_bank.vnpay_sign(VNPAY_SECRET, params)


def pipe_signature(values: dict[str, str], names: str) -> str:
    """``names`` as VNPAY's documentation writes them: ``vnp_RequestId|vnp_Version|...``."""
    return sandbox_bank.vnpay_pipe_hash(VNPAY_SECRET, values, tuple(names.split("|")))


def momo_signature(values: dict[str, Any], raw: str) -> str:
    """``raw`` as MoMo's documentation writes it: ``accessKey=$accessKey&amount=$amount...``."""
    data = string.Template(raw).substitute({k: str(v) for k, v in values.items()})
    return hmac.new(MOMO_SECRET.encode(), data.encode(), hashlib.sha256).hexdigest()


REFUND_FIELDS = (
    "vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TransactionType|vnp_TxnRef|"
    "vnp_Amount|vnp_TransactionNo|vnp_TransactionDate|vnp_CreateBy|vnp_CreateDate|vnp_IpAddr|"
    "vnp_OrderInfo"
)
REFUND_ANSWER_FIELDS = (
    "vnp_ResponseId|vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|vnp_TxnRef|vnp_Amount|"
    "vnp_BankCode|vnp_PayDate|vnp_TransactionNo|vnp_TransactionType|vnp_TransactionStatus|"
    "vnp_OrderInfo"
)
MOMO_CREATE_RAW = (
    "accessKey=$accessKey&amount=$amount&extraData=$extraData&ipnUrl=$ipnUrl&orderId=$orderId"
    "&orderInfo=$orderInfo&partnerCode=$partnerCode&redirectUrl=$redirectUrl"
    "&requestId=$requestId&requestType=$requestType"
)
MOMO_IPN_RAW = (
    "accessKey=$accessKey&amount=$amount&extraData=$extraData&message=$message"
    "&orderId=$orderId&orderInfo=$orderInfo&orderType=$orderType&partnerCode=$partnerCode"
    "&payType=$payType&requestId=$requestId&responseTime=$responseTime&resultCode=$resultCode"
    "&transId=$transId"
)
MOMO_REFUND_RAW = (
    "accessKey=$accessKey&amount=$amount&description=$description&orderId=$orderId"
    "&partnerCode=$partnerCode&requestId=$requestId&transId=$transId"
)


# ---------------------------------------------------------------------------- fake portal
class FakePortal(ThreadingHTTPServer):
    """Records what the bank sends; answers VNPAY's IPN, and the public catalogue's
    records in ``catalogue`` (path to JSON), as the portal would."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PortalHandler)
        self.requests: list[tuple[str, str, bytes]] = []
        self.catalogue: dict[str, dict[str, Any]] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PortalHandler(BaseHTTPRequestHandler):
    server: FakePortal

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, body))
        record = self.server.catalogue.get(self.path)
        if record is not None:
            answer = json.dumps(record, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        elif self.path.startswith("/payments/callbacks/vnpay/ipn"):
            answer = json.dumps({"RspCode": "00", "Message": "Confirm Success"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        else:
            self.send_response(204)
            self.end_headers()

    do_GET = do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    server = FakePortal()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def bank(portal: FakePortal) -> Iterator[tuple[SandboxBank, str]]:
    the_bank = SandboxBank(
        portal.base_url,
        {"tmn_code": "PORTAL01", "hash_secret": VNPAY_SECRET},
        {"partner_code": "PORTAL01", "access_key": MOMO_ACCESS_KEY, "secret_key": MOMO_SECRET},
    )
    server, base_url = sandbox_bank.serve(the_bank)
    yield the_bank, base_url
    sandbox_bank.stop(server)


def call(
    url: str, method: str = "GET", body: bytes | None = None, content_type: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=15)
    headers = {"Content-Type": content_type} if content_type else {}
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, target, body=body, headers=headers)
    response = connection.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    connection.close()
    return result


def form(url: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return call(url, "POST", urlencode(fields).encode(), "application/x-www-form-urlencoded")


def post_json(url: str, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, _, raw = call(url, "POST", json.dumps(document).encode(), "application/json")
    return status, json.loads(raw)


# ---------------------------------------------------------------------------- VNPAY
def pay_params(txn_ref: str = "ORD-1", amount_vnd: int = 150_000, **extra: str) -> dict[str, str]:
    now = datetime.now(VIETNAM_TZ)
    params = {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": "PORTAL01",
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": "Nộp lệ phí hồ sơ 000.00.01.H01-240101-0001",
        "vnp_OrderType": "other",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": "http://portal.example/payments/callbacks/vnpay/return",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_CreateDate": now.strftime("%Y%m%d%H%M%S"),
        "vnp_ExpireDate": (now + timedelta(minutes=15)).strftime("%Y%m%d%H%M%S"),
        **extra,
    }
    params["vnp_SecureHash"] = vnpay_signature(params)
    return params


def pay_url(base: str, params: dict[str, str]) -> str:
    return f"{base}/sandbox-bank/vnpay/pay?{urlencode(params)}"


def press(base: str, params: dict[str, str], action: str) -> tuple[int, dict[str, str], bytes]:
    return form(f"{base}/sandbox-bank/vnpay/pay", {"q": urlencode(params), "action": action})


def test_the_hash_data_is_php_urlencoded_and_sorted() -> None:
    params = {"vnp_b": "a b:c/đ", "vnp_a": "1", "vnp_SecureHash": "x", "vnp_SecureHashType": "y"}
    assert sandbox_bank.vnpay_hash_data(params) == "vnp_a=1&vnp_b=a+b%3Ac%2F%C4%91"
    # PHP's urlencode, unlike Python's quote_plus, encodes "~" (and "*").
    assert sandbox_bank.vnpay_hash_data({"vnp_c": "~*-_."}) == "vnp_c=%7E%2A-_."
    # openssl dgst -sha512 -hmac TESTVNPAYSECRET0123456789ABCDEFG over that text:
    assert sandbox_bank.vnpay_sign(VNPAY_SECRET, params) == (
        "f0c47bcee9f47e32b6688c1bf8ce93dae5210c838203429d7a34b2537343ec3a"
        "c2df94ff8c9e5072fb2eab085d396ed5ebfa1972d625721b66b324c323e4ea9a"
    )


def test_the_refund_hash_joins_the_named_values_with_bars() -> None:
    values = {"vnp_Command": "refund", "vnp_RequestId": "R1", "vnp_Version": "2.1.0"}
    names = ("vnp_RequestId", "vnp_Version", "vnp_Command")
    # openssl dgst -sha512 -hmac TESTVNPAYSECRET0123456789ABCDEFG over "R1|2.1.0|refund":
    assert sandbox_bank.vnpay_pipe_hash(VNPAY_SECRET, values, names) == (
        "a3ac0363a23a1dd6d5de57c6cf8cefef3af234d6b2f065b016c39a20abcbad29"
        "9113f749d8d13dcab2fb22ce8ad9e50ea7ad77dbc8ef6ab8609f318e8707861c"
    )


def test_a_signed_pay_url_shows_the_pay_page(bank: tuple[SandboxBank, str]) -> None:
    _, base = bank
    params = pay_params(amount_vnd=1_250_000)
    status, headers, raw = call(pay_url(base, params))
    page = raw.decode()
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "1.250.000\u00a0₫" in page  # the ₫ never wraps away from its amount
    assert html.escape(params["vnp_OrderInfo"]) in page
    assert "ORD-1" in page
    assert "Thanh toán / Pay" in page and "Hủy / Cancel" in page
    assert 'action="/sandbox-bank/vnpay/pay"' in page


PORTAL_ORDER_INFO = "Le phi 1.002804 ho so 000.00.01.H01-240101-0001 tai 000.00.00.H26 Doi GPLX"


def test_the_pay_page_names_the_merchant_the_agency_and_the_procedure(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    _, base = bank
    portal.catalogue = {
        "/catalogue/procedures/1.002804": {"code": "1.002804", "name": "Đổi giấy phép lái xe"},
        "/catalogue/agencies/000.00.00.H26": {"agency_id": "000.00.00.H26", "name": "Bộ Công an"},
    }
    params = pay_params(vnp_OrderInfo=PORTAL_ORDER_INFO)
    status, _, raw = call(pay_url(base, params))
    page = raw.decode()
    assert status == 200
    assert (
        "<dt>Đơn vị chấp nhận thanh toán / Merchant</dt><dd>Cổng Dịch vụ công quốc gia</dd>" in page
    )
    assert "<dt>Cơ quan thu / Receiving agency</dt><dd>Bộ Công an</dd>" in page
    assert "<dt>Thủ tục / Procedure</dt><dd>Đổi giấy phép lái xe</dd>" in page
    # Beside the order info, as VNPAY has it: ASCII.
    assert f"<dt>Nội dung / Order info</dt><dd>{PORTAL_ORDER_INFO}</dd>" in page


def test_the_merchant_is_named_as_its_profile_says_and_an_unknown_order_info_is_shown_alone(
    portal: FakePortal,
) -> None:
    the_bank = SandboxBank(
        portal.base_url,
        {"tmn_code": "PORTAL01", "hash_secret": VNPAY_SECRET, "merchant_name": "Sở Tư pháp"},
        {"partner_code": "PORTAL01", "access_key": MOMO_ACCESS_KEY, "secret_key": MOMO_SECRET},
    )
    query = urlencode(pay_params())  # order info of another form than the portal's
    status, _, raw = the_bank.handle("GET", "/sandbox-bank/vnpay/pay", query, {}, None)
    page = raw.decode()
    assert status == 200
    assert "<dd>Sở Tư pháp</dd>" in page
    assert "Receiving agency" not in page and "Thủ tục / Procedure" not in page
    assert portal.requests == []  # nothing was looked up


def test_a_catalogue_that_does_not_answer_leaves_the_page_as_it_is(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    _, base = bank
    status, _, raw = call(pay_url(base, pay_params(vnp_OrderInfo=PORTAL_ORDER_INFO)))
    assert status == 200  # the fake portal answers the catalogue 204, no record
    assert "Receiving agency" not in raw.decode()
    assert "Thanh toán / Pay" in raw.decode()


def test_the_pay_page_is_a_page_anyone_can_use(bank: tuple[SandboxBank, str]) -> None:
    _, base = bank
    page = call(pay_url(base, pay_params()))[2].decode()
    assert page.startswith("<!doctype html><html lang=vi><head><meta charset=utf-8>")
    assert '<meta name=viewport content="width=device-width,initial-scale=1">' in page
    assert "<title>VNPAY – Thanh toán / Payment</title>" in page
    assert "<main class=card>" in page and "<h1>" in page
    assert page.count("<button") == page.count("type=submit>") == 2  # Pay, Cancel
    # Long values wrap between words, not anywhere; the amount never wraps.
    assert "break-all" not in page
    assert "overflow-wrap:anywhere" in page
    assert ".amount{font-size:24px;font-weight:600;white-space:nowrap}" in page


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: {**p, "vnp_Amount": "100"},  # the amount changed after signing
        lambda p: {**p, "vnp_SecureHash": "0" * 128},
        lambda p: {k: v for k, v in p.items() if k != "vnp_SecureHash"},
        lambda p: {**p, "vnp_TmnCode": "OTHER"},
    ],
)
def test_a_tampered_pay_url_is_refused(bank: tuple[SandboxBank, str], tamper: Any) -> None:
    _, base = bank
    status, headers, raw = call(pay_url(base, tamper(pay_params())))
    assert status == 400
    assert headers["content-type"].startswith("text/html")
    assert "Thanh toán / Pay" not in raw.decode()
    assert VNPAY_SECRET not in raw.decode()


def test_an_expired_or_incomplete_request_is_refused(bank: tuple[SandboxBank, str]) -> None:
    _, base = bank
    past = (datetime.now(VIETNAM_TZ) - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
    assert call(pay_url(base, pay_params(vnp_ExpireDate=past)))[0] == 400
    incomplete = pay_params()
    del incomplete["vnp_ReturnUrl"]
    incomplete["vnp_SecureHash"] = vnpay_signature(incomplete)
    status, _, raw = call(pay_url(base, incomplete))
    assert status == 400 and "vnp_ReturnUrl" in raw.decode()


def _ipns(portal: FakePortal) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        for method, path, _ in portal.requests
        if method == "GET" and path.startswith("/payments/callbacks/vnpay/ipn?")
    ]


def test_pay_sends_a_signed_ipn_then_returns_the_citizen(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    the_bank, base = bank
    params = pay_params("ORD-PAY", 150_000)
    status, headers, _ = press(base, params, "pay")
    assert status == 302
    (ipn,) = _ipns(portal)
    assert ipn["vnp_SecureHash"] == vnpay_signature(ipn)
    assert ipn["vnp_ResponseCode"] == ipn["vnp_TransactionStatus"] == "00"
    assert ipn["vnp_TxnRef"] == "ORD-PAY"
    assert ipn["vnp_Amount"] == "15000000"
    assert ipn["vnp_TmnCode"] == "PORTAL01"
    assert ipn["vnp_OrderInfo"] == params["vnp_OrderInfo"]
    assert (ipn["vnp_BankCode"], ipn["vnp_CardType"]) == ("NCB", "ATM")
    assert re.fullmatch(r"\d{8}", ipn["vnp_TransactionNo"])
    paid_at = datetime.strptime(ipn["vnp_PayDate"], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
    assert abs((paid_at - datetime.now(VIETNAM_TZ)).total_seconds()) < 60
    assert set(ipn) == {
        "vnp_Amount",
        "vnp_BankCode",
        "vnp_BankTranNo",
        "vnp_CardType",
        "vnp_OrderInfo",
        "vnp_PayDate",
        "vnp_ResponseCode",
        "vnp_TmnCode",
        "vnp_TransactionNo",
        "vnp_TransactionStatus",
        "vnp_TxnRef",
        "vnp_SecureHash",
    }
    location = urlsplit(headers["location"])
    assert location._replace(query="").geturl() == params["vnp_ReturnUrl"]
    assert dict(parse_qsl(location.query)) == ipn
    transaction = the_bank.vnpay_transactions[ipn["vnp_TransactionNo"]]
    assert transaction.portal_answer == "RspCode 00 Confirm Success"

    # A second press of the same request repeats the answer and tells the portal nothing new.
    assert press(base, params, "pay")[1]["location"] == headers["location"]
    assert len(_ipns(portal)) == 1
    # The index shows what the portal answered, and no secret.
    status, _, index = call(f"{base}/sandbox-bank/")
    assert status == 200 and "Confirm Success" in index.decode()
    assert VNPAY_SECRET not in index.decode() and MOMO_SECRET not in index.decode()


def test_cancel_sends_response_code_24(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    status, headers, _ = press(base, pay_params("ORD-CANCEL"), "cancel")
    assert status == 302
    (ipn,) = _ipns(portal)
    assert (ipn["vnp_ResponseCode"], ipn["vnp_TransactionStatus"]) == ("24", "02")
    assert ipn["vnp_SecureHash"] == vnpay_signature(ipn)
    assert "vnp_ResponseCode=24" in headers["location"]


def test_a_forged_press_is_refused(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    forged = {**pay_params(), "vnp_Amount": "100"}
    assert press(base, forged, "pay")[0] == 400
    assert portal.requests == []


def refund_request(ipn: dict[str, str], request_id: str, **changes: str) -> dict[str, str]:
    request = {
        "vnp_RequestId": request_id,
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": "PORTAL01",
        "vnp_TransactionType": "02",
        "vnp_TxnRef": ipn["vnp_TxnRef"],
        "vnp_Amount": ipn["vnp_Amount"],
        "vnp_TransactionNo": ipn["vnp_TransactionNo"],
        "vnp_TransactionDate": ipn["vnp_PayDate"],
        "vnp_CreateBy": "operator",
        "vnp_CreateDate": datetime.now(VIETNAM_TZ).strftime("%Y%m%d%H%M%S"),
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Hoan tien",
        **changes,
    }
    request["vnp_SecureHash"] = pipe_signature(request, REFUND_FIELDS)
    return request


def test_the_refund_api(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    api = f"{base}/sandbox-bank/vnpay/api"
    press(base, pay_params("ORD-REFUND", 200_000), "pay")
    (ipn,) = _ipns(portal)

    def refund(request: dict[str, str]) -> dict[str, str]:
        status, answer = post_json(api, request)
        assert status == 200
        assert answer["vnp_SecureHash"] == pipe_signature(answer, REFUND_ANSWER_FIELDS)
        return answer

    first_request = refund_request(ipn, "R1")
    first = refund(first_request)
    assert first["vnp_ResponseCode"] == "00"
    assert first["vnp_TransactionStatus"] == "00"
    assert (first["vnp_TxnRef"], first["vnp_Amount"]) == ("ORD-REFUND", "20000000")
    assert first["vnp_TransactionNo"] == ipn["vnp_TransactionNo"]
    # The same request again: the same answer, and nothing refunded twice.
    assert refund(first_request) == first
    # The same request id with other content: a duplicate.
    assert refund(refund_request(ipn, "R1", vnp_CreateBy="someone"))["vnp_ResponseCode"] == "94"
    # A new request for the refunded transaction.
    # VNPAY's 94: a refund of this transaction was already requested.
    assert refund(refund_request(ipn, "R2"))["vnp_ResponseCode"] == "94"
    bad = {**refund_request(ipn, "R3"), "vnp_Amount": "1"}
    assert refund(bad)["vnp_ResponseCode"] == "97"
    unknown = refund_request(ipn, "R4", vnp_TransactionNo="99999999")
    assert refund(unknown)["vnp_ResponseCode"] == "91"


def test_a_refund_of_the_wrong_amount(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    press(base, pay_params("ORD-AMOUNT", 50_000), "pay")
    (ipn,) = _ipns(portal)
    request = refund_request(ipn, "A1", vnp_Amount="100")
    assert post_json(f"{base}/sandbox-bank/vnpay/api", request)[1]["vnp_ResponseCode"] == "03"
    assert post_json(f"{base}/sandbox-bank/vnpay/api", {"x": 1})[1]["vnp_ResponseCode"] == "99"


# ---------------------------------------------------------------------------- MoMo
def create_request(portal: FakePortal, order_id: str = "ORD-M1", amount: int = 75_000) -> Any:
    request: dict[str, Any] = {
        "partnerCode": "PORTAL01",
        "requestId": f"req-{order_id}",
        "amount": amount,
        "orderId": order_id,
        "orderInfo": "Nộp lệ phí hồ sơ",
        "redirectUrl": "http://portal.example/payments/callbacks/momo/return",
        "ipnUrl": f"{portal.base_url}/payments/callbacks/momo/ipn",
        "requestType": "captureWallet",
        "extraData": "",
        "lang": "vi",
    }
    signed = {**request, "accessKey": MOMO_ACCESS_KEY}
    request["signature"] = momo_signature(
        signed,
        MOMO_CREATE_RAW,
    )
    return request


def momo_ipns(portal: FakePortal) -> list[dict[str, Any]]:
    return [
        json.loads(body)
        for method, path, body in portal.requests
        if method == "POST" and path == "/payments/callbacks/momo/ipn"
    ]


def momo_pay(base: str, portal: FakePortal, order_id: str, action: str) -> Any:
    status, created = post_json(
        f"{base}/sandbox-bank/momo/create", create_request(portal, order_id)
    )
    assert (status, created["resultCode"]) == (200, 0)
    pay = urlsplit(created["payUrl"])
    token = dict(parse_qsl(pay.query))["t"]
    status, headers, _ = form(f"{base}/sandbox-bank/momo/pay", {"t": token, "action": action})
    assert status == 302
    return headers["location"]


def test_momo_create_answers_a_pay_url_that_shows_the_page(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    _, base = bank
    request = create_request(portal)
    status, created = post_json(f"{base}/sandbox-bank/momo/create", request)
    assert status == 200
    assert created["resultCode"] == 0
    assert (created["orderId"], created["requestId"], created["amount"]) == (
        "ORD-M1",
        "req-ORD-M1",
        75_000,
    )
    assert created["payUrl"].startswith(f"{base}/sandbox-bank/momo/pay?")
    assert isinstance(created["responseTime"], int)
    status, _, page = call(created["payUrl"])
    assert status == 200
    assert "75.000\u00a0₫" in page.decode() and "Thanh toán / Pay" in page.decode()
    # The same request again: the same answer; the same order with another request: refused.
    assert post_json(f"{base}/sandbox-bank/momo/create", request)[1] == created
    again = create_request(portal)
    again["requestId"] = "another"
    again["signature"] = momo_signature(
        {**again, "accessKey": MOMO_ACCESS_KEY},
        MOMO_CREATE_RAW,
    )
    assert post_json(f"{base}/sandbox-bank/momo/create", again)[1]["resultCode"] == 41


def test_momo_create_with_a_bad_signature_is_refused(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    _, base = bank
    request = {**create_request(portal), "amount": 1_000}
    status, answer = post_json(f"{base}/sandbox-bank/momo/create", request)
    assert (status, answer["resultCode"]) == (200, 11)
    assert "payUrl" not in answer


def test_momo_pay_sends_a_signed_ipn_then_redirects(
    bank: tuple[SandboxBank, str], portal: FakePortal
) -> None:
    _, base = bank
    location = momo_pay(base, portal, "ORD-MPAY", "pay")
    (ipn,) = momo_ipns(portal)
    assert ipn["signature"] == momo_signature({**ipn, "accessKey": MOMO_ACCESS_KEY}, MOMO_IPN_RAW)
    assert ipn["resultCode"] == 0
    assert (ipn["orderId"], ipn["amount"], ipn["orderType"], ipn["payType"]) == (
        "ORD-MPAY",
        75_000,
        "momo_wallet",
        "qr",
    )
    assert isinstance(ipn["transId"], int)
    redirect = urlsplit(location)
    assert redirect._replace(query="").geturl() == (
        "http://portal.example/payments/callbacks/momo/return"
    )
    back = dict(parse_qsl(redirect.query, keep_blank_values=True))
    assert back["signature"] == ipn["signature"] and back["transId"] == str(ipn["transId"])


def test_momo_cancel_sends_1006(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    momo_pay(base, portal, "ORD-MCANCEL", "cancel")
    (ipn,) = momo_ipns(portal)
    assert ipn["resultCode"] == 1006
    assert ipn["signature"] == momo_signature({**ipn, "accessKey": MOMO_ACCESS_KEY}, MOMO_IPN_RAW)


def momo_refund_request(trans_id: int, order_id: str, request_id: str, amount: int) -> Any:
    request: dict[str, Any] = {
        "partnerCode": "PORTAL01",
        "orderId": order_id,
        "requestId": request_id,
        "amount": amount,
        "transId": trans_id,
        "lang": "vi",
        "description": "Hoàn lệ phí",
    }
    request["signature"] = momo_signature(
        {**request, "accessKey": MOMO_ACCESS_KEY},
        MOMO_REFUND_RAW,
    )
    return request


def test_momo_refund(bank: tuple[SandboxBank, str], portal: FakePortal) -> None:
    _, base = bank
    url = f"{base}/sandbox-bank/momo/refund"
    momo_pay(base, portal, "ORD-MREFUND", "pay")
    (ipn,) = momo_ipns(portal)
    request = momo_refund_request(ipn["transId"], "RF-1", "rr-1", 75_000)
    status, answer = post_json(url, request)
    assert (status, answer["resultCode"]) == (200, 0)
    assert (answer["orderId"], answer["requestId"], answer["amount"]) == ("RF-1", "rr-1", 75_000)
    assert isinstance(answer["transId"], int) and isinstance(answer["responseTime"], int)
    assert post_json(url, request)[1] == answer  # idempotent
    again = momo_refund_request(ipn["transId"], "RF-2", "rr-2", 75_000)
    assert post_json(url, again)[1]["resultCode"] == 1081  # already refunded
    unknown = momo_refund_request(123, "RF-3", "rr-3", 75_000)
    assert post_json(url, unknown)[1]["resultCode"] == 42
    forged = {**momo_refund_request(ipn["transId"], "RF-4", "rr-4", 1_000), "amount": 75_000}
    assert post_json(url, forged)[1]["resultCode"] == 11


# ---------------------------------------------------------------------------- the gateway
def test_the_portal_gateway_serves_the_bank_under_its_prefix(portal: FakePortal) -> None:
    server = PortalHTTPServer("127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.port}"
    the_bank = SandboxBank(
        portal.base_url,
        {"tmn_code": "PORTAL01", "hash_secret": VNPAY_SECRET},
        {"partner_code": "PORTAL01", "access_key": MOMO_ACCESS_KEY, "secret_key": MOMO_SECRET},
    )
    server.start(Portal({}, stage="test", base_url=base, sandbox_bank=the_bank))
    try:
        assert call(pay_url(base, pay_params()))[0] == 200
        index = json.loads(call(f"{base}/")[2])
        assert index["sandbox_bank"] == {"base_url": f"{base}/sandbox-bank/"}
        assert call(f"{base}/sandbox-bank")[1]["location"] == "/sandbox-bank/"
        status, headers, _ = call(f"{base}/sandbox-bank/nothing-here")
        assert status == 404 and headers["content-type"].startswith("text/html")
        assert call(f"{base}/elsewhere")[1]["content-type"] == "application/problem+json"
    finally:
        server.stop()


def test_an_unexpected_error_is_a_plain_500(portal: FakePortal) -> None:
    def broken_get(url: str) -> tuple[int, bytes]:
        raise RuntimeError(f"secret {VNPAY_SECRET}")

    the_bank = SandboxBank(
        portal.base_url,
        {"tmn_code": "PORTAL01", "hash_secret": VNPAY_SECRET},
        {"partner_code": "PORTAL01", "access_key": MOMO_ACCESS_KEY, "secret_key": MOMO_SECRET},
        http_get=broken_get,
    )
    body = urlencode({"q": urlencode(pay_params()), "action": "pay"}).encode()
    status, headers, page = the_bank.handle("POST", "/sandbox-bank/vnpay/pay", "", {}, body)
    assert status == 500
    assert ("Content-Type", "text/html; charset=utf-8") in headers
    assert b"Traceback" not in page and VNPAY_SECRET.encode() not in page

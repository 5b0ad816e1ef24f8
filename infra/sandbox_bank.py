"""A sandbox bank for the local stack: it plays VNPAY (2.1.0) and MoMo (v2, captureWallet)
so that a fee can be paid end to end in a browser, with no bank account and no internet.

It is the *bank's* side, written independently of ``services.payments`` from the providers'
published rules (standard library only), so that a mistake in the portal's signing shows up
here as it would at the real bank:

- ``GET  /sandbox-bank/``              what the sandbox has seen (no secrets)
- ``GET  /sandbox-bank/vnpay/pay``     VNPAY's pay page (the portal's ``pay_url``)
- ``POST /sandbox-bank/vnpay/pay``     Pay or Cancel: IPN to the portal, then the citizen's
  browser back to ``vnp_ReturnUrl``
- ``POST /sandbox-bank/vnpay/api``     VNPAY ``merchant_webapi``: ``refund``
- ``POST /sandbox-bank/momo/create``   MoMo ``/v2/gateway/api/create``
- ``GET  /sandbox-bank/momo/pay``      MoMo's pay page (the ``payUrl`` it answered)
- ``POST /sandbox-bank/momo/pay``      Pay or Cancel: IPN to ``ipnUrl``, then ``redirectUrl``
- ``POST /sandbox-bank/momo/refund``   MoMo ``/v2/gateway/api/refund``

:class:`SandboxBank` is transport-free (``handle(method, path, query, headers, body)``), so
the local gateway serves it on the portal's port and :func:`serve` runs it on its own port.
Everything it knows is in memory and dies with the process. It never logs a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import logging
import secrets
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

PREFIX = "/sandbox-bank"
HTTP_TIMEOUT_SECONDS = 10
MAX_BODY_BYTES = 1024 * 1024
GMT7 = timezone(timedelta(hours=7), "GMT+7")

log = logging.getLogger("sandbox-bank")

Response = tuple[int, list[tuple[str, str]], bytes]
HttpGet = Callable[[str], tuple[int, bytes]]
HttpPost = Callable[[str, bytes, Mapping[str, str]], tuple[int, bytes]]


# ------------------------------------------------------------------------------ transport
def urllib_get(url: str) -> tuple[int, bytes]:
    """GET ``url``; (status, body) whatever the status. Network failures raise OSError."""
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) by design
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def urllib_post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """POST ``body`` to ``url``; (status, body) whatever the status."""
    request = urllib.request.Request(  # noqa: S310 - http(s) by design
        url, data=body, headers=dict(headers), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


# ------------------------------------------------------------------------------ signing
def vnpay_hash_data(params: Mapping[str, str]) -> str:
    """VNPAY 2.1.0: the ``vnp_*`` parameters but the hash itself, sorted by name, each key
    and value form-encoded (UTF-8, space as ``+``, as PHP's ``urlencode``), ``k=v`` by ``&``."""
    return "&".join(
        f"{quote_plus(key)}={quote_plus(value)}"
        for key, value in sorted(params.items())
        if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
    )


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def hmac_sha256(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha256).hexdigest()


def vnpay_sign(secret: str, params: Mapping[str, str]) -> str:
    return hmac_sha512(secret, vnpay_hash_data(params))


def _same_hash(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected, given.strip().lower())


VNPAY_REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
VNPAY_REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
VNPAY_PAY_REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
)
MOMO_CREATE_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
MOMO_IPN_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)
MOMO_REFUND_FIELDS = (
    "accessKey",
    "amount",
    "description",
    "orderId",
    "partnerCode",
    "requestId",
    "transId",
)
MOMO_MIN_AMOUNT = 1_000
MOMO_MAX_AMOUNT = 50_000_000


def vnpay_pipe_hash(secret: str, values: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """``merchant_webapi``: the named values, in that order, joined with ``|``."""
    return hmac_sha512(secret, "|".join(str(values.get(name, "")) for name in names))


def momo_raw(values: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """MoMo's raw signature string: ``name=value`` in the given order, by ``&``, unencoded."""
    return "&".join(f"{name}={_momo_text(values.get(name, ''))}" for name in names)


def momo_sign(secret: str, values: Mapping[str, Any], names: tuple[str, ...]) -> str:
    return hmac_sha256(secret, momo_raw(values, names))


def _momo_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


# ------------------------------------------------------------------------------ state
@dataclass(frozen=True, slots=True)
class VnpayProfile:
    tmn_code: str
    hash_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class MomoProfile:
    partner_code: str
    access_key: str
    secret_key: str = field(repr=False)


@dataclass(slots=True)
class VnpayTransaction:
    transaction_no: str
    txn_ref: str
    amount: str  # vnp_Amount: VND x 100
    order_info: str
    pay_date: str
    status: str  # paid | cancelled
    refunded: bool = False
    portal_answer: str = ""


@dataclass(slots=True)
class MomoPayment:
    token: str
    request: dict[str, Any]
    status: str = "pending"  # pending | paid | cancelled
    trans_id: int | None = None
    refunded_amount: int = 0
    portal_answer: str = ""
    redirect: str = ""
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class _Completion:
    """A pay button pressed once: a second press waits for, then repeats, the first."""

    done: threading.Event = field(default_factory=threading.Event)
    redirect: str = ""


# ------------------------------------------------------------------------------ pages
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;
margin:0;color:#1d2733}
.card{max-width:460px;margin:48px auto;background:#fff;border-radius:12px;padding:28px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
.bank{font-size:13px;letter-spacing:.08em;text-transform:uppercase;color:#6b7785}
.vnpay .bank{color:#005baa}.momo .bank{color:#a50064}
h1{font-size:22px;margin:6px 0 18px}.en{color:#6b7785;font-weight:normal}
dl{display:grid;grid-template-columns:max-content 1fr;gap:8px 16px;margin:0 0 22px}
dt{color:#6b7785}dd{margin:0;word-break:break-all}.amount{font-size:24px;font-weight:600}
form{display:flex;gap:12px}button{flex:1;font-size:16px;padding:12px;border-radius:8px;
border:1px solid #c9d1db;background:#fff;cursor:pointer}
button.pay{background:#005baa;border-color:#005baa;color:#fff}
.momo button.pay{background:#a50064;border-color:#a50064}
.note{font-size:13px;color:#6b7785;margin-top:18px}.error h1{color:#b3261e}
table{border-collapse:collapse;font-size:13px;width:100%}td,th{border-bottom:1px solid #e3e7ec;
padding:4px 6px;text-align:left}
"""


def _page(title: str, body: str, *, kind: str = "") -> bytes:
    return (
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body class="{kind}"><div class=card>{body}</div></body></html>'
    ).encode()


def _html(status: int, title: str, body: str, *, kind: str = "") -> Response:
    return (
        status,
        [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
        _page(title, body, kind=kind),
    )


def _error_page(status: int, vi: str, en: str, *, kind: str = "") -> Response:
    body = (
        f'<div class="bank">Ngân hàng thử nghiệm / Sandbox bank</div>'
        f'<div class="error"><h1>Giao dịch không hợp lệ <span class="en">/ Invalid '
        f"transaction</span></h1></div><p>{html.escape(vi)}</p>"
        f'<p class="en">{html.escape(en)}</p>'
    )
    return _html(status, "Giao dịch không hợp lệ / Invalid transaction", body, kind=kind)


def _json(status: int, document: Mapping[str, Any]) -> Response:
    return (
        status,
        [("Content-Type", "application/json; charset=utf-8")],
        json.dumps(document, ensure_ascii=False).encode(),
    )


def _redirect(location: str) -> Response:
    return 302, [("Location", location), ("Cache-Control", "no-store")], b""


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def _with_query(url: str, params: Mapping[str, Any]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({k: str(v) for k, v in params.items()})


def _pay_form(action: str, hidden: Mapping[str, str]) -> str:
    inputs = "".join(
        f'<input type=hidden name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in hidden.items()
    )
    return (
        f'<form method=post action="{html.escape(action)}">{inputs}'
        "<button class=pay name=action value=pay type=submit>Thanh toán / Pay</button>"
        "<button name=action value=cancel type=submit>Hủy / Cancel</button></form>"
    )


def _details(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<dl>{cells}</dl>"


def _safe_trace(error: BaseException) -> str:
    """Where an error happened, without its message (which could quote a secret)."""
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames)
    )
    return f"{type(error).__name__} at {where}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _gmt7(moment: datetime | None = None) -> str:
    return (moment or datetime.now(GMT7)).astimezone(GMT7).strftime("%Y%m%d%H%M%S")


def _answer_text(status: int, body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return f"HTTP {status} {text[:200]}".strip()


# ------------------------------------------------------------------------------ the bank
class SandboxBank:
    """The sandbox bank. ``portal_base_url`` is where the portal answers (the VNPAY IPN goes
    to ``<portal_base_url>/payments/callbacks/vnpay/ipn``); ``public_base_url`` is where the
    bank itself is reached (its MoMo ``payUrl``), the portal's address by default."""

    def __init__(
        self,
        portal_base_url: str,
        vnpay_profile: Mapping[str, Any],
        momo_profile: Mapping[str, Any],
        http_post: HttpPost = urllib_post,
        http_get: HttpGet = urllib_get,
        *,
        public_base_url: str | None = None,
    ) -> None:
        self.portal_base_url = portal_base_url.rstrip("/")
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        try:
            self.vnpay = VnpayProfile(
                str(vnpay_profile["tmn_code"]), str(vnpay_profile["hash_secret"])
            )
            self.momo = MomoProfile(
                str(momo_profile["partner_code"]),
                str(momo_profile["access_key"]),
                str(momo_profile["secret_key"]),
            )
        except KeyError as missing:
            raise ValueError(f"merchant profile without {missing}") from None
        self.http_post = http_post
        self.http_get = http_get
        self._lock = threading.Lock()
        # 8-digit transaction numbers, unique in this process; MoMo's transIds likewise.
        self._numbers = itertools.count(10_000_000 + secrets.randbelow(40_000_000))
        self._momo_numbers = itertools.count(4_000_000_000 + secrets.randbelow(10**8))
        self.vnpay_transactions: dict[str, VnpayTransaction] = {}
        self._vnpay_presses: dict[str, _Completion] = {}
        self._vnpay_refunds: dict[str, tuple[str, dict[str, str]]] = {}
        self.momo_payments: dict[str, MomoPayment] = {}
        self._momo_creates: dict[str, tuple[str, dict[str, Any]]] = {}
        self._momo_refunds: dict[str, tuple[str, dict[str, Any]]] = {}
        self.momo_refund_order_ids: set[str] = set()

    @property
    def bank_base_url(self) -> str:
        return self.public_base_url or self.portal_base_url

    # -- dispatch ----------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Response:
        """One request for a path under ``/sandbox-bank``. Never raises."""
        try:
            return self._route(method.upper(), path, query, body or b"")
        except Exception as error:
            log.error("sandbox bank error on %s %s: %s", method, path, _safe_trace(error))
            return _error_page(
                500, "Đã có lỗi xảy ra, vui lòng thử lại.", "Something went wrong; try again."
            )

    def _route(self, method: str, path: str, query: str, body: bytes) -> Response:
        if method == "HEAD":
            method = "GET"
        routes: dict[str, dict[str, Callable[[], Response]]] = {
            f"{PREFIX}/": {"GET": self._index},
            f"{PREFIX}/vnpay/pay": {
                "GET": lambda: self._vnpay_pay_page(query),
                "POST": lambda: self._vnpay_press(body),
            },
            f"{PREFIX}/vnpay/api": {"POST": lambda: self._vnpay_api(body)},
            f"{PREFIX}/momo/create": {"POST": lambda: self._momo_create(body)},
            f"{PREFIX}/momo/pay": {
                "GET": lambda: self._momo_pay_page(query),
                "POST": lambda: self._momo_press(body),
            },
            f"{PREFIX}/momo/refund": {"POST": lambda: self._momo_refund(body)},
        }
        if path == PREFIX:
            return 308, [("Location", f"{PREFIX}/")], b""
        methods = routes.get(path)
        if methods is None:
            return _error_page(404, "Không có trang này.", "There is nothing at this address.")
        action = methods.get(method)
        if action is None:
            status, headers, page = _error_page(
                405, "Phương thức không được hỗ trợ.", "Method not allowed."
            )
            return status, [*headers, ("Allow", ", ".join(methods))], page
        return action()

    def _index(self) -> Response:
        with self._lock:
            vnpay = list(self.vnpay_transactions.values())[-20:]
            momo = [p for p in self.momo_payments.values() if p.status != "pending"][-20:]
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(c)}</td>"
                for c in (
                    "VNPAY",
                    t.txn_ref,
                    t.transaction_no,
                    _vnd(int(t.amount) // 100) if t.amount.isdigit() else t.amount,
                    t.status + (" (refunded)" if t.refunded else ""),
                    t.portal_answer,
                )
            )
            + "</tr>"
            for t in reversed(vnpay)
        ) + "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(c))}</td>"
                for c in (
                    "MoMo",
                    p.request["orderId"],
                    p.trans_id or "",
                    _vnd(int(p.request["amount"])),
                    p.status + (f" (refunded {p.refunded_amount})" if p.refunded_amount else ""),
                    p.portal_answer,
                )
            )
            + "</tr>"
            for p in reversed(momo)
        )
        base = self.bank_base_url
        body = (
            '<div class="bank">Ngân hàng thử nghiệm / Sandbox bank</div>'
            "<h1>VNPAY &amp; MoMo <span class=en>(local)</span></h1>"
            + _details(
                [
                    ("VNPAY vnp_TmnCode", html.escape(self.vnpay.tmn_code)),
                    ("VNPAY pay_url", html.escape(f"{base}{PREFIX}/vnpay/pay")),
                    ("VNPAY api_url", html.escape(f"{base}{PREFIX}/vnpay/api")),
                    ("MoMo partnerCode", html.escape(self.momo.partner_code)),
                    ("MoMo api_url", html.escape(f"{base}{PREFIX}/momo")),
                ]
            )
            + "<p>Giao dịch gần đây / Recent transactions (portal's answer to the IPN):</p>"
            "<table><tr><th>bank</th><th>order</th><th>bank txn</th><th>amount</th>"
            f"<th>status</th><th>portal answered</th></tr>{rows}</table>"
        )
        return _html(200, "Sandbox bank", body)

    # -- VNPAY pay page ----------------------------------------------------------------------
    def _vnpay_request(self, query: str) -> dict[str, str] | Response:
        """The signed pay request in ``query``, or the error page the bank shows."""
        pairs = parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        if not params or len(params) != len(pairs):
            return _error_page(
                400,
                "Dữ liệu gửi sang không đúng định dạng.",
                "The request is malformed (no parameters, or one given twice).",
                kind="vnpay",
            )
        expected = vnpay_sign(self.vnpay.hash_secret, params)
        if not _same_hash(expected, params.get("vnp_SecureHash")):
            return _error_page(
                400,
                "Sai chữ ký (vnp_SecureHash).",
                "Invalid signature: vnp_SecureHash is not the HMAC-SHA512 of the sorted, "
                "form-encoded vnp_* parameters under this terminal's hash secret.",
                kind="vnpay",
            )
        if params.get("vnp_TmnCode") != self.vnpay.tmn_code:
            return _error_page(
                400,
                "Không tìm thấy website (vnp_TmnCode).",
                "Unknown terminal (vnp_TmnCode).",
                kind="vnpay",
            )
        missing = [name for name in VNPAY_PAY_REQUIRED if not params.get(name)]
        if missing:
            return _error_page(
                400,
                "Thiếu tham số: " + ", ".join(missing),
                "Missing parameters: " + ", ".join(missing),
                kind="vnpay",
            )
        amount = params["vnp_Amount"]
        if (
            params["vnp_Version"] != "2.1.0"
            or params["vnp_Command"] != "pay"
            or params["vnp_CurrCode"] != "VND"
            or not amount.isdigit()
            or int(amount) <= 0
        ):
            return _error_page(
                400,
                "Dữ liệu gửi sang không đúng định dạng.",
                "vnp_Version must be 2.1.0, vnp_Command pay, vnp_CurrCode VND and vnp_Amount "
                "a positive whole number (VND x 100).",
                kind="vnpay",
            )
        expires = params.get("vnp_ExpireDate")
        if expires:
            try:
                deadline = datetime.strptime(expires, "%Y%m%d%H%M%S").replace(tzinfo=GMT7)
            except ValueError:
                return _error_page(
                    400,
                    "vnp_ExpireDate không hợp lệ.",
                    "vnp_ExpireDate must be yyyyMMddHHmmss (GMT+7).",
                    kind="vnpay",
                )
            if deadline < datetime.now(GMT7):
                return _error_page(
                    400,
                    "Giao dịch đã quá thời gian chờ thanh toán.",
                    f"The payment has expired (vnp_ExpireDate {expires} GMT+7; now "
                    f"{_gmt7()} GMT+7).",
                    kind="vnpay",
                )
        return params

    def _vnpay_pay_page(self, query: str) -> Response:
        params = self._vnpay_request(query)
        if not isinstance(params, dict):
            return params
        amount = int(params["vnp_Amount"])
        shown = _vnd(amount // 100) if amount % 100 == 0 else f"{amount / 100:,.2f} ₫"
        body = (
            '<div class="bank">VNPAY · Ngân hàng thử nghiệm / Sandbox bank</div>'
            "<h1>Thanh toán trực tuyến <span class=en>/ Online payment</span></h1>"
            + _details(
                [
                    ("Số tiền / Amount", f'<span class="amount">{html.escape(shown)}</span>'),
                    ("Nội dung / Order info", html.escape(params["vnp_OrderInfo"])),
                    ("Mã đơn hàng / Order ref", html.escape(params["vnp_TxnRef"])),
                    ("Đơn vị / Merchant", html.escape(self.vnpay.tmn_code)),
                    ("Thẻ / Card", "NCB 9704198526191432198 (thử nghiệm / test)"),
                ]
            )
            + _pay_form(f"{PREFIX}/vnpay/pay", {"q": query})
            + '<p class="note">Không có tiền thật nào được chuyển. '
            "No real money moves: this is the local sandbox bank.</p>"
        )
        return _html(200, "VNPAY – Thanh toán / Payment", body, kind="vnpay")

    def _vnpay_press(self, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = form.get("action")
        if action not in ("pay", "cancel"):
            return _error_page(
                400, "Thiếu lựa chọn Thanh toán/Hủy.", "Choose Pay or Cancel.", kind="vnpay"
            )
        params = self._vnpay_request(form.get("q", ""))
        if not isinstance(params, dict):
            return params
        key = params["vnp_SecureHash"].lower()
        with self._lock:
            first = key not in self._vnpay_presses
            completion = self._vnpay_presses.setdefault(key, _Completion())
        if not first:  # the same signed request again (a double click, the back button)
            completion.done.wait(HTTP_TIMEOUT_SECONDS + 5)
            if completion.redirect:
                return _redirect(completion.redirect)
            return _error_page(
                409, "Giao dịch đang được xử lý.", "This payment is being processed.", kind="vnpay"
            )
        try:
            completion.redirect = self._vnpay_complete(params, paid=action == "pay")
        finally:
            completion.done.set()
        return _redirect(completion.redirect)

    def _vnpay_complete(self, request: Mapping[str, str], *, paid: bool) -> str:
        number = f"{next(self._numbers):08d}"
        notification = {
            "vnp_Amount": request["vnp_Amount"],
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": f"VNP{number}",
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": request["vnp_OrderInfo"],
            "vnp_PayDate": _gmt7(),
            "vnp_ResponseCode": "00" if paid else "24",
            "vnp_TmnCode": self.vnpay.tmn_code,
            "vnp_TransactionNo": number,
            "vnp_TransactionStatus": "00" if paid else "02",
            "vnp_TxnRef": request["vnp_TxnRef"],
        }
        notification["vnp_SecureHash"] = vnpay_sign(self.vnpay.hash_secret, notification)
        transaction = VnpayTransaction(
            transaction_no=number,
            txn_ref=request["vnp_TxnRef"],
            amount=request["vnp_Amount"],
            order_info=request["vnp_OrderInfo"],
            pay_date=notification["vnp_PayDate"],
            status="paid" if paid else "cancelled",
        )
        with self._lock:
            self.vnpay_transactions[number] = transaction
        ipn = _with_query(f"{self.portal_base_url}/payments/callbacks/vnpay/ipn", notification)
        try:
            status, answer = self.http_get(ipn)
        except OSError as error:
            transaction.portal_answer = f"no answer ({type(error).__name__})"
        else:
            transaction.portal_answer = _vnpay_ipn_answer(status, answer)
        log.info(
            "vnpay %s txn_ref=%s transaction_no=%s portal answered %s",
            transaction.status,
            transaction.txn_ref,
            number,
            transaction.portal_answer,
        )
        return _with_query(request["vnp_ReturnUrl"], notification)

    # -- VNPAY merchant_webapi ---------------------------------------------------------------
    def _vnpay_api(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not all(
            isinstance(request.get(name), str) for name in VNPAY_REFUND_REQUEST_FIELDS
        ):
            return _json(200, self._vnpay_api_answer({}, "99", "Invalid request format"))
        fields: dict[str, str] = {name: request[name] for name in VNPAY_REFUND_REQUEST_FIELDS}
        expected = vnpay_pipe_hash(self.vnpay.hash_secret, fields, VNPAY_REFUND_REQUEST_FIELDS)
        if not _same_hash(expected, request.get("vnp_SecureHash")):
            return _json(200, self._vnpay_api_answer(fields, "97", "Invalid Checksum"))
        if fields["vnp_Command"] != "refund" or fields["vnp_TransactionType"] != "02":
            return _json(
                200,
                self._vnpay_api_answer(
                    fields, "99", "Only vnp_Command refund, vnp_TransactionType 02 (full)"
                ),
            )
        if fields["vnp_TmnCode"] != self.vnpay.tmn_code:
            return _json(200, self._vnpay_api_answer(fields, "99", "Unknown vnp_TmnCode"))
        fingerprint = json.dumps(fields, sort_keys=True)
        with self._lock:
            seen = self._vnpay_refunds.get(fields["vnp_RequestId"])
            if seen is not None:
                if seen[0] == fingerprint:  # the same request again: the same answer
                    return _json(200, seen[1])
                return _json(
                    200,
                    self._vnpay_api_answer(fields, "94", "Duplicate request (vnp_RequestId)"),
                )
            answer = self._vnpay_refund(fields)
            self._vnpay_refunds[fields["vnp_RequestId"]] = (fingerprint, answer)
        return _json(200, answer)

    def _vnpay_refund(self, fields: Mapping[str, str]) -> dict[str, str]:
        """Under the lock."""
        transaction = self.vnpay_transactions.get(fields["vnp_TransactionNo"])
        if transaction is None or transaction.txn_ref != fields["vnp_TxnRef"]:
            return self._vnpay_api_answer(fields, "91", "Transaction not found")
        if transaction.status != "paid":
            return self._vnpay_api_answer(fields, "95", "Transaction was not successful")
        if transaction.refunded:
            return self._vnpay_api_answer(fields, "02", "Transaction already refunded")
        if fields["vnp_Amount"] != transaction.amount:
            return self._vnpay_api_answer(fields, "03", "Invalid amount (full refund only)")
        transaction.refunded = True
        log.info(
            "vnpay refund txn_ref=%s transaction_no=%s",
            transaction.txn_ref,
            transaction.transaction_no,
        )
        return self._vnpay_api_answer(fields, "00", "Refund success", transaction)

    def _vnpay_api_answer(
        self,
        fields: Mapping[str, str],
        code: str,
        message: str,
        transaction: VnpayTransaction | None = None,
    ) -> dict[str, str]:
        answer = {
            "vnp_ResponseId": secrets.token_hex(16),
            "vnp_Command": fields.get("vnp_Command", "refund"),
            "vnp_ResponseCode": code,
            "vnp_Message": message,
            "vnp_TmnCode": self.vnpay.tmn_code,
            "vnp_TxnRef": fields.get("vnp_TxnRef", ""),
            "vnp_Amount": fields.get("vnp_Amount", ""),
            "vnp_BankCode": "NCB" if transaction else "",
            "vnp_PayDate": transaction.pay_date if transaction else "",
            "vnp_TransactionNo": fields.get("vnp_TransactionNo", ""),
            "vnp_TransactionType": fields.get("vnp_TransactionType", ""),
            "vnp_TransactionStatus": "00" if code == "00" else "",
            "vnp_OrderInfo": fields.get("vnp_OrderInfo", ""),
        }
        answer["vnp_SecureHash"] = vnpay_pipe_hash(
            self.vnpay.hash_secret, answer, VNPAY_REFUND_RESPONSE_FIELDS
        )
        return answer

    # -- MoMo --------------------------------------------------------------------------------
    # MoMo answers its business results (a bad signature too) in ``resultCode`` with HTTP 200;
    # only a body that is not JSON at all is an HTTP 400.
    def _momo_answer(
        self, request: Mapping[str, Any], code: int, message: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "partnerCode": request.get("partnerCode", self.momo.partner_code),
            "orderId": request.get("orderId", ""),
            "requestId": request.get("requestId", ""),
            "amount": request.get("amount", 0),
            "responseTime": _now_ms(),
            "message": message,
            "resultCode": code,
            **extra,
        }

    def _momo_json(
        self, body: bytes, required: tuple[str, ...], names: tuple[str, ...]
    ) -> dict[str, Any] | Response:
        """The request JSON with a valid signature, or the answer refusing it."""
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return _json(400, self._momo_answer({}, 20, "Bad format request: not JSON"))
        missing = [name for name in required if request.get(name) in (None, "")]
        if missing or not isinstance(request.get("amount"), int):
            detail = ", ".join(missing) if missing else "amount must be an integer"
            return _json(200, self._momo_answer(request, 20, f"Bad format request: {detail}"))
        if request["partnerCode"] != self.momo.partner_code or request.get(
            "accessKey", self.momo.access_key
        ) != (self.momo.access_key):
            return _json(200, self._momo_answer(request, 13, "Merchant authentication failed"))
        signed = {**request, "accessKey": self.momo.access_key}
        expected = momo_sign(self.momo.secret_key, signed, names)
        if not _same_hash(expected, request.get("signature")):
            return _json(200, self._momo_answer(request, 11, "Access denied: invalid signature"))
        return request

    def _momo_create(self, body: bytes) -> Response:
        required = tuple(n for n in MOMO_CREATE_FIELDS if n not in ("accessKey", "extraData"))
        request = self._momo_json(body, (*required, "signature"), MOMO_CREATE_FIELDS)
        if not isinstance(request, dict):
            return request
        if request["requestType"] != "captureWallet":
            return _json(
                200, self._momo_answer(request, 20, "Bad format request: only captureWallet")
            )
        if not MOMO_MIN_AMOUNT <= request["amount"] <= MOMO_MAX_AMOUNT:
            return _json(
                200,
                self._momo_answer(
                    request, 22, f"Amount out of range ({MOMO_MIN_AMOUNT}-{MOMO_MAX_AMOUNT} VND)"
                ),
            )
        fingerprint = json.dumps(request, sort_keys=True)
        with self._lock:
            seen = self._momo_creates.get(request["requestId"])
            if seen is not None:
                if seen[0] == fingerprint:
                    return _json(200, seen[1])
                return _json(200, self._momo_answer(request, 40, "Duplicate requestId"))
            if any(p.request["orderId"] == request["orderId"] for p in self.momo_payments.values()):
                return _json(200, self._momo_answer(request, 41, "Duplicate orderId"))
            token = secrets.token_urlsafe(18)
            self.momo_payments[token] = MomoPayment(token, dict(request))
            answer = self._momo_answer(
                request,
                0,
                "Thành công." if request.get("lang") != "en" else "Successful.",
                payUrl=f"{self.bank_base_url}{PREFIX}/momo/pay?t={token}",
            )
            self._momo_creates[request["requestId"]] = (fingerprint, answer)
        return _json(200, answer)

    def _momo_payment(self, token: str) -> MomoPayment | Response:
        with self._lock:
            payment = self.momo_payments.get(token)
        if payment is None:
            return _error_page(404, "Không tìm thấy giao dịch.", "No such payment.", kind="momo")
        return payment

    def _momo_pay_page(self, query: str) -> Response:
        payment = self._momo_payment(dict(parse_qsl(query)).get("t", ""))
        if not isinstance(payment, MomoPayment):
            return payment
        request = payment.request
        if payment.status != "pending":
            return _html(
                200,
                "MoMo",
                '<div class="bank">MoMo · Sandbox bank</div><h1>Giao dịch đã được xử lý '
                "<span class=en>/ Already processed</span></h1>"
                f'<p><a href="{html.escape(payment.redirect)}">Quay lại / Back to the merchant'
                "</a></p>",
                kind="momo",
            )
        body = (
            '<div class="bank">MoMo · Ví thử nghiệm / Sandbox wallet</div>'
            "<h1>Thanh toán bằng ví MoMo <span class=en>/ Pay with MoMo</span></h1>"
            + _details(
                [
                    (
                        "Số tiền / Amount",
                        f'<span class="amount">{html.escape(_vnd(int(request["amount"])))}</span>',
                    ),
                    ("Nội dung / Order info", html.escape(str(request["orderInfo"]))),
                    ("Mã đơn hàng / Order id", html.escape(str(request["orderId"]))),
                    ("Đối tác / Partner", html.escape(self.momo.partner_code)),
                ]
            )
            + _pay_form(f"{PREFIX}/momo/pay", {"t": payment.token})
            + '<p class="note">Không có tiền thật nào được chuyển. '
            "No real money moves: this is the local sandbox bank.</p>"
        )
        return _html(200, "MoMo – Thanh toán / Payment", body, kind="momo")

    def _momo_press(self, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = form.get("action")
        if action not in ("pay", "cancel"):
            return _error_page(
                400, "Thiếu lựa chọn Thanh toán/Hủy.", "Choose Pay or Cancel.", kind="momo"
            )
        payment = self._momo_payment(form.get("t", ""))
        if not isinstance(payment, MomoPayment):
            return payment
        with self._lock:
            first = payment.status == "pending"
            if first:
                payment.status = "paid" if action == "pay" else "cancelled"
        if not first:
            payment.done.wait(HTTP_TIMEOUT_SECONDS + 5)
            if payment.redirect:
                return _redirect(payment.redirect)
            return _error_page(
                409, "Giao dịch đang được xử lý.", "This payment is being processed.", kind="momo"
            )
        try:
            payment.redirect = self._momo_complete(payment, paid=action == "pay")
        finally:
            payment.done.set()
        return _redirect(payment.redirect)

    def _momo_complete(self, payment: MomoPayment, *, paid: bool) -> str:
        request = payment.request
        payment.trans_id = next(self._momo_numbers)
        english = request.get("lang") == "en"
        if paid:
            message = "Successful." if english else "Thành công."
        else:
            message = (
                "Transaction denied by user." if english else "Giao dịch bị từ chối bởi người dùng."
            )
        ipn: dict[str, Any] = {
            "partnerCode": self.momo.partner_code,
            "orderId": request["orderId"],
            "requestId": request["requestId"],
            "amount": request["amount"],
            "orderInfo": request["orderInfo"],
            "orderType": "momo_wallet",
            "transId": payment.trans_id,
            "resultCode": 0 if paid else 1006,
            "message": message,
            "payType": "qr",
            "responseTime": _now_ms(),
            "extraData": request.get("extraData") or "",
        }
        ipn["signature"] = momo_sign(
            self.momo.secret_key, {**ipn, "accessKey": self.momo.access_key}, MOMO_IPN_FIELDS
        )
        try:
            status, answer = self.http_post(
                str(request["ipnUrl"]),
                json.dumps(ipn, ensure_ascii=False).encode(),
                {"Content-Type": "application/json; charset=UTF-8"},
            )
        except OSError as error:
            payment.portal_answer = f"no answer ({type(error).__name__})"
        else:
            payment.portal_answer = _answer_text(status, answer)
        log.info(
            "momo %s orderId=%s transId=%s portal answered %s",
            payment.status,
            request["orderId"],
            payment.trans_id,
            payment.portal_answer,
        )
        return _with_query(str(request["redirectUrl"]), ipn)

    def _momo_refund(self, body: bytes) -> Response:
        required = ("partnerCode", "orderId", "requestId", "amount", "transId", "signature")
        request = self._momo_json(body, required, MOMO_REFUND_FIELDS)
        if not isinstance(request, dict):
            return request
        fingerprint = json.dumps(request, sort_keys=True)
        with self._lock:
            seen = self._momo_refunds.get(request["requestId"])
            if seen is not None:
                if seen[0] == fingerprint:
                    return _json(200, seen[1])
                return _json(200, self._momo_answer(request, 40, "Duplicate requestId"))
            answer = self._momo_refund_locked(request)
            self._momo_refunds[request["requestId"]] = (fingerprint, answer)
        return _json(200, answer)

    def _momo_refund_locked(self, request: Mapping[str, Any]) -> dict[str, Any]:
        payment = next(
            (
                p
                for p in self.momo_payments.values()
                if p.trans_id is not None and str(p.trans_id) == str(request["transId"])
            ),
            None,
        )
        trans_id = request["transId"]
        if payment is None or payment.status != "paid":
            return self._momo_answer(
                request, 42, "Invalid transId or transaction not found", transId=trans_id
            )
        if str(request["orderId"]) in self.momo_refund_order_ids or any(
            p.request["orderId"] == request["orderId"] for p in self.momo_payments.values()
        ):
            return self._momo_answer(request, 41, "Duplicate orderId", transId=trans_id)
        remaining = int(payment.request["amount"]) - payment.refunded_amount
        if remaining <= 0:
            return self._momo_answer(
                request,
                1081,
                "Refund rejected: the transaction is already refunded",
                transId=trans_id,
            )
        if not 0 < request["amount"] <= remaining:
            return self._momo_answer(
                request,
                1002,
                f"Refund rejected: amount over the refundable {remaining}",
                transId=trans_id,
            )
        payment.refunded_amount += request["amount"]
        self.momo_refund_order_ids.add(str(request["orderId"]))
        refund_id = next(self._momo_numbers)
        log.info("momo refund orderId=%s transId=%s", payment.request["orderId"], trans_id)
        return self._momo_answer(request, 0, "Thành công.", transId=refund_id)


def _vnpay_ipn_answer(status: int, body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "RspCode" in answer:
        return f"RspCode {answer.get('RspCode')} {answer.get('Message', '')}".strip()
    return _answer_text(status, body)


# ------------------------------------------------------------------------------ serving
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxBankServer

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(_error_page(400, "Độ dài nội dung không hợp lệ.", "Bad Content-Length."))
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        if path == PREFIX or path.startswith(PREFIX + "/"):
            reply = self.server.bank.handle(self.command, path, query, headers, body)
        else:
            reply = _error_page(404, "Không có trang này.", "There is nothing at this address.")
        self._send(reply)

    def _send(self, reply: Response) -> None:
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the access line would carry query strings, and their signatures


class SandboxBankServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, bank: SandboxBank, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.bank = bank
        self.thread: threading.Thread | None = None


def serve(
    bank: SandboxBank, host: str = "127.0.0.1", port: int = 0
) -> tuple[SandboxBankServer, str]:
    """Serve ``bank`` on its own port, on a daemon thread: (server, base URL). Unless the bank
    was given a ``public_base_url``, its MoMo pay pages are served from here."""
    server = SandboxBankServer(bank, host, port)
    base_url = f"http://{host}:{server.server_address[1]}"
    if bank.public_base_url is None:
        bank.public_base_url = base_url
    server.thread = threading.Thread(target=server.serve_forever, name="sandbox-bank")
    server.thread.daemon = True
    server.thread.start()
    return server, base_url


def stop(server: SandboxBankServer) -> None:
    server.shutdown()
    if server.thread is not None:
        server.thread.join(5)
    server.server_close()

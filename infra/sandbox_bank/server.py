"""The bank as one thing to serve: :class:`SandboxBank` joins the two desks, owns their state
and routes a request to them, transport-free, so that the local gateway can serve it on the
portal's port; :func:`serve` and :func:`stop` run it on a port of its own instead.
"""

from __future__ import annotations

import html
import itertools
import secrets
import threading
import traceback
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.sandbox_bank.base import log
from infra.sandbox_bank.merchant import DEFAULT_MERCHANT_NAME
from infra.sandbox_bank.momo import MomoDesk, MomoProfile
from infra.sandbox_bank.pages import details, error_page, html_response, vnd
from infra.sandbox_bank.transport import (
    PREFIX,
    HttpGet,
    HttpPost,
    Response,
    urllib_get,
    urllib_post,
)
from infra.sandbox_bank.vnpay import VnpayDesk, VnpayProfile

MAX_BODY_BYTES = 1024 * 1024


def _safe_trace(error: BaseException) -> str:
    """Where an error happened, without its message (which could quote a secret)."""
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames)
    )
    return f"{type(error).__name__} at {where}"


# ------------------------------------------------------------------------------ the bank
class SandboxBank(VnpayDesk, MomoDesk):
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
                str(vnpay_profile["tmn_code"]),
                str(vnpay_profile["hash_secret"]),
                str(vnpay_profile.get("merchant_name") or DEFAULT_MERCHANT_NAME),
            )
            self.momo = MomoProfile(
                str(momo_profile["partner_code"]),
                str(momo_profile["access_key"]),
                str(momo_profile["secret_key"]),
                str(momo_profile.get("merchant_name") or DEFAULT_MERCHANT_NAME),
            )
        except KeyError as missing:
            raise ValueError(f"merchant profile without {missing}") from None
        self.http_post = http_post
        self.http_get = http_get
        self._lock = threading.Lock()
        # 8-digit transaction numbers, unique in this process; MoMo's transIds likewise.
        self._numbers = itertools.count(10_000_000 + secrets.randbelow(40_000_000))
        self._momo_numbers = itertools.count(4_000_000_000 + secrets.randbelow(10**8))
        self.vnpay_transactions = {}
        self._vnpay_presses = {}
        self._vnpay_refunds = {}
        self.momo_payments = {}
        self._momo_creates = {}
        self._momo_refunds = {}
        self.momo_refund_order_ids = set()

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
            return error_page(
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
            return error_page(404, "Không có trang này.", "There is nothing at this address.")
        action = methods.get(method)
        if action is None:
            status, headers, page = error_page(
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
                    vnd(int(t.amount) // 100) if t.amount.isdigit() else t.amount,
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
                    vnd(int(p.request["amount"])),
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
            + details(
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
        return html_response(200, "Sandbox bank", body)


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
            self._send(error_page(400, "Độ dài nội dung không hợp lệ.", "Bad Content-Length."))
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        if path == PREFIX or path.startswith(PREFIX + "/"):
            reply = self.server.bank.handle(self.command, path, query, headers, body)
        else:
            reply = error_page(404, "Không có trang này.", "There is nothing at this address.")
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

"""MoMo v2 (captureWallet) as the bank sees it: ``create`` answering a ``payUrl``, the pay
page behind it, the IPN and redirect after Pay or Cancel, and ``refund``. It signs and
checks with :mod:`infra.sandbox_bank.signing`, written from MoMo's published rules and not
shared with ``services.payments``, so that a mistake in the portal's signing is refused here
as the real MoMo would refuse it.
"""

from __future__ import annotations

import html
import itertools
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from infra.sandbox_bank.base import BankBase, log
from infra.sandbox_bank.merchant import DEFAULT_MERCHANT_NAME, purchase
from infra.sandbox_bank.pages import (
    details,
    error_page,
    html_response,
    pay_form,
    purchase_rows,
    vnd,
)
from infra.sandbox_bank.signing import (
    MOMO_CREATE_FIELDS,
    MOMO_IPN_FIELDS,
    MOMO_REFUND_FIELDS,
    momo_sign,
    same_hash,
)
from infra.sandbox_bank.transport import (
    HTTP_TIMEOUT_SECONDS,
    PREFIX,
    Response,
    answer_text,
    json_response,
    redirect,
    with_query,
)

MOMO_MIN_AMOUNT = 1_000
MOMO_MAX_AMOUNT = 50_000_000


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class MomoProfile:
    partner_code: str
    access_key: str
    secret_key: str = field(repr=False)
    merchant_name: str = DEFAULT_MERCHANT_NAME


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


class MomoDesk(BankBase):
    """The MoMo side of :class:`~infra.sandbox_bank.server.SandboxBank`."""

    momo: MomoProfile
    _momo_numbers: itertools.count[int]
    momo_payments: dict[str, MomoPayment]
    _momo_creates: dict[str, tuple[str, dict[str, Any]]]
    _momo_refunds: dict[str, tuple[str, dict[str, Any]]]
    momo_refund_order_ids: set[str]

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
            return json_response(400, self._momo_answer({}, 20, "Bad format request: not JSON"))
        missing = [name for name in required if request.get(name) in (None, "")]
        if missing or not isinstance(request.get("amount"), int):
            detail = ", ".join(missing) if missing else "amount must be an integer"
            return json_response(
                200, self._momo_answer(request, 20, f"Bad format request: {detail}")
            )
        if request["partnerCode"] != self.momo.partner_code or request.get(
            "accessKey", self.momo.access_key
        ) != (self.momo.access_key):
            return json_response(
                200, self._momo_answer(request, 13, "Merchant authentication failed")
            )
        signed = {**request, "accessKey": self.momo.access_key}
        expected = momo_sign(self.momo.secret_key, signed, names)
        if not same_hash(expected, request.get("signature")):
            return json_response(
                200, self._momo_answer(request, 11, "Access denied: invalid signature")
            )
        return request

    def _momo_create(self, body: bytes) -> Response:
        required = tuple(n for n in MOMO_CREATE_FIELDS if n not in ("accessKey", "extraData"))
        request = self._momo_json(body, (*required, "signature"), MOMO_CREATE_FIELDS)
        if not isinstance(request, dict):
            return request
        if request["requestType"] != "captureWallet":
            return json_response(
                200, self._momo_answer(request, 20, "Bad format request: only captureWallet")
            )
        if not MOMO_MIN_AMOUNT <= request["amount"] <= MOMO_MAX_AMOUNT:
            return json_response(
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
                    return json_response(200, seen[1])
                return json_response(200, self._momo_answer(request, 40, "Duplicate requestId"))
            if any(p.request["orderId"] == request["orderId"] for p in self.momo_payments.values()):
                return json_response(200, self._momo_answer(request, 41, "Duplicate orderId"))
            token = secrets.token_urlsafe(18)
            self.momo_payments[token] = MomoPayment(token, dict(request))
            answer = self._momo_answer(
                request,
                0,
                "Thành công." if request.get("lang") != "en" else "Successful.",
                payUrl=f"{self.bank_base_url}{PREFIX}/momo/pay?t={token}",
            )
            self._momo_creates[request["requestId"]] = (fingerprint, answer)
        return json_response(200, answer)

    def _momo_payment(self, token: str) -> MomoPayment | Response:
        with self._lock:
            payment = self.momo_payments.get(token)
        if payment is None:
            return error_page(404, "Không tìm thấy giao dịch.", "No such payment.", kind="momo")
        return payment

    def _momo_pay_page(self, query: str) -> Response:
        payment = self._momo_payment(dict(parse_qsl(query)).get("t", ""))
        if not isinstance(payment, MomoPayment):
            return payment
        request = payment.request
        if payment.status != "pending":
            return html_response(
                200,
                "MoMo",
                '<div class="bank">MoMo · Sandbox bank</div><h1>Giao dịch đã được xử lý '
                "<span class=en>/ Already processed</span></h1>"
                f'<p><a href="{html.escape(payment.redirect)}">Quay lại / Back to the merchant'
                "</a></p>",
                kind="momo",
            )
        bought = purchase(str(request["orderInfo"]), self.portal_base_url, self.http_get)
        body = (
            '<div class="bank">MoMo · Ví thử nghiệm / Sandbox wallet</div>'
            "<h1>Thanh toán bằng ví MoMo <span class=en>/ Pay with MoMo</span></h1>"
            + details(
                [
                    (
                        "Số tiền / Amount",
                        f'<span class="amount">{html.escape(vnd(int(request["amount"])))}</span>',
                    ),
                    *purchase_rows(self.momo.merchant_name, bought.procedure, bought.agency),
                    ("Nội dung / Order info", html.escape(str(request["orderInfo"]))),
                    ("Mã đơn hàng / Order id", html.escape(str(request["orderId"]))),
                    ("Đối tác / Partner", html.escape(self.momo.partner_code)),
                ]
            )
            + pay_form(f"{PREFIX}/momo/pay", {"t": payment.token})
            + '<p class="note">Không có tiền thật nào được chuyển. '
            "No real money moves: this is the local sandbox bank.</p>"
        )
        return html_response(200, "MoMo – Thanh toán / Payment", body, kind="momo")

    def _momo_press(self, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = form.get("action")
        if action not in ("pay", "cancel"):
            return error_page(
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
                return redirect(payment.redirect)
            return error_page(
                409, "Giao dịch đang được xử lý.", "This payment is being processed.", kind="momo"
            )
        try:
            payment.redirect = self._momo_complete(payment, paid=action == "pay")
        finally:
            payment.done.set()
        return redirect(payment.redirect)

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
            payment.portal_answer = answer_text(status, answer)
        log.info(
            "momo %s orderId=%s transId=%s portal answered %s",
            payment.status,
            request["orderId"],
            payment.trans_id,
            payment.portal_answer,
        )
        return with_query(str(request["redirectUrl"]), ipn)

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
                    return json_response(200, seen[1])
                return json_response(200, self._momo_answer(request, 40, "Duplicate requestId"))
            answer = self._momo_refund_locked(request)
            self._momo_refunds[request["requestId"]] = (fingerprint, answer)
        return json_response(200, answer)

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

"""VNPAY 2.1.0 as the bank sees it: the pay page the portal's ``pay_url`` leads to, the IPN
and return redirect after Pay or Cancel, and the ``merchant_webapi`` refund. It signs and
checks with :mod:`infra.sandbox_bank.signing`, written from VNPAY's published rules and not
shared with ``services.payments``, so that a mistake in the portal's signing is refused here
as the real bank would refuse it.
"""

from __future__ import annotations

import html
import itertools
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    VNPAY_REFUND_REQUEST_FIELDS,
    VNPAY_REFUND_RESPONSE_FIELDS,
    same_hash,
    vnpay_notice,
    vnpay_pipe_hash,
    vnpay_sign,
    vnpay_time,
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
from services.core.clock import VIETNAM_TZ

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


@dataclass(frozen=True, slots=True)
class VnpayProfile:
    tmn_code: str
    hash_secret: str = field(repr=False)
    merchant_name: str = DEFAULT_MERCHANT_NAME


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
class _Completion:
    """A pay button pressed once: a second press waits for, then repeats, the first."""

    done: threading.Event = field(default_factory=threading.Event)
    redirect: str = ""


class VnpayDesk(BankBase):
    """The VNPAY side of :class:`~infra.sandbox_bank.server.SandboxBank`."""

    vnpay: VnpayProfile
    _numbers: itertools.count[int]
    vnpay_transactions: dict[str, VnpayTransaction]
    _vnpay_presses: dict[str, _Completion]
    _vnpay_refunds: dict[str, tuple[str, dict[str, str]]]

    # -- VNPAY pay page ----------------------------------------------------------------------
    def _vnpay_request(self, query: str) -> dict[str, str] | Response:
        """The signed pay request in ``query``, or the error page the bank shows."""
        pairs = parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        if not params or len(params) != len(pairs):
            return error_page(
                400,
                "Dữ liệu gửi sang không đúng định dạng.",
                "The request is malformed (no parameters, or one given twice).",
                kind="vnpay",
            )
        expected = vnpay_sign(self.vnpay.hash_secret, params)
        if not same_hash(expected, params.get("vnp_SecureHash")):
            return error_page(
                400,
                "Sai chữ ký (vnp_SecureHash).",
                "Invalid signature: vnp_SecureHash is not the HMAC-SHA512 of the sorted, "
                "form-encoded vnp_* parameters under this terminal's hash secret.",
                kind="vnpay",
            )
        if params.get("vnp_TmnCode") != self.vnpay.tmn_code:
            return error_page(
                400,
                "Không tìm thấy website (vnp_TmnCode).",
                "Unknown terminal (vnp_TmnCode).",
                kind="vnpay",
            )
        missing = [name for name in VNPAY_PAY_REQUIRED if not params.get(name)]
        if missing:
            return error_page(
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
            return error_page(
                400,
                "Dữ liệu gửi sang không đúng định dạng.",
                "vnp_Version must be 2.1.0, vnp_Command pay, vnp_CurrCode VND and vnp_Amount "
                "a positive whole number (VND x 100).",
                kind="vnpay",
            )
        expires = params.get("vnp_ExpireDate")
        if expires:
            try:
                deadline = datetime.strptime(expires, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
            except ValueError:
                return error_page(
                    400,
                    "vnp_ExpireDate không hợp lệ.",
                    "vnp_ExpireDate must be yyyyMMddHHmmss (GMT+7).",
                    kind="vnpay",
                )
            if deadline < datetime.now(VIETNAM_TZ):
                return error_page(
                    400,
                    "Giao dịch đã quá thời gian chờ thanh toán.",
                    f"The payment has expired (vnp_ExpireDate {expires} GMT+7; now "
                    f"{vnpay_time(datetime.now(VIETNAM_TZ))} GMT+7).",
                    kind="vnpay",
                )
        return params

    def _vnpay_pay_page(self, query: str) -> Response:
        params = self._vnpay_request(query)
        if not isinstance(params, dict):
            return params
        amount = int(params["vnp_Amount"])
        shown = vnd(amount // 100) if amount % 100 == 0 else f"{amount / 100:,.2f}\u00a0₫"
        bought = purchase(params["vnp_OrderInfo"], self.portal_base_url, self.http_get)
        body = (
            '<div class="bank">VNPAY · Ngân hàng thử nghiệm / Sandbox bank</div>'
            "<h1>Thanh toán trực tuyến <span class=en>/ Online payment</span></h1>"
            + details(
                [
                    ("Số tiền / Amount", f'<span class="amount">{html.escape(shown)}</span>'),
                    *purchase_rows(self.vnpay.merchant_name, bought.procedure, bought.agency),
                    ("Nội dung / Order info", html.escape(params["vnp_OrderInfo"])),
                    ("Mã đơn hàng / Order ref", html.escape(params["vnp_TxnRef"])),
                    ("Mã website / Terminal", html.escape(self.vnpay.tmn_code)),
                    ("Thẻ / Card", "NCB 9704198526191432198 (thử nghiệm / test)"),
                ]
            )
            + pay_form(f"{PREFIX}/vnpay/pay", {"q": query})
            + '<p class="note">Không có tiền thật nào được chuyển. '
            "No real money moves: this is the local sandbox bank.</p>"
        )
        return html_response(200, "VNPAY – Thanh toán / Payment", body, kind="vnpay")

    def _vnpay_press(self, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = form.get("action")
        if action not in ("pay", "cancel"):
            return error_page(
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
                return redirect(completion.redirect)
            return error_page(
                409, "Giao dịch đang được xử lý.", "This payment is being processed.", kind="vnpay"
            )
        try:
            completion.redirect = self._vnpay_complete(params, paid=action == "pay")
        finally:
            completion.done.set()
        return redirect(completion.redirect)

    def _vnpay_complete(self, request: Mapping[str, str], *, paid: bool) -> str:
        number = f"{next(self._numbers):08d}"
        notification = vnpay_notice(
            tmn_code=self.vnpay.tmn_code,
            hash_secret=self.vnpay.hash_secret,
            txn_ref=request["vnp_TxnRef"],
            amount=request["vnp_Amount"],
            transaction_no=number,
            paid_at=datetime.now(VIETNAM_TZ),
            order_info=request["vnp_OrderInfo"],
            response_code="00" if paid else "24",
            transaction_status="00" if paid else "02",
        )
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
        ipn = with_query(f"{self.portal_base_url}/payments/callbacks/vnpay/ipn", notification)
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
        return with_query(request["vnp_ReturnUrl"], notification)

    # -- VNPAY merchant_webapi ---------------------------------------------------------------
    def _vnpay_api(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict) or not all(
            isinstance(request.get(name), str) for name in VNPAY_REFUND_REQUEST_FIELDS
        ):
            return json_response(200, self._vnpay_api_answer({}, "99", "Invalid request format"))
        fields: dict[str, str] = {name: request[name] for name in VNPAY_REFUND_REQUEST_FIELDS}
        expected = vnpay_pipe_hash(self.vnpay.hash_secret, fields, VNPAY_REFUND_REQUEST_FIELDS)
        if not same_hash(expected, request.get("vnp_SecureHash")):
            return json_response(200, self._vnpay_api_answer(fields, "97", "Invalid Checksum"))
        if fields["vnp_Command"] != "refund" or fields["vnp_TransactionType"] != "02":
            return json_response(
                200,
                self._vnpay_api_answer(
                    fields, "99", "Only vnp_Command refund, vnp_TransactionType 02 (full)"
                ),
            )
        if fields["vnp_TmnCode"] != self.vnpay.tmn_code:
            return json_response(200, self._vnpay_api_answer(fields, "99", "Unknown vnp_TmnCode"))
        fingerprint = json.dumps(fields, sort_keys=True)
        with self._lock:
            seen = self._vnpay_refunds.get(fields["vnp_RequestId"])
            if seen is not None:
                if seen[0] == fingerprint:  # the same request again: the same answer
                    return json_response(200, seen[1])
                return json_response(
                    200,
                    self._vnpay_api_answer(fields, "94", "Duplicate request (vnp_RequestId)"),
                )
            answer = self._vnpay_refund(fields)
            self._vnpay_refunds[fields["vnp_RequestId"]] = (fingerprint, answer)
        return json_response(200, answer)

    def _vnpay_refund(self, fields: Mapping[str, str]) -> dict[str, str]:
        """Under the lock."""
        transaction = self.vnpay_transactions.get(fields["vnp_TransactionNo"])
        if transaction is None or transaction.txn_ref != fields["vnp_TxnRef"]:
            return self._vnpay_api_answer(fields, "91", "Transaction not found")
        if transaction.status != "paid":
            return self._vnpay_api_answer(fields, "95", "Transaction was not successful")
        if transaction.refunded:
            # VNPAY's 94: a refund of this transaction was already requested.
            return self._vnpay_api_answer(fields, "94", "Refund already requested")
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


def _vnpay_ipn_answer(status: int, body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "RspCode" in answer:
        return f"RspCode {answer.get('RspCode')} {answer.get('Message', '')}".strip()
    return answer_text(status, body)

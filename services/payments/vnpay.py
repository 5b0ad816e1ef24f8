"""VNPAY 2.1.0: the payment URL the citizen is sent to, the signature on what comes back,
and the refund request of its merchant API. Pure functions, no I/O.

The signed text is every ``vnp_*`` parameter except the hash itself, sorted by name, each
part encoded exactly as PHP's ``urlencode`` encodes it (VNPAY's own sample code signs with
it) and joined as ``key=value`` with ``&``; the signature is the hex HMAC-SHA512 of that
text keyed with the merchant's hash secret.

>>> params = {"vnp_TxnRef": "A1", "vnp_Amount": "1000000", "vnp_OrderInfo": "Le phi A~1"}
>>> canonical(params)
'vnp_Amount=1000000&vnp_OrderInfo=Le+phi+A%7E1&vnp_TxnRef=A1'
>>> verify({**params, "vnp_SecureHash": sign(params, "secret")}, "secret")
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime

from services.core.clock import VIETNAM_TZ
from services.core.text import ascii_text

VERSION = "2.1.0"
_UNSIGNED = {"vnp_SecureHash", "vnp_SecureHashType"}
ORDER_TYPE = "billpayment"  # VNPAY's category for bills and public fees
PAID = ("00", "00")  # (vnp_ResponseCode, vnp_TransactionStatus) of a successful payment
CANCELLED_BY_PAYER = "24"  # vnp_ResponseCode: "Khách hàng hủy giao dịch" (VNPAY's table)


# What PHP's urlencode leaves as it is; every other byte of the UTF-8 text is %XX, upper
# case, and a space is "+". Python's quote_plus also keeps "~" (RFC 3986 unreserved),
# which PHP encodes as %7E: a notice holding a "~" would then never verify.
_URLENCODE_KEEPS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def php_urlencode(text: str) -> str:
    """``text`` as PHP's ``urlencode`` writes it.

    >>> php_urlencode("Lệ phí ~ 1/2")
    'L%E1%BB%87+ph%C3%AD+%7E+1%2F2'
    """
    return "".join(
        chr(byte) if byte in _URLENCODE_KEEPS else "+" if byte == 0x20 else f"%{byte:02X}"
        for byte in text.encode("utf-8")
    )


def canonical(params: Mapping[str, str]) -> str:
    signed = sorted(
        (k, v) for k, v in params.items() if k.startswith("vnp_") and k not in _UNSIGNED
    )
    return "&".join(f"{php_urlencode(k)}={php_urlencode(str(v))}" for k, v in signed)


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha512).hexdigest()


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether ``vnp_SecureHash`` is the merchant's signature; compared in constant time."""
    given = params.get("vnp_SecureHash", "")
    # Bytes, not str: compare_digest refuses non-ASCII text, and the hash is the caller's.
    return hmac.compare_digest(sign(params, secret).encode(), given.lower().encode())


def vnp_time(moment: datetime) -> str:
    """VNPAY's ``yyyyMMddHHmmss`` in GMT+7, whatever zone ``moment`` is in."""
    return moment.astimezone(VIETNAM_TZ).strftime("%Y%m%d%H%M%S")


_VNP_TIME = re.compile(r"[0-9]{14}", re.ASCII)
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def parse_vnp_time(text: str) -> datetime:
    """``yyyyMMddHHmmss`` in GMT+7, ASCII digits only; ValueError otherwise.

    ``strptime`` alone would read full-width (``２０２６…``) or Arabic-Indic digits too, as
    ``str.isdigit`` does: a bank never sends them, so a notice that does is malformed."""
    if not _VNP_TIME.fullmatch(text):
        raise ValueError("vnp time is yyyyMMddHHmmss in ASCII digits")
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)


def parse_amount(text: str) -> int | None:
    """``vnp_Amount`` (VND x 100) as a number of dong: ASCII digits and whole dong only.

    >>> parse_amount("15000000"), parse_amount("15000050"), parse_amount("１５００００００")
    (150000, None, None)
    """
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    amount = int(text)
    return amount // 100 if amount % 100 == 0 else None


# Kept in vnp_OrderInfo besides letters, digits and spaces: the marks of the national
# identifiers (1.002804, 000.00.00.H26, HS-01), which VNPAY's own examples carry.
_ORDER_INFO_MARKS = ".-_"


def order_info(text: str) -> str:
    """``vnp_OrderInfo``: VNPAY takes Vietnamese without diacritics and no special marks."""
    plain = "".join(
        c if c.isalnum() or c == " " or c in _ORDER_INFO_MARKS else " " for c in ascii_text(text)
    )
    return " ".join(plain.split())[:255]


def payment_url(
    *,
    base_url: str,
    tmn_code: str,
    secret: str,
    order_id: str,
    amount_vnd: int,
    description: str,
    return_url: str,
    client_ip: str,
    created_at: datetime,
    expires_at: datetime,
    locale: str = "vn",
) -> str:
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": order_id,
        "vnp_OrderInfo": order_info(description),
        "vnp_OrderType": ORDER_TYPE,
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip,
        "vnp_CreateDate": vnp_time(created_at),
        "vnp_ExpireDate": vnp_time(expires_at),
    }
    query = canonical(params)  # the URL carries exactly the text that is signed
    return f"{base_url}?{query}&vnp_SecureHash={sign(params, secret)}"


# -- the merchant API's refund ----------------------------------------------------------------
_REFUND_FIELDS = (
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
_REFUND_ANSWER_FIELDS = (
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


def _pipe_hash(values: Mapping[str, str], fields: tuple[str, ...], secret: str) -> str:
    text = "|".join(str(values.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def refund_request(
    *,
    tmn_code: str,
    secret: str,
    request_id: str,
    order_id: str,
    amount_vnd: int,
    transaction_no: str,
    paid_at: datetime,
    created_by: str,
    reason: str,
    client_ip: str,
    now: datetime,
) -> dict[str, str]:
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "refund",
        "vnp_TmnCode": tmn_code,
        "vnp_TransactionType": "02",  # a full refund
        "vnp_TxnRef": order_id,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionDate": vnp_time(paid_at),
        "vnp_CreateBy": created_by,
        "vnp_CreateDate": vnp_time(now),
        "vnp_IpAddr": client_ip,
        "vnp_OrderInfo": order_info(reason),
    }
    body["vnp_SecureHash"] = _pipe_hash(body, _REFUND_FIELDS, secret)
    return body


def refund_answer_is_genuine(answer: Mapping[str, str], secret: str) -> bool:
    expected = _pipe_hash(answer, _REFUND_ANSWER_FIELDS, secret)
    given = str(answer.get("vnp_SecureHash", "")).lower()
    return hmac.compare_digest(expected.encode(), given.encode())

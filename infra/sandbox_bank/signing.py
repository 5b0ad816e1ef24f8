"""How VNPAY and MoMo sign, written from their published rules for the bank's side: the
standard library only (and Vietnam's zone from core), never ``services.payments``.

The bank's desks sign and check with it, and so do the tests and benchmarks that play the
bank, so that the portal's own signer is always held to one written independently of it.

>>> vnpay_hash_data({"vnp_b": "a b~", "vnp_a": "1", "vnp_SecureHash": "x"})
'vnp_a=1&vnp_b=a+b%7E'
>>> momo_raw({"amount": 1000, "orderId": "A1", "extraData": None}, ("amount", "extraData"))
'amount=1000&extraData='
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.core.clock import VIETNAM_TZ

# -- VNPAY 2.1.0 ------------------------------------------------------------------------------
VNPAY_UNSIGNED = ("vnp_SecureHash", "vnp_SecureHashType")
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


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def same_hash(expected: str, given: object) -> bool:
    """Whether ``given`` is the hex signature ``expected`` (any case), in constant time."""
    return isinstance(given, str) and hmac.compare_digest(expected, given.strip().lower())


# PHP's urlencode, as documented: "all non-alphanumeric characters except -_. have been
# replaced with a percent (%) sign followed by two hex digits and spaces encoded as plus
# (+) signs". It works on bytes: a Vietnamese letter is its UTF-8 bytes, each %XX.
_PHP_URLENCODED = re.compile(rb"[^A-Za-z0-9_.\- ]")


def php_urlencode(text: str) -> str:
    """``urlencode($text)`` as PHP (VNPAY's sample code) computes it.

    >>> php_urlencode("a b~*đ")
    'a+b%7E%2A%C4%91'
    """
    encoded = _PHP_URLENCODED.sub(lambda byte: b"%%%02X" % byte[0][0], text.encode("utf-8"))
    return encoded.replace(b" ", b"+").decode("ascii")


def vnpay_hash_data(params: Mapping[str, str]) -> str:
    """VNPAY 2.1.0: the ``vnp_*`` parameters but the hash itself, sorted by name, each key
    and value encoded by PHP's ``urlencode`` (VNPAY's sample code signs with it),
    ``k=v`` by ``&``."""
    return "&".join(
        f"{php_urlencode(key)}={php_urlencode(value)}"
        for key, value in sorted(params.items())
        if key.startswith("vnp_") and key not in VNPAY_UNSIGNED
    )


def vnpay_sign(secret: str, params: Mapping[str, str]) -> str:
    return hmac_sha512(secret, vnpay_hash_data(params))


def vnpay_pipe_hash(secret: str, values: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """``merchant_webapi``: the named values, in that order, joined with ``|``."""
    return hmac_sha512(secret, "|".join(str(values.get(name, "")) for name in names))


def vnpay_time(moment: datetime) -> str:
    """VNPAY's ``yyyyMMddHHmmss``, in GMT+7."""
    return moment.astimezone(VIETNAM_TZ).strftime("%Y%m%d%H%M%S")


def vnpay_notice(
    *,
    tmn_code: str,
    hash_secret: str,
    txn_ref: str,
    amount: str,
    transaction_no: str,
    paid_at: datetime,
    order_info: str = "Le phi ho so",
    response_code: str = "00",
    transaction_status: str = "00",
) -> dict[str, str]:
    """The signed IPN parameters VNPAY sends for a payment: ``amount`` is ``vnp_Amount``
    (VND x 100, as the pay request had it); both codes ``00`` for a payment, ``24`` and
    ``02`` for one the citizen cancelled."""
    notice = {
        "vnp_Amount": amount,
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{transaction_no}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": order_info,
        "vnp_PayDate": vnpay_time(paid_at),
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": tmn_code,
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionStatus": transaction_status,
        "vnp_TxnRef": txn_ref,
    }
    notice["vnp_SecureHash"] = vnpay_sign(hash_secret, notice)
    return notice


# -- MoMo v2 ----------------------------------------------------------------------------------
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


def hmac_sha256(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha256).hexdigest()


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

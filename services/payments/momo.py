"""MoMo's v2 payment gateway: the create request, the IPN signature and the refund request.
Pure functions, no I/O.

MoMo signs ``key=value`` pairs joined with ``&`` in a fixed order per message, values raw
(not encoded), with hex HMAC-SHA256 keyed with the partner's secret key.

>>> ipn = {"partnerCode": "P", "orderId": "A1", "requestId": "A1", "amount": 1000,
...        "orderInfo": "x", "orderType": "momo_wallet", "transId": 1, "resultCode": 0,
...        "message": "ok", "payType": "qr", "responseTime": 1, "extraData": ""}
>>> ipn_is_genuine({**ipn, "signature": sign_ipn(ipn, "ak", "sk")}, "ak", "sk")
True
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

SUCCESS = 0
AUTHORIZED = 9000  # authorised but not captured: not a payment yet for a fee
USER_DENIED = 1006
"""MoMo's "Transaction failed because user has denied to confirm the payment": the citizen
cancelled (MoMo's list of result codes, developers.momo.vn/v3/docs/payment/api/
result-handling/resultcode/). Every other code but 0 is a failure at MoMo's side."""

_CREATE_FIELDS = (
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
IPN_FIELDS = (
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
_REFUND_FIELDS = (
    "accessKey",
    "amount",
    "description",
    "orderId",
    "partnerCode",
    "requestId",
    "transId",
)


def whole_number(value: Any) -> int | None:
    """A number of a MoMo notice as MoMo sends it: a JSON integer, not negative. Text is no
    number here, whatever its digits (``"150000"``, ``"１５００００"``).

    >>> whole_number(150000), whole_number("150000"), whole_number(-1), whole_number(True)
    (150000, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= 0 else None


def number_in_text(value: Any) -> int | None:
    """A number of MoMo's return URL, where every field comes back as text: ASCII digits
    only (``str.isdigit`` alone would take ``"１００６"``).

    >>> number_in_text("1006"), number_in_text("１００６"), number_in_text(0)
    (1006, None, 0)
    """
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() else None
    return whole_number(value)


def _sign(values: Mapping[str, Any], fields: tuple[str, ...], secret_key: str) -> str:
    text = "&".join(f"{name}={'' if values.get(name) is None else values[name]}" for name in fields)
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def sign_ipn(ipn: Mapping[str, Any], access_key: str, secret_key: str) -> str:
    return _sign({**ipn, "accessKey": access_key}, IPN_FIELDS, secret_key)


def ipn_is_genuine(ipn: Mapping[str, Any], access_key: str, secret_key: str) -> bool:
    """Whether ``signature`` is MoMo's, compared in constant time."""
    given = str(ipn.get("signature", ""))
    expected = sign_ipn(ipn, access_key, secret_key)
    return hmac.compare_digest(expected.encode(), given.lower().encode())


def create_request(
    *,
    partner_code: str,
    access_key: str,
    secret_key: str,
    order_id: str,
    amount_vnd: int,
    order_info: str,
    redirect_url: str,
    ipn_url: str,
    lang: str = "vi",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerCode": partner_code,
        "accessKey": access_key,
        "requestId": order_id,
        "amount": amount_vnd,
        "orderId": order_id,
        "orderInfo": order_info,
        "redirectUrl": redirect_url,
        "ipnUrl": ipn_url,
        "requestType": "captureWallet",
        "extraData": "",
        "lang": lang,
    }
    body["signature"] = _sign(body, _CREATE_FIELDS, secret_key)
    return body


def refund_request(
    *,
    partner_code: str,
    access_key: str,
    secret_key: str,
    request_id: str,
    amount_vnd: int,
    trans_id: str,
    description: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partnerCode": partner_code,
        "accessKey": access_key,
        "orderId": request_id,  # MoMo wants a new order id per refund
        "requestId": request_id,
        "amount": amount_vnd,
        "transId": trans_id,
        "lang": "vi",
        "description": description,
    }
    body["signature"] = _sign(body, _REFUND_FIELDS, secret_key)
    return body

"""The provider boundary: everything that differs between VNPAY and MoMo lives behind
:class:`PaymentProvider`; the rest of the service speaks only of orders and notices.

Merchant profiles (terminal codes, secrets, endpoints) are secrets
``<PAYMENT_PROVIDER_SECRETS>/<provider>``, read through Powertools Parameters and cached
for five minutes, so a rotated secret reaches every container within that time.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from services.core import clock
from services.core.settings import get_settings
from services.payments import momo, vnpay
from services.payments.domain import BankVerdict, Notice, Order, Provider

PROFILE_MAX_AGE_SECONDS = 300
PROVIDER_TIMEOUT_SECONDS = 10


class ProviderError(Exception):
    """The provider did not confirm; nothing was changed at the provider's side we know of."""


def profile(provider: Provider) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    name = f"{get_settings().provider_secret_prefix}/{provider}"
    value = parameters.get_secret(name, transform="json", max_age=PROFILE_MAX_AGE_SECONDS)
    assert isinstance(value, dict)
    return value


def accepted_secrets(merchant: Mapping[str, Any], key: str) -> list[str]:
    """The secrets a provider's signature may be made with: the current one and, while a
    rotation settles, the one before it (``<key>_previous``). What the portal signs uses
    the current one only. See docs/operations.md, "Rotate a bank secret"."""
    previous = merchant.get(f"{key}_previous")
    return [merchant[key], previous] if previous else [merchant[key]]


def _post_json(url: str, body: Mapping[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's profile
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=PROVIDER_TIMEOUT_SECONDS) as reply:  # noqa: S310
            answer = json.loads(reply.read())
    except (OSError, ValueError) as error:
        raise ProviderError("the provider could not be reached") from error
    if not isinstance(answer, dict):
        raise ProviderError("the provider answered nonsense")
    return answer


@dataclass(frozen=True, slots=True)
class Refund:
    request_id: str
    confirmed: bool


class PaymentProvider(Protocol):
    """One provider, as the service meets it. ``fields`` are what the provider sends: the
    parameters of its notice, or the query its return URL brings the citizen back with."""

    name: Provider

    def payment_url(self, order: Order, *, description: str, client_ip: str) -> str: ...

    def verify(self, fields: Mapping[str, Any]) -> bool:
        """Whether the provider signed ``fields``, under one of the merchant's secrets."""
        ...

    def order_id(self, fields: Mapping[str, Any]) -> str | None:
        """The order id ``fields`` name, as sent: not yet checked, not yet verified."""
        ...

    def notice(self, fields: Mapping[str, Any]) -> Notice:
        """The notice in the portal's terms; ValueError when a field the checks need is
        malformed. Amounts and times are read from ASCII digits only: an amount in any
        other digits is no amount (the order's is then never matched), a time is an
        error."""
        ...

    def verdict(self, fields: Mapping[str, Any]) -> BankVerdict | None:
        """What ``fields`` (a notice, or the return URL's query) say happened: paid,
        cancelled by the payer, or failed; None when they say nothing readable."""
        ...

    def vouched(self, fields: Mapping[str, Any]) -> dict[str, str]:
        """The fields the signature covers, with the signature: what a link made from a
        verified return may carry on (anything else in the query, anyone could add)."""
        ...

    def refund(self, order: Order, *, reason: str, operator: str, client_ip: str) -> Refund: ...


class Vnpay:
    name: Provider = "vnpay"

    def payment_url(self, order: Order, *, description: str, client_ip: str) -> str:
        merchant = profile("vnpay")
        return vnpay.payment_url(
            base_url=merchant["pay_url"],
            tmn_code=merchant["tmn_code"],
            secret=merchant["hash_secret"],
            order_id=order.order_id,
            amount_vnd=order.amount_vnd,
            description=description,
            return_url=get_settings().payment_return_url,
            client_ip=client_ip,
            created_at=order.created_at,
            expires_at=order.expires_at,
        )

    def verify(self, params: Mapping[str, str]) -> bool:
        merchant = profile("vnpay")
        return params.get("vnp_TmnCode") == merchant["tmn_code"] and any(
            vnpay.verify(params, secret) for secret in accepted_secrets(merchant, "hash_secret")
        )

    def order_id(self, params: Mapping[str, str]) -> str | None:
        return params.get("vnp_TxnRef")

    def notice(self, params: Mapping[str, str]) -> Notice:
        paid_at = params.get("vnp_PayDate")
        return Notice(
            provider="vnpay",
            order_id=params.get("vnp_TxnRef", ""),
            amount_vnd=vnpay.parse_amount(params.get("vnp_Amount", "")),
            succeeded=(params.get("vnp_ResponseCode"), params.get("vnp_TransactionStatus"))
            == vnpay.PAID,
            transaction_no=params.get("vnp_TransactionNo") or None,
            paid_at=vnpay.parse_vnp_time(paid_at).astimezone(UTC) if paid_at else None,
        )

    def verdict(self, params: Mapping[str, str]) -> BankVerdict | None:
        codes = (params.get("vnp_ResponseCode"), params.get("vnp_TransactionStatus"))
        if codes == vnpay.PAID:
            return "paid"
        if codes[0] == vnpay.CANCELLED_BY_PAYER:
            return "cancelled"
        return "failed" if codes[0] else None

    def vouched(self, params: Mapping[str, str]) -> dict[str, str]:
        return {k: str(v) for k, v in params.items() if k.startswith("vnp_")}

    def refund(self, order: Order, *, reason: str, operator: str, client_ip: str) -> Refund:
        merchant = profile("vnpay")
        assert order.bank_transaction_no is not None and order.paid_at is not None
        # A new id per attempt: VNPAY refuses a repeated id (94); a retry after a lost answer
        # is then told the order is already refunded (02), which confirms it.
        request_id = f"RF{order.order_id}{clock.now():%H%M%S}"
        answer = _post_json(
            merchant["api_url"],
            vnpay.refund_request(
                tmn_code=merchant["tmn_code"],
                secret=merchant["hash_secret"],
                request_id=request_id,
                order_id=order.order_id,
                amount_vnd=order.amount_vnd,
                transaction_no=order.bank_transaction_no,
                paid_at=order.paid_at,
                created_by=operator,
                reason=reason,
                client_ip=client_ip,
                now=clock.now(),
            ),
        )
        if not any(
            vnpay.refund_answer_is_genuine(answer, secret)
            for secret in accepted_secrets(merchant, "hash_secret")
        ):
            raise ProviderError("the provider's answer is not signed by it")
        # Only 00 is a refund, and only of this order and amount. 94 (a refund already
        # requested, still being processed) and every other code leave the order paid.
        confirmed = (
            answer.get("vnp_ResponseCode") == "00"
            and answer.get("vnp_TxnRef") == order.order_id
            and str(answer.get("vnp_Amount")) == str(order.amount_vnd * 100)
        )
        return Refund(request_id, confirmed)


class Momo:
    name: Provider = "momo"

    def payment_url(self, order: Order, *, description: str, client_ip: str) -> str:
        merchant = profile("momo")
        base = get_settings().payment_return_url.rsplit("/callbacks/", 1)[0]
        answer = _post_json(
            f"{merchant['api_url']}/create",
            momo.create_request(
                partner_code=merchant["partner_code"],
                access_key=merchant["access_key"],
                secret_key=merchant["secret_key"],
                order_id=order.order_id,
                amount_vnd=order.amount_vnd,
                order_info=vnpay.order_info(description),
                redirect_url=f"{base}/callbacks/momo/return",
                ipn_url=f"{base}/callbacks/momo/ipn",
            ),
        )
        if answer.get("resultCode") != momo.SUCCESS or not answer.get("payUrl"):
            raise ProviderError("MoMo refused the payment request")
        return str(answer["payUrl"])

    def verify(self, ipn: Mapping[str, Any]) -> bool:
        merchant = profile("momo")
        return ipn.get("partnerCode") == merchant["partner_code"] and any(
            momo.ipn_is_genuine(ipn, merchant["access_key"], secret)
            for secret in accepted_secrets(merchant, "secret_key")
        )

    def order_id(self, ipn: Mapping[str, Any]) -> str | None:
        given = ipn.get("orderId")
        return str(given) if given is not None else None

    def notice(self, ipn: Mapping[str, Any]) -> Notice:
        response_time = ipn.get("responseTime")
        milliseconds = momo.whole_number(response_time)
        if response_time is not None and milliseconds is None:
            raise ValueError("responseTime is a JSON integer of milliseconds")
        result = ipn.get("resultCode")
        if result is not None and momo.whole_number(result) is None:
            raise ValueError("resultCode is a JSON integer")  # not a failure: unreadable
        return Notice(
            provider="momo",
            order_id=str(ipn.get("orderId", "")),
            amount_vnd=momo.whole_number(ipn.get("amount")),
            succeeded=result == momo.SUCCESS,
            transaction_no=str(ipn["transId"]) if ipn.get("transId") is not None else None,
            paid_at=datetime.fromtimestamp(milliseconds / 1000, UTC)
            if milliseconds is not None
            else None,
        )

    def verdict(self, ipn: Mapping[str, Any]) -> BankVerdict | None:
        code = momo.number_in_text(ipn.get("resultCode"))
        if code is None:
            return None
        if code == momo.SUCCESS:
            return "paid"
        return "cancelled" if code == momo.USER_DENIED else "failed"

    def vouched(self, ipn: Mapping[str, Any]) -> dict[str, str]:
        signed = (*momo.IPN_FIELDS, "signature")
        return {k: "" if v is None else str(v) for k, v in ipn.items() if k in signed}

    def refund(self, order: Order, *, reason: str, operator: str, client_ip: str) -> Refund:
        merchant = profile("momo")
        assert order.bank_transaction_no is not None
        # A new id per attempt: MoMo refuses a repeated one.
        request_id = f"RF{order.order_id}{clock.now():%H%M%S}"
        answer = _post_json(
            f"{merchant['api_url']}/refund",
            momo.refund_request(
                partner_code=merchant["partner_code"],
                access_key=merchant["access_key"],
                secret_key=merchant["secret_key"],
                request_id=request_id,
                amount_vnd=order.amount_vnd,
                trans_id=order.bank_transaction_no,
                description=vnpay.order_info(reason),
            ),
        )
        return Refund(request_id, answer.get("resultCode") == momo.SUCCESS)


PROVIDERS: dict[Provider, PaymentProvider] = {"vnpay": Vnpay(), "momo": Momo()}

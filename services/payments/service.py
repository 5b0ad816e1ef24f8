"""Payments use cases: create an order, take a provider's notice, expire, refund.

Handlers in ``app.py`` translate HTTP to these calls and back; storage does the writes;
the decisions themselves are :mod:`services.payments.domain`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core import aws, observability
from services.core.auth import Principal, Role
from services.core.problems import FieldError, Problem, Text, conflict, invalid, not_found
from services.core.settings import get_settings
from services.payments import domain, storage
from services.payments.domain import Decision, Notice, Order, Provider
from services.payments.providers import PROVIDERS, Momo, ProviderError, Vnpay

log = observability.logger("payments")
metrics = observability.metrics("payments")

_NO_ORDER = Text("Không tìm thấy đơn thanh toán.", "There is no such payment order.")
_NOT_PAYABLE = Text(
    "Thủ tục chưa được công bố hoặc không thu phí.",
    "The procedure is not published or has no fee.",
)
_ALREADY_PAID = Text("Hồ sơ này đã được thanh toán.", "This dossier has already been paid.")
_BUSY = Text(
    "Hồ sơ đang được xử lý thanh toán, vui lòng thử lại.",
    "The dossier's payment is changing; try again.",
)
_NOT_REFUNDABLE = Text(
    "Chỉ hoàn tiền được đơn đã thanh toán.", "Only a paid order can be refunded."
)
_PROVIDER_DOWN = Text(
    "Ngân hàng chưa xác nhận, vui lòng thử lại sau.",
    "The payment provider did not confirm; try again later.",
)


def _now() -> datetime:
    return datetime.now(UTC)


# -- the catalogue, read-only ----------------------------------------------------------------
def _published_fees(procedure_code: str) -> tuple[int, str, str] | None:
    """(sum of fees, implementing agency, name) of a published procedure, read from the
    catalogue's table: the amount is never the caller's to say."""
    item = (
        aws.table(get_settings().catalogue_table)
        .get_item(Key={"pk": f"PROC#{procedure_code}", "sk": "CURRENT"}, ConsistentRead=True)
        .get("Item")
    )
    if not item or item.get("status") != "published":
        return None
    fees: list[dict[str, Any]] = list(item.get("fees") or [])  # type: ignore[arg-type]
    total = sum(int(fee.get("amount_vnd", 0)) for fee in fees)
    agencies: list[str] = list(item.get("agency_ids") or [])  # type: ignore[arg-type]
    if total <= 0 or not agencies:
        return None
    return total, str(agencies[0]), str(item.get("name", procedure_code))


# -- orders ----------------------------------------------------------------------------------
def create_order(
    procedure_code: str, dossier_code: str, provider: Provider, citizen: Principal, client_ip: str
) -> tuple[Order, bool]:
    """The dossier's pending order, new (True) or the one already waiting (False)."""
    fees = _published_fees(procedure_code)
    if fees is None:
        raise invalid([FieldError("procedure_code", "not published or has no fee")], _NOT_PAYABLE)
    amount, agency_id, name = fees
    owner = domain.owner_key(citizen.sub)
    now = _now()
    for _ in range(3):
        holder_id = storage.dossier_holder(dossier_code)
        holder = storage.load_order(holder_id) if holder_id else None
        if holder is not None and holder.status == "paid":
            raise conflict(_ALREADY_PAID)
        if holder is not None and holder.status == "pending":
            if holder.owner != owner:
                raise conflict(_BUSY)
            if not holder.is_overdue(now):
                return holder, False
            expire(holder, now)
            continue
        order = Order(
            order_id=domain.new_order_id(),
            procedure_code=procedure_code,
            dossier_code=dossier_code,
            provider=provider,
            amount_vnd=amount,
            agency_id=agency_id,
            owner=owner,
            status="pending",
            created_at=now,
            expires_at=now + timedelta(minutes=get_settings().order_ttl_minutes),
        )
        try:
            url = PROVIDERS[provider].payment_url(
                order,
                description=f"Le phi {procedure_code} ho so {dossier_code} {name}",
                client_ip=client_ip,
            )
        except ProviderError:
            raise Problem(502, _PROVIDER_DOWN) from None
        order = Order(**{**_fields(order), "pay_url": url})
        try:
            storage.create_order(order, replacing=holder_id)
        except storage.Conflict:
            continue  # another request for the dossier won; answer with its order
        metrics.add_metric(name="OrdersCreated", unit="Count", value=1)
        return order, True
    raise conflict(_BUSY)


def _fields(order: Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in order.__slots__}


def view_order(order_id: str, principal: Principal | None) -> Order:
    order = storage.load_order(order_id) if domain.is_order_id(order_id) else None
    if order is None:
        raise not_found(_NO_ORDER)
    if principal is None:
        raise not_found(_NO_ORDER)
    if Role.OPERATOR in principal.roles:
        return order
    if order.owner != domain.owner_key(principal.sub):
        raise not_found(_NO_ORDER)  # someone else's order does not exist for this caller
    return order


# -- notices ---------------------------------------------------------------------------------
def _settled_event(order: Order) -> dict[str, Any]:
    return {
        "type": "payment.settled",
        "order_id": order.order_id,
        "agency_id": order.agency_id,
        "procedure_code": order.procedure_code,
        "dossier_code": order.dossier_code,
        "amount_vnd": order.amount_vnd,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "bank_transaction_no": order.bank_transaction_no,
    }


def _keep(order_id: str | None, provider: str, fields: Mapping[str, Any], outcome: str) -> None:
    storage.keep_notice(storage.notice_item(order_id, provider, _plain(fields), outcome, _now()))


def _take(notice: Notice, fields: Mapping[str, Any]) -> Decision:
    """Check a notice whose signature is good and apply it at most once."""
    known_id = notice.order_id if domain.is_order_id(notice.order_id) else None
    order = storage.load_order(known_id) if known_id else None
    now = _now()
    decision = domain.decide(order, notice, now)
    if order is None or decision.transition is None:
        _keep(known_id, notice.provider, fields, decision.code)
        return decision
    after = domain.apply(order, decision, notice, now)
    event = _settled_event(after) if after.status == "paid" else None
    notice_item = storage.notice_item(known_id, notice.provider, _plain(fields), decision.code, now)
    try:
        storage.settle(order, after, notice_item, event=event)
    except storage.Conflict:
        # Another notice settled the order first: this one is a repeat.
        repeat = domain.answer(domain.ALREADY_CONFIRMED)
        _keep(known_id, notice.provider, fields, repeat.code)
        return repeat
    metrics.add_metric(name=f"Orders{after.status.capitalize()}", unit="Count", value=1)
    if event is not None:
        relay_quietly()
    return decision


def _plain(fields: Mapping[str, Any]) -> dict[str, str]:
    """A notice as text, bounded: what a bank sends is kept as sent, not trusted in size."""
    return {str(k)[:64]: str(v)[:512] for k, v in list(fields.items())[:64]}


def take_vnpay_notice(params: Mapping[str, str]) -> Decision:
    """VNPAY's IPN: signature, order, amount, state, in that order; never raises."""
    provider = PROVIDERS["vnpay"]
    assert isinstance(provider, Vnpay)
    try:
        if not provider.verify(params):
            _keep(_order_id_in(params.get("vnp_TxnRef")), "vnpay", params, domain.INVALID_SIGNATURE)
            return domain.answer(domain.INVALID_SIGNATURE)
        notice = provider.notice(params)
        return _take(notice, params)
    except Exception as error:
        log.error("notice not handled", extra={"trace": observability.safe_trace(error)})
        return domain.answer(domain.OTHER)


def take_momo_notice(ipn: Mapping[str, Any]) -> Decision:
    provider = PROVIDERS["momo"]
    assert isinstance(provider, Momo)
    if not provider.verify(ipn):
        _keep(_order_id_in(str(ipn.get("orderId", ""))), "momo", ipn, domain.INVALID_SIGNATURE)
        return domain.answer(domain.INVALID_SIGNATURE)
    return _take(provider.notice(ipn), ipn)


def _order_id_in(text: str | None) -> str | None:
    return text if text and domain.is_order_id(text) else None


def return_status(params: Mapping[str, str]) -> tuple[str | None, bool, str | None]:
    """The citizen's browser back from the bank: only read, never write."""
    provider = PROVIDERS["vnpay"]
    assert isinstance(provider, Vnpay)
    order_id = _order_id_in(params.get("vnp_TxnRef"))
    if not provider.verify(params) or order_id is None:
        return order_id, False, None
    order = storage.load_order(order_id)
    return order_id, True, order.status if order else None


# -- expiry ----------------------------------------------------------------------------------
def expire(order: Order, now: datetime) -> bool:
    try:
        storage.settle(
            order,
            order.expired(now),
            storage.notice_item(order.order_id, "portal", {"reason": "expired"}, "expired", now),
            event=None,
        )
    except storage.Conflict:
        return False
    metrics.add_metric(name="OrdersExpired", unit="Count", value=1)
    return True


def expire_overdue() -> int:
    now = _now()
    return sum(expire(order, now) for order in storage.overdue(now))


# -- refunds ---------------------------------------------------------------------------------
def refund(order_id: str, reason: str, operator: Principal, client_ip: str) -> Order:
    order = view_order(order_id, operator)
    if order.status == "refunded":
        return order
    if order.status != "paid":
        raise conflict(_NOT_REFUNDABLE)
    try:
        result = PROVIDERS[order.provider].refund(
            order, reason=reason, operator=operator.sub[:64], client_ip=client_ip
        )
    except ProviderError:
        raise Problem(502, _PROVIDER_DOWN) from None
    if not result.confirmed:
        raise Problem(502, _PROVIDER_DOWN)
    after = order.refunded(reason, _now())
    try:
        storage.refund(order, after)
    except storage.Conflict:
        latest = storage.load_order(order_id)
        if latest is not None and latest.status == "refunded":
            return latest
        raise conflict(_NOT_REFUNDABLE) from None
    metrics.add_metric(name="OrdersRefunded", unit="Count", value=1)
    return after


# -- the settled event -----------------------------------------------------------------------
def relay_quietly() -> int:
    """Send settled events still in the outbox; a failure leaves them for the schedule."""
    sent = 0
    try:
        queue = aws.queue_url(get_settings().payment_settled_queue)
        for event in storage.outbox_events():
            aws.sqs().send_message(
                QueueUrl=queue,
                MessageBody=json.dumps(event),
                MessageAttributes={
                    "type": {"DataType": "String", "StringValue": "payment.settled"}
                },
            )
            storage.outbox_sent(str(event["order_id"]))
            sent += 1
    except Exception as error:
        log.warning(
            "settled events not relayed yet", extra={"trace": observability.safe_trace(error)}
        )
    return sent

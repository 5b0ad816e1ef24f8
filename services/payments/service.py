"""Payments use cases: create an order, take a provider's notice, expire, refund, issue
e-receipts, reconcile a statement, relay the settled events.

Handlers in ``app.py`` translate HTTP and SQS to these calls and back; ``storage`` and
``receipt_storage`` do the reads and writes; the decisions themselves are
:mod:`services.payments.domain` and :mod:`services.payments.reconciliation`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from services.core import catalogue_view, clock, dossier_view, observability, queues
from services.core.auth import Principal, Role
from services.core.dynamo import Conflict
from services.core.messages import DossierPaid, PaymentSettled
from services.core.problems import (
    FieldError,
    Problem,
    Text,
    conflict,
    forbidden,
    invalid,
    not_found,
)
from services.core.pseudonyms import pseudonym
from services.core.settings import get_settings
from services.payments import domain, receipt_storage, storage
from services.payments.domain import (
    Decision,
    FeeLine,
    Notice,
    Order,
    Provider,
    Receipt,
    Returned,
)
from services.payments.providers import PROVIDERS, PaymentProvider, ProviderError

if TYPE_CHECKING:
    from services.payments import reconciliation

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
_OTHER_ORDER_PENDING = Text(
    "Hồ sơ đang có một đơn thanh toán khác chờ thanh toán.",
    "The dossier has another order waiting for payment (another procedure or provider).",
)
_NOT_THE_APPLICANT = Text(
    "Chỉ người nộp hồ sơ được thanh toán lệ phí cho hồ sơ này.",
    "Only the dossier's applicant pays for it.",
)
_NOT_REFUNDABLE = Text(
    "Chỉ hoàn tiền được đơn đã thanh toán.", "Only a paid order can be refunded."
)
_PROVIDER_DOWN = Text(
    "Ngân hàng chưa xác nhận, vui lòng thử lại sau.",
    "The payment provider did not confirm; try again later.",
)
_NOT_THE_BANKS = Text(
    "Đường dẫn này không mang chữ ký hợp lệ của ngân hàng.",
    "This link does not carry the bank's valid signature.",
)
_NO_RECEIPT_UNPAID = Text(
    "Đơn thanh toán chưa được thanh toán nên chưa có biên lai.",
    "The order is not paid, so it has no receipt.",
)
_RECEIPT_ON_ITS_WAY = Text(
    "Biên lai điện tử đang được phát hành, vui lòng xem lại sau ít giây.",
    "The e-receipt is being issued; look again in a few seconds.",
)


def owner_key(subject: str) -> str:
    """Who may see an order, without keeping the person's identifier in the table."""
    return pseudonym("payments-owner", subject)


# -- the catalogue, read-only ----------------------------------------------------------------
def _payable(procedure_code: str) -> catalogue_view.Procedure | None:
    """A published procedure with a fee, read from the catalogue: the amount is never the
    caller's to say. Read consistently, so an order opened right after a publication
    charges the fees just published."""
    procedure = catalogue_view.published_procedure(procedure_code, consistent=True)
    if procedure is None or procedure.fee_total_vnd <= 0 or not procedure.agency_ids:
        return None
    return procedure


def _procedure_name(order: Order) -> str:
    """The procedure's name with its diacritics: as the order kept it, or (an order made
    before orders kept it) as the catalogue has it now."""
    if order.procedure_name:
        return order.procedure_name
    procedure = catalogue_view.procedure(order.procedure_code)
    return procedure.name if procedure is not None else order.procedure_code


# -- orders ----------------------------------------------------------------------------------
def create_order(
    procedure_code: str,
    dossier_code: str,
    provider: Provider,
    citizen: Principal,
    client_ip: str,
    agency_id: str | None = None,
) -> tuple[Order, bool]:
    """The citizen's pending order for the dossier, new (True) or already waiting (False).

    The dossier's lock is the citizen's own (``DOSSIER#<code>#<owner>``): another citizen
    naming the same dossier code can neither block it nor learn anything about it.
    A dossier the portal holds is paid for by its applicant alone.
    """
    held = dossier_view.held_dossier(dossier_code)
    if held is not None and not held.is_applicant(citizen.sub):
        raise forbidden(_NOT_THE_APPLICANT)
    return _open_order(
        procedure_code, dossier_code, provider, owner_key(citizen.sub), client_ip, agency_id
    )


def _open_order(
    procedure_code: str,
    dossier_code: str,
    provider: Provider,
    owner: str,
    client_ip: str,
    agency_id: str | None,
) -> tuple[Order, bool]:
    procedure = _payable(procedure_code)
    if procedure is None:
        raise invalid([FieldError("procedure_code", "not published or has no fee")], _NOT_PAYABLE)
    if agency_id is None:
        agency_id = procedure.agency_ids[0]
    elif not procedure.implemented_by(agency_id):
        raise invalid([FieldError("agency_id", "does not implement this procedure")])
    now = clock.now()
    for _ in range(3):
        holder_id = storage.dossier_holder(dossier_code, owner)
        holder = storage.load_order(holder_id) if holder_id else None
        if holder is not None and holder.status == "paid":
            raise conflict(_ALREADY_PAID)
        if holder is not None and holder.status == "pending":
            if (holder.procedure_code, holder.provider) != (procedure_code, provider):
                raise conflict(_OTHER_ORDER_PENDING)
            if not holder.is_overdue(now):
                return holder, False
            expire(holder, now)
            continue
        order = Order(
            order_id=domain.new_order_id(),
            procedure_code=procedure_code,
            dossier_code=dossier_code,
            provider=provider,
            amount_vnd=procedure.fee_total_vnd,
            agency_id=agency_id,
            owner=owner,
            status="pending",
            created_at=now,
            expires_at=now + timedelta(minutes=get_settings().order_ttl_minutes),
            procedure_name=procedure.name,
            fees=tuple(FeeLine(fee.name, fee.amount_vnd) for fee in procedure.fees),
        )
        try:
            url = PROVIDERS[provider].payment_url(
                order,
                # The bank's order info is ASCII; the identifiers in it keep their marks
                # (the sandbox bank reads them to show the procedure and the agency).
                description=f"Le phi {procedure_code} ho so {dossier_code} tai {agency_id} "
                f"{procedure.name}",
                client_ip=client_ip,
            )
        except ProviderError:
            raise Problem(502, _PROVIDER_DOWN) from None
        order = Order(**{**_fields(order), "pay_url": url})
        try:
            storage.create_order(order, replacing=holder_id)
        except Conflict:
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
    if order.owner != owner_key(principal.sub):
        raise not_found(_NO_ORDER)  # someone else's order does not exist for this caller
    return order


# -- notices ---------------------------------------------------------------------------------
def _keep(order_id: str | None, provider: str, fields: Mapping[str, Any], outcome: str) -> None:
    storage.keep_notice(
        storage.notice_item(order_id, provider, _plain(fields), outcome, clock.now())
    )


def _take(notice: Notice, fields: Mapping[str, Any]) -> Decision:
    """Apply a notice whose signature is good, at most once.

    The common case, a first notice for a pending order, is one conditional write whose
    condition is every check in :func:`domain.decide`; only when it is refused is the order
    read, to answer the provider why, and the notice kept beside the order.
    """
    order_id = _order_id_in(notice.order_id)
    now = clock.now()
    # Whether the order's time had run out is judged at the moment the bank says it took
    # the money (signed), not when its notice happens to arrive.
    when = min(notice.paid_at or now, now)
    if order_id is None or notice.amount_vnd is None or notice.paid_without_transaction:
        # Refused whatever state the order is in: it is read only to answer why.
        order = storage.load_order(order_id) if order_id else None
        decision = domain.decide(order, notice, when)
        _keep(order_id, notice.provider, fields, decision.code)
        return decision
    paid = (notice.transaction_no, notice.paid_at or now) if notice.succeeded else None
    record = {"provider": notice.provider, "fields": _plain(fields), "received_at": now.isoformat()}
    try:
        settled = storage.settle_on_notice(
            order_id,
            provider=notice.provider,
            amount_vnd=notice.amount_vnd,
            paid=paid,  # type: ignore[arg-type]
            notice=record,
            now=when,
            event_due=now + SETTLED_EVENT_GRACE,
        )
    except storage.Refused as refused:
        decision = domain.decide(refused.order, notice, when)
        if decision.transition == "expired" and refused.order is not None:
            expire(refused.order, now)
        elif decision.transition is not None:
            # Between the refused write and the read, the order moved on: a repeat.
            decision = domain.answer(domain.ALREADY_CONFIRMED)
        _keep(order_id, notice.provider, fields, decision.code)
        return decision
    metrics.add_metric(name="OrdersPaid" if paid else "OrdersFailed", unit="Count", value=1)
    if paid:
        _send_settled(settled)
    return domain.answer(domain.CONFIRMED, "paid" if paid else "failed")


SETTLED_EVENT_GRACE = timedelta(minutes=1)
"""How long the relay leaves a just-paid order's settled event to the notice that paid it,
which sends it at once: the relay sends it only if that send never happened."""


def _send_settled(order: Order) -> None:
    """The settled event of an order just paid, sent now so that its receipt exists within
    seconds. The bank's answer is decided already and nothing here changes it: a send that
    fails makes the event due for the relay's next run (and if even that fails, the relay
    takes it once :data:`SETTLED_EVENT_GRACE` has passed)."""
    events = _settled([order])  # none: it could not be built (logged), left for a person
    try:
        for _, event in events:
            queues.send(get_settings().payment_settled_queue, event)
            queues.send(get_settings().report_events_queue, event)  # the index counts it
    except Exception as error:
        log.warning("settled event left to the relay", extra={"trace": _trace(error)})
        try:
            storage.event_due_now(order.order_id, clock.now())
        except Exception as marking:
            log.warning("settled event not marked due", extra={"trace": _trace(marking)})


def _trace(error: Exception) -> str:
    return observability.safe_trace(error)


def _plain(fields: Mapping[str, Any]) -> dict[str, str]:
    """A notice as text, bounded: what a bank sends is kept as sent, not trusted in size."""
    return {str(k)[:64]: str(v)[:512] for k, v in list(fields.items())[:64]}


# Answers that take a callback; any other is a refusal the provider will see.
ACCEPTED = frozenset({domain.CONFIRMED, domain.ALREADY_CONFIRMED})


def _counted(decision: Decision) -> Decision:
    """Count a refused callback: a run of them means a secret out of step, or forgery."""
    if decision.code not in ACCEPTED:
        metrics.add_metric(name="CallbacksRejected", unit="Count", value=1)
    return decision


def take_notice(provider_name: Provider, fields: Mapping[str, Any]) -> Decision:
    """A provider's IPN, VNPAY's or MoMo's: signature, order, amount, state, in that order;
    never raises."""
    return _counted(_decide_notice(PROVIDERS[provider_name], fields))


def _decide_notice(provider: PaymentProvider, fields: Mapping[str, Any]) -> Decision:
    order_id: str | None = None
    try:
        order_id = _order_id_in(provider.order_id(fields))
        if not provider.verify(fields):
            _keep(order_id, provider.name, fields, domain.INVALID_SIGNATURE)
            return domain.answer(domain.INVALID_SIGNATURE)
        return _take(provider.notice(fields), fields)
    except Exception as error:
        return _not_handled(error, order_id, provider.name, fields)


def _not_handled(
    error: Exception, order_id: str | None, provider: str, fields: Mapping[str, Any]
) -> Decision:
    """Anything unexpected is a ``99``, logged without the notice, and kept if it can be."""
    log.error("notice not handled", extra={"trace": observability.safe_trace(error)})
    try:
        _keep(order_id, provider, fields, domain.OTHER)
    except Exception as keeping:
        log.error("notice not kept", extra={"trace": observability.safe_trace(keeping)})
    return domain.answer(domain.OTHER)


def _order_id_in(text: str | None) -> str | None:
    return text if text and domain.is_order_id(text) else None


def returned(provider_name: Provider, params: Mapping[str, str]) -> Returned:
    """The citizen's browser back from the provider. Only read, never write: the browser's
    word settles nothing, the IPN does. Unless the provider's signature holds, nothing the
    link says is used beyond its order id (which the JSON answer has always echoed)."""
    provider = PROVIDERS[provider_name]
    order_id = _order_id_in(provider.order_id(params))
    if order_id is None or not provider.verify(params):
        return Returned(order_id, False, None, "unverified")
    order = storage.load_order(order_id)
    if order is not None and order.provider != provider_name:
        order = None
    outcome = domain.return_outcome(order, provider.verdict(params))
    return Returned(
        order_id,
        True,
        order,
        outcome,
        procedure_name=_procedure_name(order) if order is not None else "",
        query=urlencode(provider.vouched(params)),
    )


def pay_again(provider_name: Provider, params: Mapping[str, str], client_ip: str) -> Order:
    """A new order for the dossier of an order the citizen cancelled, or that failed or
    expired, asked for from the return page: the bank's signed return link is what proves
    the caller was that order's payer (it carries no token). The old order is not touched;
    a new one replaces it as the dossier's order, or the one already waiting is answered."""
    came_back = returned(provider_name, params)
    if not came_back.signature_valid:
        raise Problem(400, _NOT_THE_BANKS)
    old = came_back.order
    if old is None:
        raise not_found(_NO_ORDER)
    if old.status in ("paid", "refunded"):
        raise conflict(_ALREADY_PAID)
    order, _ = _open_order(
        old.procedure_code, old.dossier_code, old.provider, old.owner, client_ip, old.agency_id
    )
    return order


# -- expiry ----------------------------------------------------------------------------------
def expire(order: Order, now: datetime) -> bool:
    if not storage.expire(order.order_id, now):
        return False
    metrics.add_metric(name="OrdersExpired", unit="Count", value=1)
    return True


EXPIRY_GRACE = timedelta(minutes=5)
"""The sweep waits this long past an order's time: a payment made just in time may take a
moment to be notified, and must find its order still pending."""


def expire_overdue() -> int:
    now = clock.now()
    return sum(expire(order, now) for order in storage.overdue(now - EXPIRY_GRACE))


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
    after = order.refunded(reason, clock.now())
    try:
        storage.refund(order, reason, after.refunded_at or clock.now())
    except Conflict:
        latest = storage.load_order(order_id)
        if latest is not None and latest.status == "refunded":
            return latest
        raise conflict(_NOT_REFUNDABLE) from None
    metrics.add_metric(name="OrdersRefunded", unit="Count", value=1)
    return after


# -- e-receipts ------------------------------------------------------------------------------
RECEIPT_ATTEMPTS = 20


class ReceiptNotIssued(Exception):
    """Contention outlasted the attempts; the message is retried later."""


def receive_settled(message: PaymentSettled) -> None:
    """A settled event from the queue: the order's receipt. The message names the order;
    what the receipt says is read from the order itself."""
    issued = issue_receipt(message.order_id)
    log.info("receipt", extra={"issued": issued is not None})
    if issued is not None:
        _tell_dossiers(message)


def _tell_dossiers(message: PaymentSettled) -> None:
    """The dossiers service marks the dossier paid online from this message (never a write
    into its table); sent again with every redelivery, which it takes once."""
    paid = DossierPaid(
        dossier_code=message.dossier_code,
        procedure_code=message.procedure_code,
        agency_id=message.agency_id,
        order_id=message.order_id,
        amount_vnd=message.amount_vnd,
        paid_at=message.paid_at or clock.now(),
    )
    queues.send(get_settings().dossier_payments_queue, paid)


def issue_receipt(order_id: str) -> str | None:
    """The order's receipt number, issuing it if needed; None if the order was not paid.

    One per paid order, numbered per agency and year without gaps, issued exactly once
    however often the settlement message arrives: the number is taken by a transaction that
    moves the agency's counter from the value read to the next one and gives the order its
    receipt only if it has none. Two consumers racing for a number cannot both win it, and
    a redelivered message finds the receipt already there.
    """
    names: tuple[str, str] | None = None
    for attempt in range(RECEIPT_ATTEMPTS):
        order = storage.load_order(order_id)
        if order is None or order.paid_at is None:
            return None
        if order.receipt_no:
            return order.receipt_no
        if names is None:
            agency = catalogue_view.agency(order.agency_id)
            names = (agency.name if agency else order.agency_id, _procedure_name(order))
        year = clock.local_date(order.paid_at).year
        seen = receipt_storage.last_receipt_number(order.agency_id, year)
        number = domain.receipt_number(order.agency_id, year, seen + 1)
        try:
            receipt_storage.issue_receipt(
                order,
                year,
                seen,
                number,
                clock.now(),
                agency_name=names[0],
                procedure_name=names[1],
            )
        except Conflict:
            # Another consumer took the number, or this order's receipt: read again.
            time.sleep(random.uniform(0, 0.01) * (attempt + 1))  # noqa: S311 - jitter
            continue
        return number
    raise ReceiptNotIssued(order_id)


def view_receipt(order_id: str, principal: Principal | None) -> Receipt:
    """The e-receipt of an order its caller may see (404 otherwise, as for the order); 409
    while the order has none: not paid, or paid and its receipt a moment from issued."""
    order = view_order(order_id, principal)
    receipt = receipt_storage.receipt_of(order)
    if receipt is not None:
        return receipt
    if order.paid_at is not None and order.status in ("paid", "refunded"):
        raise Problem(409, _RECEIPT_ON_ITS_WAY, headers={"Retry-After": "2"})
    raise conflict(_NO_RECEIPT_UNPAID)


# -- reconciliation (đối soát) ---------------------------------------------------------------
FLAG_BANK_PAID = "bank_reports_paid"
_STATEMENT_REFUSED = Text("Bảng kê không đối soát được.", "The statement cannot be reconciled.")


def _facts(order: Order) -> reconciliation.OrderFacts:
    from services.payments import reconciliation

    return reconciliation.OrderFacts(
        order_id=order.order_id,
        status=order.status,
        amount_vnd=order.amount_vnd,
        bank_transaction_no=order.bank_transaction_no,
        paid_at=order.paid_at,
    )


def reconcile_statement(
    text: str, provider: Provider, statement_day: date | None = None
) -> reconciliation.Reconciliation:
    """Compare a provider's daily statement with the orders: every order it names, and every
    order of that provider paid here on its days (GMT+7). ``statement_day`` is the day the
    provider says it covers: orders paid here that day are checked even when the statement
    lists none of them.

    Orders the bank says are paid while still pending here are flagged for an operator and
    nothing else: reconciliation never settles an order. A statement that is not one day's
    (cut short, or spanning more than ``MAX_DAYS`` days) is a 422 before any flag is set.
    """
    # Loaded on the day's one run, not at every container's cold start (its dataclasses
    # alone cost 15 ms of import): tests/test_cold_start.py holds payments to its budget.
    from services.payments import reconciliation

    statement = reconciliation.parse_statement(text)
    try:
        days = reconciliation.statement_days(statement, statement_day)
    except reconciliation.StatementRefused as refused:
        raise invalid([FieldError("statement", refused.reason)], _STATEMENT_REFUSED) from None
    named = [line.order_id for line in statement.lines if domain.is_order_id(line.order_id)]
    orders = {order.order_id: order for order in storage.load_orders(named)}
    for day in days:
        for order in storage.paid_on(day.isoformat()):
            if order.provider == provider:
                orders.setdefault(order.order_id, order)
    report = reconciliation.reconcile(statement.lines, [_facts(o) for o in orders.values()])
    for order_id in report.flagged_order_ids:
        storage.flag(order_id, FLAG_BANK_PAID)  # False: settled meanwhile, nothing to flag
    metrics.add_metric(name="ReconciliationsRun", unit="Count", value=1)
    if report.flagged_order_ids:
        metrics.add_metric(name="OrdersFlagged", unit="Count", value=len(report.flagged_order_ids))
    return reconciliation.Reconciliation(report, list(statement.errors), statement.truncated)


# -- the settled event -----------------------------------------------------------------------
RELAY_BUDGET_SECONDS = 40  # the schedule runs every minute; one run never overlaps the next


def _settled(orders: list[Order]) -> list[tuple[str, PaymentSettled]]:
    """The settled event of each order, by order id. An order the message refuses to carry
    is logged (by id) and left in the outbox for a person, without holding up the rest."""
    events: list[tuple[str, PaymentSettled]] = []
    for order in orders:
        try:
            event = PaymentSettled(
                order_id=order.order_id,
                agency_id=order.agency_id,
                procedure_code=order.procedure_code,
                dossier_code=order.dossier_code,
                amount_vnd=order.amount_vnd,
                paid_at=order.paid_at,
                bank_transaction_no=order.bank_transaction_no,
            )
        except ValueError:
            log.error("settled event not built", extra={"order_id": order.order_id})
            continue
        events.append((order.order_id, event))
    return events


def relay_quietly(budget_seconds: float = RELAY_BUDGET_SECONDS) -> int:
    """Send the settled event of every paid order in the outbox, ten to a request, until
    it is empty or the time is up; what fails stays there for the next run. Consumers are
    idempotent, so an event sent again after a crash between sending and clearing costs
    nothing."""
    sent = 0
    deadline = time.monotonic() + budget_seconds
    try:
        settings = get_settings()
        while time.monotonic() < deadline and (waiting := storage.outbox(clock.now())):
            by_id = {order.order_id: order for order in waiting}
            events = list(_settled(waiting))
            # An order leaves the outbox only when reports took its event too; both
            # consumers apply an order's settlement once.
            reported = set(queues.send_batch(settings.report_events_queue, events))
            taken = [
                o
                for o in queues.send_batch(settings.payment_settled_queue, events)
                if o in reported
            ]
            for order_id in taken:
                storage.event_sent(by_id[order_id], clock.now())
            sent += len(taken)
            if len(taken) < len(waiting):
                return sent  # the queue refused some, or an event could not be built
    except Exception as error:
        trace = observability.safe_trace(error)
        log.warning("settled events not relayed yet", extra={"trace": trace})
    return sent

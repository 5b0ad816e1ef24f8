"""Online payment of procedure fees: routes, the settlement consumer and schedules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Rate, Response, SQSEvent

from services.core import pages as core_pages
from services.core import queues
from services.core.api import JSON, Api, Reply, current_language
from services.core.auth import Principal, Role
from services.core.messages import PAYMENT_SETTLED
from services.core.problems import Problem
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.payments import idempotency, pages, service
from services.payments.domain import Order, Provider, Receipt, Returned
from services.payments.models import (
    ORDER_ID_PATTERN,
    FeeLineView,
    MomoIpn,
    OrderBody,
    OrderView,
    ReceiptView,
    ReconciliationBody,
    ReconciliationReport,
    RefundBody,
    ReturnView,
    VnpayAnswer,
    VnpayParams,
)

if TYPE_CHECKING:
    from services.payments.reconciliation import Reconciliation

app = Chalice(app_name="portal-payments")
api = Api(
    app,
    service="payments",
    title="Online payment of procedure fees",
    description="Fee orders for administrative procedures, the banks' signed notifications, "
    "e-receipts, refunds and reconciliation.",
)
add_standard_routes(api, lambda: get_settings().payments_table)

ORDER = {"order_id": ORDER_ID_PATTERN}
PAGE_OR_JSON = (JSON, "text/html")
FORM = "application/x-www-form-urlencoded"


def _client_ip() -> str:
    request = app.current_request
    identity = (request.context or {}).get("identity", {}) if request else {}
    return str(identity.get("sourceIp") or "127.0.0.1")


def _query() -> dict[str, str]:
    request = app.current_request
    return dict(request.query_params or {}) if request else {}


def _wants_page(headers: Any) -> bool:
    return core_pages.wants_html(headers.get("accept"))


def _page(body: str, status: int = 200) -> Response:
    """A page for a person: its language said, never cached (it shows an order's state)."""
    return Response(
        body=body,
        status_code=status,
        headers={
            "Content-Type": core_pages.HTML,
            "Content-Language": current_language(),
            "Cache-Control": "no-store",
            "Vary": "Accept, Accept-Language",
        },
    )


def _view(order: Order) -> OrderView:
    return OrderView(
        order_id=order.order_id,
        procedure_code=order.procedure_code,
        dossier_code=order.dossier_code,
        provider=order.provider,
        amount_vnd=order.amount_vnd,
        status=order.status,
        pay_url=order.pay_url if order.status == "pending" else None,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        bank_transaction_no=order.bank_transaction_no,
        receipt_no=order.receipt_no,
        refunded_at=order.refunded_at,
    )


@api.route(
    "/orders",
    ("POST",),
    summary="Open a fee order for a dossier (or answer the one already pending)",
    description="The amount is the sum of the published procedure's fees. 201 for a new "
    "order, 200 with the pending order when the dossier already has one. With an "
    "`Idempotency-Key` header, a repeated request gets the first answer for 24 hours; the "
    "same key with another body is a 422.",
    body=OrderBody,
    response=OrderView,
    status=201,
    other_statuses=(200,),
    roles=(Role.CITIZEN,),
    errors=(400, 409, 502),
)
def create_order(body: OrderBody, principal: Principal, headers: Any) -> Reply:
    def work() -> dict[str, Any]:
        order, created = service.create_order(
            body.procedure_code,
            body.dossier_code,
            body.provider,
            principal,
            _client_ip(),
            agency_id=body.agency_id,
        )
        return {"status": 201 if created else 200, "order": _view(order).model_dump(mode="json")}

    key = headers.get("idempotency-key")
    if key is None:
        answer = work()
    else:
        owner = service.owner_key(principal.sub)
        request = body.model_dump(mode="json")
        answer = idempotency.once(key, owner, request, work, app.lambda_context)
    return Reply(OrderView.model_validate(answer["order"]), int(answer["status"]))


@api.route(
    "/orders/{order_id}",
    summary="One fee order: its citizen or an operator",
    response=OrderView,
    roles=(Role.CITIZEN, Role.OPERATOR),
    errors=(404,),
    path_patterns=ORDER,
)
def get_order(order_id: str, principal: Principal) -> OrderView:
    return _view(service.view_order(order_id, principal))


def _receipt_view(receipt: Receipt) -> ReceiptView:
    return ReceiptView(
        receipt_no=receipt.receipt_no,
        form=receipt.form,
        serial=receipt.serial,
        number=receipt.number,
        order_id=receipt.order_id,
        agency_id=receipt.agency_id,
        agency_name=receipt.agency_name,
        procedure_code=receipt.procedure_code,
        procedure_name=receipt.procedure_name,
        dossier_code=receipt.dossier_code,
        fees=[FeeLineView(name=f.name, amount_vnd=f.amount_vnd) for f in receipt.fees],
        total_vnd=receipt.total_vnd,
        total_in_words=core_pages.amount_in_words(receipt.total_vnd),
        payer_reference=receipt.payer_reference,
        paid_at=pages.in_vietnam(receipt.paid_at),
        issued_at=pages.in_vietnam(receipt.issued_at),
        provider=receipt.provider,
        bank_transaction_no=receipt.bank_transaction_no,
        refunded_at=pages.in_vietnam(receipt.refunded_at) if receipt.refunded_at else None,
    )


@api.route(
    "/orders/{order_id}/receipt",
    summary="The e-receipt (biên lai điện tử) of a paid order: its citizen or an operator",
    description="A page (`Accept: text/html`, printable) or JSON: the form and serial "
    "symbols, the number, the collecting agency, the fee lines, the total in figures and in "
    "Vietnamese words, the payer's pseudonymous reference and the time of payment in "
    "Vietnam time. 404 for an order the caller may not see, as for the order; 409 while the "
    "order has no receipt: not paid, or paid and its receipt being issued (then with "
    "`Retry-After`, in seconds).",
    response=ReceiptView,
    roles=(Role.CITIZEN, Role.OPERATOR),
    errors=(404, 409),
    path_patterns=ORDER,
    media_types=PAGE_OR_JSON,
)
def get_receipt(order_id: str, principal: Principal, headers: Any) -> Any:
    receipt = service.view_receipt(order_id, principal)
    if _wants_page(headers):
        return _page(pages.receipt_page(receipt, current_language()))
    return _receipt_view(receipt)


@api.route(
    "/orders/{order_id}/refund",
    ("POST",),
    summary="Refund a paid order through its provider",
    body=RefundBody,
    response=OrderView,
    roles=(Role.OPERATOR,),
    errors=(404, 409, 502),
    path_patterns=ORDER,
)
def refund_order(order_id: str, body: RefundBody, principal: Principal) -> OrderView:
    return _view(service.refund(order_id, body.reason, principal, _client_ip()))


@api.route(
    "/callbacks/vnpay/ipn",
    summary="VNPAY's payment notification (signed query string)",
    description="Always HTTP 200 with VNPAY's RspCode: 00 confirmed, 01 order not found, "
    "02 already confirmed, 04 invalid amount, 97 invalid signature, 99 other.",
    query=VnpayParams,
    response=VnpayAnswer,
    tags=("callbacks",),
    authenticate=False,
)
def vnpay_ipn(query: VnpayParams) -> VnpayAnswer:
    decision = service.take_notice("vnpay", _query())
    return VnpayAnswer(rsp_code=decision.code, message=decision.message)


_RETURN_DESCRIPTION = (
    "Verifies the bank's signature and shows the order as the portal holds it; it never "
    "changes an order (the IPN does). A caller whose `Accept` prefers `text/html` (a "
    "browser) gets a page, in Vietnamese or with `Accept-Language: en` in English: the "
    "procedure's name, the amount, the dossier and the outcome (paid, with the e-receipt's "
    "number once issued; confirming; cancelled by the citizen; failed at the bank; expired; "
    "or, when the signature does not hold, a warning showing nothing the link says). A "
    "cancelled, failed or expired order's page offers to pay again (`pay-again`). Others get "
    "JSON: `order_id`, `signature_valid` and `status`."
)


def _returned_answer(returned: Returned, headers: Any) -> Any:
    if _wants_page(headers):
        return _page(pages.return_page(returned, current_language()))
    status = returned.order.status if returned.order is not None else None
    return ReturnView(
        order_id=returned.order_id, signature_valid=returned.signature_valid, status=status
    )


@api.route(
    "/callbacks/vnpay/return",
    summary="The citizen's browser back from VNPAY: shows the order's status, changes nothing",
    description=_RETURN_DESCRIPTION,
    query=VnpayParams,
    response=ReturnView,
    tags=("callbacks",),
    authenticate=False,
    media_types=PAGE_OR_JSON,
)
def vnpay_return(query: VnpayParams, headers: Any) -> Any:
    return _returned_answer(service.returned("vnpay", _query()), headers)


@api.route(
    "/callbacks/momo/return",
    summary="The citizen's browser back from MoMo: shows the order's status, changes nothing",
    description=_RETURN_DESCRIPTION,
    response=ReturnView,
    tags=("callbacks",),
    authenticate=False,
    media_types=PAGE_OR_JSON,
)
def momo_return(headers: Any) -> Any:
    return _returned_answer(service.returned("momo", _query()), headers)


_PAY_AGAIN_DESCRIPTION = (
    "The return page's *Pay again* button: with the bank's signed return query of an order "
    "that was cancelled, failed or expired, opens a new order for the same dossier (or "
    "finds the one already waiting) and answers 303 to its `pay_url`. The signed link is "
    "the proof, as on the return page; no token is read. 400 when the signature does not "
    "hold, 404 for an order the portal does not have, 409 when it is paid."
)


def _pay_again(provider: Provider, headers: Any) -> Response:
    try:
        order = service.pay_again(provider, _query(), _client_ip())
    except Problem as problem:
        if not _wants_page(headers):
            raise
        body = problem.body(current_language())
        page = pages.message_page(body["title"], body["detail"], current_language())
        return _page(page, problem.status)
    return Response(
        body="", status_code=303, headers={"Location": order.pay_url, "Cache-Control": "no-store"}
    )


@api.route(
    "/callbacks/vnpay/pay-again",
    ("POST",),
    summary="Pay again after a cancelled, failed or expired VNPAY payment (the return page)",
    description=_PAY_AGAIN_DESCRIPTION,
    query=VnpayParams,
    status=303,
    errors=(400, 404, 409, 502),
    tags=("callbacks",),
    authenticate=False,
    content_types=(JSON, FORM),
)
def vnpay_pay_again(query: VnpayParams, headers: Any) -> Response:
    return _pay_again("vnpay", headers)


@api.route(
    "/callbacks/momo/pay-again",
    ("POST",),
    summary="Pay again after a cancelled, failed or expired MoMo payment (the return page)",
    description=_PAY_AGAIN_DESCRIPTION,
    status=303,
    errors=(400, 404, 409, 502),
    tags=("callbacks",),
    authenticate=False,
    content_types=(JSON, FORM),
)
def momo_pay_again(headers: Any) -> Response:
    return _pay_again("momo", headers)


@api.route(
    "/callbacks/momo/ipn",
    ("POST",),
    summary="MoMo's v2 payment notification (signed JSON); answers 204",
    body=MomoIpn,
    status=204,
    tags=("callbacks",),
    authenticate=False,
)
def momo_ipn(body: MomoIpn) -> Reply:
    service.take_notice("momo", body.model_dump(exclude_none=False))
    return Reply(None, 204)


@api.route(
    "/reconciliations",
    ("POST",),
    summary="Reconcile a provider's daily statement (đối soát)",
    description="Reports matched orders, orders paid here but not at the bank, paid at the "
    "bank but not here, amount mismatches, and orders still pending that the bank says are "
    "paid (flagged for an operator, never settled).",
    body=ReconciliationBody,
    response=ReconciliationReport,
    roles=(Role.OPERATOR,),
)
def reconcile(body: ReconciliationBody) -> ReconciliationReport:
    return report_model(service.reconcile_statement(body.statement, body.provider, body.day))


def report_model(outcome: Reconciliation) -> ReconciliationReport:
    return ReconciliationReport.model_validate(
        {
            **outcome.report.to_dict(),
            "clean": outcome.clean,
            "line_errors": [{"line": e.line, "message": e.message} for e in outcome.line_errors],
        }
    )


@app.schedule(Rate(1, unit=Rate.MINUTES), name="expire-payment-orders")
@api.background
def expire_orders(event: Any) -> None:
    service.expire_overdue()
    service.relay_quietly()


@app.on_sqs_message(
    queue=get_settings().payment_settled_queue, batch_size=10, name="issue-receipts"
)
@api.background
def issue_receipts(event: SQSEvent) -> dict[str, Any]:
    return queues.consume(
        event.to_dict(), event.context, PAYMENT_SETTLED, service.receive_settled, service.log
    )

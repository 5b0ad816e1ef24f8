"""Online payment of procedure fees: routes, the settlement consumer and schedules."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Rate, SQSEvent

from services.core import queues
from services.core.api import Api, Reply
from services.core.auth import Principal, Role
from services.core.messages import PAYMENT_SETTLED
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes
from services.payments import idempotency, service
from services.payments.domain import Order
from services.payments.models import (
    ORDER_ID_PATTERN,
    MomoIpn,
    OrderBody,
    OrderView,
    ReconciliationBody,
    ReconciliationReport,
    RefundBody,
    ReturnView,
    VnpayAnswer,
    VnpayParams,
)
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


def _client_ip() -> str:
    request = app.current_request
    identity = (request.context or {}).get("identity", {}) if request else {}
    return str(identity.get("sourceIp") or "127.0.0.1")


def _query() -> dict[str, str]:
    request = app.current_request
    return dict(request.query_params or {}) if request else {}


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


@api.route(
    "/callbacks/vnpay/return",
    summary="The citizen's browser back from VNPAY: shows the order's status, changes nothing",
    query=VnpayParams,
    response=ReturnView,
    tags=("callbacks",),
    authenticate=False,
)
def vnpay_return(query: VnpayParams) -> ReturnView:
    order_id, valid, status = service.return_status("vnpay", _query())
    return ReturnView(order_id=order_id, signature_valid=valid, status=status)


@api.route(
    "/callbacks/momo/return",
    summary="The citizen's browser back from MoMo: shows the order's status, changes nothing",
    response=ReturnView,
    tags=("callbacks",),
    authenticate=False,
)
def momo_return() -> ReturnView:
    order_id, valid, status = service.return_status("momo", _query())
    return ReturnView(order_id=order_id, signature_valid=valid, status=status)


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
